"""改革品牌显示度 — reform brand highlights (SPEC §4)."""
from datetime import date, datetime
from typing import Optional

from sqlmodel import Field, SQLModel

from models.base import ReviewedRecord, utcnow


class BrandCategory(SQLModel, table=True):
    """获评类别: an admin-kept list; a retired category stays on the entries that use it."""

    __tablename__ = "brand_category"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    retired: bool = Field(default=False)
    sort_order: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    # Bumped by every rename, retirement or restoration: a change made from an older list is
    # refused instead of silently undoing another administrator's.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class BrandEntry(ReviewedRecord, table=True):
    """One highlight of a district's reform: praised nationally, promoted city-wide, …"""

    __tablename__ = "brand_entry"

    item: str = Field(default="", max_length=200)                 # 改革事项
    category_id: Optional[int] = Field(default=None, foreign_key="brand_category.id",
                                       index=True)                # 获评类别
    situation: str = Field(default="", max_length=5000)           # 具体情形
    awarded_on: Optional[date] = Field(default=None, index=True)  # 获评日期
    problems: str = Field(default="", max_length=5000)            # 解决问题
    results: str = Field(default="", max_length=5000)             # 主要成果
    # Whether the evidence is a 通报表彰 / 领导批示, and what it praises (see COMMENDATIONS).
    commendation: str = Field(default="否", max_length=32)
    # 特殊情形 a: the promotion document gives the unit's reform less than one paragraph.
    brief_mention: bool = Field(default=False)
    summary_signed: bool = Field(default=False)  # 总结材料 signed by the leader and sealed
    self_checked: bool = Field(default=False)    # 已自查，满足报表计分条件 (asked at each 上报)
    is_secret: bool = Field(default=False)
    sent_offline: bool = Field(default=False)
    # A 涉密 special case: the signed and sealed 总结材料 went offline with the evidence.
    summary_sent_offline: bool = Field(default=False)
    approved_at: Optional[datetime] = Field(default=None, index=True)
