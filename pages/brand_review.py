"""改革品牌审核: the district reviewer, then 市委改革办, 通过 or 驳回 (with a reason); the buttons
are the steps the flow allows this user now, and the service checks them again. 市委改革办's
reviewers may also 撤销通过 an entry approved by mistake (with a reason, after a confirmation)."""
import streamlit as st

import ui
from pages._brand_form import entry_facts
from services import brand, db
from services.brand import APPROVED, BRAND_FLOW, REVOKE, Filters
from services.review import MIN_REASON_LENGTH, Action, last_rejection

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


def show(entry) -> None:
    """The entry as the reviewer judges it: every field and the 佐证材料."""
    entry_facts(entry, district=districts.get(entry.org_id, ""),
                category=categories.get(entry.category_id, ""))
    with db.session_scope() as s:
        attached = brand.evidence(s, actor=user, entry_id=entry.id)
    st.markdown("**佐证材料**" + ("（涉密，线下报送）" if entry.is_secret else ""))
    ui.attachments(attached, key=f"r{entry.id}")


def pending() -> None:
    st.caption(f"待审核（{len(queue)}）")
    if not queue:
        st.info("暂无待审核的改革品牌：已上报的都已审核完毕。新的上报会出现在业务工作台的待办事项中。")
        st.page_link("pages/workbench.py", label="返回业务工作台")
        return
    choices = {e.id: f"{districts.get(e.org_id, '')}｜{e.item}（{e.status}）" for e in queue}
    preselect = st.session_state.pop("open_brand", None)
    picked = ui.pick("选择待审核的改革品牌", choices, key="review-pick", preselect=preselect,
                     first=True)
    entry = next(e for e in queue if e.id == picked)
    with db.session_scope() as s:
        earlier = last_rejection(s, record_type="brand", record_id=entry.id)
    if earlier is not None:
        st.caption(f"此前驳回原因：{ui.literal(earlier.comment)}")
    show(entry)
    ui.review_panel(BRAND_FLOW, entry, user, success={
        Action.APPROVE: ("已通过，已提交市委改革办审核" if entry.status == brand.DISTRICT_REVIEW
                         else "已通过"),
        Action.REJECT: "已驳回，退回区县录入员修改",
    })


def approved() -> None:
    """已通过 entries; one approved by mistake is taken back with 撤销通过."""
    with db.session_scope() as s:
        rows = brand.search(s, actor=user, filters=Filters(status=APPROVED))
    st.caption(f"已通过 {len(rows)} 项。发现不满足报表计分条件的，可{REVOKE}：退回区县录入员修改，"
               "并计入该区县驳回率。")
    if not rows:
        st.info("暂无已通过的改革品牌")
        return
    choices = {r["id"]: f"{r['区县']}｜{r['改革事项']}（{r['获评日期'] or ''}）" for r in rows}
    picked = ui.pick("选择已通过的改革品牌", choices, key="approved-pick")
    if picked is None:
        return
    with db.session_scope() as s:
        entry = brand.get(s, actor=user, entry_id=picked)
    show(entry)
    confirming = f"revoke-confirm-{entry.id}"
    reason = st.text_area(f"{REVOKE}原因", key=f"revoke-reason-{entry.id}", height=80,
                          placeholder=f"请写明该条不满足报表计分条件的原因（不少于{MIN_REASON_LENGTH}个字）")
    if st.button(REVOKE, key=f"revoke-{entry.id}"):
        if len(reason.strip()) < MIN_REASON_LENGTH:
            st.error(f"请填写{REVOKE}原因（不少于{MIN_REASON_LENGTH}个字）")
        else:
            st.session_state[confirming] = True
    if st.session_state.get(confirming):
        with st.container(border=True):
            st.warning(f"确定{REVOKE}“{ui.literal(entry.item)}”吗？该条将退回区县录入员修改，"
                       "区县录入员会收到通知，本次撤销计入该区县驳回率。")
            yes, no = st.columns(2)
            if yes.button(f"确认{REVOKE}", key=f"revoke-yes-{entry.id}", type="primary",
                          width="stretch"):
                st.session_state.pop(confirming, None)
                ui.perform(brand.revoke_approval, f"已{REVOKE}，已退回区县录入员修改",
                           entry_id=entry.id, version=entry.version, reason=reason)
            if no.button("取消", key=f"revoke-no-{entry.id}", width="stretch"):
                st.session_state.pop(confirming, None)
                st.rerun()
    ui.history("brand", entry.id)


if brand.may_revoke(user):
    pending_tab, approved_tab = st.tabs(["待审核", "已通过"])
    with pending_tab:
        pending()
    with approved_tab:
        approved()
else:
    pending()
