"""The login cookie: read from the page request and verified; the login page draws no
component (its rerun would swallow a click on 登录)."""
import base64
import json
import re
import time
from types import SimpleNamespace

import jwt
import pytest
import yaml
from streamlit.runtime import context as st_context
from streamlit.testing.v1 import AppTest

from services import accounts, config, db
from tests.pages.conftest import ROOT_SCRIPT

COOKIE = yaml.safe_load((config.ROOT / "auth.yaml").read_text(encoding="utf-8"))["cookie"]


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def token(phone="13800000101", key=None, exp=None, iat=None, **claims) -> str:
    """A cookie as we write it (streamlit-authenticator's claims and the issue time); by default
    issued just now."""
    iat = time.time() if iat is None else iat
    exp = iat + float(COOKIE["expiry_days"]) * 86400 if exp is None else exp
    return jwt.encode({"username": phone, "exp_date": exp, "iat": iat, **claims},
                      key or config.cookie_key(), algorithm="HS256")


def with_cookie(monkeypatch, value: str) -> AppTest:
    """The app as a browser sending `value` as the login cookie with its first request."""
    monkeypatch.setattr(st_context, "_get_client_context",
                        lambda: SimpleNamespace(cookies={COOKIE["name"]: value}, headers={}))
    return AppTest.from_file(ROOT_SCRIPT, default_timeout=30)


def shows_login_form(at: AppTest) -> bool:
    return [t.label for t in at.text_input] == ["手机号", "密码"]


FORGED = {
    "alg none": lambda: (b64({"alg": "none", "typ": "JWT"}) + "."
                         + b64({"username": "13800000000", "exp_date": time.time() + 3600}) + "."),
    "garbage": lambda: "这不是令牌%%%",
    "three garbage parts": lambda: "a.b.c",
    "bad signature": lambda: token("13800000000", key="not-our-key" * 4),
    "expiry as text": lambda: token(exp="2099-01-01"),
    "expired": lambda: token(exp=time.time() - 10),
    "not a phone": lambda: token(phone="<script>"),
    "no issue time": lambda: jwt.encode({"username": "13800000101",
                                         "exp_date": time.time() + 3600},
                                        config.cookie_key(), algorithm="HS256"),
    "issue time as text": lambda: token(iat="2026-01-01", exp=time.time() + 3600),
    "issued in the future": lambda: token(iat=time.time() + 86400),
    "huge": lambda: "x" * 100000,
}


@pytest.mark.parametrize("kind", list(FORGED))
def test_a_forged_cookie_shows_the_login_form_not_a_traceback(app_db, monkeypatch, kind):
    at = with_cookie(monkeypatch, FORGED[kind]()).run()

    assert not at.exception
    assert shows_login_form(at)
    assert not at.info and not at.error


def test_a_valid_cookie_opens_the_workbench(app_db, monkeypatch):
    at = with_cookie(monkeypatch, token("13800000101")).run()

    assert not at.exception
    assert at.title[0].value == "业务工作台"


def test_a_cookie_of_a_logged_out_session_just_shows_the_login_form(app_db, monkeypatch):
    cookie = token("13800000101")
    time.sleep(0.01)
    with db.session_scope() as s:
        accounts.log_out(s, phone="13800000101")

    at = with_cookie(monkeypatch, cookie).run()

    assert shows_login_form(at) and not at.info


def test_the_login_page_draws_no_component_before_or_after_a_refused_login(app_db):
    at = AppTest.from_file(ROOT_SCRIPT, default_timeout=30).run()
    assert at.get("component_instance") == []

    at.text_input[0].input("13800000101")
    at.text_input[1].input("wrong-password")
    at.button[0].click().run()

    assert at.error and at.get("component_instance") == []


def cookie_scripts(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html") if "document.cookie" in h.proto.body]


def test_the_cookie_is_written_by_an_in_page_script_right_after_a_password_login(app_db):
    at = AppTest.from_file(ROOT_SCRIPT, default_timeout=30).run()
    at.text_input[0].input("13800000101")
    at.text_input[1].input("Passw0rd!")

    at.button[0].click().run()

    assert at.title[0].value == "业务工作台"
    # No component: its rerun once loaded would replace the user's next click.
    assert at.get("component_instance") == []
    [script] = cookie_scripts(at)
    assert at.get("html")[0].proto.unsafe_allow_javascript
    value = re.search(r'"%s=([^"]+)"' % COOKIE["name"], script).group(1)
    phone, issued = accounts.read_login_token(value, key=config.cookie_key(),
                                              expiry_days=float(COOKIE["expiry_days"]))
    assert phone == "13800000101" and abs(issued - at.session_state["login_at"]) < 1e-3
    assert "SameSite=Lax" in script and "location.protocol === 'https:' ? '; Secure'" in script


def test_a_session_restored_from_the_cookie_writes_no_cookie(app_db, monkeypatch):
    at = with_cookie(monkeypatch, token("13800000101")).run()

    assert at.title[0].value == "业务工作台" and cookie_scripts(at) == []


def test_the_cookie_is_streamlit_authenticators_own_format():
    """streamlit-authenticator's cookie model decodes what we write (and auth.yaml holds its
    settings), so the library's reader and ours agree on one cookie."""
    from streamlit_authenticator.models.cookie_model import CookieModel

    model = CookieModel.__new__(CookieModel)  # without its browser component
    model.cookie_key = config.cookie_key()
    model.token = accounts.make_login_token("13800000101", key=config.cookie_key(),
                                            expiry_days=1, issued_at=1_700_000_000.0)

    assert model._token_decode() == {"username": "13800000101",
                                     "exp_date": 1_700_000_000.0 + 86400,
                                     "iat": 1_700_000_000.0}


def admin_of(session):
    from sqlalchemy import select
    from models import User
    return accounts.current_user(session, session.execute(
        select(User).where(User.phone == "13800000000")).scalars().one())


def user_id(session, phone):
    from sqlalchemy import select
    from models import User
    return session.execute(select(User.id).where(User.phone == phone)).scalar_one()


def test_a_cookie_copied_before_disable_does_not_log_in_after_enable(app_db, monkeypatch):
    cookie = token("13800000101")
    time.sleep(0.01)
    with db.session_scope() as s:
        admin, clerk = admin_of(s), user_id(s, "13800000101")
        accounts.set_disabled(s, actor=admin, user_id=clerk, disabled=True)
        accounts.set_disabled(s, actor=admin, user_id=clerk, disabled=False)

    at = with_cookie(monkeypatch, cookie).run()

    assert not at.exception and shows_login_form(at)


def test_a_cookie_from_before_a_lock_does_not_log_in_after_the_lock_runs_out(app_db, monkeypatch):
    from datetime import timedelta
    from sqlalchemy import update
    from models import User, utcnow
    from services.errors import LoginRefused
    cookie = token("13800000101")
    time.sleep(0.01)
    with db.session_scope() as s:
        for _ in range(accounts.MAX_FAILED_LOGINS):
            with pytest.raises(LoginRefused):
                accounts.authenticate(s, phone="13800000101", password="wrong")
        # The lock has run out.
        s.execute(update(User).where(User.phone == "13800000101")
                  .values(locked_until=utcnow() - timedelta(seconds=1)))
        s.commit()

    at = with_cookie(monkeypatch, cookie).run()

    assert not at.exception and shows_login_form(at)


def test_lowering_expiry_days_does_not_revive_a_logged_out_cookie(app_db, monkeypatch):
    from ui import login
    issued = time.time() - 3 * 86400  # a 30-day cookie from three days ago
    cookie = token("13800000101", iat=issued, exp=issued + 30 * 86400)
    with db.session_scope() as s:
        accounts.log_out(s, phone="13800000101")
    # The site now keeps cookies for 5 days: exp_date − 5 days would look 22 days newer than
    # the 退出登录, yet the cookie (issued three days ago) is still within 5 days of its issue.
    monkeypatch.setattr(login, "_cookie_settings", lambda: {**COOKIE, "expiry_days": 5})

    at = with_cookie(monkeypatch, cookie).run()

    assert not at.exception and shows_login_form(at)


def test_lowering_expiry_days_shortens_cookies_already_issued():
    issued = 1_800_000_000.0
    cookie = accounts.make_login_token("13800000101", key=config.cookie_key(), expiry_days=30,
                                       issued_at=issued)
    read = lambda days: accounts.read_login_token(  # noqa: E731
        cookie, key=config.cookie_key(), expiry_days=days, now=issued + 5 * 86400)

    assert read(30) == ("13800000101", issued)
    assert read(10) == ("13800000101", issued)
    assert read(3) is None
