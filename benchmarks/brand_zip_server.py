"""Benchmark (SPEC §4 批量下载, served): a real server builds and serves the reform office's
download of about 196 MB of stored files, driven in headless Chromium; reports the server's
resident memory (VmRSS, and the peak VmHWM) before, after building and after each download,
and which archives are left in the data dir.

Usage: .venv/bin/python benchmarks/brand_zip_server.py [APP_DIR]
(APP_DIR: the checkout to serve, default this one; BRAND_ZIP_FILES / BRAND_ZIP_KB as in
benchmarks/brand_zip.py)."""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from brand_zip import add_approved_entries  # noqa: E402  (the same data as the build benchmark)

FILES = int(os.environ.get("BRAND_ZIP_FILES", "1225"))
SIZE_KB = int(os.environ.get("BRAND_ZIP_KB", "160"))
FILES_PER_ITEM = 5
OFFICE = "13700000101"
PASSWORD = "Passw0rd1"


def _memory(pid: int) -> str:
    found = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) // 1024
    return f"RSS {found['VmRSS']} MB (peak {found['VmHWM']} MB)"


def populate(data_dir: str) -> None:
    os.environ["REFORM_DATA_DIR"] = data_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/reform.db"
    from sqlalchemy import update

    from models import User
    from services import brand, db, seed
    from services.passwords import hash_password

    db.migrate()
    with db.session_scope() as session:
        seed.seed_all(session)
        brand.seed_categories(session)
        session.execute(update(User).values(must_change_password=False,
                                            password_hash=hash_password(PASSWORD)))
        add_approved_entries(session, files=FILES, size_kb=SIZE_KB, per_item=FILES_PER_ITEM)
        session.commit()


def main() -> int:
    app = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    data_dir = tempfile.mkdtemp(prefix="brand-zip-served-")
    populate(data_dir)
    print(f"data: {FILES} files of {SIZE_KB} KB ({FILES * SIZE_KB / 1024:.0f} MB); app: {app}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "REFORM_DATA_DIR": data_dir,
           "DATABASE_URL": f"sqlite:///{data_dir}/reform.db"}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run",
         "serve.py" if (app / "serve.py").exists() else "Home.py", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=app, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        return _drive(url, server.pid, Path(data_dir) / "tmp")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def _drive(url: str, pid: int, built: Path) -> int:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import ARGS, CHROMIUM, login, settle

    def left() -> str:
        sizes = [p.stat().st_size // 1048576 for p in built.glob("*.zip")] if built.is_dir() else []
        return f"{len(sizes)} archive(s) left on disk ({sum(sizes)} MB)"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        width = int(os.environ.get("BRAND_ZIP_WIDTH", "1280"))
        page = browser.new_page(accept_downloads=True, viewport={"width": width, "height": 900})
        login(page, url, OFFICE, PASSWORD)
        page.goto(f"{url}/brand_list")
        settle(page)
        page.get_by_role("tab", name="批量下载").click()
        settle(page)
        print(f"before:               {_memory(pid)}")
        page.get_by_role("button", name="生成批量下载文件").click()
        page.get_by_role("button", name="生成批量下载文件").wait_for()
        settle(page)
        page.get_by_text("已打包").wait_for(timeout=600000)
        print(f"after building:       {_memory(pid)}; {left()}")
        buttons = page.get_by_test_id("stDownloadButton").filter(
            has_text=re.compile(r"^下载(ZIP|第)"))
        if not buttons.count():  # links streamed by the server
            buttons = page.get_by_test_id("stLinkButton").filter(
                has_text=re.compile(r"^下载(ZIP|第)"))
        total = 0
        for i in range(buttons.count()):
            with page.expect_download(timeout=600000) as info:
                button = buttons.nth(i).get_by_role("button")
                (button if button.count() else buttons.nth(i).get_by_role("link")).click()
            target = Path(tempfile.mkdtemp()) / info.value.suggested_filename
            info.value.save_as(target)
            total += target.stat().st_size
            print(f"after download {i + 1}/{buttons.count()}: {_memory(pid)}; "
                  f"{info.value.suggested_filename} {target.stat().st_size // 1048576} MB; "
                  f"{left()}")
            target.unlink()
        page.screenshot(path=os.environ.get("BRAND_ZIP_SHOT", "/tmp/brand-zip-served.png"),
                        full_page=True)
        browser.close()
    print(f"downloaded {total // 1048576} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
