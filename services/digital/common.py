"""What the four tables of 数字重庆建设 share: states, field labels, the pending change of a row
in force, and `RowKind`, the declaration each table makes of its fields, files and links.
"""
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlmodel import Session

from models import Attachment, Role
from services import files, limits
from services.errors import ValidationError
from services.identity import CurrentUser
from services.review import DRAFT, Flow, Transition, district

SECTION = "数字重庆建设"
FORM_HEADING = "区县推进数字重庆建设情况"

IN_FORCE = "已通过"       # a plan, app or share approved by the district's reviewer
DELETED = "已删除"        # a row taken out of the tables (never shown, kept for the trail)

CLERK = district(Role.CLERK)
DISTRICT_REVIEWER = district(Role.REVIEWER)

FORWARD = "forward"       # the form's approval puts the row in force / sends it to 核准
DELETE = "delete"         # the form's approval takes a row out of the tables
DISCARD = "cancel"        # the clerk drops a row never approved (a draft row)
APPROVAL_STEP = "区县推进情况通过"

# Engine-kept columns of the tables (never set by a form).
ROW_ENGINE = frozenset({"form_id", "pending", "pending_removal", "approved_at"})
# How refusals name them (they are never shown otherwise).
ROW_ENGINE_LABELS = {"form_id": "所在填报", "pending": "待审核的修改", "pending_removal": "删除标记",
                     "approved_at": "生效时间"}
ROW_INTERNAL = frozenset({"id", "org_id", "status", "version", "created_by", "created_at",
                          "updated_by", "updated_at", "form_id", "pending", "pending_removal",
                          "approved_at"})


def readable_rows(model: type) -> Callable[[CurrentUser], Any]:
    """Who reads a table's rows: its own district; 市委改革办 the rows in force."""
    def readable(user: CurrentUser):
        if user.is_district:
            return model.org_id == user.org_id
        if user.is_reform_office:
            return model.status == IN_FORCE
        return model.id < 0
    return readable


def pending_of(row: Any) -> dict:
    """The row's change waiting in an open form ({} when none)."""
    return json.loads(row.pending) if row.pending else {}


def jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def from_json(model: type, name: str, value: Any) -> Any:
    """A pending value back in its column's type (dates are kept as ISO text)."""
    if value is None:
        return None
    column = model.__table__.columns.get(name)
    if column is not None and column.type.python_type is date and isinstance(value, str):
        return date.fromisoformat(value)
    return value


@dataclass
class RowKind:
    """One of the four tables: its flow, its form fields and the rules the form applies."""

    key: str                 # the flow's module key (digital_item, …)
    label: str               # 一件事, 应用“三张清单”, …
    table: str               # the form's table heading
    flow: Flow
    fields: list[tuple[str, str]]          # (column, label) in the manual's order
    required: list[str]                    # columns that 保存并上报 needs
    title_field: str = "name"
    # purpose → file kinds accepted; which purposes a row needs for 保存并上报.
    purposes: dict[str, frozenset[str]] = field(default_factory=dict)
    needed_files: Callable[[dict], list[str]] = lambda values: []
    # Refusals of values that can never be saved (links, dates, lists), given the session,
    # the actor, the values and the row (None when new).
    validate: Callable[[Session, CurrentUser, dict, Any], None] = lambda *a: None
    # Links as the pending change keeps them (e.g. the plan's 关联一件事 ids).
    link_keys: tuple[str, ...] = ()
    # A row's title for lists (default: its title field).
    describe: Callable[[Any], str] | None = None

    @property
    def model(self) -> type:
        return self.flow.model

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.fields)

    def title(self, row: Any, values: dict | None = None) -> str:
        if self.describe is not None:
            return self.describe(row)
        value = (values or {}).get(self.title_field, getattr(row, self.title_field, ""))
        return value or f"（未命名{self.label}）"

    def check_lengths(self, values: dict) -> None:
        for name, value in values.items():
            if isinstance(value, str):
                limit = limits.max_length(self.model, name) or limits.DEFAULT_TEXT_LIMIT
                limits.check_text(self.labels.get(name, name), value, limit)


def row_transitions(extra_forward: list[Transition] = ()) -> list[Transition]:
    """The life of a plan, app or share row: drafted, put in force by the form's approval,
    taken out of the tables by an approved removal; a draft row never approved is dropped."""
    return [
        Transition(DRAFT, FORWARD, IN_FORCE, DISTRICT_REVIEWER, follows=APPROVAL_STEP),
        Transition(DRAFT, DISCARD, DELETED, CLERK, follows="删除草稿行"),
        Transition(IN_FORCE, DELETE, DELETED, DISTRICT_REVIEWER, follows=APPROVAL_STEP),
        *extra_forward,
    ]


def latest_files(session: Session, *, record_type: str, record_id: int) -> dict[str, Attachment]:
    """The newest file of each purpose (a re-upload supersedes the earlier one)."""
    found: dict[str, Attachment] = {}
    for att in session.execute(select(Attachment).where(
            Attachment.record_type == record_type, Attachment.record_id == record_id)
            .order_by(Attachment.id)).scalars():
        found[att.purpose] = att
    return found


def chart_kinds() -> frozenset[str]:
    return files.CHART


def refuse(message: str) -> None:
    raise ValidationError(message)
