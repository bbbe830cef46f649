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


def token(phone="13800000101", key=None, exp=None, **claims) -> str:
    """A cookie as streamlit-authenticator writes it; by default issued just now."""
    exp = time.time() + float(COOKIE["expiry_days"]) * 86400 if exp is None else exp
    return jwt.encode({"username": phone, "exp_date": exp, **claims}, key or config.cookie_key(),
                      algorithm="HS256")


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
                                            expiry_days=1, issued_at=1_800_000_000.0)

    assert model._token_decode() == {"username": "13800000101",
                                     "exp_date": 1_800_000_000.0 + 86400}
