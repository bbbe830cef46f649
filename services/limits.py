"""The rules every piece of user text meets, checked in services so SQLite and PostgreSQL behave
alike (SPEC §10).

- Length: a model's `max_length` is the limit; text columns without a declared length get
  `DEFAULT_TEXT_LIMIT`.
- Characters: NUL and the other C0/C1 control characters, lone surrogates, Unicode
  noncharacters and bidi overrides/isolates are refused; tab and line breaks only in multi-line
  fields (descriptions, reasons: limits of `MULTILINE_FROM` characters and more).
- A value of invisible characters (ZWSP, BOM, …), with or without spaces, is refused: for a
  required field it is as good as empty. Spaces alone are trimmed by each service.

Each refusal names the field in Chinese before anything is written. Generated text
(notification titles, …) is shortened with `shorten`, never refused.
"""
import re
import unicodedata
from typing import Any, Mapping

from services import docnumbers
from services.errors import ValidationError

DEFAULT_TEXT_LIMIT = 20000
FILENAME_LIMIT = 255
# Fields whose limit reaches this are multi-line text areas; shorter ones are names, numbers,
# titles and search words, typed on one line.
MULTILINE_FROM = 2000

_LINE_CHARS = "\t\n\r\u2028\u2029"
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xfffe)}{chr(plane + 0xffff)}" for plane in range(0, 0x110000, 0x10000))
_NEVER = ("\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
          "\u202a-\u202e\u2066-\u2069" + _NONCHARACTERS)
_REFUSED_MULTILINE = re.compile(f"[{_NEVER}]")
_REFUSED_SINGLE_LINE = re.compile(f"[{_NEVER}{_LINE_CHARS}]")


def max_length(model: type, name: str) -> int | None:
    """The declared `max_length` of a model's string column, if any."""
    column = model.__table__.columns.get(name)
    if column is None:
        return None
    return getattr(column.type, "length", None)


def _char_kind(ch: str) -> str:
    code = ord(ch)
    if ch == "\t":
        return "制表符"
    if ch in _LINE_CHARS:
        return "换行符"
    if 0xD800 <= code <= 0xDFFF:
        return "不成对的代理字符"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
        return "文字方向控制符"
    if unicodedata.category(ch) == "Cc":
        return "控制字符"
    return "Unicode非字符"


def text_problem(label: str, value: str, *, multiline: bool) -> str | None:
    """Why `value` may not be stored in the field `label` (its characters), or None."""
    pattern = _REFUSED_MULTILINE if multiline else _REFUSED_SINGLE_LINE
    if (found := pattern.search(value)) is None:
        return None
    ch, kind = found.group(), _char_kind(found.group())
    where = f"第{found.start() + 1}个字符是{kind}（U+{ord(ch):04X}）"
    if ch in _LINE_CHARS:
        return f"“{label}”只能填写一行，{where}，请删除后再保存"
    return (f"“{label}”含有不允许的字符：{where}，多为从其他文档复制时带入的不可见字符，"
            "请删除后再保存")


def is_blank(value: str | None) -> bool:
    """Whether `value` holds nothing but spaces and invisible characters (ZWSP, BOM, …)."""
    # Stops at the first visible character, so ordinary text costs one look.
    return all(not docnumbers.fold(ch) for ch in value or "")


def visible_length(value: str | None) -> int:
    """How many characters of `value` a reader sees (spaces and invisible ones not counted):
    a minimum length such as a 驳回原因's five characters counts these."""
    return sum(1 for ch in value or "" if docnumbers.fold(ch))


def check_text(label: str, value: str | None, limit: int, *, multiline: bool | None = None
               ) -> None:
    """Refuse `value` when it is too long, holds a refused character or only invisible ones.

    `multiline` defaults to whether the limit is that of a text area (`MULTILINE_FROM`).
    """
    if not isinstance(value, str) or not value:
        return
    if len(value) > limit:
        raise ValidationError(f"“{label}”最多{limit}个字，当前{len(value)}个字，请精简后再保存")
    if multiline is None:
        multiline = limit >= MULTILINE_FROM
    if (problem := text_problem(label, value, multiline=multiline)) is not None:
        raise ValidationError(problem)
    if value.strip() and is_blank(value):  # (spaces alone are trimmed by the service)
        raise ValidationError(f"“{label}”只有空格或不可见字符，请填写实际内容（不填则留空）")


def check_model(model: type, values: Mapping[str, Any], labels: Mapping[str, str]) -> None:
    """Check every string in `values` against its column's length (or the default limit)."""
    for name, value in values.items():
        if isinstance(value, str):
            limit = max_length(model, name) or DEFAULT_TEXT_LIMIT
            check_text(labels.get(name, name), value, limit)


def shorten(text: str, limit: int) -> str:
    """Cut generated text to `limit` characters, marking the cut with “…”."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
