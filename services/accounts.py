"""Accounts (SPEC §1): login with lockout, sessions, password change and user administration."""
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from models import ROLE_LABELS, Org, OrgKind, Role, User, UserRole, utcnow
from services.clock import LOCAL_TZ, local_time  # noqa: F401  (re-exported for pages)
from services.errors import LoginRefused, PermissionDenied, SessionExpired, ValidationError
from services.identity import CurrentUser
from services.passwords import (
    INITIAL_PASSWORD, hash_password, password_problem, phone_problem, verify_password,
)

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
WRONG_CREDENTIALS = "手机号或密码错误"


def _roles_of(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(session.execute(select(UserRole.role).where(UserRole.user_id == user_id))
                     .scalars().all())


def current_user(session: Session, user: User) -> CurrentUser:
    org = session.get(Org, user.org_id)
    return CurrentUser(id=user.id, phone=user.phone, name=user.name, org_id=org.id,
                       org_name=org.name, org_kind=org.kind, roles=_roles_of(session, user.id))


def _by_phone(session: Session, phone: str) -> User | None:
    return session.execute(select(User).where(User.phone == phone)).scalars().first()


def authenticate(session: Session, *, phone: str, password: str,
                 now: datetime | None = None) -> User:
    """Check a login; count failures and lock after five in a row. Commits the count."""
    now = now or utcnow()
    phone = (phone or "").strip()
    user = _by_phone(session, phone)
    if user is None:
        raise LoginRefused(WRONG_CREDENTIALS)
    if user.disabled:
        raise LoginRefused("该账号已被停用，请联系系统管理员")
    if user.locked_until and user.locked_until > now:
        raise LoginRefused(f"密码连续错误{MAX_FAILED_LOGINS}次，账号已锁定至"
                           f"{local_time(user.locked_until)}，请届时再试或联系系统管理员解锁")
    if not verify_password(password or "", user.password_hash):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.failed_logins = 0
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            session.add(user)
            session.commit()
            raise LoginRefused(f"密码连续错误{MAX_FAILED_LOGINS}次，账号已锁定至"
                               f"{local_time(user.locked_until)}，请届时再试或联系系统管理员解锁")
        left = MAX_FAILED_LOGINS - user.failed_logins
        session.add(user)
        session.commit()
        raise LoginRefused(f"{WRONG_CREDENTIALS}，再错{left}次账号将被锁定{LOCK_MINUTES}分钟")
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)
        session.commit()
    return user


def check_session(session: Session, *, phone: str, issued_at: float,
                  now: datetime | None = None) -> User:
    """The user behind a login session, or SessionExpired when the session no longer counts.

    A session stops counting once the user is disabled or locked, or when the password was
    changed (or reset) after the session was opened.
    """
    now = now or utcnow()
    user = _by_phone(session, phone or "")
    if user is None or user.disabled:
        raise SessionExpired("账号已停用或不存在，请重新登录")
    if user.locked_until and user.locked_until > now:
        raise SessionExpired("账号已锁定，请稍后重新登录")
    if issued_at + 1e-3 < user.password_changed_at.timestamp():
        raise SessionExpired("密码已变更，请使用新密码重新登录")
    if issued_at + 1e-3 < user.sessions_valid_after.timestamp():
        raise SessionExpired("登录已失效（已在其他页面退出登录），请重新登录")
    return user


def log_out(session: Session, *, phone: str) -> None:
    """退出登录 ends every session of the account, including a login cookie left behind."""
    user = _by_phone(session, phone or "")
    if user is not None:
        user.sessions_valid_after = utcnow()
        session.add(user)
        session.commit()


def change_password(session: Session, *, user_id: int, old: str, new: str,
                    confirm: str) -> User:
    """Voluntary or forced password change."""
    user = session.get(User, user_id)
    if user is None or user.disabled:
        raise PermissionDenied("账号已停用或不存在")
    if not verify_password(old or "", user.password_hash):
        raise ValidationError("原密码不正确")
    if new != confirm:
        raise ValidationError("两次输入的新密码不一致")
    if (problem := password_problem(user.phone, new)) is not None:
        raise ValidationError(problem)
    if verify_password(new, user.password_hash):
        raise ValidationError("新密码不能与原密码相同")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    session.add(user)
    session.commit()
    return user


# --- user administration (系统管理员 only) ---------------------------------------------------

def require_admin(actor: CurrentUser) -> None:
    if not actor.has(Role.ADMIN):
        raise PermissionDenied("仅系统管理员可管理用户")


def _validate_roles(roles: set[str], org: Org) -> str | None:
    if not roles:
        return "请至少选择一个角色"
    unknown = [r for r in roles if r not in set(Role)]
    if unknown:
        return f"未知角色：{'、'.join(unknown)}"
    if Role.ADMIN in roles and org.kind != OrgKind.REFORM_OFFICE:
        return "系统管理员只能属于市委改革办"
    return None


def create_user(session: Session, *, actor: CurrentUser, phone: str, name: str, org_id: int,
                roles: set[str], commit: bool = True) -> User:
    """Create an account with the initial password (to be changed at first login)."""
    require_admin(actor)
    phone, name = (phone or "").strip(), (name or "").strip()
    if (problem := phone_problem(phone)) is not None:
        raise ValidationError(problem)
    if not name:
        raise ValidationError("请填写姓名")
    org = session.get(Org, org_id)
    if org is None:
        raise ValidationError("所属单位不存在")
    if (problem := _validate_roles(set(roles), org)) is not None:
        raise ValidationError(problem)
    if _by_phone(session, phone) is not None:
        raise ValidationError(f"手机号“{phone}”已被注册")
    user = User(phone=phone, name=name, org_id=org_id,
                password_hash=hash_password(INITIAL_PASSWORD))
    session.add(user)
    session.flush()
    for role in sorted(roles):
        session.add(UserRole(user_id=user.id, role=role))
    if commit:
        session.commit()
    return user


def _target(session: Session, actor: CurrentUser, user_id: int) -> User:
    require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise ValidationError("用户不存在")
    return user


def set_disabled(session: Session, *, actor: CurrentUser, user_id: int, disabled: bool) -> User:
    """Disable (or re-enable) an account; a disabled user's sessions stop at once."""
    user = _target(session, actor, user_id)
    if disabled and user.id == actor.id:
        raise ValidationError("不能停用自己的账号")
    user.disabled = disabled
    session.add(user)
    session.commit()
    return user


def reset_password(session: Session, *, actor: CurrentUser, user_id: int) -> User:
    """Back to the initial password; the user must set a new one at next login."""
    user = _target(session, actor, user_id)
    user.password_hash = hash_password(INITIAL_PASSWORD)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    session.commit()
    return user


def unlock(session: Session, *, actor: CurrentUser, user_id: int) -> User:
    user = _target(session, actor, user_id)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    session.commit()
    return user


def list_users(session: Session, *, actor: CurrentUser, query: str = "",
               org_id: int | None = None) -> list[dict]:
    """Users with org and roles, for the admin table and its Excel export."""
    require_admin(actor)
    stmt = select(User, Org.name).join(Org, Org.id == User.org_id)
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where((User.phone.like(like)) | (User.name.like(like)))
    if org_id:
        stmt = stmt.where(User.org_id == org_id)
    rows = session.execute(stmt.order_by(Org.sort_order, User.phone)).all()
    roles: dict[int, list[str]] = {}
    for uid, role in session.execute(select(UserRole.user_id, UserRole.role)).all():
        roles.setdefault(uid, []).append(role)
    now = utcnow()
    return [
        {"id": u.id, "手机号": u.phone, "姓名": u.name, "所属单位": org_name,
         "角色": "、".join(ROLE_LABELS[Role(r)] for r in sorted(roles.get(u.id, []))),
         "状态": "停用" if u.disabled else ("锁定" if u.locked_until and u.locked_until > now
                                          else "正常"),
         "需修改初始密码": "是" if u.must_change_password else "否"}
        for u, org_name in rows
    ]

