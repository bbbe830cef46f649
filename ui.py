"""The one UI helper module: login, navigation by role, page guards and small widgets."""
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit_authenticator as stauth
from streamlit.errors import StreamlitAPIException
import yaml

from models import ROLE_LABELS, Role
from services import accounts, config, db, files, notifications, pilots, progress, review, seed
from services.clock import local_time
from services.errors import DomainError, SessionExpired
from services.exports import XLSX_MIME, to_xlsx
from services.identity import CurrentUser

ROOT = Path(__file__).resolve().parent
APP_TITLE = "区县改革报表填报系统"

# page file, title, url, roles that may open it (None = every logged-in user), menu section.
# The url is the file's stem: on a fresh session Streamlit resolves a deep link against pages/
# before st.navigation runs, and a different name would show "page not found".
PAGES = [
    ("pages/workbench.py", "业务工作台", "workbench", None, "工作台"),
    ("pages/pilot_entry.py", "试点项目录入", "pilot_entry", {Role.CLERK}, "改革探索力"),
    ("pages/pilot_review.py", "试点项目审核", "pilot_review", {Role.REVIEWER, Role.CLERK},
     "改革探索力"),
    ("pages/progress_update.py", "试点推进状态更新", "progress_update", {Role.CLERK},
     "改革探索力"),
    ("pages/progress_review.py", "试点推进审核", "progress_review", {Role.REVIEWER, Role.CLERK},
     "改革探索力"),
    ("pages/pilot_list.py", "试点项目清单", "pilot_list", None, "改革探索力"),
    ("pages/users.py", "用户管理", "users", {Role.ADMIN}, "系统管理"),
    ("pages/settings.py", "系统设置", "settings", {Role.ADMIN}, "系统管理"),
]
# Which org kinds each page serves (pages not listed serve every kind).
PAGE_ORG_KINDS = {
    "pages/pilot_entry.py": {"district"},
    "pages/pilot_review.py": {"district", "department"},
    "pages/progress_update.py": {"district"},
    "pages/progress_review.py": {"district", "department", "reform_office"},
}
PAGE_ROLES_BY_KIND = {  # a department's clerk reviews; a district's clerk does not
    ("pages/pilot_review.py", "district"): {Role.REVIEWER},
    ("pages/progress_review.py", "district"): {Role.REVIEWER},
    ("pages/progress_review.py", "reform_office"): {Role.REVIEWER},
}


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
        submitted = st.form_submit_button("登录", type="primary", use_container_width=True)
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
    pages += [st.Page(path, title=title, url_path=url) for path, title, url, *_ in PAGES]
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


def may_open(user: CurrentUser, path: str) -> bool:
    """Whether the page at `path` belongs in this user's menu."""
    entry = next(p for p in PAGES if p[0] == path)
    roles = PAGE_ROLES_BY_KIND.get((path, user.org_kind), entry[3])
    kinds = PAGE_ORG_KINDS.get(path)
    return (roles is None or bool(user.roles & {r.value for r in roles})) and \
        (kinds is None or user.org_kind in kinds)


def navigation(user: CurrentUser):
    sections: dict[str, list] = {}
    for path, title, url, roles, section in PAGES:
        if may_open(user, path):
            sections.setdefault(section, []).append(
                st.Page(path, title=title, url_path=url, default=path == PAGES[0][0]))
    return st.navigation(sections)


def sidebar(user: CurrentUser) -> None:
    with db.session_scope() as session:
        unread = notifications.unread_count(session, actor=user)
    with st.sidebar:
        st.markdown(f"**{user.name}**  \n{user.org_name} · "
                    f"{'、'.join(ROLE_LABELS[Role(r)] for r in sorted(user.roles))}")
        if unread:
            st.caption(f"未读消息 {unread} 条（见业务工作台）")
        st.button("退出登录", key="logout_button", use_container_width=True,
                  on_click=lambda: st.session_state.update(logout_requested=True))


def require_user(*roles: Role, page: str | None = None) -> CurrentUser:
    """Page guard: the user resolved by the entrypoint, allowed on `page` / with `roles`."""
    user: CurrentUser | None = st.session_state.get("current_user")
    if user is None:
        # Only when Streamlit ran this page without the entrypoint: the very first request
        # after a restart that is a deep link runs pages/ directly. Send it through login.
        try:
            st.switch_page("Home.py")
        except StreamlitAPIException:
            st.warning("请先登录。")
            st.stop()
    if (roles and not user.has(*roles)) or (page and not may_open(user, page)):
        st.error("您没有访问此页面的权限。")
        st.stop()
    return user


def open_record(page: str, key: str, record_id: int) -> None:
    """Jump to `page` with a record preselected (the page reads and clears the key)."""
    st.session_state[key] = record_id
    st.switch_page(page)


def history(record_type: str, record_id: int) -> None:
    """审核记录 of a record, oldest first, with changed fields old→new."""
    with db.session_scope() as session:
        events = review.history(session, record_type=record_type, record_id=record_id)
    names = {**review.ACTION_LABELS, "create": "创建", "add_district": "增加涉及区县"}
    labels = {"pilot": pilots.FIELD_LABELS, "progress": progress.FIELD_LABELS}.get(record_type, {})
    rows = []
    for e in events:
        # Field names become the form's labels; internal columns (ASCII names) are left out.
        changes = "；".join(f"{labels.get(k, k)}：{_short(old)} → {_short(new)}"
                           for k, (old, new) in e["changes"].items()
                           if k in labels or not k.isascii())
        rows.append({"时间": accounts.local_time(e["time"]), "单位": e["org"],
                     "操作人": e["actor"], "角色": ROLE_LABELS.get(Role(e["role"]), e["role"])
                     if e["role"] in set(Role) else e["role"],
                     "操作": names.get(e["action"], e["action"]),
                     "状态变化": f"{e['from'] or '—'} → {e['to']}", "意见": e["comment"],
                     "修改内容": changes})
    with st.expander(f"审核记录（{len(rows)}）"):
        table(rows)
        excel_button(rows, filename=f"审核记录-{record_type}-{record_id}.xlsx",
                     key=f"hist-xlsx-{record_type}-{record_id}")


def _short(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def attachments(items, *, key: str) -> None:
    """Download buttons keeping the original file names (never rendered inline)."""

    if not items:
        st.caption("（无附件）")
    for att in items:
        st.download_button(f"⬇ {att.purpose}：{att.original_name}", data=files.content(att),
                           file_name=att.original_name, mime=files.mime_of(att),
                           key=f"{key}-att-{att.id}")


def reject_reason(key: str) -> str:
    return st.text_area("驳回原因", key=key, placeholder="请写明需要修改的内容（不少于5个字）",
                        height=80)


def change_password_form(user: CurrentUser) -> None:
    if _password_form(user.id, forced=False):
        # The session (and its cookie) predate the change, so the next run asks for a login.
        st.success("密码已修改，请使用新密码重新登录。")
        st.button("重新登录")


def excel_button(rows: list[dict], *, filename: str, label: str = "导出Excel",
                 key: str | None = None, headers: list[str] | None = None) -> None:
    rows = [{k: v for k, v in row.items() if k != "id"} for row in rows]  # ids are internal
    st.download_button(label, data=to_xlsx(rows, headers=headers), file_name=filename,
                       mime=XLSX_MIME, key=key or f"xlsx-{filename}", disabled=not rows)


def table(rows: list[dict], *, hide: tuple[str, ...] = ("id",)) -> None:
    if not rows:
        st.info("暂无数据")
        return
    frame = pd.DataFrame([{k: local_time(v) if isinstance(v, datetime) else v
                           for k, v in row.items()} for row in rows])
    st.dataframe(frame.drop(columns=[c for c in hide if c in frame.columns]),
                 hide_index=True, use_container_width=True)


def perform(fn, success: str, **kwargs) -> None:
    """Run a service action as the current user; on success rerun and show `success`.

    A refused action shows its Chinese message and changes nothing.
    """
    try:
        with st.spinner("正在处理…"), db.session_scope() as session:
            fn(session, actor=st.session_state["current_user"], **kwargs)
    except DomainError as exc:
        st.error(str(exc))
        return
    st.session_state["flash"] = success
    st.rerun()


def flash() -> None:
    """The success message of the action that caused this run, if any."""
    if msg := st.session_state.pop("flash", None):
        st.success(msg)
