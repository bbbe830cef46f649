"""Immutable audit trail and in-app notifications."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    # 驳回率 and the cockpit read one kind of step over a period: without it a year's figures
    # scan every year's steps of that kind.
    __table_args__ = (sa.Index("ix_audit_event_action_created", "action", "created_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    record_type: str = Field(max_length=32, index=True)
    record_id: int = Field(index=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    # Both empty for system steps taken by the clock (deadlines, automatic removals).
    actor_id: Optional[int] = Field(default=None, foreign_key="user.id")
    actor_org_id: Optional[int] = Field(default=None, foreign_key="org.id")
    actor_role: str = Field(max_length=16)
    action: str = Field(max_length=16, index=True)
    from_status: str = Field(max_length=32)
    to_status: str = Field(max_length=32)
    comment: str = Field(default="", max_length=2000)
    changes: str = Field(default="{}")  # JSON: {field: [old, new]}
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Notification(SQLModel, table=True):
    # The messages about one record (settled together; a reminder's per-recipient read state).
    __table_args__ = (sa.Index("ix_notification_record", "record_type", "record_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    record_type: str = Field(default="", max_length=32)
    record_id: Optional[int] = Field(default=None)
    is_read: bool = Field(default=False, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: Optional[datetime] = Field(default=None)  # when the recipient read (or handled) it


def _refuse_audit_changes(session, _flush_context, _instances) -> None:
    """Audit events are append-only: any update or delete of one is a bug."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise RuntimeError("审核记录不可修改或删除")


from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import Session as _OrmSession  # noqa: E402

event.listen(_OrmSession, "before_flush", _refuse_audit_changes)
