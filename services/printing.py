"""打印: a record of any registered module as a Word (.docx) form, and a list of records as one
document, one record a page.

Written once for every module. The fields, their order and their labels come from the module's
`Flow` (`print_fields`, else the labelled fields that are not `hidden`, in the labels' order), and
what the record does not hold itself — 涉及区县, 试点成果 rows — from its `print_extra`. The
佐证材料 are listed by name (a 涉密 record: 「涉密，线下报送」), the 审核记录 comes from the review
engine, and each record ends with its district, the print date and room for 签字 and 盖章.

Every record is read through `services.records.get`: what a user may not read, they may not
print (the same refusal). User text goes in as plain text runs, never as a field code, formula or
formatting, and in full: nothing is shortened.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any, Iterable

from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl
from docx.shared import Cm, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from sqlalchemy import select
from sqlmodel import Session

from models import ROLE_LABELS, Org, Role
from services import clock, files, records, review
from services.brand_zip import safe_component
from services.errors import ValidationError
from services.identity import CurrentUser
from services.review import Flow

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_RECORDS = 500          # one document of a list: at most this many records (pages)
SECRET_FILES = "涉密，线下报送"
EMPTY = "—"
NO_RECORDS = "所选范围内没有可打印的记录。"
TITLE_IN_NAME = 40         # characters of the record's title in the file name
BODY_FONT, HEADING_FONT = "宋体", "黑体"
TRAIL_HEADERS = ("时间", "操作人", "操作", "状态变化", "意见/原因")
TRAIL_WIDTHS = (Cm(2.6), Cm(4.2), Cm(2.0), Cm(3.6), Cm(3.6))
FIELD_WIDTHS = (Cm(3.6), Cm(12.4))
CLOSING_WIDTHS = (Cm(8), Cm(8))
LABEL_SHADE = "EDEDED"
# Characters an XML 1.0 document cannot hold (the services refuse them in new text; a document
# must still be written for anything stored before that rule).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class Printed:
    """One record as it goes on paper."""

    heading: str                          # e.g. 改革品牌信息表
    district: str                         # the owning district
    status: str
    record_id: int
    fields: list[tuple[str, Any]]         # (label, text) or (label, [rows of linked records])
    files: list[str] | None               # 佐证材料 by name, [SECRET_FILES], None: no such row
    trail: list[tuple[str, ...]]          # TRAIL_HEADERS


# --- what a record prints ----------------------------------------------------------------------

def shown(value: Any) -> str:
    """A value as printed: dates YYYY-MM-DD, times in Beijing, yes/no in words, empty as —."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return clock.local_time(value)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(shown(v) for v in value) or EMPTY
    return str(value)


def print_names(flow: Flow) -> tuple[str, ...]:
    """The names a flow prints, in order: its `print_fields`, else every labelled field that is
    not hidden, in the order of its labels."""
    return flow.print_fields or tuple(n for n in flow.labels if n not in flow.hidden)


class _Names:
    """Names of the rows a foreign key points at (主管市级部门, 获评类别, …), read once per
    document."""

    def __init__(self, session: Session):
        self.session = session
        self.cache: dict[tuple[str, Any], str] = {}

    def of(self, column, value) -> str:
        key = (column.table.name + "." + column.name, value)
        if key not in self.cache:
            target = next(iter(column.foreign_keys)).column
            name = target.table.c.get("name")
            found = None if name is None else self.session.execute(
                select(name).where(target == value)).scalar()
            self.cache[key] = shown(found if found is not None else value)
        return self.cache[key]


def _column(flow: Flow, record: Any, name: str, names: _Names) -> str:
    column = flow.model.__table__.c[name]
    value = getattr(record, name)
    if value is not None and column.foreign_keys:
        return names.of(column, value)
    return shown(value)


def _role(role: str) -> str:
    if role == review.SYSTEM_ROLE:
        return "系统"
    return ROLE_LABELS[Role(role)] if role in set(Role) else role


def trail(session: Session, flow: Flow, record_id: int) -> list[tuple[str, ...]]:
    """审核记录 as printed: when, who (unit, name, role), the step, the states, the reason."""
    return [(clock.local_time(e["time"]), f"{e['org']} {e['actor']}（{_role(e['role'])}）",
             flow.event_label(e["action"], e["from"]), f"{e['from'] or EMPTY} → {e['to']}",
             e["comment"] or "")
            for e in review.history(session, record_type=flow.module, record_id=record_id)]


def evidence(session: Session, flow: Flow, record: Any) -> list[str] | None:
    """The record's files by name, 「涉密，线下报送」 for a 涉密 record, or None for a record of
    a kind that takes no files and has none (e.g. a progress revision)."""
    if getattr(record, "is_secret", False):
        return [SECRET_FILES]
    names = [f"{a.purpose}：{a.original_name}" if a.purpose else a.original_name
             for a in files.attachments_of(session, record_type=flow.module, record_id=record.id)]
    if not names and "is_secret" not in flow.model.__table__.c:
        return None
    return names


def _is_rows(value: Any) -> bool:
    """Linked records from `print_extra`: a list of rows, each {label: value}."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def printed(session: Session, *, flow: Flow, actor: CurrentUser, record_id: int,
            names: _Names | None = None) -> Printed:
    """The record as it stands, for a user who may read it (else the reading refusal)."""
    record = records.get(session, flow=flow, actor=actor, record_id=record_id)
    names = names or _Names(session)
    extra = flow.print_extra(session, record) if flow.print_extra is not None else {}
    columns = flow.model.__table__.c
    fields = []
    for name in print_names(flow):
        if name in extra:
            value = extra[name] if _is_rows(extra[name]) else shown(extra[name])
        elif name in columns:
            value = _column(flow, record, name, names)
        else:  # a declaration error: surfaces in the module's own print test
            raise ValueError(f"{flow.module}: “{name}” is no column and not in print_extra")
        fields.append((flow.labels.get(name, name), value))
    org = session.get(Org, record.org_id)
    return Printed(heading=f"{flow.label}信息表", district=org.name if org else "",
                   status=record.status, record_id=record.id, fields=fields,
                   files=evidence(session, flow, record), trail=trail(session, flow, record.id))


# --- the document ------------------------------------------------------------------------------

def _text(text: Any) -> str:
    return _NOT_IN_XML.sub("", str(text)).replace("\r\n", "\n")


def _east_asian(element, font: str) -> None:
    element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _run(paragraph, text: Any, *, bold: bool = False, size: float | None = None,
         font: str | None = None):
    """User text as one plain run: tabs and line breaks kept, nothing interpreted."""
    run = paragraph.add_run(_text(text))
    if bold:
        run.bold = True
    if size is not None:
        run.font.size = Pt(size)
    if font is not None:
        run.font.name = font
        _east_asian(run._element, font)
    return run


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _cells(table, widths: tuple) -> Iterable[list]:
    """Each row's cells with their widths set (Word reads the cell widths, LibreOffice the grid)."""
    for row in table.rows:
        cells = row.cells
        for cell, width in zip(cells, widths):
            cell.width = width
        yield cells


def _value_cell(cell, value: Any) -> None:
    if not isinstance(value, list):
        _run(cell.paragraphs[0], value)
        return
    first = True
    for n, row in enumerate(value, start=1):
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        _run(paragraph, f"第{n}项", bold=True)
        for label, text in row.items():
            line = cell.add_paragraph()
            _run(line, f"{label}：", bold=True)
            _run(line, shown(text))


class _Document:
    """The Word document being written. Paragraphs and tables are put in front of the body's
    closing section properties directly: python-docx's own `add_paragraph` / `add_table` look
    that element up among all earlier ones, which makes a long list quadratic."""

    def __init__(self, printed_on: date, district: str):
        self.doc = Document()
        self.printed_on = printed_on.strftime("%Y-%m-%d")
        self.pages = 0
        self.body = self.doc._body
        self.end = self.doc.element.body.sectPr
        self.grid = self.doc.styles["Table Grid"].style_id
        normal = self.doc.styles["Normal"]
        normal.font.name = BODY_FONT
        normal.font.size = Pt(10.5)
        _east_asian(normal.element, BODY_FONT)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin, section.bottom_margin = Mm(25), Mm(20)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        unit = f"填报单位：{district}　　" if district else ""
        _run(footer, f"{unit}打印日期：{self.printed_on}　　区县改革报表填报系统", size=9)

    def paragraph(self) -> Paragraph:
        p = OxmlElement("w:p")
        self.end.addprevious(p)
        return Paragraph(p, self.body)

    def table(self, rows: int, widths: tuple) -> Table:
        tbl = CT_Tbl.new_tbl(rows, len(widths), sum(widths, Cm(0)))
        tbl.tblStyle_val = self.grid
        self.end.addprevious(tbl)
        table = Table(tbl, self.body)
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = width
        return table

    def record(self, p: Printed) -> None:
        title = self.paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if self.pages:  # one record a page
            title.paragraph_format.page_break_before = True
        self.pages += 1
        _run(title, p.heading, bold=True, size=16, font=HEADING_FONT)
        _run(self.paragraph(), f"填报单位：{p.district}　　状态：{p.status}　　记录编号：{p.record_id}",
             size=10)

        rows = p.fields + ([] if p.files is None else
                           [("佐证材料", "\n".join(p.files) if p.files else "（无）")])
        table = self.table(len(rows), FIELD_WIDTHS)
        for (label, value), (left, right) in zip(rows, _cells(table, FIELD_WIDTHS)):
            _shade(left, LABEL_SHADE)
            _run(left.paragraphs[0], label, bold=True)
            _value_cell(right, value)

        heading = self.paragraph()
        heading.paragraph_format.space_before = Pt(12)
        _run(heading, "审核记录", bold=True, size=12, font=HEADING_FONT)
        if p.trail:
            table = self.table(len(p.trail) + 1, TRAIL_WIDTHS)
            table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
            for values, cells in zip([TRAIL_HEADERS, *p.trail], _cells(table, TRAIL_WIDTHS)):
                header = values is TRAIL_HEADERS
                for cell, text in zip(cells, values):
                    if header:
                        _shade(cell, LABEL_SHADE)
                    _run(cell.paragraphs[0], text, bold=header, size=9)
        else:
            _run(self.paragraph(), "（无）")

        self.paragraph().paragraph_format.space_before = Pt(12)
        table = self.table(2, CLOSING_WIDTHS)
        (unit, day), (sign, seal) = _cells(table, CLOSING_WIDTHS)
        _run(unit.paragraphs[0], f"填报单位：{p.district}")
        _run(day.paragraphs[0], f"打印日期：{self.printed_on}")
        _run(sign.paragraphs[0], "签字：")
        _run(seal.paragraphs[0], "盖章：")
        table.rows[1].height = Cm(3)
        table.rows[1].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST

    def empty(self) -> None:
        _run(self.paragraph(), NO_RECORDS)

    def bytes(self) -> bytes:
        buffer = BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


# --- the services ------------------------------------------------------------------------------

def record_docx(session: Session, *, flow: Flow, actor: CurrentUser, record_id: int) -> bytes:
    """打印: one record as a Word form, if `actor` may read it."""
    return records_docx(session, flow=flow, actor=actor, record_ids=[record_id])


def records_docx(session: Session, *, flow: Flow, actor: CurrentUser,
                 record_ids: Iterable[int]) -> bytes:
    """打印所选记录: the records in the given order, one a page (at most MAX_RECORDS), all of
    them readable by `actor` or none printed."""
    ids = list(dict.fromkeys(int(i) for i in record_ids))
    if len(ids) > MAX_RECORDS:
        raise ValidationError(f"一次最多打印{MAX_RECORDS}项（所选{len(ids)}项），请缩小筛选范围后分批打印")
    names = _Names(session)
    pages = [printed(session, flow=flow, actor=actor, record_id=i, names=names) for i in ids]
    districts = {p.district for p in pages}
    document = _Document(clock.today(), districts.pop() if len(districts) == 1 else "")
    for page in pages:
        document.record(page)
    if not pages:
        document.empty()
    return document.bytes()


def record_filename(session: Session, *, flow: Flow, actor: CurrentUser, record_id: int) -> str:
    """e.g. 改革品牌_建立…机制_2026-12-01.docx (safe on Windows), if `actor` may read it."""
    record = records.get(session, flow=flow, actor=actor, record_id=record_id)
    title = safe_component(str(getattr(record, flow.title_field, "") or ""),
                           limit=TITLE_IN_NAME, fallback=f"{record.id}")
    return f"{flow.label}_{title}_{clock.today():%Y-%m-%d}.docx"


def list_filename(flow: Flow, count: int | None = None) -> str:
    """e.g. 改革品牌_12项_2026-12-01.docx (without the number when it is not known yet)."""
    number = "" if count is None else f"{count}项_"
    return f"{flow.label}_{number}{clock.today():%Y-%m-%d}.docx"
