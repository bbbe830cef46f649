"""首次全量摸排、全量上报 (the manual's part 四 (二) 五; SPEC §9): the district's four tables
filled in one Excel workbook and imported into its open form at once.

`template()` is the workbook to fill: one sheet per table with the tables' field labels, a
first column 行号 (the row's own number, by which the other sheets link to it), columns for the
names of the files to attach afterwards, drop-downs for 重点领域 and 当前状态, and 填写说明.

`import_workbook` reads it as text (a formula is its text, never evaluated), checks every row
of every sheet before writing anything and refuses the whole file listing each problem with
its sheet and Excel row number; otherwise it adds the rows through `rows.save_row` (items,
then plans, apps and shares, row-number links turned into the new rows' ids) in one
transaction. The rows are drafts of the open form: their files are uploaded in the form
afterwards, and the file names the workbook announced wait in the row's `pending` JSON under
`expected_files` ({purpose: names}) so the form can show “待上传：…”.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from pathlib import PurePath
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlmodel import Session

from services import clock, db, files, limits, settings
from services.db import transactional
from services.digital import catalog, rows
from services.digital.apps import APP, SCREENSHOT, SHARE, SHARE_BASIS
from services.digital.common import DELETED, RowKind, pending_of
from services.digital.items import ITEM
from services.digital.plans import PASSED, PLAN, STAGES
from services.errors import CONFLICT_MESSAGE, Conflict, PermissionDenied, ValidationError
from services.exports import _append as append_row, _display_width
from services.identity import CurrentUser

FILENAME = "数字重庆建设全量摸排导入模板.xlsx"
MAX_ROWS = 2000          # data rows of the four sheets together
MAX_LINES = 50           # problems listed in the refusal (then 等共M处)
MAX_SCANNED = 20000      # rows of a sheet read at all, blank ones included
INSTRUCTIONS = "填写说明"
OPTIONS = "下拉选项"      # hidden sheet holding the drop-down lists
EXPECTED = "expected_files"

ROW_NO = "行号"
# How each kind of column is read.
ROW, TEXT, DOMAIN, STAGE, DATE, NUMBER, LINKS, LINK, FILE = (
    "row", "text", "domain", "stage", "date", "number", "links", "link", "file")
LINK_HEADERS = {"item_ids": "关联一件事（行号，多个用、分隔）", "plan_id": "关联三张清单（行号）",
                "app_id": "关联特色应用（行号）"}
LINK_TARGET = {"item_ids": ITEM, "plan_id": PLAN, "app_id": APP}
FILE_HEADERS = {SCREENSHOT: "截图文件名", SHARE_BASIS: "依据文件名"}  # others: 〈purpose〉文件名
NUMBER_MAX = 10 ** 12    # as the service (当前办件量, 当前活跃用户数)
_LINK_SPLIT = re.compile(r"[、,，;；/\s]+")
_FILE_SPLIT = re.compile(r"[;；\n]+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")


@dataclass(frozen=True)
class Column:
    name: str        # model column, link key, file purpose, or "row"
    header: str
    read: str        # ROW, TEXT, …
    label: str       # the field's name in messages

    @property
    def purpose(self) -> str:
        return self.name


def columns(kind: RowKind) -> list[Column]:
    """The sheet's columns: 行号, the table's fields in the manual's order, the file names."""
    found = [Column("row", ROW_NO, ROW, ROW_NO)]
    for name, label in kind.fields:
        if name in LINK_HEADERS:
            read = LINKS if name == "item_ids" else LINK
            found.append(Column(name, LINK_HEADERS[name], read, label))
            continue
        python_type = kind.model.__table__.columns[name].type.python_type
        read = (DOMAIN if name == "domain_id" else STAGE if name == "stage"
                else DATE if python_type is date else NUMBER if python_type is int else TEXT)
        found.append(Column(name, label, read, label))
    for purpose in kind.purposes:
        header = FILE_HEADERS.get(purpose, f"{purpose}文件名")
        found.append(Column(purpose, header, FILE, header))
    return found


def _required(kind: RowKind, column: Column) -> bool:
    return column.read == ROW or column.name in kind.required


def _hint(kind: RowKind, column: Column) -> str:
    """What a column takes (header comments and 填写说明)."""
    needed = "必填。" if _required(kind, column) else ""
    if column.read == ROW:
        return ("必填。本表内每行一个编号（从1开始，不重复），其他表按行号关联本行。"
                "只填行号、其余为空的行不导入。")
    if column.read == DOMAIN:
        return needed + "从下拉列表选择（系统管理员维护的重点领域）。"
    if column.read == STAGE:
        return needed + "从下拉列表选择：" + "、".join(STAGES) + "。"
    if column.read == DATE:
        extra = "“当前状态”为“市大数据发展局查重通过”时必填，其他状态不填。" if column.name == "passed_on" else ""
        return needed + extra + "日期，如 2024-05-01，不晚于今天。"
    if column.read == NUMBER:
        return needed + "不小于0的整数。"
    if column.read in (LINKS, LINK):
        target = LINK_TARGET[column.name]
        many = "，多个用“、”分隔" if column.read == LINKS else "（只填一个）"
        return needed + f"填写本文件“{target.table}”表中的行号{many}。"
    if column.read == FILE:
        kinds = "、".join(sorted("." + k for k in kind.purposes[column.purpose]))
        return (f"导入后在表单中上传的“{column.purpose}”的文件名，如有多个用“；”分隔；"
                f"格式：{kinds}。附件不随 Excel 导入。")
    limit = limits.max_length(kind.model, column.name) or limits.DEFAULT_TEXT_LIMIT
    lines = "" if limit >= limits.MULTILINE_FROM else "，只填一行"
    return needed + f"最多{limit}个字{lines}。"


# --- the template ------------------------------------------------------------------------------

GUIDE = [
    "数字重庆建设 · 首次全量摸排、全量上报 填写说明",
    "",
    "一、用途",
    "首次更新时，各区县数建办要对辖区部门（单位）策划推出“一件事”事项、编制应用“三张清单”等情况进行"
    "全量摸排、全量上报，准确选填“当前状态”。本模板填好后，在“数字重庆建设 › 区县推进情况更新”页面的"
    "“首次全量摸排导入”中上传。",
    "",
    "二、导入规则",
    "1. 四张表各占一个工作表（一件事、应用“三张清单”、开发上线特色应用、一地创新、全市共享），"
    "不要修改表头和工作表名称；每行一条记录，不能把多条记录写在一行里。",
    "2. 每张表第1列“行号”是本表内每行的编号（从1开始，本表内不重复）。其他表用行号关联："
    "“三张清单”填“关联一件事（行号）”，特色应用填“关联三张清单（行号）”，共享填“关联特色应用（行号）”。",
    "3. 内容要满足逐级包含关系：获“一地创新、全市共享”的应用一定来自本区县开发上线的特色应用；"
    "开发上线的特色应用一定基于本区县的应用“三张清单”；应用“三张清单”一定基于本区县一个或多个“一件事”。",
    "4. 任一行有错误，整个文件都不导入；系统列出每处错误所在的表和行号（Excel 左侧的行号），"
    "修改后重新上传即可。一次最多导入2000行。",
    "5. 附件不随 Excel 导入：在“……文件名”列写下将要上传的文件名，导入后的记录为草稿，在表单中逐条上传附件"
    "（表单显示“待上传：文件名”），必需的附件都上传后再点击“保存并上报”，经区县审核员审核通过。",
    "6. 日期按 2024-05-01 的格式填写，不晚于今天；办件量、活跃用户数填不小于0的整数；"
    "以“=”开头的内容按文字导入，不作为公式计算；不要粘贴带有不可见字符的内容。",
    "",
    "三、各表填写要求（摘自《区县改革报表填报系统操作说明及规范》）",
    "一件事：围绕重点领域策划推出的“一件事”。首次录入某“一件事”事项时，必须上传“原一图两清单”，"
    "市委改革办视梳理深度确定是否纳入“区县‘一件事’名录库”，一般每周五集中核准。"
    "已纳入名录库的“一件事”不再重复策划，导入前请在“名录库”查询。",
    "应用“三张清单”：按“当前状态”上传相应附件：“编制中”无需上传附件；"
    "“区县数建办已论证审查通过正报市大数据发展局查重”需上传区县数建办论证审查意见；"
    "“市大数据发展局查重通过”需增加上传市大数据发展局查重通过意见、“三张清单”文本，并填写查重通过日期。"
    "只有查重通过的应用“三张清单”才纳入晾晒。可以围绕一个或多个“一件事”编制。",
    "开发上线特色应用：填写上线时间、主要功能、“三融五跨”情况、当前办件量、当前活跃用户数；"
    "附件上传该应用的主要功能界面截图（图片）。仅晾晒通过“三张清单”论证审查、查重等程序后开发上线的应用，"
    "无相应“三张清单”的存量应用不纳入晾晒。",
    "一地创新、全市共享：应用简介的填写要求与开发上线特色应用一致；"
    "附件主要上传该应用获“一地创新、全市共享”的依据。",
    "",
    "四、各列说明",
]


def _write_guide(ws) -> None:
    ws.title = INSTRUCTIONS
    number = 0
    for line in GUIDE:
        number += 1
        append_row(ws, number, [line])
    for kind in rows.ORDER:
        number += 1
        append_row(ws, number, [f"“{kind.table}”表"])
        ws.cell(row=number, column=1).font = Font(bold=True)
        for column in columns(kind):
            number += 1
            append_row(ws, number, [f"{column.header}：{_hint(kind, column)}"])
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    for row in ws.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 110


def _list_validation(ws, options_range: str, letter: str, what: str) -> None:
    check = DataValidation(type="list", formula1=options_range, allow_blank=True,
                           showDropDown=False, showErrorMessage=True, errorTitle=what,
                           error=f"请从下拉列表中选择{what}")
    check.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    ws.add_data_validation(check)


def _write_sheet(wb: Workbook, kind: RowKind, lists: dict[str, str]) -> None:
    ws = wb.create_sheet(kind.table)
    cols = columns(kind)
    append_row(ws, 1, [c.header for c in cols])
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(cols, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if _required(kind, column) else None)
        cell.fill = fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        comment = Comment(_hint(kind, column), "区县改革报表填报系统")
        comment.width, comment.height = 300, 120
        cell.comment = comment
        width = _display_width(column.header) + 2
        if column.read == TEXT:
            width = 40 if (limits.max_length(kind.model, column.name) or 0) >= 1000 else 28
        ws.column_dimensions[letter].width = max(10, min(width, 44))
        dimension = ws.column_dimensions[letter]
        rng = f"{letter}2:{letter}{MAX_ROWS + 1}"
        if column.read in (TEXT, FILE, LINKS):
            dimension.number_format = "@"  # typed text stays text (a leading = too)
        if column.read == DATE:
            dimension.number_format = "yyyy-mm-dd"
            check = DataValidation(type="date", operator="lessThanOrEqual", formula1="TODAY()",
                                   allow_blank=True, showErrorMessage=True, errorTitle="日期",
                                   error="请填写不晚于今天的日期，如 2024-05-01")
            check.add(rng)
            ws.add_data_validation(check)
        if column.read in (ROW, NUMBER):
            low = 1 if column.read == ROW else 0
            check = DataValidation(type="whole", operator="greaterThanOrEqual",
                                   formula1=str(low), allow_blank=True, showErrorMessage=True,
                                   errorTitle=column.header, error=f"请填写不小于{low}的整数")
            check.add(rng)
            ws.add_data_validation(check)
        if column.read in lists:
            _list_validation(ws, lists[column.read], letter, column.label)
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}1"


def _write_options(wb: Workbook, domain_names: list[str]) -> dict[str, str]:
    """The drop-down lists on a hidden sheet (no length limit, names with commas work)."""
    ws = wb.create_sheet(OPTIONS)
    lists: dict[str, str] = {}
    for index, (read, title, values) in enumerate(
            ((DOMAIN, "重点领域", domain_names), (STAGE, "当前状态", STAGES)), start=1):
        letter = get_column_letter(index)
        ws.cell(row=1, column=index, value=title)
        for number, value in enumerate(values, start=2):
            cell = ws.cell(row=number, column=index, value=value)
            cell.data_type = "s"  # an admin's domain name is text, even if it starts with =
        if values:
            lists[read] = f"'{OPTIONS}'!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    return lists


def template(session: Session | None = None) -> bytes:
    """The Excel template of the first full survey (the domains in use as 重点领域's list)."""
    if session is None:
        with db.session_scope() as own:
            return template(own)
    domain_names = [d.name for d in catalog.domains(session)]
    wb = Workbook()
    _write_guide(wb.active)
    lists = _write_options(wb, domain_names)
    for kind in rows.ORDER:
        _write_sheet(wb, kind, lists)
    wb.move_sheet(OPTIONS, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(OPTIONS))
    wb.active = 0
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- reading the workbook -----------------------------------------------------------------------

class SurveyErrors(ValidationError):
    """The import refused as a whole; `problems` holds (sheet, Excel row or None, reason)."""

    def __init__(self, problems: list[tuple[str, int | None, str]]):
        order = [k.table for k in rows.ORDER]
        self.problems = sorted(problems, key=lambda p: (order.index(p[0]), p[1] or 0))
        lines: list[str] = []
        for sheet, number, reason in self.problems:
            where = f"{sheet} 第{number}行" if number else sheet
            if lines and lines[-1].startswith(where + "："):
                lines[-1] += "；" + reason  # one line per row
            else:
                lines.append(f"{where}：{reason}")
        shown = lines[:MAX_LINES]
        more = [f"等共{len(problems)}处"] if len(lines) > MAX_LINES else []
        super().__init__("\n".join([f"导入未执行，共{len(problems)}处错误，请修改后重新上传："]
                                   + shown + more))


def _fold(text: str) -> str:
    """A header or sheet name as compared: full-width folded, no spaces, no quotes."""
    text = unicodedata.normalize("NFKC", str(text or "")).translate(_QUOTES)
    return re.sub(r"\s+", "", text)


def _short(text: Any, limit: int = 30) -> str:
    return limits.shorten(str(text).replace("\n", " "), limit)


def _cell_text(value: Any) -> str:
    """A cell as text, trimmed (a formula is its text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, (str, int, float, datetime)):
        value = getattr(value, "text", value)  # an array formula: its text
    return str(value).strip()


def _whole(value: Any) -> int | None:
    """A non-negative whole number written in the cell, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = unicodedata.normalize("NFKC", _cell_text(value))
    if re.fullmatch(r"\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")
    return int(text) if re.fullmatch(r"\d{1,15}", text) else None


def _formula_note(value: Any) -> str:
    return "（以“=”开头的内容按文字读取，不作为公式计算）" if _cell_text(value).startswith("=") else ""


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float, bool)):
        return None
    text = unicodedata.normalize("NFKC", _cell_text(value))
    found = _DATE.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not found:
        return None
    try:
        return date(*map(int, found.groups()))
    except ValueError:
        return None


class _Refused(Exception):
    """A cell that cannot be taken (the reason, for the row's line)."""


@dataclass
class Line:
    """One data row of a sheet: its Excel row number and its cells by column name."""
    number: int
    cells: dict[str, Any]
    row_no: int | None = None
    values: dict = field(default_factory=dict)
    links: dict[str, list[int]] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)


class Reader:
    """Collects the problems of the whole workbook, sheet by sheet and row by row."""

    def __init__(self, session: Session, actor: CurrentUser):
        self.session = session
        self.actor = actor
        self.problems: list[tuple[str, int | None, str]] = []
        self.domains = {d.name: d.id for d in catalog.domains(session)}
        self.lines: dict[str, list[Line]] = {k.key: [] for k in rows.ORDER}

    def refuse(self, kind: RowKind, number: int | None, reason: str) -> None:
        self.problems.append((kind.table, number, reason))

    # -- sheets -----------------------------------------------------------------------------------

    def read(self, data: bytes) -> None:
        if files.detect_kind(data) != "xlsx":
            raise ValidationError("文件不是 Excel（.xlsx）工作簿，请使用下载的模板填写后上传"
                                  "（.xls、.et 等格式请先另存为 .xlsx）")
        try:
            wb = load_workbook(BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a broken workbook
            raise ValidationError("文件不是有效的 Excel（.xlsx）工作簿，请使用下载的模板填写") from exc
        try:
            sheets = {_fold(name): name for name in wb.sheetnames}
            found = {k.key: sheets.get(_fold(k.table)) for k in rows.ORDER}
            if not any(found.values()):
                raise ValidationError("文件中没有“一件事”“应用“三张清单””“开发上线特色应用”"
                                      "“一地创新、全市共享”工作表，请使用下载的模板填写")
            total = 0
            for kind in rows.ORDER:
                if found[kind.key] is None:
                    continue
                total += self._read_sheet(kind, wb[found[kind.key]], MAX_ROWS - total)
        except ValidationError:
            raise
        except Exception as exc:  # a sheet's XML is read lazily: damage shows up here
            raise ValidationError("文件内容已损坏，无法读取，请使用下载的模板重新填写") from exc
        finally:
            wb.close()
        if total == 0 and not self.problems:
            raise ValidationError("文件中没有数据行，请按模板填写后再导入")

    def _read_sheet(self, kind: RowKind, ws, room: int) -> int:
        ws.reset_dimensions()  # some writers record wrong dimensions: read every cell
        cols = columns(kind)
        by_header = {_fold(c.header): c for c in cols}
        by_header.update({_fold(c.label): c for c in cols if c.read in (LINKS, LINK)})
        by_header.update({_fold(f"{c.purpose}文件名"): c for c in cols if c.read == FILE})
        values = ws.iter_rows(values_only=True)
        header = next(values, ())
        if all(_cell_text(v) == "" for v in header or ()) and not any(
                _cell_text(v) for cells in values for v in cells):
            return 0  # a sheet left empty (or cleared): nothing to import from it
        positions: dict[str, int] = {}
        for index, text in enumerate(header or ()):
            column = by_header.get(_fold(_cell_text(text)))
            if column is not None and column.name not in positions:
                positions[column.name] = index
        if missing := [c.header for c in cols if c.read != FILE and c.name not in positions]:
            self.refuse(kind, None, "第1行应为表头，缺少列：" + "、".join(f"“{h}”" for h in missing)
                        + "（请使用下载的模板，不要修改表头）")
            return 0
        count = 0
        for number, cells in enumerate(values, start=2):
            if number > MAX_SCANNED:
                raise ValidationError(f"“{kind.table}”表超过{MAX_SCANNED}行（含空行），"
                                      "请删除多余的行后重新上传")
            got = {name: cells[i] if i < len(cells) else None for name, i in positions.items()}
            if all(_cell_text(v) == "" for name, v in got.items() if name != "row"):
                continue  # blank, or a 行号 alone
            count += 1
            if count > room:
                raise ValidationError(f"一次最多导入{MAX_ROWS}行（四张表合计），请分批导入")
            self.lines[kind.key].append(Line(number, got))
        return count

    # -- rows -------------------------------------------------------------------------------------

    def check(self) -> None:
        """Every row of every sheet: its cells, then its links and duplicates."""
        numbers: dict[str, dict[int, int]] = {}
        for kind in rows.ORDER:
            seen: dict[int, int] = {}
            for line in self.lines[kind.key]:
                raw = line.cells.get("row")
                row_no = _whole(raw)
                if _cell_text(raw) == "":
                    self.refuse(kind, line.number, "“行号”未填写")
                elif row_no is None or row_no < 1:
                    self.refuse(kind, line.number, f"“行号”“{_short(_cell_text(raw))}”"
                                f"不是正整数{_formula_note(raw)}")
                elif row_no in seen:
                    self.refuse(kind, line.number, f"行号{row_no}与第{seen[row_no]}行重复")
                else:
                    seen[row_no] = line.number
                    line.row_no = row_no
                for column in columns(kind)[1:]:
                    try:
                        self._cell(kind, line, column)
                    except _Refused as refusal:
                        self.refuse(kind, line.number, str(refusal))
                self._complete(kind, line)
            numbers[kind.key] = seen
        for kind in rows.ORDER:
            self._links(kind, numbers)
            self._duplicates(kind)

    def _cell(self, kind: RowKind, line: Line, column: Column) -> None:
        """Take one cell into the line's values, links or expected files (or refuse it)."""
        raw = line.cells.get(column.name)
        text = _cell_text(raw)
        label = column.label
        if column.read == TEXT:
            limit = limits.max_length(kind.model, column.name) or limits.DEFAULT_TEXT_LIMIT
            try:
                limits.check_text(label, text, limit)
            except ValidationError as exc:
                raise _Refused(str(exc)) from None
            line.values[column.name] = text
        elif text == "":
            if column.read not in (FILE, LINKS, LINK):
                line.values[column.name] = None
        elif column.read in (DOMAIN, STAGE):
            offered = self.domains if column.read == DOMAIN else {s: s for s in STAGES}
            if text not in offered:
                raise _Refused(f"“{label}”“{_short(text)}”不在列表中，可选：" + "、".join(offered))
            line.values[column.name] = offered[text]
        elif column.read == DATE:
            day = _date(raw)
            if day is None:
                raise _Refused(f"“{label}”“{_short(text)}”不是日期，请按 2024-05-01 的格式填写"
                               + _formula_note(raw))
            if day > clock.today():
                raise _Refused(f"“{label}”{day:%Y-%m-%d} 晚于今天，请按实际日期填写")
            line.values[column.name] = day
        elif column.read == NUMBER:
            number = _whole(raw)
            if number is None or number > NUMBER_MAX:
                raise _Refused(f"“{label}”“{_short(text)}”须为不小于0的整数（最大1万亿）"
                               + _formula_note(raw))
            line.values[column.name] = number
        elif column.read in (LINKS, LINK):
            parts = [p for p in _LINK_SPLIT.split(unicodedata.normalize("NFKC", text)) if p]
            found = [_whole(p) for p in parts]
            if not parts or any(n is None or n < 1 for n in found):
                many = "，多个用“、”分隔" if column.read == LINKS else ""
                raise _Refused(f"“{label}”“{_short(text)}”应填写行号（正整数{many}）"
                               + _formula_note(raw))
            if column.read == LINK and len(found) > 1:
                raise _Refused(f"“{label}”只能填写一个行号")
            line.links[column.name] = list(dict.fromkeys(found))
        elif column.read == FILE and (names := self._file_names(kind, column, text)):
            line.expected[column.purpose] = names

    @staticmethod
    def _file_names(kind: RowKind, column: Column, text: str) -> str:
        """The announced file names, each usable as an upload of the column's purpose."""
        allowed = kind.purposes[column.purpose]
        names = []
        for part in _FILE_SPLIT.split(text):
            if not part.strip():
                continue
            try:
                name = files.clean_filename(part)
            except ValidationError as exc:
                raise _Refused(f"“{column.header}”：{exc}") from None
            ext = PurePath(name).suffix.lower().lstrip(".")
            if (ext if ext != "jpeg" else "jpg") not in allowed:
                raise _Refused(f"“{column.header}”中的“{_short(name)}”不是可上传的格式，可用："
                               + "、".join(sorted("." + k for k in allowed)))
            names.append(name)
        return "；".join(names)

    def _complete(self, kind: RowKind, line: Line) -> None:
        """The fields 保存并上报 needs (files aside: they are uploaded in the form)."""
        labels = {c.name: c for c in columns(kind)}
        for name in kind.required:
            column = labels[name]
            if _cell_text(line.cells.get(name)) == "":
                self.refuse(kind, line.number, f"“{column.label}”未填写")
        if kind is PLAN:
            stage = line.values.get("stage")
            given = _cell_text(line.cells.get("passed_on")) != ""
            if stage == PASSED and not given:
                self.refuse(kind, line.number, f"“当前状态”为“{PASSED}”时须填写“查重通过日期”")
            elif stage and stage != PASSED and given:
                self.refuse(kind, line.number, f"“查重通过日期”只在“当前状态”为“{PASSED}”时填写")

    def _links(self, kind: RowKind, numbers: dict[str, dict[int, int]]) -> None:
        for line in self.lines[kind.key]:
            for name, targets in line.links.items():
                target = LINK_TARGET[name]
                label = kind.labels[name]
                for row_no in targets:
                    if row_no in numbers[target.key]:
                        continue
                    elsewhere = [k.table for k in rows.ORDER
                                 if k is not target and row_no in numbers[k.key]]
                    why = (f"（行号{row_no}是“{elsewhere[0]}”表的行，这里只能填写“{target.table}”"
                           "表的行号）" if elsewhere else "")
                    self.refuse(kind, line.number,
                                f"“{label}”的行号{row_no}在“{target.table}”表中不存在{why}")

    def _duplicates(self, kind: RowKind) -> None:
        """The same record twice in the sheet, or one the district already has (a second import
        of the same file)."""
        if kind is SHARE:
            seen: dict[int, int] = {}
            for line in self.lines[kind.key]:
                for app_no in line.links.get("app_id", []):
                    if app_no in seen:
                        self.refuse(kind, line.number, f"“关联特色应用”行号{app_no}与第{seen[app_no]}行"
                                    "重复，同一应用只填一行")
                    seen.setdefault(app_no, line.number)
            return
        model = kind.model
        existing = set(self.session.execute(select(model.name).where(
            model.org_id == self.actor.org_id, model.status != DELETED)).scalars())
        label = kind.labels["name"]
        seen_names: dict[str, int] = {}
        for line in self.lines[kind.key]:
            name = line.values.get("name")
            if not name:
                continue
            if name in seen_names:
                self.refuse(kind, line.number, f"“{label}”“{_short(name)}”与第{seen_names[name]}行重复")
            elif name in existing:
                self.refuse(kind, line.number, f"本区县已有{kind.label}“{_short(name)}”，"
                            "请勿重复导入（修改已有记录请在表单中进行）")
            seen_names.setdefault(name, line.number)


# --- the import ----------------------------------------------------------------------------------

def _service_values(kind: RowKind, line: Line, ids: dict[str, dict[int, int]]) -> dict:
    """The row as `rows.save_row` takes it, links turned into the new rows' ids."""
    values = dict(line.values)
    for name, targets in line.links.items():
        new_ids = [ids[LINK_TARGET[name].key][n] for n in targets]
        values[name] = new_ids if name == "item_ids" else new_ids[0]
    return values


def _check_form(session: Session, actor: CurrentUser, form_version: int) -> None:
    """The refusals `rows.editable_form` would give, before the file is read: reading and
    checking it writes nothing (SQLite's single write lock is taken only to add the rows)."""
    form = rows.open_form(session, actor.org_id)
    if form is not None and form.status not in rows.EDITABLE:
        raise ValidationError("本次填报已上报，正在等待区县审核；如需修改，请先撤回")
    if (form.version if form is not None else 0) != form_version:
        raise Conflict(CONFLICT_MESSAGE)


@transactional
def import_workbook(session: Session, *, actor: CurrentUser, data: bytes,
                    form_version: int) -> dict[str, int]:
    """Import the filled template into the district's open form, all rows or none.

    Returns how many rows each table received ({table label: count}, the four tables in
    order). Refuses with every problem named by sheet and Excel row number."""
    rows.require_clerk(session, actor)
    _check_form(session, actor, form_version)
    version = form_version
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValidationError("请选择填好的 Excel 文件")
    limit = settings.upload_limit_bytes(session)
    if len(data) > limit:
        raise ValidationError(f"文件大小 {len(data) / 1048576:.1f} MB，超过上限 "
                              f"{limit / 1048576:.0f} MB")
    reader = Reader(session, actor)
    reader.read(bytes(data))
    if not reader.problems:
        reader.check()
    if reader.problems:
        raise SurveyErrors(reader.problems)

    ids: dict[str, dict[int, int]] = {k.key: {} for k in rows.ORDER}
    counts: dict[str, int] = {}
    for kind in rows.ORDER:
        for line in reader.lines[kind.key]:
            try:
                saved = rows.save_row(session, actor=actor, kind=kind.key, form_version=version,
                                      values=_service_values(kind, line, ids))
            except (Conflict, PermissionDenied):
                raise
            except ValidationError as exc:  # a rule checked only by the service
                raise SurveyErrors([(kind.table, line.number, str(exc))]) from exc
            version = saved.form.version
            ids[kind.key][line.row_no] = saved.row.id
            if line.expected:
                pending = pending_of(saved.row)
                pending[EXPECTED] = line.expected
                rows._set_pending(saved.row, pending)
                session.add(saved.row)
        counts[kind.table] = len(reader.lines[kind.key])
    session.flush()
    return counts


def expected_files(row: Any) -> dict[str, str]:
    """The file names the survey announced for a row ({purpose: names}), {} when none."""
    return dict(pending_of(row).get(EXPECTED) or {})


__all__ = ["template", "import_workbook", "expected_files", "SurveyErrors", "FILENAME",
           "MAX_ROWS"]
