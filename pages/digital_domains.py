"""重点领域管理 (系统管理员): add, retire or restore the 重点领域 a 一件事 is planned around."""
import streamlit as st

import ui
from models import Role
from services import db
from services.digital import catalog

PAGE = "pages/digital_domains.py"
user = ui.require_user(Role.ADMIN, page=PAGE)
st.title("重点领域管理")
st.caption("区县围绕重点领域策划推出“一件事”。停用的重点领域不再供新录入选择，已使用该领域的事项保持不变。")
ui.flash()
with db.session_scope() as s:
    domains = catalog.domains(s, include_retired=True)
# Each domain's version when the user began retiring or restoring it: the action is refused
# when another administrator changed the domain in between.
seen = st.session_state.setdefault("domain_seen", {})


def _seen(domain_id: int, version: int) -> None:
    seen.setdefault(domain_id, version)


with st.form("add-domain", clear_on_submit=True):
    name = st.text_input("新增重点领域", placeholder="如：数字党建")
    if st.form_submit_button("新增", type="primary"):
        ui.perform(catalog.add_domain, f"已新增重点领域“{name.strip()}”", name=name)

st.caption(f"共 {len(domains)} 个，在用 {sum(not d.retired for d in domains)} 个")
for d in domains:
    with st.container(border=True):
        text, action = st.columns([3, 1], vertical_alignment="center")
        text.markdown(f"**{ui.literal(d.name)}**" + ("（已停用）" if d.retired else "（在用）"))
        if d.retired:
            done = action.button("启用", key=f"retire-{d.id}", width="stretch", on_click=_seen,
                                 args=(d.id, d.version))
        else:
            if st.session_state.get(f"retire-{d.id}-asking"):
                _seen(d.id, d.version)  # the domain as the confirmation asks about it
            else:
                seen.pop(d.id, None)
            done = ui.confirm_action("停用", f"停用重点领域“{d.name}”？停用后不再供新录入选择，"
                                     "已使用该领域的事项保持不变。", key=f"retire-{d.id}", at=action)
        if done:
            ui.perform(catalog.retire_domain, f"已{'启用' if d.retired else '停用'}重点领域“{d.name}”",
                       domain_id=d.id, retired=not d.retired,
                       version=seen.pop(d.id, d.version))
