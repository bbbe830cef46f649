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

import pytest

from services.config import ROOT

pytestmark = pytest.mark.slow


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
    assert {f"reform-t1/{f}" for f in tracked if (ROOT / f).is_file()} <= set(names)
    assert not any("/.venv/" in n or n.endswith("reform.db") for n in names)
    assert (app / ".venv").is_dir() and (tmp_path / "data" / "reform.db").is_file()
