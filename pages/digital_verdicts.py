"""一件事核准 (市委改革办审核员): the week's 一件事 waiting for a verdict, near-identical items of
different districts side by side; the office picks the best of a group (the others become
已有重复事项 pointing at it) or gives each item its own verdict. The verdicts offered are those
valid at the item's stage; the service checks them again."""
import streamlit as st

import ui
from pages._digital_verdict_parts import (
    card, explain_verdicts, group_decision, lost_clicks, single_verdict,
)
from services import clock, db
from services.digital import verdicts

PAGE = "pages/digital_verdicts.py"
user = ui.require_user(page=PAGE)
st.title("一件事核准")
st.caption("市委改革办一般每周五开展集中核准，若一个星期内多个区县上报内容相同或相近的“一件事”，"
           "市委改革办选择“原一图两清单”梳理质量最高的区县纳入名录库。")
ui.flash()
explain_verdicts()

with db.session_scope() as s:
    weeks = verdicts.weeks(s, actor=user)


def week_holding(item_id: int):
    """The 核准周 in which the item waits (None, with a note, when it no longer waits)."""
    with db.session_scope() as s:
        for start, count in weeks:
            if count and any(w.id == item_id for group in verdicts.groups(
                    s, actor=user, week_start=start) for w in group):
                return start
    st.info("该“一件事”已核准，不在待核准清单中。")
    return None


current = verdicts.week_of(clock.today())[0]
choices = {start: verdicts.week_label(start) + ("（本周）" if start == current else "")
           + f" · 待核准 {count} 项" for start, count in weeks}
opened = st.session_state.pop("open_digital_item", None)  # 打开 on 业务工作台 or a message
week = ui.pick("核准周", choices, key="verdict-week", first=True,
               preselect=week_holding(opened) if opened is not None else None)
elsewhere = sum(count for start, count in weeks if start != week)
if elsewhere:
    st.caption(f"其他周还有 {elsewhere} 项待核准，可在上方切换核准周。")

with db.session_scope() as s:
    groups = verdicts.groups(s, actor=user, week_start=week)
    charts = {w.id: [verdicts.chart(s, actor=user, attachment_id=c[0]) for c in w.charts]
              for group in groups for w in group}
lost_clicks(groups)

if not groups:
    st.info("所选核准周没有待核准的“一件事”。区县审核员通过后，区县上报的“一件事”会出现在当周的核准清单中。")
else:
    waiting = sum(len(g) for g in groups)
    similar = [g for g in groups if len(g) > 1]
    st.caption(f"该周待核准 {waiting} 项" + (f"，其中 {len(similar)} 组内容相同或相近，已并排列出"
                                            if similar else ""))
for group in groups:
    with st.container(border=True, key=f"group-{group[0].id}"):
        if len(group) > 1:
            districts = "、".join(dict.fromkeys(w.district for w in group))
            st.subheader(f"相近事项 {len(group)} 项（{ui.literal(districts)}）")
            for start in range(0, len(group), 3):  # at most three side by side
                row = group[start:start + 3]
                for column, w in zip(st.columns(3 if len(group) > 2 else 2), row):
                    with column:
                        card(w, charts[w.id])
                        with st.expander("单独核准此项", expanded=w.id == opened):
                            single_verdict(user, w)
            group_decision(group)
        else:
            card(group[0], charts[group[0].id])
            single_verdict(user, group[0])
