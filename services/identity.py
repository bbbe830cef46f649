"""The acting user, detached from any session: what services need to authorise an action."""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from models import OrgKind, Role, User, UserRole
from services.errors import PermissionDenied


@dataclass(frozen=True)
class CurrentUser:
    id: int
    phone: str
    name: str
    org_id: int
    org_name: str
    org_kind: str
    roles: frozenset[str]

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_district(self) -> bool:
        return self.org_kind == OrgKind.DISTRICT

    @property
    def is_department(self) -> bool:
        return self.org_kind == OrgKind.DEPARTMENT

    @property
    def is_reform_office(self) -> bool:
        return self.org_kind == OrgKind.REFORM_OFFICE


def require_active(session, actor: CurrentUser) -> CurrentUser:
    """The actor as the account is *now*, read in this transaction; refused when the account
    is disabled or locked, or when its roles or org are no longer those the actor carries.

    Every service, reading or writing, calls this first: a session opened before an admin
    disabled the account, or took a role away, or moved it to another org, cannot act or read
    with what it was, whatever the page still shows.
    """
    rows = session.execute(select(User.disabled, User.locked_until, User.org_id, UserRole.role)
                           .outerjoin(UserRole, UserRole.user_id == User.id)
                           .where(User.id == actor.id)).all()
    row = rows[0] if rows else None
    if row is None or row.disabled:
        raise PermissionDenied("您的账号已停用，不能执行此操作；如有疑问请联系系统管理员")
    locked = row.locked_until
    if locked is not None:
        if locked.tzinfo is None:
            locked = locked.replace(tzinfo=timezone.utc)
        if locked > datetime.now(timezone.utc):
            raise PermissionDenied("您的账号已被锁定，不能执行此操作；请稍后再试或联系系统管理员解锁")
    roles = frozenset(r.role for r in rows if r.role is not None)
    if row.org_id != actor.org_id or roles != actor.roles:
        raise PermissionDenied("您的角色或所属单位已被系统管理员修改，本次操作未执行；"
                               "请重新登录后再操作")
    return actor
