"""Two app instances on one PostgreSQL database and one shared data dir (README 运维 →
多实例部署), driven in headless Chromium; with nginx installed, also through deploy/nginx.conf."""
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text, update

from models import User
from services import accounts, db, pilots
from services.config import ROOT
from services.passwords import hash_password
from tests.e2e.conftest import (  # noqa: F401  (browser is a fixture)
    CHROMIUM, _free_port, browser, change_password, login, open_page, settle,
)
from tests.services.pilot_helpers import NATIONAL

pytestmark = [pytest.mark.slow, pytest.mark.postgresql, pytest.mark.e2e]
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PASSWORD = "Passw0rd1"


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not become healthy")


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    """Two `python manage.py run` servers sharing DATABASE_URL, REFORM_DATA_DIR and the key."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL not set")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed")
    base = PG_URL.rpartition("/")[0]
    name = f"reform_two_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{base}/{name}"
    shared = tmp_path_factory.mktemp("shared-data")
    env = {**os.environ, "DATABASE_URL": url, "REFORM_DATA_DIR": str(shared),
           "REFORM_COOKIE_KEY": secrets.token_hex(32)}
    subprocess.run([sys.executable, "manage.py", "init"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    engine = create_engine(url)
    with engine.begin() as conn:  # demo users past their first login, except 黔江区录入员
        conn.execute(update(User).where(User.phone != "13800000201")
                     .values(must_change_password=False, password_hash=hash_password(PASSWORD)))
    engine.dispose()
    procs, urls = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(subprocess.Popen([sys.executable, "manage.py", "run", "--port", str(port)],
                                      cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for u, p in zip(urls, procs):
            _wait_healthy(u, p)
        yield {"urls": urls, "db": url, "data": shared}
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=15)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _on_workbench(page) -> bool:
    try:
        page.get_by_role("heading", name="业务工作台").first.wait_for(timeout=15000)
    except Exception:  # noqa: BLE001 - playwright's timeout
        return False
    return page.get_by_role("button", name="登录", exact=True).count() == 0


def test_a_pilot_created_through_the_services_shows_on_the_second_instance(instances, browser,
                                                                          monkeypatch):
    monkeypatch.setenv("REFORM_DATA_DIR", str(instances["data"]))  # the upload lands in shared
    engine = db.make_engine(instances["db"])
    with db.session_scope(engine) as s:
        clerk = accounts.current_user(s, s.execute(
            select(User).where(User.phone == "13800000101")).scalar_one())
        dept_id = s.execute(text("SELECT id FROM org WHERE name = '市发展改革委'")).scalar_one()
        pilots.create(s, actor=clerk, uploads=NATIONAL, submit=True, data=pilots.PilotInput(
            name="跨实例可见改革试点", deploy_level="中办国办", doc_title="关于开展试点的通知",
            doc_number="国办发〔2025〕77号", content="开展改革", dept_id=dept_id,
            due_date=date(2027, 6, 30)))
    engine.dispose()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    login(page, instances["urls"][1], "13700000101", PASSWORD)
    open_page(page, "试点项目清单")

    page.get_by_text("共 1 个试点").first.wait_for()
    for attempt in range(3):  # a click that lands in a rerun closes the list again
        page.get_by_test_id("stSelectbox").filter(has_text="查看试点详情").first.click()
        try:
            page.get_by_role("option", name="跨实例可见改革试点").first.wait_for(timeout=5000)
            break
        except Exception:  # noqa: BLE001 - playwright's timeout
            settle(page)
            if attempt == 2:
                raise
    blobs = [p for p in (Path(instances["data"]) / "uploads").rglob("*") if p.is_file()]
    assert len(blobs) == 1
    context.close()


def test_a_password_changed_on_instance_one_logs_in_on_instance_two(instances, browser):
    first, second = instances["urls"]
    one = browser.new_context().new_page()
    login(one, first, "13800000201", "123456")
    one.get_by_text("修改初始密码").first.wait_for()
    change_password(one, "123456", "Qianjiang2026")
    one.get_by_text("密码已修改，请使用新密码重新登录").first.wait_for()
    refused = browser.new_context().new_page()
    two = browser.new_context().new_page()

    login(refused, second, "13800000201", "123456")
    login(two, second, "13800000201", "Qianjiang2026")

    refused.get_by_text("手机号或密码错误").first.wait_for()
    assert _on_workbench(two)


def test_a_session_on_instance_one_survives_reloads_and_the_shared_key_opens_instance_two(
        instances, browser):
    first, second = instances["urls"]
    context = browser.new_context()
    page = context.new_page()
    login(page, first, "13800000101", PASSWORD)
    assert _on_workbench(page)

    for _ in range(3):
        page.reload()
        settle(page)
        assert _on_workbench(page), "a reload on instance 1 lost the login"
    open_page(page, "试点项目清单")
    # The same browser on the other instance (as after a failover): the login cookie is
    # signed with the shared REFORM_COOKIE_KEY, so no new login is asked for.
    other = context.new_page()
    other.goto(second)
    settle(other)

    assert _on_workbench(other)
    context.close()


def _nginx_in_front(instances, tmp: Path) -> tuple[subprocess.Popen, str]:
    http_port, https_port = _free_port(), _free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(tmp / "k.pem"),
                    "-out", str(tmp / "c.pem")], check=True, capture_output=True)
    ports = [u.rsplit(":", 1)[1] for u in instances["urls"]]
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for old, new in (("127.0.0.1:8501", f"127.0.0.1:{ports[0]}"),
                     ("127.0.0.1:8502", f"127.0.0.1:{ports[1]}"),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
                     ("/etc/nginx/ssl/reform.crt", str(tmp / "c.pem")),
                     ("/etc/nginx/ssl/reform.key", str(tmp / "k.pem"))):
        assert old in conf
        conf = conf.replace(old, new)
    (tmp / "nginx.conf").write_text(conf, encoding="utf-8")
    proc = subprocess.Popen(
        ["nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g",
         f"daemon off; pid {tmp / 'nginx.pid'}; error_log {tmp / 'error.log'};"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return proc, f"https://127.0.0.1:{https_port}"


def test_through_nginx_a_browser_stays_on_one_instance_and_keeps_its_session(
        instances, browser, tmp_path):
    if shutil.which("nginx") is None or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl is not installed")
    proc, url = _nginx_in_front(instances, tmp_path)
    try:
        time.sleep(1)
        assert proc.poll() is None, (tmp_path / "error.log").read_text()
        context = browser.new_context(ignore_https_errors=True)
        page = context.new_page()
        login(page, url, "13900000101", PASSWORD)
        assert _on_workbench(page)
        route = next(c["value"] for c in context.cookies() if c["name"] == "reform_route")

        for _ in range(3):
            page.reload()
            settle(page)
            assert _on_workbench(page)
        open_page(page, "试点项目清单")

        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["reform_route"]["value"] == route and cookies["reform_route"]["secure"]
        # Served over HTTPS, the login cookie the page writes is sent over HTTPS only.
        assert cookies["reform_report_auth"]["secure"]
        context.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
