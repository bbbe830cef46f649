"""Users and their roles. Users are never deleted, only disabled."""
from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlmodel import Field, SQLModel

from models.base import utcnow


class Role(StrEnum):
    CLERK = "clerk"
    REVIEWER = "reviewer"
    LEADER = "leader"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.CLERK: "录入员",
    Role.REVIEWER: "审核员",
    Role.LEADER: "领导",
    Role.ADMIN: "系统管理员",
}
ROLE_BY_LABEL = {label: role for role, label in ROLE_LABELS.items()}


class User(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    phone: str = Field(max_length=11, unique=True)
    name: str = Field(max_length=32)
    org_id: int = Field(foreign_key="org.id", index=True)
    password_hash: str = Field(max_length=100)
    must_change_password: bool = Field(default=True)
    password_changed_at: datetime = Field(default_factory=utcnow)
    # Sessions (and login cookies) issued before this moment no longer count: set on 退出登录.
    sessions_valid_after: datetime = Field(default_factory=utcnow)
    failed_logins: int = Field(default=0)
    locked_until: Optional[datetime] = Field(default=None)
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    # Bumped by every edit of name, org or roles: an edit form opened before is then refused.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    role: str = Field(max_length=16, primary_key=True)
