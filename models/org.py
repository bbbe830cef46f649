"""Organisations: districts, municipal departments and the reform office."""
from enum import StrEnum
from typing import Optional

from sqlmodel import Field, SQLModel


class OrgKind(StrEnum):
    DISTRICT = "district"
    DEPARTMENT = "department"
    REFORM_OFFICE = "reform_office"


ORG_KIND_LABELS = {
    OrgKind.DISTRICT: "区县",
    OrgKind.DEPARTMENT: "市级部门",
    OrgKind.REFORM_OFFICE: "市委改革办",
}


class Org(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=16, index=True)
    sort_order: int = Field(default=0)
