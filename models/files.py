"""Uploaded files: content lives on disk under its sha256, names live here."""
from datetime import datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from models.base import utcnow


class Attachment(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    size: int
    kind: str = Field(max_length=8)  # detected extension: pdf, docx, doc, png, jpg
    original_name: str = Field(max_length=255)
    record_type: str = Field(default="", max_length=32, index=True)
    record_id: Optional[int] = Field(default=None, index=True)
    purpose: str = Field(default="", max_length=64)
    uploaded_by: int = Field(foreign_key="user.id")
    uploaded_at: datetime = Field(default_factory=utcnow)
