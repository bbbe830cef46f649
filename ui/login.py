"""Login (streamlit-authenticator's cookie, users in the database) and password changes."""
import time

import streamlit as st
import streamlit_authenticator as stauth
import yaml

from services import accounts, config, db, seed
from services.errors import DomainError, SessionExpired
from services.identity import CurrentUser
from ui.menu import all_pages

ROOT = config.ROOT
APP_TITLE = "区县改革报表填报系统"

@st.cache_resource(show_spinner="正在准备数据库…")
def bootstrap() -> bool:
    """Apply migrations and seed an empty database, once per process."""
    db.migrate()
    with db.session_scope() as session:
        seed.seed_all(session)
    return True


def _cookie_settings() -> dict:
    return yaml.safe_load((ROOT / "auth.yaml").read_text(encoding="utf-8"))["cookie"]


def _authenticator() -> stauth.Authenticate:
    cookie = _cookie_settings()
    return stauth.Authenticate({"usernames": {}}, cookie["name"], config.cookie_key(),
                               cookie["expiry_days"], auto_hash=False, login_sleep_time=0)


def _sign_in(user, issued_at: float) -> None:
    st.session_state.update(authentication_status=True, username=user.phone, name=user.name,
                            login_at=issued_at, logout=False)
    st.session_state.pop("login_message", None)


def _sign_out(auth: stauth.Authenticate, message: str = "") -> None:
    auth.cookie_controller.delete_cookie()
    for key in ("name", "username", "authentication_status", "email", "roles"):
        st.session_state[key] = None
    st.session_state["logout"] = True
    st.session_state.pop("login_at", None)
    st.session_state.pop("current_user", None)
    if message:
        st.session_state["login_message"] = message


def _login_form(auth: stauth.Authenticate):
    """Draw the login form; on success sign the session in and return the user row."""
    _hide_menu()
    st.title(APP_TITLE)
    # Kept until the next successful login: the cookie component may trigger an extra rerun.
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
        st.error(str(exc))
        return None
    _sign_in(user, time.time())
    return user


def _password_form(user_id: int, *, forced: bool) -> bool:
    """The change-password form (forced at first login, voluntary on the workbench)."""
    if forced:
        st.warning("您正在使用初始密码，请先修改密码后再使用系统。")
    with st.form("change_password", clear_on_submit=True):
        old = st.text_input("原密码", type="password")
        new = st.text_input("新密码", type="password",
                            help="至少8位，须同时包含字母和数字，不能与手机号或初始密码相同")
        confirm = st.text_input("确认新密码", type="password")
        submitted = st.form_submit_button("确认修改", type="primary")
    if not submitted:
        return False
    try:
        with db.session_scope() as session:
            accounts.change_password(session, user_id=user_id, old=old, new=new, confirm=confirm)
    except DomainError as exc:
        st.error(str(exc))
        return False
    return True


def _restore_from_cookie(auth: stauth.Authenticate) -> None:
    if st.session_state.get("authentication_status") or st.session_state.get("logout"):
        return
    token = auth.cookie_controller.get_cookie()
    if token:
        issued_at = token["exp_date"] - float(_cookie_settings()["expiry_days"]) * 86400
        st.session_state.update(authentication_status=True, username=token["username"],
                                login_at=issued_at)


def _checked_session(auth: stauth.Authenticate):
    """(current user, must change password) for a still-valid session, else None."""
    if not st.session_state.get("authentication_status"):
        return None
    try:
        with db.session_scope() as session:
            user = accounts.check_session(session, phone=st.session_state["username"],
                                          issued_at=float(st.session_state.get("login_at") or 0))
            return accounts.current_user(session, user), user.must_change_password
    except SessionExpired as exc:
        _sign_out(auth, str(exc))
        return None


def _hide_menu() -> None:
    """Before login: no menu, and no page runs; every page's address is still known so that a
    deep link shows the login form (not "page not found") and opens after login."""
    pages = [st.Page(_login_page, title="用户登录", url_path="login", default=True)]
    pages += [st.Page(p.path, title=p.title, url_path=p.url) for p in all_pages()]
    st.navigation(pages, position="hidden")


def _login_page() -> None:
    """Never run: the entrypoint draws the login form itself before any page runs."""


def _login_then_stop(auth: stauth.Authenticate) -> None:
    with st.container():
        _login_form(auth)
    st.stop()


def authenticate() -> CurrentUser:
    """Run on every script run: resolve (and re-check) the logged-in user, or draw the login.

    Cookie writes happen through a component drawn in the run, so no rerun follows them.
    """
    auth = _authenticator()
    if st.session_state.pop("logout_requested", False):
        if st.session_state.get("username"):
            with db.session_scope() as session:
                accounts.log_out(session, phone=st.session_state["username"])
        _sign_out(auth, "您已退出登录。")
    _restore_from_cookie(auth)
    checked = _checked_session(auth)
    if checked is None:
        box = st.empty()
        with box.container():
            if _login_form(auth) is None:
                st.stop()
        box.empty()
        # The cookie is written by a component drawn in this run, outside the emptied box;
        # no rerun may follow it in this run.
        auth.cookie_controller.set_cookie()
        checked = _checked_session(auth)
        if checked is None:
            _login_then_stop(auth)
    current, must_change = checked
    if must_change:
        box = st.empty()
        with box.container():
            st.title("修改初始密码")
            changed = _password_form(current.id, forced=True)
        if not changed:
            st.stop()
        box.empty()
        _sign_out(auth, "密码已修改，请使用新密码重新登录。")
        _login_then_stop(auth)
    st.session_state["current_user"] = current
    st.session_state["_auth"] = auth
    return current


def change_password_form(user: CurrentUser) -> None:
    if _password_form(user.id, forced=False):
        # The session (and its cookie) predate the change, so the next run asks for a login.
        st.success("密码已修改，请使用新密码重新登录。")
        st.button("重新登录")
