"""区县改革报表驾驶舱 (SPEC §6): leaders land here; every role reads it. Figures count only
confirmed / approved data; a card, bar, point or segment opens exactly the records behind it."""
import streamlit as st

import ui
from pages import _cockpit_charts as charts
from pages import _cockpit_parts as parts
from services import db
from services.cockpit import board as cockpit
from services.cockpit import indicators as ind
from services.cockpit import reminders
from services.cockpit.board import REJECTION
from services.errors import DomainError

PAGE = "pages/cockpit.py"
user = ui.require_user(page=PAGE)
st.title("区县改革报表驾驶舱")
with st.container():  # a stable slot: an action's message whose rerun landed here
    ui.flash()
st.page_link("pages/workbench.py", label="进入业务工作台 →")
st.caption("只统计经审核确认（通过）的数据。点击卡片下的“查看记录”，或图中的柱、点，"
           "可查看计入该数字的记录并导出Excel。")

with db.session_scope() as s:
    names = cockpit.districts(s)
try:
    period, district = parts.filters(user, names)
except DomainError as exc:
    st.error(ui.literal(exc))
    st.stop()
try:
    with st.spinner("正在统计…"), db.session_scope() as s:
        b = cockpit.board(s, actor=user, period=period, district_id=district)
except DomainError as exc:
    st.error(ui.literal(exc))
    st.stop()

if district:
    ranks = "、".join(f"{k.label}第{k.rank}名" for k in b.kpis if k.rank)
    st.info(f"{names[district]}在全市{len(names)}个区县中（{period.label}）：{ranks or '暂无排名'}")
parts.cards(b)

st.subheader("重点关注")
with st.container(border=True, key="focus-digital"):
    st.markdown("**数字重庆建设**")
    st.caption("只计晾晒的记录（整条包含关系成立：一件事 → 应用“三张清单” → 特色应用 → 一地创新、全市共享）。"
               "已纳入名录库的“一件事”事项，不再重复策划。")
    parts.cards(b, focus=True)
    st.page_link("pages/digital_catalog.py", label="名录库", icon=":material/menu_book:")
if (card := st.session_state.get("ck-card")) is not None:
    parts.records(user, period, card, district_id=district, slot="card")
    if st.button("收起记录", key="card-close"):
        st.session_state.pop("ck-card", None)
        st.rerun()

sections = ["区县排名", "月度趋势", "状态分布", "驳回率"]
may_remind = reminders.may_remind(user)
tabs = st.tabs(sections + (["督办提醒"] if may_remind else []) + ["简报"])
scope = parts.state_key(period, district)


def chart(fig, name: str) -> list | None:
    """Draw a chart; the customdata of the mark a user clicked, if any."""
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points",
                            key=f"{name}-{scope}", config=charts.CONFIG)
    return parts.clicked(event)


with tabs[0]:
    key = st.selectbox("排名指标", [i.key for i in ind.INDICATORS], key="ck-rank-key",
                       format_func=lambda k: ind.get(k).label)
    if hit := chart(charts.ranking(b, key), f"rank-{key}"):
        parts.records(user, period, hit[0], district_id=hit[1], slot="rank")
    ui.excel_button(b.district_rows(), filename=f"各区县主要指标_{period.label}.xlsx",
                    label="导出各区县指标与排名（Excel）", key="rank-xlsx")

with tabs[1]:
    if hit := chart(charts.trend(b), "trend"):
        parts.records(user, period, hit[0], district_id=hit[1], month=hit[2], slot="trend")

with tabs[2]:
    for key in ("pilots", "brand"):
        fig = charts.breakdown(b, key)
        if fig is None:
            st.info(f"{ind.get(key).label}：本期间暂无数据")
        elif hit := chart(fig, f"parts-{key}"):
            parts.records(user, period, hit[0], district_id=hit[1], group=hit[3],
                          slot=f"parts-{key}")

with tabs[3]:
    st.caption(f"驳回率 = {cockpit.REJECTION_RULE}。{cockpit.BRAND_OFFICE_RULE}。")
    if any(r.submissions for r in b.rates):
        if hit := chart(charts.ranking(b, REJECTION), "rates"):
            parts.records(user, period, REJECTION, district_id=hit[1], slot="rates")
    else:
        st.info("本期间暂无审核记录")
    if (fig := charts.quality(b)) is not None:
        st.caption(f"通过比例：{cockpit.QUALITY_RULE}。")
        if hit := chart(fig, "quality"):
            parts.records(user, period, REJECTION, district_id=hit[1], slot="quality")
    rows = [r.as_row() for r in b.rates if r.submissions or r.records_submitted]
    ui.table(rows, empty=None)
    ui.excel_button(rows, filename=f"驳回率_{period.label}.xlsx", key="rates-xlsx")

if may_remind:
    with tabs[len(sections)]:
        parts.reminder_section(user, b)

with tabs[-1]:
    parts.brief_section(user, b)
