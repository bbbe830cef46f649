"""Excel exports (SPEC §9): Chinese headers, frozen header row, autofilter, sensible widths.

User text is always written as text, never as a formula (SPEC §9: a value starting with `=`,
`+`, `-` or `@` would otherwise run when the workbook is opened or the cell is edited).
"""
import re
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any, Iterable, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from services.clock import local_time

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What Excel, WPS and LibreOffice may take for the start of a formula: `= + - @` (also their
# full-width forms, which input methods turn into the ASCII ones), after any leading whitespace,
# or a leading tab / carriage return (OWASP "CSV injection").
_FORMULA_START = re.compile(r"^(?:[\t\r\n]|\s*[=+\-@＝＋－＠])")
EXCEL_CELL_LIMIT = 32767  # characters; Excel refuses to open a workbook with a longer cell


def _is_formula_like(text: str) -> bool:
    return bool(_FORMULA_START.match(text))


def _plain(value: Any) -> Any:
    """A Python value as what the cell holds: numbers and booleans as they are, the rest text."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (list, tuple, set)):
        value = "、".join(map(str, value))
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters openpyxl refuses
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # what the XML reader would make of it
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    return text


def _append(ws, row: int, values: list) -> None:
    """Append row number `row`; text stays text even when it looks like a formula."""
    ws.append(values)
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and _is_formula_like(value):
            cell = ws.cell(row=row, column=column)
            cell.data_type = "s"  # openpyxl would store `=…` as a live formula
            cell.quotePrefix = True  # Excel's leading ' : still text after the cell is edited


def _display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def to_xlsx(rows: Iterable[dict[str, Any]], *, headers: Sequence[str] | None = None,
            sheet: str = "数据") -> bytes:
    """Write dict rows (keys are the Chinese column names) to an .xlsx workbook."""
    rows = list(rows)
    headers = list(headers or (rows[0].keys() if rows else []))
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = sheet[:31]
    _append(ws, 1, [_plain(h) for h in headers])
    widths = [_display_width(h) for h in headers]
    for number, row in enumerate(rows, start=2):
        values = [_plain(row.get(h)) for h in headers]
        for i, value in enumerate(values[:200]):
            widths[i] = max(widths[i], min(_display_width(value), 60))
        _append(ws, number, values)
    header_font = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = header_font
        cell.fill = fill
        cell.alignment = Alignment(vertical="center")
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(8, width + 2)
    ws.freeze_panes = "A2"
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_xlsx(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """Rows of the first sheet as (Excel row number, {header: value}); blank rows skipped."""
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a non-workbook
        from services.errors import ValidationError
        raise ValidationError("文件不是有效的 Excel（.xlsx）工作簿，请使用下载的模板填写") from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    out = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        out.append((number, {h: v for h, v in zip(header, values) if h}))
    wb.close()
    return out
