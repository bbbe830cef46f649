"""Navigation by role and org kind, page guards and record links."""
import streamlit as st
from streamlit.errors import StreamlitAPIException

from models import ROLE_LABELS, Role
from services import db, notifications, registry
from services.identity import CurrentUser
from services.review import Flow, PageSpec
from ui import style
from ui.widgets import literal

WORKBENCH = PageSpec("pages/workbench.py", "业务工作台", "all", "工作台")
COCKPIT = PageSpec("pages/cockpit.py", "区县改革报表驾驶舱", "all", "工作台")
SYSTEM_PAGES = (
    PageSpec("pages/users.py", "用户管理", lambda u: u.has(Role.ADMIN), "系统管理"),
    PageSpec("pages/settings.py", "系统设置", lambda u: u.has(Role.ADMIN), "系统管理"),
)


def _entries() -> list[tuple[PageSpec, Flow | None, str]]:
    """(page, its module's flow, menu section): the workbench, every registered module's
    pages in registration order, then administration."""
    rows = [(WORKBENCH, None, WORKBENCH.section), (COCKPIT, None, COCKPIT.section)]
    rows += [(page, flow, page.section or flow.section or flow.label)
             for flow in registry.flows() for page in flow.pages]
    rows += [(page, None, page.section) for page in SYSTEM_PAGES]
    return rows


def all_pages() -> list[PageSpec]:
    return [page for page, _, _ in _entries()]


def _allowed(page: PageSpec, flow: Flow | None, user: CurrentUser) -> bool:
    if callable(page.audience):
        return page.audience(user)
    if page.audience == "all":
        return True
    return flow is not None and flow.may_open(page, user)


def may_open(user: CurrentUser, path: str) -> bool:
    """Whether the page at `path` belongs in this user's menu (read from the module registry:
    entry pages for whoever enters the module's records, review pages for whoever reviews)."""
    return any(page.path == path and _allowed(page, flow, user)
               for page, flow, _ in _entries())


def landing(user: CurrentUser) -> PageSpec:
    """Leaders land on the cockpit (业务工作台 one click away); everyone else on 业务工作台."""
    return COCKPIT if user.has(Role.LEADER) else WORKBENCH


def navigation(user: CurrentUser):
    sections: dict[str, list] = {}
    first = landing(user)
    for page, flow, section in _entries():
        if _allowed(page, flow, user):
            sections.setdefault(section, []).append(
                st.Page(page.path, title=page.title, url_path=page.url,
                        default=page is first))
    return st.navigation(sections)


def sidebar(user: CurrentUser) -> None:
    """Who is logged in, unread messages and 退出登录; also the app's stylesheet (ui/style.py)."""
    style.apply()
    with db.session_scope() as session:
        unread = notifications.unread_count(session, actor=user)
    with st.sidebar:
        st.markdown(f"**{literal(user.name)}**  \n{literal(user.org_name)} · "
                    f"{'、'.join(ROLE_LABELS[Role(r)] for r in sorted(user.roles))}")
        if unread:
            st.caption(f"未读消息 {unread} 条（见业务工作台）")
        st.button("退出登录", key="logout_button", width="stretch",
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
