""".ci/run: optional browser and PostgreSQL on a workstation, required with CI=true, and never a
pass in which no test ran.

The script runs on a copy of itself with stand-ins on PATH for `make`, `apt-get`, `pg_isready`,
`pg_ctlcluster` and `fc-list`; the stand-in `make test` writes the JUnit report pytest would.
"""
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_MAKE = """#!/usr/bin/env bash
echo "make $* TEST_DATABASE_URL=${TEST_DATABASE_URL:-}" >> "$CALLS"
report="$(echo "$PYTEST_ADDOPTS" | sed -n 's/.*--junitxml=\\([^ ]*\\).*/\\1/p')"
[ -f "$FAKE_JUNIT" ] && cp "$FAKE_JUNIT" "$report"
exit "${FAKE_STATUS:-0}"
"""


def case(classname: str, name: str, skip: str | None = None) -> str:
    inner = f'<skipped type="pytest.skip" message="{skip}"/>' if skip else ""
    return f'<testcase classname="{classname}" name="{name}">{inner}</testcase>'


UNIT = case("tests.unit.test_exports", "test_export_has_frozen_header")
SERVICE = case("tests.services.test_files", "test_genuine_files_are_accepted")
PG_SKIPPED = case("tests.services.test_schema_and_seed", "test_migrations_on_postgresql",
                  skip="TEST_DATABASE_URL not set")
BROWSER = case("tests.e2e.test_login_browser", "test_login")
BROWSER_SKIPPED = case("tests.e2e.test_login_browser", "test_login",
                       skip="Chromium not installed")
OFFICE_SKIPPED = case("tests.services.test_printing", "test_the_printed_file_opens_in_libreoffice",
                      skip="soffice (LibreOffice) not installed")


def junit(*cases: str) -> str:
    return f'<testsuites><testsuite name="pytest">{"".join(cases)}</testsuite></testsuites>'


def executable(path: Path, body: str) -> None:
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def run_ci(tmp_path):
    """Run a copy of .ci/run; returns (exit code, output, calls to make)."""
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "run", repo / ".ci" / "run")
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "python").symlink_to(sys.executable)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    executable(bin_dir / "make", FAKE_MAKE)
    executable(bin_dir / "apt-get", "#!/bin/sh\nexit 100\n")
    executable(bin_dir / "pg_ctlcluster", "#!/bin/sh\nexit 1\n")
    executable(bin_dir / "fc-list", "#!/bin/sh\necho 'NotoSansCJK-Regular.ttc: Noto Sans CJK SC'\n")
    chromium = tmp_path / "chromium"
    soffice = tmp_path / "soffice"
    calls = tmp_path / "calls.log"
    calls.touch()

    def run(*, ci: bool, chromium_present: bool, pg_up: bool, report: str | None,
            status: int = 0, soffice_present: bool = True):
        if chromium_present:
            executable(chromium, "#!/bin/sh\n")
        if soffice_present:
            executable(soffice, "#!/bin/sh\n")
        executable(bin_dir / "pg_isready", f"#!/bin/sh\nexit {0 if pg_up else 2}\n")
        report_file = tmp_path / "junit.xml"
        if report is not None:
            report_file.write_text(report)
        env = {k: v for k, v in os.environ.items()
               if k not in ("CI", "TEST_DATABASE_URL", "PYTEST_ADDOPTS")}
        env.update(PATH=f"{bin_dir}:{env['PATH']}", CHROMIUM=str(chromium), CALLS=str(calls),
                   SOFFICE=str(soffice),
                   FAKE_JUNIT=str(report_file), FAKE_STATUS=str(status))
        if ci:
            env["CI"] = "true"
        done = subprocess.run(["bash", str(repo / ".ci" / "run")], env=env, text=True,
                              capture_output=True, timeout=60)
        return done.returncode, done.stdout + done.stderr, calls.read_text()

    return run


def test_a_workstation_without_chromium_or_postgresql_passes_with_those_tests_skipped(run_ci):
    code, output, calls = run_ci(ci=False, chromium_present=False, pg_up=False,
                                 report=junit(UNIT, SERVICE, PG_SKIPPED, BROWSER_SKIPPED))

    assert code == 0, output
    assert "browser tests will be skipped" in output and "SQLite only" in output
    assert calls.strip() == "make test TEST_DATABASE_URL="


@pytest.mark.parametrize("chromium_present, pg_up, refusal", [
    (False, True, "CI FAILED: Chromium is not installed"),
    (True, False, "CI FAILED: PostgreSQL is not reachable"),
], ids=["without chromium", "without postgresql"])
def test_ci_without_a_required_service_fails_before_running_tests(run_ci, chromium_present,
                                                                  pg_up, refusal):
    code, output, calls = run_ci(ci=True, chromium_present=chromium_present, pg_up=pg_up,
                                 report=junit(UNIT, BROWSER))

    assert code != 0
    assert refusal in output
    assert calls == ""


def test_ci_with_chromium_and_postgresql_passes_and_hands_the_database_to_the_tests(run_ci):
    code, output, calls = run_ci(ci=True, chromium_present=True, pg_up=True,
                                 report=junit(UNIT, SERVICE, BROWSER))

    assert code == 0, output
    assert "TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test" in calls
    assert "browser tests run: 1, skipped: 0" in output


def test_ci_without_libreoffice_fails_before_running_tests(run_ci):
    code, output, calls = run_ci(ci=True, chromium_present=True, pg_up=True,
                                 soffice_present=False, report=junit(UNIT, SERVICE, BROWSER))

    assert code != 0
    assert "CI FAILED: LibreOffice" in output and "libreoffice-writer-nogui" in output
    assert calls == ""


def test_a_workstation_without_libreoffice_passes_with_that_test_skipped(run_ci):
    code, output, _ = run_ci(ci=False, chromium_present=True, pg_up=True,
                             soffice_present=False,
                             report=junit(UNIT, SERVICE, BROWSER, OFFICE_SKIPPED))

    assert code == 0, output
    assert "the test that opens a printed Word file will be skipped" in output
    assert "skipped for want of LibreOffice: 1" in output


@pytest.mark.parametrize("report, problem", [
    (junit(UNIT, SERVICE, BROWSER, OFFICE_SKIPPED), "LibreOffice (soffice) tests were skipped"),
    (junit(UNIT, SERVICE, BROWSER_SKIPPED), "browser tests were skipped"),
    (junit(UNIT, SERVICE), "browser tests were skipped or did not run"),
    (junit(UNIT, SERVICE, BROWSER, PG_SKIPPED), "PostgreSQL tests were skipped"),
])
def test_ci_fails_when_browser_or_postgresql_tests_were_skipped_anyway(run_ci, report, problem):
    code, output, _ = run_ci(ci=True, chromium_present=True, pg_up=True, report=report)

    assert code != 0
    assert problem in output


@pytest.mark.parametrize("ci", [False, True])
def test_pytest_exit_code_5_fails_the_run(run_ci, ci):
    code, output, _ = run_ci(ci=ci, chromium_present=True, pg_up=True,
                             report=junit(), status=5)

    assert code != 0
    assert "pytest collected no tests (exit code 5)" in output


def test_a_run_in_which_every_test_was_skipped_fails(run_ci):
    code, output, _ = run_ci(ci=False, chromium_present=False, pg_up=False,
                             report=junit(PG_SKIPPED, BROWSER_SKIPPED))

    assert code != 0
    assert "no test ran (2 collected, all skipped)" in output


def test_failing_tests_fail_the_run(run_ci):
    code, output, _ = run_ci(ci=False, chromium_present=True, pg_up=True,
                             report=junit(UNIT), status=1)

    assert code != 0
    assert "make test exited with 1" in output


def test_a_missing_report_fails_the_run(run_ci):
    code, output, _ = run_ci(ci=False, chromium_present=True, pg_up=True, report=None)

    assert code != 0
    assert "pytest wrote no report" in output


PATCH_PLUGIN = """
import sys

def pytest_collection_finish(session):
    sys.modules["tests.e2e.conftest"].CHROMIUM = "/nonexistent/chromium"
"""


@pytest.mark.parametrize("ci, outcome", [(True, "1 error"), (False, "1 skipped")])
def test_browser_tests_fail_in_ci_and_skip_elsewhere_without_chromium(tmp_path, ci, outcome):
    (tmp_path / "no_chromium.py").write_text(PATCH_PLUGIN)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = f"{tmp_path}:{ROOT}"
    if ci:
        env["CI"] = "true"

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no_chromium",
         "tests/e2e/test_login_browser.py::test_wrong_password_gets_the_same_message_as_an_unknown_phone"],
        cwd=ROOT, env=env, text=True, capture_output=True, timeout=120)

    summary = done.stdout.strip().splitlines()[-1]
    assert outcome in summary, done.stdout + done.stderr
    if ci:
        assert "Chromium not installed" in done.stdout
