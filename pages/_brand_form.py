"""The brand entry form (every field of SPEC §4 with the manual's 填写说明) and a read-only view."""
from datetime import date

import streamlit as st

from models import Attachment, BrandCategory, BrandEntry
from services import brand, brand_template
from services.brand import (
    BUSINESS_COMMENDATION, BUSINESS_REFUSAL, COMMENDATIONS, EVIDENCE, HELP, REFORM_COMMENDATION,
    SELF_CHECK, SIGNATURE_NOTE, SUMMARY, SUMMARY_HEADINGS, SUMMARY_OFFLINE, BrandInput,
)
from services.brand_template import DOCX_MIME, FILENAME
from services.records import Upload
import ui
from ui import literal

EVIDENCE_TYPES = ["pdf", "doc", "docx", "png", "jpg", "jpeg"]
SUMMARY_TYPES = ["pdf", "png", "jpg", "jpeg"]
# The date field takes any real date: a typed date outside its bounds would be dropped without a
# word, so the rule (start date … today) is answered next to the field instead.
DATE_FIELD_BOUNDS = (date(1900, 1, 1), date(2999, 12, 31))


def _warn(message: str | None) -> None:
    if message:
        st.warning(message)


def brand_form(key: str, *, entry: BrandEntry | None, categories: list[BrandCategory],
               contact: str, start: date, today: date, unit: str,
               attached: list[Attachment] = ()) -> tuple[BrandInput, list[Upload]]:
    """Draw the form; returns what was typed and the new uploads (the service checks both)."""
    e = entry
    ui.required_note(*(f"{key}-{name}" for name in
                       ("item", "category", "date", "situation", "problems", "results")))
    item = st.text_input("改革事项", value=e.item if e else "", key=f"{key}-item",
                         help=HELP["改革事项"])
    _warn(brand.item_warning(item))
    names = {c.id: c.name + ("（已停用）" if c.retired else "") for c in categories}
    ids = list(names)
    category = st.selectbox("获评类别", ids, format_func=names.get, key=f"{key}-category",
                            index=ids.index(e.category_id) if e and e.category_id in ids else None,
                            placeholder="请选择", help=HELP["获评类别"])
    awarded = ui.date_field("获评日期", value=e.awarded_on if e else None, key=f"{key}-date",
                            min_value=DATE_FIELD_BOUNDS[0], max_value=DATE_FIELD_BOUNDS[1],
                            help=HELP["获评日期"].format(start_text=brand.start_text(start)))
    if problem := brand.awarded_problem(awarded, start=start, today=today):
        st.error(problem)
    situation = st.text_area("具体情形", value=e.situation if e else "", key=f"{key}-situation",
                             help=HELP["具体情形"], height=100)
    problems = st.text_area("解决问题", value=e.problems if e else "", key=f"{key}-problems",
                            help=HELP["解决问题"], height=100,
                            placeholder="针对×××问题，出台《××》/上线×××应用/建立×××制度/召开×××会议，实现×××")
    _warn(brand.problems_warning(problems))
    results = st.text_area("主要成果", value=e.results if e else "", key=f"{key}-results",
                           help=HELP["主要成果"], height=100)
    _warn(brand.results_warning(results))

    commendation = st.radio("佐证材料是否为通报表彰、领导批示", COMMENDATIONS, key=f"{key}-praise",
                            index=COMMENDATIONS.index(e.commendation) if e else 0,
                            help=HELP["通报表彰"])
    if commendation == BUSINESS_COMMENDATION:
        st.error(BUSINESS_REFUSAL)
    brief = st.checkbox("特殊情形：点名推广文件介绍本单位改革成效不足一个自然段", key=f"{key}-brief",
                        value=e.brief_mention if e else False, help=HELP["特殊情形"])
    special = brief or commendation == REFORM_COMMENDATION

    secret = st.checkbox("涉密", key=f"{key}-secret", value=e.is_secret if e else False,
                         help=HELP["涉密"])
    uploads: list[Upload] = []
    offline = False
    if secret:
        st.info(f"涉密材料请勿上传，请通过电子政务内网邮箱传{literal(contact)}，报送后勾选下方确认。")
        if attached:
            st.warning("保存后，已上传的材料将从系统中删除，不留副本（涉密材料只能线下报送）。")
        offline = st.checkbox("已通过电子政务内网邮箱线下报送", key=f"{key}-offline",
                              value=e.sent_offline if e else False)
    else:
        for f in ui.upload("佐证材料", types=EVIDENCE_TYPES, key=f"{key}-evidence",
                           help=HELP["佐证材料"]) or []:
            uploads.append(Upload(EVIDENCE, f.name, f.getvalue()))

    signed = summary_offline = False
    if special:
        with st.container(border=True):
            st.markdown("**总结材料**（该情形须另附改革事项总结材料，PDF 或图片），须介绍：  \n"
                        + "  \n".join(f"{n}、{h}" for n, h in zip("一二三四五", SUMMARY_HEADINGS))
                        + f"  \n材料须经{SIGNATURE_NOTE}。")
            st.download_button("下载总结材料模板（Word）", key=f"{key}-template", mime=DOCX_MIME,
                               data=brand_template.summary_template(item=item, unit=unit),
                               file_name=FILENAME, on_click="ignore")
            if not secret:
                for f in ui.upload("总结材料", types=SUMMARY_TYPES, key=f"{key}-summary",
                                   help=HELP["总结材料"]) or []:
                    uploads.append(Upload(SUMMARY, f.name, f.getvalue()))
            signed = st.checkbox(f"总结材料已经{SIGNATURE_NOTE}", key=f"{key}-signed",
                                 value=e.summary_signed if e else False)
            if secret:
                summary_offline = st.checkbox(
                    SUMMARY_OFFLINE, key=f"{key}-summary-offline",
                    value=e.summary_sent_offline if e else False,
                    help="涉密的特殊情形：总结材料不在系统上传，签字盖章后随佐证材料通过电子政务内网邮箱线下报送")
    checked = st.checkbox(SELF_CHECK, key=f"{key}-check", help=HELP["自查"],
                          value=e.self_checked if e else False)
    data = BrandInput(item=item, category_id=category, situation=situation, awarded_on=awarded,
                      problems=problems, results=results, commendation=commendation,
                      brief_mention=brief, summary_signed=signed, self_checked=checked,
                      is_secret=secret, sent_offline=offline,
                      summary_sent_offline=summary_offline)
    return data, uploads


def entry_facts(e: BrandEntry, *, district: str, category: str) -> None:
    """A read-only view; user text is escaped so it shows exactly as typed."""
    offline = "是（" + ("已线下报送" if e.sent_offline else "未报送") + "）" if e.is_secret else "否"
    rows = [("区县", district), ("改革事项", e.item), ("获评类别", category),
            ("获评日期", e.awarded_on.strftime("%Y-%m-%d") if e.awarded_on else "—"),
            ("具体情形", e.situation), ("解决问题", e.problems), ("主要成果", e.results),
            ("通报表彰/领导批示", e.commendation),
            (brand.LABELS["brief_mention"], "是" if e.brief_mention else "否"),
            ("总结材料已签字盖章", "是" if e.summary_signed else "否"), ("涉密", offline),
            ("状态", e.status)]
    if e.is_secret and brand.needs_summary(e):
        rows.insert(-1, ("总结材料线下报送", "已报送" if e.summary_sent_offline else "未报送"))
    ui.record_card(rows)
