"""Login (streamlit-authenticator's cookie, users in the database) and password changes."""
import json
import time

import streamlit as st
import yaml

from services import accounts, config, db, seed
from services.errors import DomainError, SessionExpired
from services.identity import CurrentUser
from ui.menu import all_pages
from ui.widgets import literal

ROOT = config.ROOT
APP_TITLE = "区县改革报表填报系统"
PASSWORD_RULES = "新密码至少8位，须同时包含字母和数字，不能包含手机号，不能是初始密码或常见的弱密码。"
COOKIE_WRITES = 3  # runs after a password login that carry the cookie-writing script

@st.cache_resource(show_spinner="正在准备数据库…")
def bootstrap() -> bool:
    """Apply migrations and seed an empty database, once per process."""
    db.migrate()
    with db.session_scope() as session:
        seed.seed_all(session)
    return True


def _cookie_settings() -> dict:
    return yaml.safe_load((ROOT / "auth.yaml").read_text(encoding="utf-8"))["cookie"]


def _sign_in(user, issued_at: float) -> None:
    st.session_state.update(authentication_status=True, username=user.phone, name=user.name,
                            login_at=issued_at, logout=False, cookie_writes_left=COOKIE_WRITES)
    st.session_state.pop("login_message", None)
    st.session_state.pop("from_cookie", None)


def _sign_out(message: str = "") -> None:
    """End this browser session. The login cookie needs no deleting: the account's
    `sessions_valid_after` (or password change) already makes the server refuse it."""
    for key in ("name", "username", "authentication_status", "email", "roles"):
        st.session_state[key] = None
    st.session_state["logout"] = True
    for key in ("login_at", "current_user", "from_cookie", "cookie_writes_left"):
        st.session_state.pop(key, None)
    if message:
        st.session_state["login_message"] = message


def _cookie_script(phone: str, issued_at: float) -> str:
    """A script that writes the login cookie, run in the page itself (no iframe).

    A browser component would rerun the page once it had loaded, and a rerun landing on a
    click (a menu entry, a button) replaces that click: so no component is used. The cookie is
    sent back only to this site (SameSite=Lax), and only over HTTPS when the site is served so.
    """
    cookie = _cookie_settings()
    days = float(cookie["expiry_days"])
    token = accounts.make_login_token(phone, key=config.cookie_key(), expiry_days=days,
                                      issued_at=issued_at)
    expires_ms = int((issued_at + days * 86400) * 1000)
    value = json.dumps(f"{cookie['name']}={token}").replace("<", "\\u003c")  # no </script>
    return ("<script>document.cookie = " + value
            + f" + '; expires=' + new Date({expires_ms}).toUTCString()"
            + " + '; path=/; SameSite=Lax'"
            + " + (location.protocol === 'https:' ? '; Secure' : '');</script>")


def _write_cookie() -> None:
    """After a password login, write the login cookie so that a new tab is logged in.

    The script is drawn on the first COOKIE_WRITES runs: a run cut short by the next click may
    not have reached the browser, and drawing it again changes nothing. It sits in a slot that
    every logged-in run draws, so that emptying it later does not move the page's other
    elements (a moved widget is drawn anew, and an open drop-down would close under the user).
    """
    slot = st.empty()
    left = st.session_state.get("cookie_writes_left", 0)
    if left <= 0:
        return
    st.session_state["cookie_writes_left"] = left - 1
    slot.html(_cookie_script(st.session_state["username"], float(st.session_state["login_at"])),
              unsafe_allow_javascript=True)


def _login_form():
    """Draw the login form; on success sign the session in and return the user row."""
    _hide_menu()
    st.title(APP_TITLE)
    if msg := st.session_state.get("login_message"):
        st.info(msg)
    with st.form("login"):
        st.subheader("用户登录")
        phone = st.text_input("手机号", max_chars=11, placeholder="渝快政手机号")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录", type="primary", width="stretch")
    st.caption("初始密码为 123456，首次登录须修改密码。忘记密码请联系系统管理员重置。")
    if not submitted:
        return None
    try:
        with db.session_scope() as session:
            user = accounts.authenticate(session, phone=phone, password=password)
    except DomainError as exc:
        st.error(literal(exc))
        return None
    _sign_in(user, time.time())
    return user


def _password_form(user: CurrentUser, *, forced: bool) -> bool:
    """The change-password form (forced at first login, voluntary on the workbench)."""
    if forced:
        st.warning("您正在使用初始密码，请先修改密码后再使用系统。")
    # What was typed stays after a refusal: the user corrects one field, not all three.
    with st.form("change_password"):
        old = st.text_input("原密码", type="password")
        new = st.text_input("新密码", type="password")
        st.caption(PASSWORD_RULES)
        confirm = st.text_input("确认新密码", type="password")
        submitted = st.form_submit_button("确认修改", type="primary")
    if not submitted:
        return False
    try:
        with db.session_scope() as session:
            accounts.change_password(session, actor=user, old=old, new=new, confirm=confirm)
    except DomainError as exc:
        st.error(literal(exc))
        return False
    return True


def _restore_from_cookie() -> None:
    """A new browser session with a valid login cookie starts logged in.

    The cookie is read from the page request (`st.context.cookies`): no component, so no
    rerun. Anything but a token signed with our key — forged (`alg=none`), garbled, badly
    signed, expired — counts as no cookie.
    """
    if st.session_state.get("authentication_status") or st.session_state.get("logout"):
        return
    cookie = _cookie_settings()
    found = accounts.read_login_token(st.context.cookies.get(cookie["name"]),
                                      key=config.cookie_key(),
                                      expiry_days=float(cookie["expiry_days"]))
    if found is not None:
        phone, issued_at = found
        st.session_state.update(authentication_status=True, username=phone, login_at=issued_at,
                                from_cookie=True)


def _checked_session():
    """(current user, must change password) for a still-valid session, else None."""
    if not st.session_state.get("authentication_status"):
        return None
    try:
        with db.session_scope() as session:
            user = accounts.check_session(session, phone=st.session_state["username"],
                                          issued_at=float(st.session_state.get("login_at") or 0))
            checked = accounts.current_user(session, user), user.must_change_password
    except SessionExpired as exc:
        # A cookie left from an ended session just means "not logged in"; a session that ends
        # while in use says why.
        _sign_out("" if st.session_state.get("from_cookie") else str(exc))
        return None
    st.session_state.pop("from_cookie", None)
    return checked


def _hide_menu() -> None:
    """Before login: no menu, and no page runs; every page's address is still known so that a
    deep link shows the login form (not "page not found") and opens after login."""
    pages = [st.Page(_login_page, title="用户登录", url_path="login", default=True)]
    pages += [st.Page(p.path, title=p.title, url_path=p.url) for p in all_pages()]
    st.navigation(pages, position="hidden")


def _login_page() -> None:
    """Never run: the entrypoint draws the login form itself before any page runs."""


def _login_then_stop() -> None:
    with st.container():
        _login_form()
    st.stop()


def authenticate() -> CurrentUser:
    """Run on every script run: resolve (and re-check) the logged-in user, or draw the login.

    The login page draws no component at all, so nothing but the user's own click reruns it.
    """
    if st.session_state.pop("logout_requested", False):
        if st.session_state.get("username"):
            with db.session_scope() as session:
                accounts.log_out(session, phone=st.session_state["username"])
        _sign_out("您已退出登录。")
    _restore_from_cookie()
    checked = _checked_session()
    # The login form's place, drawn on every run: in the run of the 登录 click the page follows
    # the emptied form, and without this slot it would move up one place in the next run, be
    # drawn anew and lose what the user had open (a tab, a drop-down).
    box = st.empty()
    if checked is None:
        with box.container():
            if _login_form() is None:
                st.stop()
        box.empty()
        checked = _checked_session()
        if checked is None:
            _login_then_stop()
    _write_cookie()
    current, must_change = checked
    if must_change:
        box = st.empty()
        with box.container():
            st.title("修改初始密码")
            changed = _password_form(current, forced=True)
        if not changed:
            st.stop()
        box.empty()
        _sign_out("密码已修改，请使用新密码重新登录。")
        _login_then_stop()
    st.session_state["current_user"] = current
    return current


def change_password_form(user: CurrentUser) -> None:
    if _password_form(user, forced=False):
        # The session (and its cookie) predate the change, so the next run asks for a login.
        st.success("密码已修改，请使用新密码重新登录。")
        st.button("重新登录")
