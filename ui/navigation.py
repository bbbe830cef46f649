"""Navigation by role and org kind, page guards and record links."""
import streamlit as st
from streamlit.errors import StreamlitAPIException

from models import ROLE_LABELS, Role
from services import db, notifications
from services.identity import CurrentUser

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
    ("pages/progress_overview.py", "试点推进总览", "progress_overview", None, "改革探索力"),
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
