"""Revisioned records (SPEC §2): approved data is locked; a change is a new revision of the same
parent, the newest confirmed revision stays in force until the next is confirmed, and at most
one revision per parent is being worked on. Written once; progress revisions use it.
"""
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from services.errors import CONFLICT_MESSAGE, Conflict, ValidationError
from services.review import Flow


def text_of(value) -> str:
    """A field value as the comparison shows it (dates as YYYY-MM-DD)."""
    return value.strftime("%Y-%m-%d") if isinstance(value, date) else ("" if value is None
                                                                        else str(value))


@dataclass(frozen=True)
class Revisioned:
    """How a flow's records form revisions: `parent` names the column they share (e.g. the
    task), `number` the revision number, `confirmed` the state that puts one in force."""

    flow: Flow
    parent: str
    confirmed: str
    number: str = "revision_no"

    @property
    def model(self):
        return self.flow.model

    @property
    def open_states(self) -> list[str]:
        """States of a revision still being worked on (neither in force nor ended)."""
        return [s for s in self.flow.states if s not in self.flow.final_states]

    def _of(self, parent_id: int):
        return getattr(self.model, self.parent) == parent_id

    def in_force(self, session: Session, parent_id: int) -> Any | None:
        """The revision in force: the newest confirmed one."""
        return session.execute(
            select(self.model).where(self._of(parent_id), self.model.status == self.confirmed)
            .order_by(getattr(self.model, self.number).desc()).limit(1)).scalars().first()

    def open_one(self, session: Session, parent_id: int) -> Any | None:
        return session.execute(
            select(self.model).where(self._of(parent_id),
                                     self.model.status.in_(self.open_states))).scalars().first()

    def latest_confirmed(self, *where):
        """A subquery of (parent, newest confirmed number), to join revisions in force."""
        column = getattr(self.model, self.parent)
        return (select(column.label("parent_id"),
                       func.max(getattr(self.model, self.number)).label("n"))
                .where(self.model.status == self.confirmed, *where)
                .group_by(column).subquery())

    def in_force_join(self, latest):
        """Join condition of the model with `latest_confirmed()`."""
        return and_(latest.c.parent_id == getattr(self.model, self.parent),
                    latest.c.n == getattr(self.model, self.number))

    def already_open(self, current: Any) -> ValidationError:
        return ValidationError(f"已有正在办理的第{getattr(current, self.number)}版"
                               f"（{current.status}），请在该版本上继续")

    def start(self, session: Session, *, parent_id: int,
              build: Callable[[Any | None, int], Any],
              after_insert: Callable[[Any, Any | None], None] = lambda rev, base: None) -> Any:
        """Insert the next revision of `parent_id`, prefilled by `build(base, number)` from the
        one in force (which stays in force). Two users starting at once: the database's unique
        indexes let one win; the other is told which revision is open. Commits."""
        if (current := self.open_one(session, parent_id)) is not None:
            raise self.already_open(current)
        base = self.in_force(session, parent_id)
        number = (session.execute(select(func.max(getattr(self.model, self.number)))
                                  .where(self._of(parent_id))).scalar() or 0) + 1
        try:
            rev = build(base, number)
            session.add(rev)
            session.flush()
            after_insert(rev, base)
            session.commit()
        except (IntegrityError, OperationalError):
            session.rollback()
            if (current := self.open_one(session, parent_id)) is not None:
                raise self.already_open(current) from None
            raise Conflict(CONFLICT_MESSAGE) from None
        return rev

    def base_of(self, session: Session, rev: Any) -> Any | None:
        """What a revision is compared with: the revision in force, unless it is that one."""
        base = self.in_force(session, getattr(rev, self.parent))
        return None if base is not None and base.id == rev.id else base

    def field_changes(self, base: Any | None, rev: Any, fields: list[str]) -> list[dict]:
        """Rows of the comparison: each field's value in force and in this revision."""
        rows = []
        for name in fields:
            old = text_of(getattr(base, name)) if base is not None else ""
            new = text_of(getattr(rev, name))
            rows.append({"字段": self.flow.field_label(name) or name, "已确认": old,
                         "本次填报": new, "changed": old != new})
        return rows
