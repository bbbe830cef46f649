"""A real server on a temporary data dir, and headless Debian Chromium driven by Playwright."""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        (pytest.fail if os.getenv("CI") in ("1", "true") else pytest.skip)("Chromium not installed")
    data = tmp_path_factory.mktemp("e2e-data")
    port = _free_port()
    env = {**os.environ, "REFORM_DATA_DIR": str(data), "PORT": str(port)}
    env.pop("DATABASE_URL", None)
    # Exactly what a person runs: `make run` (install check, migrate, seed, serve).
    proc = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    server_data_dirs[url] = data
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("`make run` did not serve the app within two minutes")
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def settle(page) -> None:
    """Wait until the script run finished and the connection is up."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]'
                           '[data-test-connection-state="CONNECTED"]', timeout=30000)
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                           timeout=30000)


def login(page, url: str, phone: str, password: str) -> None:
    page.goto(url)
    settle(page)
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    settle(page)


def change_password(page, old: str, new: str) -> None:
    """Fill the 修改密码 form (forced or on 业务工作台) and press 确认修改."""
    page.get_by_label("原密码").fill(old)
    page.get_by_label("新密码", exact=True).fill(new)
    page.get_by_label("确认新密码").fill(new)
    page.get_by_role("button", name="确认修改").click()
    settle(page)


PASSWORD = "Passw0rd1"  # the demo users' password on `server_with_passwords`


LANDING = re.compile("^(业务工作台|区县改革报表驾驶舱)$")  # leaders land on the cockpit


def sign_in(page, url: str, phone: str, password: str = PASSWORD) -> None:
    """Log in and wait for the landing page (one click on 登录: a lost click fails the test)."""
    login(page, url, phone, password)
    page.get_by_role("heading", name=LANDING).first.wait_for(timeout=15000)


def logout(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    settle(page)


def choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def fill(page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).fill(value)
    settle(page)


def type_date(page, label: str, digits: str) -> None:
    """Type a date into Streamlit's segmented date field (digits as YYYYMMDD)."""
    page.get_by_role("group", name=label).get_by_role("spinbutton").first.click()
    page.keyboard.type(digits)
    settle(page)


def upload(page, label: str, path) -> None:
    """Choose a file in the uploader whose label contains `label`."""
    page.get_by_test_id("stFileUploader").filter(has_text=label) \
        .locator("input[type=file]").set_input_files(str(path))
    settle(page)


def open_page(page, title: str) -> None:
    """Click a menu entry once and wait for its page (a lost click fails the test)."""
    page.get_by_role("link", name=title).click()
    settle(page)
    page.get_by_role("heading", name=title).first.wait_for(timeout=15000)


@pytest.fixture(scope="module")
def server_with_passwords(server):
    """The demo users past their first login, all with the password Passw0rd1."""
    from sqlalchemy import create_engine, update

    from models import User
    from services.passwords import hash_password
    data_dir = server_data_dirs[server]
    engine = create_engine(f"sqlite:///{data_dir / 'reform.db'}")
    with engine.begin() as conn:
        conn.execute(update(User).values(must_change_password=False,
                                         password_hash=hash_password("Passw0rd1")))
    engine.dispose()
    return server


server_data_dirs: dict[str, Path] = {}
