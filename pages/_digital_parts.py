"""Parts of the two form pages of 数字重庆建设 (区县推进情况更新, 区县推进情况审核): the manual's
填写说明, a table as a list and an Excel file, a row's card with its files, the row form of each
table, and a change old → new with the changed characters marked.

Private to those two pages. Every rule (what a row needs, what may be linked, which file a
state takes) is the services' (`services.digital`); this module only draws.
"""
import difflib
from dataclasses import replace
from datetime import date

import streamlit as st

import ui
from services import db, files
from services.digital import catalog, forms, rows
from services.digital.apps import APP, SCREENSHOT, SHARE, SHARE_BASIS, SHARE_INTRO_HINT
from services.digital.common import RowKind
from services.digital.forms import RowView
from services.digital.items import ITEM, NEW_CHART, ORIGINAL_CHART
from services.digital.plans import (
    CHECK_OPINION, LISTS_TEXT, NEEDED, PASSED, PLAN, REVIEW_OPINION, STAGES,
)
from services.errors import DomainError
from services.exports import XLSX_MIME
from services.records import Upload
from services.review import DRAFT

GUIDE = """\
**（一）填报流程**　区县录入员进入“区县推进数字重庆建设情况”表单更新页面，点击“＋”号逐条增加数据项，\
更新完成后点击“保存并上报”；区县审核员校对无误后点击“通过”，若需完善点击“驳回”。\
已纳入名录库的“一件事”事项，不再重复策划。

**（二）注意事项**

一是更新围绕重点领域策划推出“一件事”情况。首次录入某“一件事”事项时，必上传“原一图两清单”，\
市委改革办视梳理深度确定是否纳入“区县‘一件事’名录库”。市委改革办一般每周五开展集中核准，\
若一个星期内多个区县上报内容相同或相近的“一件事”，市委改革办选择“原一图两清单”梳理质量最高的区县纳入名录库。\
各区县要实时查询“核准情况”，并依据核准意见开展下步工作。其中，“继续深化完善原一图两清单”指事项梳理深度不够，\
且市级层面和其他区县暂未策划同类事项，可继续深化相关工作，并于一个星期内重新上传附件。\
“已有重复事项”指市级层面或其他区县已策划该“一件事”，需停止与该“一件事”有关后续工作。\
“纳入名录库并晾晒”指该事项“原一图两清单”梳理深度足够，已具备一定基础，需抓紧编制“新一图两清单”，\
并于1个月内上传报审。“继续完善新一图两清单”指“新一图两清单”质量不过关，被驳回，需进一步修改完善。\
“进入三张清单编制等后续环节”指“新一图两清单”梳理质量较高，可围绕该“一件事”策划应用。\
“移除名录库”指以纳入名录库的时间为节点，未在1个月内上传“新一图两清单”或上传内容被2次驳回，\
不得开展后续应用策划、“三张清单”编制、应用开发等工作。

二是更新编制应用“三张清单”情况。更新时要根据“当前状态”上传相应附件，“编制中”无需上传附件，\
“区县数建办已论证审查通过正报市大数据发展局查重”需上传区县数建办论证审查意见，\
“市大数据发展局查重通过”需增加上传市大数据发展局查重通过意见、“三张清单”文本。\
只有查重通过的应用“三张清单”才纳入晾晒。“三张清单”是针对拟开发建设应用编制的，谋划应用功能时，\
可以围绕一个“一件事”展开，也可以围绕多个“一件事”展开。

三是更新开发上线特色应用情况。“应用简介”主要介绍该应用的上线时间、主要功能、“三融五跨”情况、\
当前办件量、当前活跃用户数等情况。“附件”上传该应用的主要功能界面截图。\
改革报表仅晾晒通过“三张清单”论证审查、查重等系列程序后开发上线的应用，无相应“三张清单”的存量应用不纳入晾晒。

四是更新特色应用“一地创新、全市共享”情况。“应用简介”填写要求与开发上线特色应用情况一致。\
“附件”主要上传该应用获“一地创新、全市共享”的依据。

五是其他注意事项。内容在逻辑上要满足逐级包含关系，即，获“一地创新、全市共享”的应用一定来自于本区县开发上线的\
特色应用，开发上线的特色应用一定要基于纳入晾晒的应用“三张清单”开发建设，纳入晾晒的应用“三张清单”\
一定要基于前期策划推出的一个或多个“一件事”事项谋划编制。首次更新时，各区县数建办要对辖区部门（单位）\
策划推出“一件事”事项、编制应用“三张清单”等情况进行全量摸排、全量上报，准确选填“当前状态”，\
并在取得阶段性成果后及时在“当前状态”栏更新。
"""

NO_REPEAT = "已纳入名录库的一件事不再重复策划"

HELP = {
    "事项名称": "围绕重点领域策划推出的“一件事”事项名称；输入后，下方列出名录库和待核准中相近的事项，"
                f"{NO_REPEAT}",
    "重点领域": "“一件事”所属的重点领域",
    "简介": "简要介绍该“一件事”的业务主线及拟通过数字化解决的困难问题",
    ORIGINAL_CHART: "首次录入某“一件事”事项时，必上传“原一图两清单”，市委改革办视梳理深度确定是否纳入"
                    "“区县‘一件事’名录库”；核准意见为“继续深化完善原一图两清单”的，于一个星期内重新上传",
    NEW_CHART: "“纳入名录库并晾晒”后，抓紧编制“新一图两清单”，并于1个月内上传报审；"
               "“继续完善新一图两清单”的，修改完善后重新上传",
    "应用名称": "拟开发建设或已开发上线的应用名称",
    "关联一件事": "“三张清单”可以围绕一个“一件事”展开，也可以围绕多个“一件事”展开；只能选择本区县的"
                  "“一件事”，关联的事项都进入三张清单编制等后续环节后才晾晒",
    "当前状态": "根据“当前状态”上传相应附件；只有查重通过的应用“三张清单”才纳入晾晒",
    "查重通过日期": "市大数据发展局查重通过的日期",
    REVIEW_OPINION: "“区县数建办已论证审查通过正报市大数据发展局查重”需上传",
    CHECK_OPINION: "“市大数据发展局查重通过”需增加上传",
    LISTS_TEXT: "“市大数据发展局查重通过”需增加上传“三张清单”文本",
    "关联三张清单": "开发上线的特色应用一定要基于纳入晾晒的应用“三张清单”开发建设；"
                    "无相应“三张清单”的存量应用不纳入晾晒",
    "上线时间": "应用上线的日期，不早于关联“三张清单”的查重通过日期",
    "主要功能": "该应用的主要功能",
    "三融五跨情况": "该应用“三融五跨”的情况",
    "当前办件量": "截至填报时的办件量（件）",
    "当前活跃用户数": "截至填报时的活跃用户数（人）",
    SCREENSHOT: "上传该应用的主要功能界面截图（图片，至少一张）",
    "关联特色应用": "获“一地创新、全市共享”的应用一定来自于本区县开发上线的特色应用",
    "应用简介": SHARE_INTRO_HINT,
    "认定共享日期": "认定为“一地创新、全市共享”的日期",
    SHARE_BASIS: "主要上传该应用获“一地创新、全市共享”的依据",
}

# The order file kinds are named in; each upload box takes those its purpose accepts.
FILE_TYPES = ["pdf", "doc", "docx", "png", "jpg", "jpeg", "xls", "xlsx", "wps", "et", "ofd"]
# A typed date outside the widget's bounds would be dropped without a word: the bounds are wide
# and the service answers a date in the future with its rule.
DATE_BOUNDS = (date(1900, 1, 1), date(2999, 12, 31))
ADD_LABEL = {"digital_item": "＋ 新增一件事", "digital_plan": "＋ 新增应用“三张清单”",
             "digital_app": "＋ 新增开发上线特色应用", "digital_share": "＋ 新增一地创新、全市共享"}


# Widget keys of the upload boxes (ASCII: a key names the box's CSS class).
SLUG = {ORIGINAL_CHART: "original", NEW_CHART: "new", REVIEW_OPINION: "review",
        CHECK_OPINION: "check", LISTS_TEXT: "lists", SCREENSHOT: "shots", SHARE_BASIS: "basis"}


def file_types(kind: RowKind, purpose: str) -> list[str]:
    return [t for t in FILE_TYPES if t in kind.purposes[purpose]]


# --- tables ------------------------------------------------------------------------------------

def state_of(kind: RowKind, view: RowView, why: str) -> dict:
    """The row's state columns: 一件事 its 核准情况, 核准意见 and deadline; the others whether
    they are displayed (晾晒) and, if not, why not yet."""
    if kind is ITEM:
        return {"核准情况": view.status, "核准意见": view.verdict, "期限": view.deadline}
    return {"状态": view.status, "晾晒": "已晾晒" if view.displayed else f"未晾晒：{why}"}


def table_rows(kind: RowKind, views: list[RowView], reasons: dict[int, str]) -> list[dict]:
    """The table as a list (and its Excel file): fields, state, pending change, files."""
    return [{"id": v.id, **v.shown, **state_of(kind, v, reasons.get(v.id, "")),
             "本次变更": v.change,
             "附件": "；".join(f"{f.purpose}：{f.name}" + ("（新）" if f.new else "")
                             for f in v.files)} for v in views]


def as_in_force(view: RowView) -> RowView:
    """A row as in force: the old values of its pending change, without the files it adds."""
    if not view.change:
        return view
    old = {label: before for label, before, _ in view.diff}
    return replace(view, shown={k: old.get(k, v) for k, v in view.shown.items()},
                   files=[f for f in view.files if not f.new], change="")


def overdue(views: list[RowView]) -> None:
    """一件事 past a deadline, in red above the table."""
    for v in views:
        if "已逾期" in v.deadline:
            st.markdown(f":red[**{ui.literal(v.title)}**　{ui.literal(v.deadline)}]")


def download_buttons(views: list[forms.FileView], *, key: str) -> None:
    """A row's files as downloads (original names, never shown inline); new ones marked 新."""
    if not views:
        st.caption("（无附件）")
    for f in views:
        flag = "【新】" if f.new else ""
        st.download_button(f"{flag}下载 {ui.literal(f.purpose)}：{ui.literal(f.name)}",
                           data=lambda fid=f.id: _content(fid), file_name=f.name,
                           mime=files.MIME.get(f.name.rsplit(".", 1)[-1].lower(),
                                               "application/octet-stream"),
                           key=f"{key}-file-{f.id}", on_click="ignore")


def _content(attachment_id: int) -> bytes:
    with db.session_scope() as s:
        return files.content(forms.attachment(s, actor=st.session_state["current_user"],
                                              attachment_id=attachment_id))


def card(kind: RowKind, view: RowView, why: str, *, key: str) -> None:
    """A row as the clerk and the reviewer read it: every field, its state, its files."""
    state = [(k, v) for k, v in state_of(kind, view, why).items() if k != "期限" and v]
    ui.record_card(list(view.shown.items()) + state,
                   title=f"{kind.label}：{view.title}" + (f"（{view.change}）" if view.change
                                                         else ""), key=key)
    if view.deadline:
        (st.error if "已逾期" in view.deadline else st.info)(ui.literal(view.deadline))
    if view.expected:
        st.warning("待上传（首次全量摸排导入时填写的文件）：" + "；".join(
            f"{ui.literal(purpose)}：{ui.literal(names)}"
            for purpose, names in view.expected.items()))


# --- changes old → new ------------------------------------------------------------------------

def _mark(text: str, colour: str, style: str) -> str:
    """Changed characters on a coloured background (added bold, removed struck through), line
    by line: a mark spans no line break, and spaces stay outside it so the Markdown holds."""
    lines = []
    for line in text.split("\n"):
        core = line.strip()
        lead, trail = line[:len(line) - len(line.lstrip())], line[len(line.rstrip()):]
        lines.append(ui.literal(lead) + (f":{colour}-background[{style}{ui.literal(core)}{style}]"
                                         if core else "") + ui.literal(trail))
    return "  \n".join(lines)


def marked(old: str, new: str) -> tuple[str, str]:
    """`old` and `new` as Markdown shown literally, the characters removed marked red in the
    old text and those added green in the new."""
    before, after = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            before.append(ui.literal(old[i1:i2]))
            after.append(ui.literal(new[j1:j2]))
            continue
        if i2 > i1:
            before.append(_mark(old[i1:i2], "red", "~~"))
        if j2 > j1:
            after.append(_mark(new[j1:j2], "green", "**"))
    return "".join(before) or "（空）", "".join(after) or "（空）"


def change_card(kind: RowKind, view: RowView, *, key: str) -> None:
    """One changed row as the reviewer judges it: a new row whole, a removal marked, a change
    field by field old → new with what changed highlighted; its files, new ones marked 新."""
    with st.container(border=True, key=key):
        st.markdown(f"**【{view.change}】{ui.literal(kind.label)}：{ui.literal(view.title)}**")
        if view.change == "修改":
            for label, old, new in view.diff:
                before, after = marked(old, new)
                st.markdown(f"**{ui.literal(label)}**  \n原：{before}  \n新：{after}")
            if not view.diff:
                st.caption("内容未改，本次上传了新的附件")
        else:
            for label, text in view.shown.items():
                shown = ui.literal(text) or "—"
                st.markdown(f"**{ui.literal(label)}**  \n"
                            + (f"~~{shown}~~" if view.change == "删除" else shown))
            if view.change == "删除":
                st.caption("通过后，该行从本区县的表中删除")
        if kind is ITEM and view.status != DRAFT:
            st.caption(f"核准情况：{view.status}")
            if view.change == "新增" or any(f.new and f.purpose in (ORIGINAL_CHART, NEW_CHART)
                                           for f in view.files):
                st.caption("通过后，该一件事报市委改革办核准")
        download_buttons(view.files, key=key)


# --- the row form --------------------------------------------------------------------------------

def _chosen(label: str, choices: dict, value, *, key: str):
    ids = list(choices)
    return st.selectbox(label, ids, format_func=choices.get, key=key,
                        index=ids.index(value) if value in ids else None, placeholder="请选择",
                        help=HELP[label])


def _upload(kind: RowKind, purpose: str, *, key: str, view: RowView | None,
            multiple: bool = False) -> list[Upload]:
    """A file box of one purpose; the files the row has already are named under it."""
    chosen = ui.upload(purpose, types=file_types(kind, purpose), key=f"{key}-{SLUG[purpose]}",
                       multiple=multiple, help=HELP[purpose])
    chosen = chosen if isinstance(chosen, list) else [chosen] if chosen else []
    if view is not None and purpose in view.expected:
        st.caption(f"待上传：{ui.literal(view.expected[purpose])}")
    if view is not None and (had := [f.name for f in view.files if f.purpose == purpose]):
        st.caption(f"已上传：{ui.literal('、'.join(had))}" + ("；再上传将替换" if not multiple
                                                             else "；可继续上传"))
    return [Upload(purpose, f.name, f.getvalue()) for f in chosen]


def _required(key: str, names: list[str], needed: list[str], view: RowView | None) -> None:
    """Red marks on the fields 保存并上报 needs and on the files still missing."""
    have = {f.purpose for f in view.files} if view else set()
    ui.required_note(*[f"{key}-{n}" for n in names],
                     *[f"{key}-{SLUG[p]}" for p in needed if p not in have])


def similar_names(name: str, exclude_id: int | None) -> None:
    """While a 事项名称 is typed: the most similar items of the catalog and of 待核准, every
    district's, so that an item already planned is not planned again."""
    with db.session_scope() as s:
        found = catalog.similar(s, actor=st.session_state["current_user"], name=name,
                                exclude_id=exclude_id)
    if not found:
        st.caption(f"名录库和待核准中暂无相近的一件事。{NO_REPEAT}。")
        return
    st.warning(f"{NO_REPEAT}：以下是名录库和待核准中与“{ui.literal(name)}”相近的一件事，请先比对。")
    ui.table([{"事项名称": m.name, "区县": m.district, "核准情况": m.status} for m in found])


def item_form(view: RowView | None, *, key: str, domains: dict[int, str]):
    values = view.values if view else {}
    status = view.status if view else DRAFT
    stopped = status in rows.STOPPED
    if stopped:
        st.caption(f"该一件事“{status}”，不得开展后续工作，只能补充简介或删除。")
    name = st.text_input("事项名称", value=values.get("name", ""), key=f"{key}-name",
                         help=HELP["事项名称"], disabled=stopped, live="600ms")
    if name.strip() and (view is None or name.strip() != values.get("name")):
        similar_names(name.strip(), view.id if view else None)
    domain = _chosen("重点领域", domains, values.get("domain_id"), key=f"{key}-domain") \
        if not stopped else values.get("domain_id")
    intro = st.text_area("简介", value=values.get("intro", ""), key=f"{key}-intro",
                         help=HELP["简介"], height=100)
    uploads = []
    accepted = rows.CHARTS_ACCEPTED.get(status, set())
    for purpose in (ORIGINAL_CHART, NEW_CHART):
        if purpose in accepted:
            uploads += _upload(ITEM, purpose, key=key, view=view)
    if not accepted:
        st.caption(f"核准情况为“{status}”，当前不需要上传一图两清单。")
    _required(key, ["name", "domain"], [ORIGINAL_CHART] if status == DRAFT else [], view)
    return {"name": name, "domain_id": domain, "intro": intro}, uploads


def plan_form(view: RowView | None, *, key: str, items: dict[int, str]):
    values = view.values if view else {}
    name = st.text_input("应用名称", value=values.get("name", ""), key=f"{key}-name",
                         help=HELP["应用名称"])
    linked = list(values.get("item_ids") or [])
    choices = {**{i: items.get(i, f"#{i}") for i in linked}, **items}
    item_ids = ui.choose_many("关联一件事", list(choices), default=linked, key=f"{key}-items",
                              format_func=choices.get, help=HELP["关联一件事"])
    if not choices:
        st.caption("本区县还没有可关联的一件事：请先在“一件事”表中新增。")
    stage = st.radio("当前状态", STAGES, key=f"{key}-stage", help=HELP["当前状态"],
                     index=STAGES.index(values["stage"]) if values.get("stage") in STAGES else 0)
    passed_on = values.get("passed_on")
    if stage == PASSED:
        passed_on = ui.date_field("查重通过日期", value=passed_on, key=f"{key}-passed",
                                  min_value=DATE_BOUNDS[0], max_value=DATE_BOUNDS[1],
                                  help=HELP["查重通过日期"])
    else:
        passed_on = None
    uploads = []
    for purpose in NEEDED[stage]:
        uploads += _upload(PLAN, purpose, key=key, view=view)
    if not NEEDED[stage]:
        st.caption("“编制中”无需上传附件。")
    _required(key, ["name", "items", "stage", "passed"], NEEDED[stage], view)
    return {"name": name, "item_ids": sorted(item_ids), "stage": stage,
            "passed_on": passed_on}, uploads


def app_form(view: RowView | None, *, key: str, plans: dict[int, str]):
    values = view.values if view else {}
    name = st.text_input("应用名称", value=values.get("name", ""), key=f"{key}-name",
                         help=HELP["应用名称"])
    plan_id = _chosen("关联三张清单", {**plans, **({values["plan_id"]: view.shown["关联三张清单"]}
                                              if values.get("plan_id") not in (None, *plans)
                                              else {})},
                      values.get("plan_id"), key=f"{key}-plan")
    launched = ui.date_field("上线时间", value=values.get("launched_on"), key=f"{key}-launched",
                             min_value=DATE_BOUNDS[0], max_value=DATE_BOUNDS[1],
                             help=HELP["上线时间"])
    functions = st.text_area("主要功能", value=values.get("functions", ""), height=80,
                             key=f"{key}-functions", help=HELP["主要功能"])
    integration = st.text_area("三融五跨情况", value=values.get("integration", ""), height=80,
                               key=f"{key}-integration", help=HELP["三融五跨情况"])
    volume = st.number_input("当前办件量", min_value=0, step=1, value=values.get("volume"),
                             key=f"{key}-volume", help=HELP["当前办件量"], placeholder="件")
    users = st.number_input("当前活跃用户数", min_value=0, step=1,
                            value=values.get("active_users"), key=f"{key}-users",
                            help=HELP["当前活跃用户数"], placeholder="人")
    uploads = _upload(APP, SCREENSHOT, key=key, view=view, multiple=True)
    _required(key, ["name", "plan", "launched", "functions"], [SCREENSHOT], view)
    return {"name": name, "plan_id": plan_id, "launched_on": launched, "functions": functions,
            "integration": integration,
            "volume": None if volume is None else int(volume),
            "active_users": None if users is None else int(users)}, uploads


def share_form(view: RowView | None, *, key: str, apps: dict[int, str]):
    values = view.values if view else {}
    app_id = _chosen("关联特色应用", {**apps, **({values["app_id"]: view.shown["关联特色应用"]}
                                             if values.get("app_id") not in (None, *apps)
                                             else {})},
                     values.get("app_id"), key=f"{key}-app")
    intro = st.text_area("应用简介", value=values.get("intro", ""), key=f"{key}-intro",
                         help=HELP["应用简介"], height=120, placeholder=SHARE_INTRO_HINT)
    shared = ui.date_field("认定共享日期", value=values.get("shared_on"), key=f"{key}-shared",
                           min_value=DATE_BOUNDS[0], max_value=DATE_BOUNDS[1],
                           help=HELP["认定共享日期"])
    uploads = _upload(SHARE, SHARE_BASIS, key=key, view=view, multiple=True)
    _required(key, ["app", "intro", "shared"], [SHARE_BASIS], view)
    return {"app_id": app_id, "intro": intro, "shared_on": shared}, uploads


def to_send(view: RowView | None, values: dict) -> dict:
    """What 保存 sends: a new row's filled fields; a row's changed fields only (a stopped
    一件事 may change nothing but its 简介)."""
    clean = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    if view is None:
        return {k: v for k, v in clean.items() if v not in (None, "", [])}
    return {k: v for k, v in clean.items() if view.values.get(k) != v
            and not (view.values.get(k) in (None, "") and v in (None, ""))}


# --- 首次全量摸排导入 -------------------------------------------------------------------------------

def survey_import(*, form_version: int, key: str) -> dict[str, int] | None:
    """The first full survey: the Excel template, and a filled one imported into the open form
    (all rows or none). Returns the rows imported per table once an import succeeded."""
    st.caption("首次更新时，区县数建办对辖区部门（单位）策划推出“一件事”事项、编制应用“三张清单”等情况"
               "全量摸排、全量上报：下载模板，逐表填写后上传导入（全部无误才导入，有误时列出行号）。"
               "导入的各行进入本次填报，上传附件、核对后保存并上报。")
    try:
        from services.digital import survey
    except ImportError:
        st.info("全量摸排导入暂未开放，请逐条点击“＋”新增。")
        return None
    st.download_button("下载导入模板", data=survey.template, mime=XLSX_MIME,
                       file_name=getattr(survey, "FILENAME", "全量摸排导入模板.xlsx"),
                       key="survey-template", on_click="ignore")
    book = ui.upload("填好的导入模板", types=["xlsx"], key=key, multiple=False)
    if not st.button("导入", key="survey-import", disabled=book is None):
        return None
    try:
        with st.spinner("正在导入…"), db.session_scope() as s:
            counts = survey.import_workbook(s, actor=st.session_state["current_user"],
                                            data=book.getvalue(), form_version=form_version)
    except DomainError as exc:
        st.error(ui.literal(exc))
        return None
    tables = {k.key: k.table for k in rows.ORDER}
    return {tables.get(name, name): n for name, n in counts.items()}
