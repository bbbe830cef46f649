"""manage.py does what make does, on hosts without make (Windows, 麒麟, 统信 UOS)."""
import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select

from models import Org, User
from services.config import ROOT


def _manage():
    spec = importlib.util.spec_from_file_location("manage_under_test", ROOT / "manage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_manage_py_imports_only_the_standard_library_at_its_top_level():
    tree = ast.parse((ROOT / "manage.py").read_text(encoding="utf-8"))

    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name.split(".")[0] for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in top if isinstance(n, ast.ImportFrom)}

    assert names and names <= set(sys.stdlib_module_names)


def test_manage_py_runs_under_an_interpreter_without_the_app_packages(tmp_path):
    # `python -I -S`: no site-packages at all, as on a fresh host before .venv exists.
    shown = subprocess.run([sys.executable, "-I", "-S", str(ROOT / "manage.py"), "--help"],
                           capture_output=True, text=True)

    assert shown.returncode == 0
    for command in ("run", "test", "backup", "restore", "bundle", "init"):
        assert command in shown.stdout


def test_init_migrates_and_seeds_an_empty_data_dir(tmp_path):
    env = {**os.environ, "REFORM_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)

    done = subprocess.run([sys.executable, "manage.py", "init"], cwd=ROOT, env=env,
                          capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert "数据库已就绪" in done.stdout
    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'reform.db'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Org)).scalar_one() > 60
        assert conn.execute(select(func.count()).select_from(User)).scalar_one() == 14
    engine.dispose()


def test_test_command_passes_its_arguments_to_pytest():
    done = subprocess.run([sys.executable, "manage.py", "test", "tests/unit/test_docnumbers.py",
                           "-k", "manual_examples"], cwd=ROOT, capture_output=True, text=True)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout and "deselected" in done.stdout


def test_unknown_arguments_are_refused_in_chinese():
    done = subprocess.run([sys.executable, "manage.py", "run", "--bogus"], cwd=ROOT,
                          capture_output=True, text=True)

    assert done.returncode == 2 and "无法识别的参数：--bogus" in done.stderr


def test_requirements_come_from_the_wheelhouse_with_no_index_when_it_is_there(tmp_path,
                                                                              monkeypatch):
    manage = _manage()
    monkeypatch.setattr(manage, "WHEELHOUSE", tmp_path / "wheelhouse")
    online = manage.pip_install_command(Path("py"))
    (tmp_path / "wheelhouse").mkdir()

    offline = manage.pip_install_command(Path("py"))

    assert "--no-index" not in online
    assert offline[offline.index("--no-index"):offline.index("--no-index") + 3] == \
        ["--no-index", "--find-links", str(tmp_path / "wheelhouse")]


def test_windows_uses_the_scripts_folder_of_the_venv(monkeypatch):
    manage = _manage()
    monkeypatch.setattr(manage, "WINDOWS", True)

    assert manage.venv_python() == manage.VENV / "Scripts" / "python.exe"


def test_makefile_targets_only_call_manage_py():
    recipes = [line.strip() for line in (ROOT / "Makefile").read_text().splitlines()
               if line.startswith("\t")]
    app_steps = [r for r in recipes if not r.startswith("rm -rf")]

    assert app_steps and all(r.startswith("$(PYTHON) manage.py ") for r in app_steps)


def test_run_removes_batch_download_archives_a_stopped_server_left_behind(tmp_path,
                                                                          monkeypatch):
    manage = _manage()
    monkeypatch.setenv("REFORM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'reform.db'}")
    built = tmp_path / "data" / "tmp"
    built.mkdir(parents=True)
    stale, fresh = built / "brand-old.zip", built / "brand-new.zip"
    stale.write_bytes(b"PK")
    fresh.write_bytes(b"PK")
    os.utime(stale, (1, 1))
    started = []
    monkeypatch.setattr(manage, "_replace_process", started.append)

    manage.run(type("Args", (), {"port": 8600})())

    assert not stale.exists() and fresh.exists()
    assert "streamlit" in started[0]
