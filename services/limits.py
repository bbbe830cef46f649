"""Length limits of user text, checked in services so SQLite and PostgreSQL behave alike.

A model's `max_length` is the limit; a value over it is refused with the field's Chinese label
before anything is written. Text columns without a declared length get `DEFAULT_TEXT_LIMIT`.
Generated text (notification titles, …) is shortened with `shorten`, never refused.
"""
from typing import Any, Mapping

from services.errors import ValidationError

DEFAULT_TEXT_LIMIT = 20000
FILENAME_LIMIT = 255


def max_length(model: type, name: str) -> int | None:
    """The declared `max_length` of a model's string column, if any."""
    column = model.__table__.columns.get(name)
    if column is None:
        return None
    return getattr(column.type, "length", None)


def check_text(label: str, value: str | None, limit: int) -> None:
    """Refuse `value` when it is longer than `limit` characters."""
    if value is not None and len(value) > limit:
        raise ValidationError(f"“{label}”最多{limit}个字，当前{len(value)}个字，请精简后再保存")


def check_model(model: type, values: Mapping[str, Any], labels: Mapping[str, str]) -> None:
    """Check every string in `values` against its column's length (or the default limit)."""
    for name, value in values.items():
        if isinstance(value, str):
            limit = max_length(model, name) or DEFAULT_TEXT_LIMIT
            check_text(labels.get(name, name), value, limit)


def shorten(text: str, limit: int) -> str:
    """Cut generated text to `limit` characters, marking the cut with “…”."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
