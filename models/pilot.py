"""Reform pilots (改革探索力, SPEC §3)."""
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import ReviewedRecord, utcnow

CANCELLED = "作废"


class Pilot(ReviewedRecord, table=True):
    __table_args__ = (
        # One live pilot per document number across the city; a cancelled one frees the number.
        sa.Index(
            "uq_pilot_doc_number_live",
            "doc_number_norm",
            "batch",
            unique=True,
            sqlite_where=sa.text(f"status != '{CANCELLED}'"),
            postgresql_where=sa.text(f"status != '{CANCELLED}'"),
        ),
    )

    name: str = Field(max_length=200)
    deploy_level: str = Field(max_length=32)
    doc_title: str = Field(max_length=300)
    doc_number: str = Field(max_length=100)
    doc_number_norm: str = Field(max_length=100)
    scope_basis: str = Field(max_length=32)
    content: str = Field(max_length=5000)
    due_date: Optional[date] = Field(default=None)
    dept_id: int = Field(foreign_key="org.id", index=True)
    batch: str = Field(default="", max_length=64)
    is_secret: bool = Field(default=False)
    sent_offline: bool = Field(default=False)
    # The district has no copy of the national document and asks the department to upload it.
    evidence_by_dept: bool = Field(default=False)


class PilotDistrict(SQLModel, table=True):
    __tablename__ = "pilot_district"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    org_id: int = Field(foreign_key="org.id", primary_key=True)


class JoinRequest(SQLModel, table=True):
    """申请纳入涉及区县: a district asks the supervising department to add it to a pilot."""

    __tablename__ = "pilot_join_request"
    __table_args__ = (
        # One pending request per pilot and district; decided ones stay as history.
        sa.Index("uq_pilot_join_request_pending", "pilot_id", "org_id", unique=True,
                 sqlite_where=sa.text("status = '待处理'"),
                 postgresql_where=sa.text("status = '待处理'")),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    org_id: int = Field(foreign_key="org.id")
    requested_by: int = Field(foreign_key="user.id")
    status: str = Field(default="待处理", max_length=16, index=True)
    decided_by: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: Optional[datetime] = Field(default=None)


class ProgressTask(SQLModel, table=True):
    """推进任务: one per pilot × involved district, created on 确认分发."""

    __tablename__ = "progress_task"
    __table_args__ = (sa.UniqueConstraint("pilot_id", "org_id", name="uq_progress_task"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class ProgressRevision(ReviewedRecord, table=True):
    """A revision of a district's progress on a pilot; the newest 已确认 one is in force."""

    __tablename__ = "progress_revision"
    __table_args__ = (
        sa.UniqueConstraint("task_id", "revision_no", name="uq_progress_revision_no"),
        # At most one revision per task is being worked on at a time.
        sa.Index(
            "uq_progress_revision_open", "task_id", unique=True,
            sqlite_where=sa.text("status NOT IN ('已确认', '作废')"),
            postgresql_where=sa.text("status NOT IN ('已确认', '作废')"),
        ),
    )

    task_id: int = Field(foreign_key="progress_task.id", index=True)
    pilot_id: int = Field(foreign_key="pilot.id", index=True)
    dept_id: int = Field(foreign_key="org.id", index=True)
    title: str = Field(max_length=200)
    revision_no: int = Field(default=1)
    progress_status: str = Field(default="推进中", max_length=8)
    acceptance_date: Optional[date] = Field(default=None)
    work_items: str = Field(default="[]")  # JSON list of strings, shown numbered
    problems: str = Field(default="", max_length=5000)
    confirmed_at: Optional[datetime] = Field(default=None, index=True)


class Achievement(SQLModel, table=True):
    """试点成果: one row per achievement of a progress revision (counted once confirmed)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="progress_revision.id", index=True)
    position: int = Field(default=0)
    name: str = Field(max_length=200)
    measures: str = Field(default="", max_length=5000)
    effects: str = Field(default="", max_length=5000)
