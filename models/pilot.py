"""Reform pilots (改革探索力, SPEC §3)."""
from datetime import date
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import ReviewedRecord

CANCELLED = "作废"


class Pilot(ReviewedRecord, table=True):
    __table_args__ = (
        # One live pilot per document number across the city; a cancelled one frees the number.
        sa.Index(
            "uq_pilot_doc_number_live",
            "doc_number_norm",
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


class PilotDistrict(SQLModel, table=True):
    __tablename__ = "pilot_district"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    org_id: int = Field(foreign_key="org.id", primary_key=True)
