"""改革品牌审核: the district reviewer, then 市委改革办, 通过 or 驳回 (with a reason); the buttons
are the steps the flow allows this user now, and the service checks them again."""
import streamlit as st

import ui
from pages._brand_form import entry_facts
from services import brand, db
from services.brand import BRAND_FLOW
from services.review import Action, last_rejection

PAGE = "pages/brand_review.py"
user = ui.require_user(page=PAGE)
st.title("改革品牌审核")
ui.flash()
with db.session_scope() as s:
    queue = brand.review_queue(s, actor=user)
    districts = {o.id: o.name for o in brand.districts(s)}
    categories = {c.id: c.name for c in brand.categories(s, include_retired=True)}

with st.expander("审核要点（操作说明及规范）"):
    st.markdown("要做好自查，确定满足报表计分条件的才录入，不符合条件的数据，市委改革办将予以驳回，"
                "数据被驳回次数纳入区县驳回率计算。佐证材料要能充分印证本条改革经验满足报表计分条件；"
                "凡属对个人、集体工作予以肯定的通报表彰类文件、领导批示等，属于一般业务性工作的均不纳入审核统计。")

st.caption(f"待审核（{len(queue)}）")
if not queue:
    st.info("暂无待审核的改革品牌：已上报的都已审核完毕。新的上报会出现在业务工作台的待办事项中。")
    st.page_link("pages/workbench.py", label="返回业务工作台")
    st.stop()
choices = {e.id: f"{districts.get(e.org_id, '')}｜{e.item}（{e.status}）" for e in queue}
preselect = st.session_state.pop("open_brand", None)
picked = ui.pick("选择待审核的改革品牌", choices, key="review-pick", preselect=preselect, first=True)
entry = next(e for e in queue if e.id == picked)
with db.session_scope() as s:
    attached = brand.evidence(s, actor=user, entry_id=entry.id)
    earlier = last_rejection(s, record_type="brand", record_id=entry.id)
if earlier is not None:
    st.caption(f"此前驳回原因：{ui.literal(earlier.comment)}")
entry_facts(entry, district=districts.get(entry.org_id, ""),
            category=categories.get(entry.category_id, ""))
st.markdown("**佐证材料**" + ("（涉密，线下报送）" if entry.is_secret else ""))
ui.attachments(attached, key=f"r{entry.id}")
ui.review_panel(BRAND_FLOW, entry, user, success={
    Action.APPROVE: ("已通过，已提交市委改革办审核" if entry.status == brand.DISTRICT_REVIEW
                     else "已通过"),
    Action.REJECT: "已驳回，退回区县录入员修改",
})
