"""Shared column helpers and the fields every reviewable record carries."""
from datetime import datetime, timezone
from typing import Optional

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC timestamp (SQLModel stores it as UTC on SQLite and PostgreSQL)."""
    return datetime.now(timezone.utc)


class ReviewedRecord(SQLModel):
    """Columns of SPEC §2 shared by every record that goes through a review flow."""

    id: Optional[int] = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    status: str = Field(max_length=32, index=True)
    created_by: int = Field(foreign_key="user.id")
    updated_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
