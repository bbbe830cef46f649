"""督办提醒 (SPEC §6 调度): a leader's reminder to a district's clerks and reviewers.

Each recipient gets a `Notification` (record_type "reminder", record_id the reminder's id); its
`read_at` says when that recipient read it, so the cockpit shows read state per recipient.
"""
from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from models.base import utcnow


class Reminder(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)        # the district reminded
    sender_id: int = Field(foreign_key="user.id")
    sender_org_id: int = Field(foreign_key="org.id")
    message: str = Field(max_length=500)
    indicator: str = Field(default="", max_length=32)            # cockpit indicator key, or ""
    period: str = Field(default="", max_length=64)               # the period it was sent about
    created_at: datetime = Field(default_factory=utcnow, index=True)
