"""数字重庆建设 — Digital Chongqing (SPEC §5, the manual's part 四).

A district keeps four tables (一件事, 应用“三张清单”, 开发上线特色应用, 一地创新、全市共享) and sends
what changed as one form (`DigitalForm`). A row's columns hold what is in force (approved by the
district's reviewer); an edit of a row in force waits in `pending` (JSON of the changed fields,
and the files added) until the form that carries it is approved. A row never approved holds its
draft in its columns and is in status 草稿.
"""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.base import ReviewedRecord, utcnow


class DigitalDomain(SQLModel, table=True):
    """重点领域: an admin-kept list (like 获评类别); a retired domain stays on its items."""

    __tablename__ = "digital_domain"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    retired: bool = Field(default=False)
    sort_order: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)


OPEN_CONDITION = "status IN ('草稿', '退回修改', '待区县审核')"


class DigitalForm(ReviewedRecord, table=True):
    """区县推进数字重庆建设情况: one submission of a district's changes (第N次填报)."""

    __tablename__ = "digital_form"
    __table_args__ = (
        UniqueConstraint("org_id", "number", name="uq_digital_form_number"),
        # One open form per district: a second clerk starting one at the same time is refused.
        Index("uq_digital_form_open", "org_id", unique=True,
              sqlite_where=text(OPEN_CONDITION), postgresql_where=text(OPEN_CONDITION)),
    )

    number: int = Field(default=1)
    submitted_at: Optional[datetime] = Field(default=None)
    approved_at: Optional[datetime] = Field(default=None)

    @property
    def title(self) -> str:
        return f"区县推进数字重庆建设情况（第{self.number}次填报）"


class DigitalRow(ReviewedRecord):
    """What the four tables share: the form carrying the row's change, and the change itself."""

    form_id: Optional[int] = Field(default=None, foreign_key="digital_form.id", index=True)
    # JSON {field: new value, …, "files": [attachment ids added]} of a row in force; "" if none.
    pending: str = Field(default="", max_length=200000)
    pending_removal: bool = Field(default=False)
    approved_at: Optional[datetime] = Field(default=None)  # first in force


class DigitalItem(DigitalRow, table=True):
    """一件事. Its status is its 核准情况 (the reform office's weekly verdicts)."""

    __tablename__ = "digital_item"

    name: str = Field(default="", max_length=100)                 # 事项名称
    domain_id: Optional[int] = Field(default=None, foreign_key="digital_domain.id")  # 重点领域
    intro: str = Field(default="", max_length=2000)               # 简介
    # 核准: the verdict's date and opinion; 已有重复事项 names the existing item.
    verdict_on: Optional[date] = Field(default=None)
    verdict_comment: str = Field(default="", max_length=1000)
    duplicate_of_id: Optional[int] = Field(default=None, foreign_key="digital_item.id")
    duplicate_city: str = Field(default="", max_length=200)       # a city-level item, in text
    # Deadlines: 纳入名录库 starts one calendar month for the 新一图两清单, met by 保存并上报.
    included_on: Optional[date] = Field(default=None, index=True)
    new_chart_submitted_at: Optional[datetime] = Field(default=None)
    new_chart_rejections: int = Field(default=0)
    # When the item reached 进入三张清单编制等后续环节 (the cockpit's dates go by these).
    proceeded_on: Optional[date] = Field(default=None)
    # The day it last arrived for 核准 (its 核准 week runs Friday to Thursday around it).
    arrived_on: Optional[date] = Field(default=None, index=True)


class DigitalPlan(DigitalRow, table=True):
    """应用“三张清单”: the three lists of a planned app, built on one or more own 一件事."""

    __tablename__ = "digital_plan"

    name: str = Field(default="", max_length=100)                 # 应用名称
    stage: str = Field(default="编制中", max_length=40)           # 当前状态
    passed_on: Optional[date] = Field(default=None)               # 查重通过日期


class DigitalPlanItem(SQLModel, table=True):
    """关联一件事 of a 三张清单 (as in force)."""

    __tablename__ = "digital_plan_item"

    plan_id: int = Field(foreign_key="digital_plan.id", primary_key=True)
    item_id: int = Field(foreign_key="digital_item.id", primary_key=True, index=True)


class DigitalApp(DigitalRow, table=True):
    """开发上线特色应用, developed on one own 三张清单."""

    __tablename__ = "digital_app"

    name: str = Field(default="", max_length=100)                 # 应用名称
    plan_id: Optional[int] = Field(default=None, foreign_key="digital_plan.id", index=True)
    launched_on: Optional[date] = Field(default=None)             # 上线时间
    functions: str = Field(default="", max_length=2000)           # 主要功能
    integration: str = Field(default="", max_length=2000)         # 三融五跨情况
    volume: Optional[int] = Field(default=None)                   # 当前办件量
    active_users: Optional[int] = Field(default=None)             # 当前活跃用户数


class DigitalShare(DigitalRow, table=True):
    """一地创新、全市共享: an own launched app adopted city-wide."""

    __tablename__ = "digital_share"

    app_id: Optional[int] = Field(default=None, foreign_key="digital_app.id", index=True)
    intro: str = Field(default="", max_length=5000)               # 应用简介
    shared_on: Optional[date] = Field(default=None)               # 获评共享日期
