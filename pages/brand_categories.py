"""获评类别管理 (系统管理员): add, rename, retire or restore the categories of 改革品牌."""
import streamlit as st

import ui
from models import Role
from services import brand, db

PAGE = "pages/brand_categories.py"
user = ui.require_user(Role.ADMIN, page=PAGE)
st.title("获评类别管理")
st.caption("默认类别按操作说明：获全国肯定性评价、获全市推广。停用的类别不再供新录入选择，"
           "已使用该类别的记录保持不变；改名后所有记录显示新名称。")
ui.flash()
with db.session_scope() as s:
    categories = brand.categories(s, include_retired=True)
# Each category's version when the user began changing it (typed a name or clicked): the action
# is refused when another administrator changed the category in between.
seen = st.session_state.setdefault("category_seen", {})


def _seen(category_id: int, version: int) -> None:
    seen.setdefault(category_id, version)


with st.form("add-category", clear_on_submit=True):
    name = st.text_input("新增获评类别", placeholder="如：国家层面推广")
    if st.form_submit_button("新增", type="primary"):
        ui.perform(brand.add_category, f"已新增获评类别“{name.strip()}”", name=name)

for c in categories:
    with st.container(border=True):
        st.markdown(f"**{ui.literal(c.name)}**" + ("（已停用）" if c.retired else "（在用）"))
        new_name = st.text_input("名称", value=c.name, key=f"name-{c.id}",
                                 on_change=_seen, args=(c.id, c.version))
        left, right = st.columns(2)
        if left.button("改名", key=f"rename-{c.id}", width="stretch",
                       disabled=new_name.strip() == c.name, on_click=_seen,
                       args=(c.id, c.version)):
            ui.perform(brand.rename_category, "已改名", category_id=c.id, name=new_name,
                       version=seen.pop(c.id, c.version))
        if (right.button("启用", key=f"retire-{c.id}", width="stretch", on_click=_seen,
                         args=(c.id, c.version)) if c.retired else
                ui.confirm_action("停用", f"停用获评类别“{c.name}”？停用后不再供新录入选择，"
                                  "已使用该类别的记录保持不变。", key=f"retire-{c.id}", at=right)):
            ui.perform(brand.retire_category, "已启用" if c.retired else "已停用",
                       category_id=c.id, retired=not c.retired,
                       version=seen.pop(c.id, c.version))
