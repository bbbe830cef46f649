"""The parts of 一件事核准: an item as the office compares it, its own verdict, and the
decision on a group of near-identical items. What is offered comes from the item's stage (the
flow); the services check every choice again."""
import streamlit as st

import ui
from services import db
from services.digital import catalog, verdicts
from services.digital.items import (
    DEEPEN, DUPLICATE, IMPROVE_NEW, INCLUDED, ITEM_FLOW, PROCEED, V_DUPLICATE, V_INCLUDE,
)
from services.errors import CONFLICT_MESSAGE, DomainError
from services.identity import CurrentUser
from services.review import MIN_REASON_LENGTH

MEANINGS = {  # the manual's words (操作说明 四（二）一)
    DEEPEN: "事项梳理深度不够，且市级层面和其他区县暂未策划同类事项，可继续深化相关工作，并于一个星期内重新上传附件。",
    DUPLICATE: "市级层面或其他区县已策划该“一件事”，需停止与该“一件事”有关后续工作。",
    INCLUDED: "该事项“原一图两清单”梳理深度足够，已具备一定基础，需抓紧编制“新一图两清单”，并于1个月内上传报审。",
    IMPROVE_NEW: "“新一图两清单”质量不过关，被驳回，需进一步修改完善（第2次驳回即移除名录库）。",
    PROCEED: "“新一图两清单”梳理质量较高，可围绕该“一件事”策划应用。",
}
IN_SYSTEM, CITY = "系统中的事项", "市级层面的事项"

REMOVAL = ("由系统按期限自动执行（纳入名录库1个月内未上传“新一图两清单”，或上传内容被2次驳回），"
           "不能手动选择。")


def explain_verdicts() -> None:
    """What each verdict means, in the manual's words."""
    with st.expander("核准意见说明（操作说明）"):
        st.markdown("  \n".join(f"**{label}**：{text}" for label, text in MEANINGS.items())
                    + f"  \n**移除名录库**：{REMOVAL}")


def card(w: verdicts.Waiting, charts) -> None:
    """One waiting item as the office compares it: facts, its charts (download keeps the
    original name), similar catalog items."""
    ui.record_card([("区县", w.district), ("重点领域", w.domain), ("简介", w.intro),
                    ("核准环节", w.status)], title=w.name, key=f"card-{w.id}")
    ui.attachments(charts, key=f"chart-{w.id}")
    if w.similar_catalog:
        st.caption("名录库中相近的事项：" + "、".join(f"“{ui.literal(n)}”" for n in w.similar_catalog))


def targets(user: CurrentUser, w: verdicts.Waiting, query: str) -> dict[int, str]:
    """Existing items of every district an item may duplicate: similar names first, then
    catalog items whose name contains the query."""
    found: dict[int, str] = {}
    with db.session_scope() as s:
        for m in catalog.similar(s, actor=user, name=query, exclude_id=w.id):
            found[m.id] = f"{m.district}｜{m.name}（{m.status}）"
        for r in catalog.search(s, actor=user, text=query, limit=30):
            if r.id != w.id:
                found.setdefault(r.id, f"{r.district}｜{r.name}（{r.status}）")
    return found


def needs_reason(w, verdict) -> bool:
    """Whether the verdict, at the item's stage, takes a written reason (the flow says)."""
    step = ITEM_FLOW.transition(w.status, verdict) if verdict else None
    return step is not None and step.needs_reason


def reason_rule(w, verdict, options: dict) -> None:
    """Next to the 核准意见 box: when it must be filled in."""
    if needs_reason(w, verdict):
        st.caption(f"“{options[verdict]}”须填写核准意见（不少于{MIN_REASON_LENGTH}个字），"
                   "写明需要完善的内容，区县据此开展下步工作。")
    elif needing := [options[v] for v in options if needs_reason(w, v)]:
        st.caption(f"核准意见选填；选择“{'”“'.join(needing)}”时必填（不少于{MIN_REASON_LENGTH}个字）。")


def single_verdict(user: CurrentUser, w: verdicts.Waiting) -> None:
    """A verdict on this item alone."""
    key = f"v{w.id}"
    options = dict(w.verdicts)
    verdict = st.selectbox("核准情况", list(options), format_func=options.get, index=None,
                           key=f"{key}-verdict", placeholder="请选择核准意见")
    if needs_reason(w, verdict):
        ui.required_note(f"{key}-comment", note=False)
    comment = st.text_area("核准意见", key=f"{key}-comment", height=80,
                           placeholder="写明需要完善的内容" if needs_reason(w, verdict) else "选填")
    reason_rule(w, verdict, options)
    duplicate_of, city = None, ""
    if verdict == V_DUPLICATE:
        where = st.radio("重复的已有事项", [IN_SYSTEM, CITY], key=f"{key}-where", horizontal=True)
        if where == IN_SYSTEM:
            query = st.text_input("按名称查找已有事项（各区县）", value=w.name, key=f"{key}-query")
            try:
                found = targets(user, w, query)
            except DomainError as exc:
                st.error(ui.literal(exc))
                found = {}
            duplicate_of = st.selectbox("已有事项", list(found), format_func=found.get, index=None,
                                        key=f"{key}-target", placeholder="请选择已有事项")
            if not found:
                st.caption("没有找到名称相近的事项，可换个关键词，或选择“市级层面的事项”。")
        else:
            city = st.text_input("市级层面事项名称", key=f"{key}-city",
                                 placeholder="市级层面已策划的“一件事”名称")
    if st.button("提交核准", key=f"{key}-give", type="primary", disabled=verdict is None):
        ui.perform(verdicts.give, f"已核准：{w.district}“{w.name}”{options[verdict]}，已通知该区县",
                   item_id=w.id, version=w.version, verdict=verdict, comment=comment,
                   duplicate_of_id=duplicate_of, duplicate_city=city)


def group_decision(group: list[verdicts.Waiting]) -> None:
    """Pick the best of near-identical items: it gets the verdict, the others 已有重复事项."""
    key = f"g{group[0].id}"
    names = {w.id: f"{w.district}｜{w.name}" for w in group}
    st.markdown("**一并核准**：选择“原一图两清单”梳理质量最高的事项，其余事项核准为“已有重复事项”并指向所选事项。")
    chosen_id = st.radio("选择梳理质量最高的事项", list(names), index=None, key=f"{key}-best",
                         format_func=lambda i: ui.literal(names[i]))  # options render Markdown
    if chosen_id is None:
        return
    chosen = next(w for w in group if w.id == chosen_id)
    others = [w for w in group if w is not chosen and V_DUPLICATE in dict(w.verdicts)]
    left_out = [w for w in group if w is not chosen and w not in others]
    options = {a: label for a, label in chosen.verdicts if a != V_DUPLICATE}
    ids = list(options)
    verdict = st.selectbox("所选事项的核准情况", ids, format_func=options.get, key=f"{key}-verdict",
                           index=ids.index(V_INCLUDE) if V_INCLUDE in ids else 0)
    comment = st.text_area("所选事项的核准意见", key=f"{key}-comment", height=80,
                           placeholder="写明需要完善的内容" if needs_reason(chosen, verdict) else "选填")
    reason_rule(chosen, verdict, options)
    if left_out:
        st.caption("以下事项处于“新一图两清单”核准环节，不随本组一并核准，请单独核准："
                   + "、".join(f"{ui.literal(w.district)}“{ui.literal(w.name)}”" for w in left_out))
    if not others:
        st.caption("本组没有可一并核准为“已有重复事项”的其他事项，请单独核准。")
        return
    question = (f"将{chosen.district}“{chosen.name}”核准为“{options[verdict]}”；其余 {len(others)} 项（"
                + "、".join(f"{w.district}“{w.name}”" for w in others)
                + f"）核准为“{DUPLICATE}”，重复的已有事项为{chosen.district}“{chosen.name}”。"
                "核准结果将通知各相关区县。")
    # The decision as the question put it: confirmed after another reviewer decided one of the
    # items, it is refused like any race (the question no longer says what would happen).
    decision = (chosen.id, verdict, tuple((w.id, w.version) for w in (chosen, *others)))
    if st.session_state.get(f"{key}-decide-asking") and not st.session_state.get(
            f"{key}-decide-yes"):
        st.session_state[f"{key}-asked"] = decision
    if ui.confirm_action("一并核准", question, key=f"{key}-decide"):
        if st.session_state.pop(f"{key}-asked", None) != decision:
            st.error(f"{CONFLICT_MESSAGE}（本组事项已有变化，请核对后重新一并核准）")
            return
        ui.perform(verdicts.decide_group,
                   f"已一并核准：{chosen.district}“{chosen.name}”{options[verdict]}，其余 "
                   f"{len(others)} 项为{DUPLICATE}，已通知相关区县",
                   chosen=(chosen.id, chosen.version), verdict=verdict,
                   others=[(w.id, w.version) for w in others], comment=comment)


def lost_clicks(groups: list[list[verdicts.Waiting]]) -> None:
    """A 提交核准 / 确认一并核准 click on items no longer waiting (another reviewer decided them
    after this page was drawn) finds no button to answer it: say so, as for any race."""
    shown = ({f"v{w.id}-give" for group in groups for w in group}
             | {f"g{group[0].id}-decide-yes" for group in groups if len(group) > 1})
    lost = False
    for key in list(st.session_state):
        if not isinstance(key, str):
            continue
        if key.endswith(("-give", "-decide-yes")) and key not in shown:
            lost = lost or st.session_state.get(key) is True
        elif key.endswith("-decide-asking") and key.replace("-asking", "-yes") not in shown:
            del st.session_state[key]  # a question about a group that is no more
    if lost:
        st.error(f"{CONFLICT_MESSAGE}（该“一件事”已由其他审核员核准，本次核准未提交）")

