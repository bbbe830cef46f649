"""Parts of 区县改革报表驾驶舱: the filters, the KPI cards, the records behind a figure, 督办提醒 and
简报. The figures come from services.cockpit; this file only draws them."""
import hashlib
from datetime import date

import streamlit as st

import ui
from services import clock, db
from services.cockpit import board as cockpit
from services.cockpit import brief, periods, reminders
from services.cockpit import indicators as ind
from services.cockpit.board import REJECTION, REJECTION_LABEL, Board
from services.errors import DomainError
from services.identity import CurrentUser

PERIOD_KINDS = ["年度", "季度", "自定义"]
CITY = "全市"
# Long text stays in the Excel export; the table on screen keeps to what identifies a record.
LONG = ("具体情形", "解决问题", "主要成果", "具体举措及解决问题", "具体成效", "文件依据")


def filters(user: CurrentUser, names: dict[int, str]) -> tuple[periods.Period, int | None]:
    """统计期间 (年度 / 季度 / 自定义; the current year by default) and 区县 (全市 or one; a
    district's users start on their own), in one row on a wide screen."""
    kind = st.segmented_control("统计期间", PERIOD_KINDS, default=PERIOD_KINDS[0],
                                key="ck-kind") or PERIOD_KINDS[0]
    cols = st.columns(3)
    options = [None, *names]
    default = cockpit.default_district(user)
    district = cols[2].selectbox("区县", options, key="ck-district",
                                 index=options.index(default) if default in options else 0,
                                 format_func=lambda d: CITY if d is None else names[d])
    if kind == "自定义":
        today = clock.today()
        start = cols[0].date_input("起始日期", value=date(today.year, 1, 1), key="ck-start",
                                   format="YYYY-MM-DD")
        end = cols[1].date_input("截止日期", value=today, key="ck-end", format="YYYY-MM-DD")
        return periods.custom(start, end), district
    year = cols[0].selectbox("年度", periods.years(), key="ck-year",
                             format_func=lambda y: f"{y}年")
    if kind == "季度":
        q = cols[1].selectbox("季度", list(periods.QUARTERS), key="ck-quarter",
                              format_func=periods.QUARTERS.get,
                              index=(clock.today().month - 1) // 3)
        return periods.quarter(year, q), district
    return periods.year(year), district


def state_key(*parts) -> str:
    """A widget key that changes with the filters: a chart's selection belongs to its figures."""
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:10]


def cards(b: Board, *, focus: bool = False) -> None:
    """One card per indicator (and 驳回率), three to a row on a wide screen (one under another on
    a phone), each opening the records behind its figure; `focus`: the 重点关注 ones."""
    kpis = [k for k in b.kpis if bool(getattr(ind.get(k.key), "focus", False)) == focus]
    for start in range(0, len(kpis), 3):
        for col, kpi in zip(st.columns(3), kpis[start:start + 3]):
            with col.container(border=True):
                _card(kpi)


def _card(kpi) -> None:
    unit = f" {kpi.unit}" if kpi.unit else ""
    st.metric(kpi.label, f"{kpi.text}{unit}", help=kpi.rule)
    lines = [line for line in (kpi.rank_text, kpi.note) if line]
    if kpi.groups:
        lines.append(" · ".join(f"{g} {n}" for g, n in kpi.groups.items()))
    if lines:
        st.caption("  \n".join(ui.literal(line) for line in lines))
    if st.button("查看记录", key=f"card-{kpi.key}"):
        st.session_state["ck-card"] = kpi.key


def records(user: CurrentUser, period: periods.Period, key: str, *, district_id=None,
            month=None, group=None, slot: str) -> None:
    """Exactly the records behind a figure (a card, bar, point or segment), with Excel."""
    if key == REJECTION:
        return rejection_records(user, period, district_id, slot=slot)
    indicator = ind.get(key)
    try:
        with db.session_scope() as s, st.spinner("正在读取记录…"):
            rows = cockpit.counted_records(s, actor=user, indicator=key, period=period,
                                           district_id=district_id, month=month, group=group)
            names = cockpit.districts(s)
    except DomainError as exc:
        st.error(ui.literal(exc))
        return
    where = [names.get(district_id, CITY) if district_id else CITY,
             period.month(month).label if month else period.label] + ([group] if group else [])
    with st.container(border=True, key=f"drill-{slot}"):
        st.markdown(f"**{indicator.label}的记录：{ui.literal(' · '.join(where))}，"
                    f"共 {len(rows)} 条**")
        st.caption(indicator.rule)
        ui.table(rows, hide=("id", *LONG), empty="没有计入该数字的记录")
        ui.excel_button(rows, filename=f"{indicator.label}_{'_'.join(where)}.xlsx",
                        key=f"xlsx-{slot}")


def rejection_records(user: CurrentUser, period: periods.Period, district_id, *,
                      slot: str) -> None:
    """The review stages behind a 驳回率 (counts only: a returned record is no one's to read)."""
    try:
        with db.session_scope() as s:
            rows = cockpit.rejection_detail(s, actor=user, period=period,
                                            district_id=district_id)
            names = cockpit.districts(s)
    except DomainError as exc:
        st.error(ui.literal(exc))
        return
    scope = names.get(district_id, CITY) if district_id else CITY
    with st.container(border=True, key=f"drill-{slot}"):
        st.markdown(f"**{scope}{REJECTION_LABEL}：各模块、各审核环节（{period.label}）**")
        st.caption(cockpit.REJECTION_RULE)
        ui.table(rows)
        ui.excel_button(rows, filename=f"驳回率_{scope}_{period.label}.xlsx", key=f"xlsx-{slot}")


def clicked(event) -> list | None:
    """The customdata of the point a user clicked on a chart, if any."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) \
        else getattr(getattr(event, "selection", None), "points", [])
    for point in points or []:
        data = point.get("customdata")
        if data:
            return list(data)
    return None


def reminder_section(user: CurrentUser, b: Board) -> None:
    """督办提醒: send to a district (a district leader: their own), then who has read it."""
    own = user.org_id if user.is_district else None
    options = [own] if own else list(b.districts)
    sent_count = st.session_state.get("rm-sent", 0)  # a new box after each reminder sent
    with st.form("ck-remind", border=True):
        st.markdown("**发送督办提醒**（送达该区县录入员、审核员的业务工作台）")
        district = st.selectbox("督办区县", options, format_func=b.districts.get, key="rm-district",
                                index=options.index(b.district_id)
                                if b.district_id in options else 0)
        topics = ["", *[i.key for i in ind.INDICATORS], REJECTION]
        labels = {"": "不指定（改革报表工作）", REJECTION: REJECTION_LABEL,
                  **{i.key: i.label for i in ind.INDICATORS}}
        topic = st.selectbox("督办指标", topics, format_func=labels.get, key="rm-topic")
        message = st.text_area("督办内容", key=f"rm-message-{sent_count}",
                               placeholder=f"请写明督办事项和要求（{reminders.MIN_MESSAGE}至"
                                           f"{reminders.MESSAGE_LIMIT}字）")
        if st.form_submit_button("发送督办提醒", type="primary"):
            try:
                with st.spinner("正在发送…"), db.session_scope() as s:
                    reminders.send(s, actor=user, district_id=district, message=message,
                                   indicator=topic, period=b.period.label)
            except DomainError as exc:
                st.error(ui.literal(exc))
            else:
                st.session_state["rm-sent"] = sent_count + 1
                st.session_state["flash"] = f"督办提醒已发送至{b.districts[district]}"
                st.rerun()
    unread_only = st.toggle("只看有未读的提醒", key="rm-unread")
    try:
        with db.session_scope() as s:
            sent = reminders.sent(s, actor=user, unread_only=unread_only)
    except DomainError as exc:
        st.error(ui.literal(exc))
        return
    rows = [{"发送时间": r.sent_at, "区县": r.district, "督办人": r.sender,
             "督办指标": r.indicator or "改革报表工作", "督办内容": r.message,
             "接收人": rc.name, "角色": rc.roles, "阅读状态": "已读" if rc.read else "未读",
             "阅读时间": rc.read_at} for r in sent for rc in r.receipts]
    st.caption(f"共 {len(sent)} 条督办提醒，{sum(1 for r in sent if r.unread)} 条尚有人未读")
    ui.table(rows, empty="暂无督办提醒")
    ui.excel_button(rows, filename="督办提醒阅读情况.xlsx", key="rm-xlsx")


def brief_section(user: CurrentUser, b: Board) -> None:
    """简报: the chosen period for the city and the chosen districts, as a Word document."""
    chosen = ui.choose_many("简报包含的区县（不选则只含全市）", list(b.districts), key="bf-districts",
                            default=[b.district_id] if b.district_id else None,
                            format_func=b.districts.get)
    st.caption("简报含主要指标表、区县排名、主要图表和驳回率，统计期间与上方所选一致。")
    if st.button("生成简报", key="bf-build", type="primary"):
        try:
            with st.spinner("正在生成简报…"), db.session_scope() as s:
                data = brief.build(s, actor=user, period=b.period, district_ids=chosen)
            scope = "、".join(b.districts[d] for d in chosen) if chosen else CITY
            st.session_state["bf-file"] = (brief.filename(b.period, scope), data)
        except DomainError as exc:
            st.error(ui.literal(exc))
    if (made := st.session_state.get("bf-file")) is not None:
        st.download_button(f"下载简报：{made[0]}", data=made[1], file_name=made[0],
                           mime=brief.DOCX_MIME, key="bf-download")
