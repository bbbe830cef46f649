"""Small widgets shared by pages: tables, Excel buttons, attachments, history, actions, and the
form fields every module uses (uploads, dates, multiple choice, required marks, confirmations)."""
import re
from datetime import date, datetime

import pandas as pd
import streamlit as st

from services import db, files, printing, registry, settings
from services import history as audit_history
from services.clock import local_time
from services.errors import DomainError
from services.exports import XLSX_MIME, to_xlsx
from ui import style

def history(record_type: str, record_id: int) -> None:
    """审核记录 of a record, oldest first, with changed fields old→new; and 打印 before it, so
    every view of a record (detail or review) can print it."""
    with db.session_scope() as session:
        rows = audit_history.rows(session, actor=st.session_state["current_user"],
                                  record_type=record_type, record_id=record_id)
    print_button(record_type, record_id)
    with st.expander(f"审核记录（{len(rows)}）"):
        table(rows)
        excel_button(rows, filename=f"审核记录-{record_type}-{record_id}.xlsx",
                     key=f"hist-xlsx-{record_type}-{record_id}")


PRINT_HELP = "生成该记录的Word打印件：全部字段、佐证材料、审核记录，末尾留签字、盖章处"


def print_button(record_type: str, record_id: int, *, key: str | None = None) -> None:
    """打印: the record as a Word form, built when clicked (the service checks the reader)."""
    flow = registry.get(record_type)
    user = st.session_state["current_user"]
    with db.session_scope() as session:
        name = printing.record_filename(session, flow=flow, actor=user, record_id=record_id)

    def build() -> bytes:
        with db.session_scope() as session:
            return printing.record_docx(session, flow=flow, actor=user, record_id=record_id)

    st.download_button("打印", data=build, file_name=name, mime=printing.DOCX_MIME,
                       key=key or f"print-{record_type}-{record_id}", help=PRINT_HELP,
                       on_click="ignore")


def print_list_button(record_type: str, ids, *, total: int, key: str, note: str = "",
                      counted: bool = True) -> None:
    """打印所选记录: the filtered records in one Word file, one a page, at most
    printing.MAX_RECORDS. `ids` is a list or, for a long list, a function giving it when
    clicked; `total` is how many the filters select (`counted`: each of them prints, so the
    file name gives the number)."""
    flow = registry.get(record_type)
    user = st.session_state["current_user"]
    count = min(total, printing.MAX_RECORDS) if counted else None

    def build() -> bytes:
        chosen = list(ids() if callable(ids) else ids)[:printing.MAX_RECORDS]
        with db.session_scope() as session:
            return printing.records_docx(session, flow=flow, actor=user, record_ids=chosen)

    st.download_button("打印所选记录", data=build, key=key, mime=printing.DOCX_MIME,
                       file_name=printing.list_filename(flow, count), disabled=not total,
                       on_click="ignore", help=f"所选记录打印为一个Word文件，每项一页，"
                                            f"一次最多{printing.MAX_RECORDS}项")
    if total > printing.MAX_RECORDS:
        st.caption(f"所选共{total}项，一次最多打印{printing.MAX_RECORDS}项：将打印前"
                   f"{printing.MAX_RECORDS}项，其余请缩小筛选范围后再打印。{note}")
    elif note:
        st.caption(note)


def literal(text) -> str:
    """User text made safe for any Markdown-rendering element: shown exactly as typed, never
    as links, images, colours or formatting. Every Markdown character is escaped, and an
    invisible break after “:”, “www.” and “@” stops the renderer turning addresses into links."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text))
    escaped = escaped.replace("\\:", "\\:" + _NO_LINK).replace("\\@", "\\@" + _NO_LINK)
    escaped = _WWW.sub(lambda m: m.group(1) + _NO_LINK + "\\.", escaped)
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|:<>$~&=^\"'@/%])")
_WWW = re.compile(r"(?i)(www)\\\.")
_NO_LINK = "\u200b"  # zero-width space


def attachments(items, *, key: str) -> None:
    """Download buttons keeping the original file names (never rendered inline). Each file
    is read when clicked; the click does not rerun the page (a rerun races the file's request
    and, when it wins, the click downloads nothing)."""

    if not items:
        st.caption("（无附件）")
    for att in items:
        st.download_button(f"下载 {literal(att.purpose)}：{literal(att.original_name)}",
                           data=lambda att=att: files.content(att),
                           file_name=att.original_name, mime=files.mime_of(att),
                           key=f"{key}-att-{att.id}", on_click="ignore")


def pick(label: str, choices: dict, *, key: str, preselect=None, first: bool = False,
         placeholder: str = "请选择"):
    """Choose a record: the one a link opened (`preselect`), else the first (queues, `first`)
    or none. `choices` maps record ids to the text shown.

    The choice follows the record's id, not its text. The browser reports a choice by the
    text it showed, so when an action changes that text (停用, a new status, a new name)
    Streamlit no longer finds it among the options and would drop the choice — and with it
    the form under it and the user's next click. The id chosen last is put back instead.
    """
    ids = list(choices)
    remembered = f"{key}--id"
    shown = st.session_state.get(key)
    if preselect in choices:  # a link (or a save) opened this record: it wins over a choice
        st.session_state[key] = preselect
    elif shown is not None and shown not in choices \
            and st.session_state.get(remembered) in choices:
        st.session_state[key] = st.session_state[remembered]
    index = ids.index(preselect) if preselect in choices else (0 if first and ids else None)
    chosen = st.selectbox(label, ids, format_func=choices.get, index=index, key=key,
                          placeholder=placeholder)
    st.session_state[remembered] = chosen
    return chosen


def reject_reason(key: str) -> str:
    return st.text_area("驳回原因", key=key, placeholder="请写明需要修改的内容（不少于5个字）",
                        height=80)


def excel_button(rows: list[dict], *, filename: str, label: str = "导出Excel",
                 key: str | None = None, headers: list[str] | None = None) -> None:
    rows = [{k: v for k, v in row.items() if k != "id"} for row in rows]  # ids are internal
    # Built when clicked, not on every run of the page (benchmarks/RESULTS.md). No rerun on the
    # click: a rerun races the file's request and, when it wins, the click downloads nothing.
    st.download_button(label, data=lambda: to_xlsx(rows, headers=headers), file_name=filename,
                       mime=XLSX_MIME, key=key or f"xlsx-{filename}", disabled=not rows,
                       on_click="ignore")


def _cell(value):
    """A table cell as a user reads it: local time, and nothing (not "None") when empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value)
    # A date as text: a column of dates and empty cells stays one type for the table.
    return value.isoformat() if isinstance(value, date) else value


def table(rows: list[dict], *, hide: tuple[str, ...] = ("id",), empty: str | None = "暂无数据"
          ) -> None:
    """Rows as a table. With no rows, `empty` says why and what to do next (None: nothing,
    for a place that already says so above)."""
    if not rows:
        if empty:
            st.info(empty)
        return
    frame = pd.DataFrame([{k: _cell(v) for k, v in row.items()} for row in rows])
    st.dataframe(frame.drop(columns=[c for c in hide if c in frame.columns]),
                 hide_index=True, width="stretch")


def perform(fn, success: str, **kwargs) -> None:
    """Run a service action as the current user; on success rerun and show `success`.

    A refused action shows its Chinese message and changes nothing.
    """
    try:
        with st.spinner("正在处理…"), db.session_scope() as session:
            fn(session, actor=st.session_state["current_user"], **kwargs)
    except DomainError as exc:
        st.error(literal(exc))
        return
    st.session_state["flash"] = success
    st.rerun()


def flash() -> None:
    """The success message of the action that caused this run, if any: at the top of the page
    and as a toast, which shows wherever the user has scrolled to."""
    if msg := st.session_state.pop("flash", None):
        st.success(literal(msg))
        st.toast(literal(msg))


# --- form fields ---------------------------------------------------------------------------------

MB = 1024 * 1024


def upload_limit_mb() -> int:
    """The admin's upload limit (系统设置) in whole MB, as the upload boxes state it."""
    with db.session_scope() as session:
        return max(1, settings.upload_limit_bytes(session) // MB)


def upload(label: str, *, types: list[str], key: str, multiple: bool = True,
           help: str | None = None):
    """A file box stating, in Chinese, the real size limit of 系统设置 and the formats it takes
    (the service checks both again)."""
    limit = upload_limit_mb()
    style.upload_note(key, f"单个文件不超过{limit}MB · 格式：{'、'.join(t.upper() for t in types)}")
    return st.file_uploader(label, type=types, accept_multiple_files=multiple, key=key,
                            help=help, max_upload_size=limit)


def date_field(label: str, *, value: date | None, key: str, help: str | None = None,
               min_value: date | None = None, max_value: date | None = None):
    """A date typed year, month, day (the empty segments read 年、月、日, see ui/style.py)."""
    return st.date_input(label, value=value, key=key, help=help, min_value=min_value,
                         max_value=max_value, format="YYYY-MM-DD")


def choose_many(label: str, options: list, *, key: str, default=None, format_func=str,
                help: str | None = None, placeholder: str = "请选择（可多选）"):
    """A deliberate multiple choice: no “select all” row, so every item is picked on purpose
    (涉及区县 不多选、不漏选; 角色 where one click must not grant 系统管理员)."""
    return st.multiselect(label, options, default=default, format_func=format_func, key=key,
                          help=help, placeholder=placeholder, select_all=False)


REQUIRED_MARK = "＊"


def required_note(*keys: str, note: bool = True) -> None:
    """Mark the widgets with these keys as required (a red ＊ after the label) and, with
    `note`, say what the mark means. The labels themselves stay as the manual names them."""
    style.required_marks(keys)
    if note:
        st.caption(f"标{REQUIRED_MARK}的为必填项，上报前须填写完整。")


# --- record cards ----------------------------------------------------------------------------------

def record_card(fields: list[tuple[str, object]], *, title: str | None = None,
                key: str | None = None) -> None:
    """A record's fields one under another, label above value, long text wrapped and shown
    exactly as typed; the same at 1280 px and on a phone."""
    with st.container(border=True, key=key):
        if title is not None:
            st.markdown(f"**{literal(title)}**")
        for label, value in fields:
            text = "" if value is None else str(_cell(value))
            st.markdown(f"**{literal(label)}**  \n{literal(text) or '—'}")


# --- destructive actions ------------------------------------------------------------------------

def confirm_action(label: str, question: str, *, key: str, at=None) -> bool:
    """A destructive button (作废, 删除, 停用, 撤回) that asks first: the first click shows
    `question` with 确认{label} / 取消 in the page's flow; True only in the run of the 确认 click.
    `at` is where the button itself sits (a column), default the page's flow.

    Inline, not a dialog, so every step runs (and is tested) like any other widget. The button
    is tertiary, so it never looks like 保存并上报 beside it."""
    asking = f"{key}-asking"
    if not st.session_state.get(asking):
        if (at or st).button(label, key=key, type="tertiary"):
            st.session_state[asking] = True
            st.rerun()
        return False
    with st.container(border=True, key=f"{key}-confirm"):
        st.warning(literal(question))  # it names user records: shown as typed
        yes, no = st.columns(2)
        confirmed = yes.button(f"确认{label}", key=f"{key}-yes", width="stretch")
        if no.button("取消", key=f"{key}-no", width="stretch"):
            st.session_state.pop(asking, None)
            st.rerun()
    if confirmed:
        st.session_state.pop(asking, None)
    return confirmed
