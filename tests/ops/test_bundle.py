"""Offline install (README 运维 → 离线安装): the bundle installs and serves with pip kept off
the network (`--no-index`, no pip configuration, no index in the environment)."""
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

from services.config import ROOT
from tests.ops.test_manage import _manage

TEST_TOOLS = ("pytest", "hypothesis", "playwright")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _offline_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "VIRTUAL_ENV", "DATABASE_URL", "PYTHON"))}
    # No configuration file (so no index or find-links from the host), and no index at all.
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", **extra)
    return env


@pytest.mark.slow
def test_bundle_unpacked_elsewhere_installs_from_its_wheelhouse_and_serves(tmp_path):
    made = subprocess.run([sys.executable, "manage.py", "bundle", "--out", str(tmp_path / "dist"),
                           "--version", "t1"], cwd=ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    archive = tmp_path / "dist" / "reform-bundle-t1.tar.gz"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "unpacked", filter="data")
    app = tmp_path / "unpacked" / "reform-t1"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True,
                             text=True).stdout.split()
    port = _free_port()

    server = subprocess.Popen(
        [sys.executable, "manage.py", "run", "--port", str(port)], cwd=app,
        env=_offline_env(REFORM_DATA_DIR=str(tmp_path / "data")), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        health = ""
        deadline = time.time() + 240
        while time.time() < deadline and server.poll() is None and health != "ok":
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                                timeout=2).read().decode()
            except OSError:
                time.sleep(1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]

    assert health == "ok", output[-3000:]
    assert "wheelhouse/（离线）" in output
    assert any(n.startswith("reform-t1/wheelhouse/streamlit-") for n in names)
    assert not [n for n in names if n.startswith(tuple(f"reform-t1/wheelhouse/{t}-"
                                                          for t in TEST_TOOLS))]
    assert {f"reform-t1/{f}" for f in tracked if (ROOT / f).is_file()} <= set(names)
    assert not any("/.venv/" in n or n.endswith("reform.db") for n in names)
    assert (app / ".venv").is_dir() and (tmp_path / "data" / "reform.db").is_file()


# --------------------------------------------------------------------------- other machines

def _pins(path) -> dict[str, str]:
    return dict(line.split("==", 1) for line in path.read_text().splitlines()
                if "==" in line and not line.startswith("#"))


def test_the_app_requirements_hold_no_test_tools_and_the_dev_requirements_add_them():
    app, dev = _pins(ROOT / "requirements.txt"), _pins(ROOT / "requirements-dev.txt")

    assert not [name for name in app if name.lower() in TEST_TOOLS]
    assert set(dev) == set(TEST_TOOLS)
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()


def test_tests_install_the_dev_requirements_and_everything_else_only_the_app_ones(monkeypatch):
    manage = _manage()
    entered = []
    monkeypatch.setattr(manage, "enter_venv", entered.append)
    for command in ("test", "init"):
        monkeypatch.setitem(manage.IN_VENV, command, lambda args: None)
        monkeypatch.setattr(sys, "argv", ["manage.py", command])
        manage.main()

    assert entered == [manage.DEV_REQUIREMENTS, manage.REQUIREMENTS]
    assert manage.pip_install_command(Path("py"), manage.DEV_REQUIREMENTS)[-2:] == \
        ["-r", str(manage.DEV_REQUIREMENTS)]


def _wheel(folder, name: str, version: str, tag: str, requires: list[str]) -> None:
    import zipfile
    with zipfile.ZipFile(folder / f"{name}-{version}-{tag}.whl", "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA", "Metadata-Version: 2.1\n"
                    f"Name: {name}\nVersion: {version}\n"
                    + "".join(f"Requires-Dist: {r}\n" for r in requires))


def test_a_dependency_only_the_target_machine_needs_is_found_missing(tmp_path, monkeypatch):
    manage = _manage()
    (tmp_path / "requirements.txt").write_text("click==8.5.1\npsycopg[binary]==3.3.9\n")
    monkeypatch.setattr(manage, "REQUIREMENTS", tmp_path / "requirements.txt")
    _wheel(tmp_path, "click", "8.5.1", "py3-none-any",
           ['colorama; platform_system == "Windows"'])
    _wheel(tmp_path, "psycopg", "3.3.9", "py3-none-any",
           ['psycopg-binary==3.3.9; implementation_name != "pypy" and extra == "binary"',
            'tzdata; sys_platform == "win32"'])
    _wheel(tmp_path, "psycopg_binary", "3.3.9", "cp312-cp312-manylinux_2_28_aarch64", [])

    linux = manage.missing_for(tmp_path, "linux-aarch64", "3.12")
    windows = manage.missing_for(tmp_path, "windows-amd64", "3.12")
    other_python = manage.missing_for(tmp_path, "linux-aarch64", "3.13")

    assert linux == []
    assert windows == ["colorama", "tzdata"]
    assert other_python == ["psycopg-binary==3.3.9"]


@pytest.mark.slow
def test_a_windows_bundle_for_python_3_13_is_built_here_and_resolves_offline(tmp_path):
    made = subprocess.run([sys.executable, "manage.py", "bundle", "--target", "windows-amd64",
                           "--python", "3.13", "--out", str(tmp_path), "--version", "w"],
                          cwd=ROOT, capture_output=True, text=True)

    assert made.returncode == 0, made.stderr[-3000:]
    assert "已离线校验" in made.stdout
    with tarfile.open(tmp_path / "reform-bundle-w-windows-amd64.tar.gz") as tar:
        wheels = [n.rsplit("/", 1)[1] for n in tar.getnames() if "/wheelhouse/" in n]
    assert any(w.startswith("pandas-") and w.endswith("cp313-win_amd64.whl") for w in wheels)
    assert any(w.startswith("tzdata-") for w in wheels)
    assert not [w for w in wheels if w.startswith(TEST_TOOLS)]
