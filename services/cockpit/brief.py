"""简报 (SPEC §6): one Word document of a period for the city and the chosen districts — the
主要指标 table, the districts' rankings, the main charts as images, 驳回率 and how each figure is
counted — with the same figures as the cockpit (it reads the same `board`).
"""
import re
from io import BytesIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from sqlmodel import Session

from services import clock
from services.cockpit import images
from services.cockpit import indicators as ind
from services.cockpit.board import (
    BRAND_OFFICE_RULE, CITY, QUALITY_RULE, REJECTION, REJECTION_LABEL, REJECTION_RULE, Board,
    board,
)
from services.cockpit.periods import Period
from services.errors import ValidationError
from services.identity import CurrentUser

TITLE = "区县改革报表简报"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TOP = 10            # districts listed in each ranking
MAX_DISTRICTS = 41  # every district may be chosen
BODY_FONT, HEADING_FONT = "宋体", "黑体"
NO_FONT_NOTE = "（本机未安装中文字体，图表从略，数据见上表。）"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _east_asian(style_or_run, name: str) -> None:
    """Word picks the Chinese font from w:eastAsia, which python-docx does not set by itself."""
    element = style_or_run.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    _east_asian(normal, BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        _east_asian(doc.styles[name], HEADING_FONT)
    return doc


def _table(doc, header: list[str], rows: list[list]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            cell.text = "" if value is None else str(value)  # a plain run: text stays literal


def _picture(doc, png: bytes | None, caption: str) -> None:
    if png is None:
        doc.add_paragraph(f"{caption}{NO_FONT_NOTE}")
        return
    doc.add_picture(BytesIO(png), width=Cm(16))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    note = doc.add_paragraph(caption)
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _scope(b: Board, chosen: list[int]) -> str:
    return "、".join(b.districts[d] for d in chosen) if chosen else CITY


def kpi_rows(b: Board, chosen: list[int]) -> tuple[list[str], list[list[str]]]:
    """The 主要指标 table: one row per indicator (品牌亮点数 with its 获评类别), a column for the city
    and one for each chosen district (value and rank)."""
    header = ["指标", CITY] + [b.districts[d] for d in chosen]
    ranks = {k.key: {d: r for d, _, _, r in b.ranking(k.key)} for k in b.kpis}
    rates = {r.org_id: r for r in b.rates}
    rows = []
    for indicator in ind.INDICATORS:
        counts = b.city[indicator.key]
        row = [indicator.label, str(counts.total)]
        for d in chosen:
            rank = ranks[indicator.key].get(d)
            row.append(f"{counts.by_district.get(d, 0)}（第{rank}名）" if rank else
                       str(counts.by_district.get(d, 0)))
        rows.append(row)
        for group in b.kpi(indicator.key).groups:  # e.g. 品牌亮点数 by 获评类别
            rows.append([f"　其中：{group}", str(counts.by_group.get(group, 0))] + [
                str(counts.by_district_group.get((d, group), 0)) for d in chosen])
    row = [REJECTION_LABEL, _pct(b.rate_total.rate)]
    for d in chosen:
        rank = ranks[REJECTION].get(d)
        rate = rates[d].rate
        row.append(f"{_pct(rate)}（第{rank}名）" if rank else _pct(rate))
    rows.append(row)
    return header, rows


def ranking_rows(b: Board, key: str, chosen: list[int]) -> list[list[str]]:
    """The top districts for an indicator, and the chosen districts wherever they stand."""
    rows = []
    for n, (d, name, value, rank) in enumerate(b.ranking(key)):
        if n < TOP or d in chosen:
            text = _pct(value) if key == REJECTION else str(value)
            rows.append([str(rank) if rank else "—", name, text])
    return rows


def rejection_rows(b: Board, chosen: list[int]) -> list[list[str]]:
    """驳回率 of the chosen districts, or of every district with something reviewed."""
    shown = [r for r in b.rates if (r.org_id in chosen if chosen else r.submissions)]
    return [[r.district, str(r.submissions), str(r.rejections), _pct(r.rate),
             str(r.brand_office_submissions), str(r.brand_office_rejections),
             _pct(r.brand_office_rate), _pct(r.approved_share)] for r in shown]


REJECTION_HEADER = ["区县", "提交审核次数", "驳回次数", "驳回率", "改革品牌报送市委改革办次数",
                    "市委改革办驳回次数", "改革品牌驳回率（市委改革办）", "通过比例"]


def build(session: Session, *, actor: CurrentUser, period: Period,
          district_ids: list[int] | None = None) -> bytes:
    """The 简报 as .docx bytes: for the city, with a column and ranks for each chosen district."""
    chosen = list(dict.fromkeys(district_ids or []))
    if len(chosen) > MAX_DISTRICTS:
        raise ValidationError("所选区县过多，请重新选择")
    b = board(session, actor=actor, period=period)
    unknown = [d for d in chosen if d not in b.districts]
    if unknown:
        raise ValidationError("请选择区县")
    doc = _document()
    doc.add_heading(TITLE, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    head = doc.add_paragraph(f"统计期间：{period.label}（{period.start:%Y-%m-%d} 至 "
                             f"{period.end:%Y-%m-%d}）　范围：{_scope(b, chosen)}")
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    made = doc.add_paragraph(f"生成日期：{clock.today():%Y-%m-%d}　生成人：{actor.org_name} "
                             f"{actor.name}")
    made.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("本简报只统计经审核确认（通过）的数据，统计口径见文末。")

    doc.add_heading("一、主要指标", level=1)
    header, rows = kpi_rows(b, chosen)
    _table(doc, header, rows)

    doc.add_heading("二、区县排名", level=1)
    highlight = {b.districts[d] for d in chosen}
    for n, indicator in enumerate(ind.INDICATORS, start=1):
        doc.add_heading(f"（{_number(n)}）{indicator.label}", level=2)
        _table(doc, ["排名", "区县", indicator.label], ranking_rows(b, indicator.key, chosen))
    doc.add_heading(f"（{_number(len(ind.INDICATORS) + 1)}）{REJECTION_LABEL}（由低到高）",
                    level=2)
    _table(doc, ["排名", "区县", REJECTION_LABEL], ranking_rows(b, REJECTION, chosen))

    doc.add_heading("三、主要图表", level=1)
    first = ind.INDICATORS[0]
    top = [r for r in b.ranking(first.key)][:15]
    _picture(doc, images.bar_chart([name for _, name, _, _ in top], [v for _, _, v, _ in top],
                                   title=f"{first.label}区县排名（前{len(top)}名）",
                                   value_label=first.label, highlight=highlight),
             f"图1　{first.label}区县排名")
    months = period.months()
    series = {i.label: [b.city[i.key].by_month.get(m, 0) for m in months] for i in ind.INDICATORS}
    _picture(doc, images.line_chart(months, series, title=f"全市主要指标月度趋势（{period.label}）"),
             "图2　全市主要指标月度趋势")
    reviewed = [r for r in b.ranking(REJECTION) if r[3] is not None]
    _picture(doc, images.bar_chart([name for _, name, _, _ in reviewed],
                                   [v for _, _, v, _ in reviewed], title="各区县驳回率",
                                   value_label=REJECTION_LABEL, highlight=highlight,
                                   percent=True) if reviewed else None,
             "图3　各区县驳回率" if reviewed else "图3　各区县驳回率：本期间无审核记录")

    doc.add_heading("四、驳回率", level=1)
    doc.add_paragraph(REJECTION_RULE + "。" + BRAND_OFFICE_RULE + "。通过比例：" + QUALITY_RULE + "。")
    rows = rejection_rows(b, chosen)
    if rows:
        _table(doc, REJECTION_HEADER, rows)
    else:
        doc.add_paragraph("本期间无审核记录。")

    doc.add_heading("五、统计口径", level=1)
    for indicator in ind.INDICATORS:
        doc.add_paragraph(f"{indicator.label}：{indicator.rule}。", style="List Bullet")
    doc.add_paragraph(f"{REJECTION_LABEL}：{REJECTION_RULE}。", style="List Bullet")
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _number(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def filename(period: Period, scope: str) -> str:
    """区县改革报表简报_<期间>_<范围>.docx, without characters a file name cannot hold."""
    name = f"{TITLE}_{period.label}_{scope}"
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name)[:120] + ".docx"
