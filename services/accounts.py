"""Accounts (SPEC §1): login with lockout, sessions, password change and user administration."""
import json
import math
import time
from datetime import datetime, timedelta

import jwt
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models import ROLE_LABELS, AuditEvent, Org, OrgKind, Role, User, UserRole, utcnow
from services import limits
from services.clock import LOCAL_TZ, local_time  # noqa: F401  (re-exported for pages)
from services.db import lock_rows, transactional
from services.errors import (
    Conflict, LoginRefused, PermissionDenied, SessionExpired, ValidationError,
)
from services.identity import CurrentUser, require_active
from services.passwords import (
    INITIAL_PASSWORD, dummy_hash, hash_password, normalize_phone, password_problem,
    phone_problem, verify_password,
)

MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
# One message for an unknown phone number and a wrong password: it must not tell which.
WRONG_CREDENTIALS = (f"手机号或密码错误。同一账号连续输错{MAX_FAILED_LOGINS}次将被锁定"
                     f"{LOCK_MINUTES}分钟")
DISABLED = "该账号已被停用，请联系系统管理员"


def _roles_of(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(session.execute(select(UserRole.role).where(UserRole.user_id == user_id))
                     .scalars().all())


def current_user(session: Session, user: User) -> CurrentUser:
    org = session.get(Org, user.org_id)
    return CurrentUser(id=user.id, phone=user.phone, name=user.name, org_id=org.id,
                       org_name=org.name, org_kind=org.kind, roles=_roles_of(session, user.id))


def _by_phone(session: Session, phone: str) -> User | None:
    return session.execute(select(User).where(User.phone == phone)).scalars().first()


def _locked_message(until: datetime) -> str:
    return (f"密码连续错误{MAX_FAILED_LOGINS}次，账号已锁定至{local_time(until)}，"
            f"请届时再试或联系系统管理员解锁")


def _count_failure(session: Session, user_id: int, now: datetime) -> datetime | None:
    """Add one failed login in a single UPDATE, so parallel failures all count; returns the
    lock end when this failure (or a parallel one) locked the account."""
    active_lock = User.locked_until.is_not(None) & (User.locked_until > now)
    expired_lock = User.locked_until.is_not(None) & (User.locked_until <= now)
    # After a lock has run out, counting starts again from one.
    count = case((expired_lock, 1), else_=User.failed_logins + 1)
    until = now + timedelta(minutes=LOCK_MINUTES)
    row = session.execute(
        update(User).where(User.id == user_id)
        .values(failed_logins=count,
                locked_until=case((active_lock, User.locked_until),
                                  (count >= MAX_FAILED_LOGINS, until), else_=None),
                # A lock ends every session: when it runs out, old cookies stay ended.
                sessions_valid_after=case((active_lock, User.sessions_valid_after),
                                          (count >= MAX_FAILED_LOGINS, now),
                                          else_=User.sessions_valid_after))
        .returning(User.locked_until)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    return row.locked_until if row is not None else None


def authenticate(session: Session, *, phone: str, password: str,
                 now: datetime | None = None) -> User:
    """Check a login; count failures and lock after five in a row. Commits the count.

    An unknown phone number and a wrong password are refused alike (same message, and a
    dummy hash check so that both take as long); a disabled account is named only after
    the right password.
    """
    now = now or utcnow()
    phone = normalize_phone(phone)
    password = password or ""
    user = _by_phone(session, phone) if phone_problem(phone) is None else None
    session.commit()  # end the read before the slow hash check
    if user is None:
        verify_password(password, dummy_hash())
        raise LoginRefused(WRONG_CREDENTIALS)
    if user.locked_until and user.locked_until > now:
        raise LoginRefused(_locked_message(user.locked_until))
    if not verify_password(password, user.password_hash):
        locked_until = _count_failure(session, user.id, now)
        if locked_until is not None and locked_until > now:
            raise LoginRefused(_locked_message(locked_until))
        raise LoginRefused(WRONG_CREDENTIALS)
    if user.disabled:
        raise LoginRefused(DISABLED)
    if user.failed_logins or user.locked_until:
        session.execute(update(User).where(User.id == user.id)
                        .values(failed_logins=0, locked_until=None)
                        .execution_options(synchronize_session=False))
        session.commit()
        session.refresh(user)
    return user


def check_session(session: Session, *, phone: str, issued_at: float,
                  now: datetime | None = None) -> User:
    """The user behind a login session, or SessionExpired when the session no longer counts.

    A session stops counting once the user is disabled or locked, when the password was
    changed (or reset) after the session was opened, or when it was ended (退出登录, 停用 or a
    lock, or an admin changed the account's org or roles): re-enabling the account or the lock
    running out does not revive it.
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
        raise SessionExpired("登录已失效（已退出登录、账号曾被停用或锁定，或账号信息已被管理员修改），"
                             "请重新登录")
    return user


def make_login_token(phone: str, *, key: str, expiry_days: float, issued_at: float) -> str:
    """The login cookie's value: an HS256 signature of `{username, exp_date}` with our key (the
    form streamlit-authenticator uses), valid `expiry_days` from `issued_at`, plus the issue time
    itself (`iat`): what ended sessions are compared with, whatever `expiry_days` says later."""
    return jwt.encode({"username": phone, "exp_date": issued_at + float(expiry_days) * 86400,
                       "iat": issued_at}, key, algorithm="HS256")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        return None
    return float(value)


def read_login_token(token: object, *, key: str, expiry_days: float,
                     now: float | None = None) -> tuple[str, float] | None:
    """(phone, issue time) from a login cookie signed with `key`, or None for anything else.

    The cookie comes from the browser, so it may be forged, truncated or expired: a token that
    is not an HS256 signature of `{username, exp_date, iat}` with our key counts as no cookie.
    The issue time is the token's own `iat` (a cookie without one is not accepted), and the
    cookie lasts until `exp_date` or `expiry_days` after `iat`, whichever comes first: lowering
    `expiry_days` shortens cookies already issued and never makes an old one look newer.
    """
    if not isinstance(token, str) or not token or len(token) > 4096:
        return None
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_iat": False})
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    if not isinstance(claims, dict):
        return None
    phone = claims.get("username")
    expires, issued = _number(claims.get("exp_date")), _number(claims.get("iat"))
    if not isinstance(phone, str) or phone_problem(phone) is not None:
        return None
    if expires is None or issued is None:
        return None
    now = time.time() if now is None else now
    if min(expires, issued + float(expiry_days) * 86400) <= now or issued > now + 60:
        return None
    return phone, issued


def log_out(session: Session, *, phone: str) -> None:
    """退出登录 ends every session of the account, including a login cookie left behind."""
    user = _by_phone(session, phone or "")
    if user is not None:
        user.sessions_valid_after = utcnow()
        session.add(user)
        session.commit()


@transactional
def change_password(session: Session, *, actor: CurrentUser, old: str, new: str,
                    confirm: str) -> User:
    """Voluntary or forced password change by the account's own user."""
    require_active(session, actor)
    user = session.get(User, actor.id)
    if not verify_password(old or "", user.password_hash):
        raise ValidationError("原密码不正确")
    if new != confirm:
        raise ValidationError("两次输入的新密码不一致")
    if (problem := limits.text_problem("新密码", new or "", multiline=False)
            or password_problem(user.phone, new or "")) is not None:
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


def require_active_admin(session: Session, actor: CurrentUser) -> None:
    """The actor is a 系统管理员 whose account is active now (roles and org as stored)."""
    require_admin(actor)
    require_active(session, actor)


def _claim_accounts(session: Session, actor: CurrentUser, *user_ids: int) -> None:
    """Hold the actor's and the target's rows for this action, then check the actor as the
    database holds it: of two administrators disabling or demoting each other at once, the
    second finds itself disabled or demoted and is refused, so one active administrator (the
    winner, who cannot act on itself) always remains."""
    require_admin(actor)
    lock_rows(session, User, User.id.in_(sorted({actor.id, *user_ids})))
    require_active(session, actor)


def role_problem(roles: set[str], org: Org) -> str | None:
    """Why these roles do not fit a user of `org`, or None."""
    if not roles:
        return "请至少选择一个角色"
    unknown = [r for r in roles if r not in set(Role)]
    if unknown:
        return f"未知角色：{'、'.join(unknown)}"
    if Role.ADMIN in roles and org.kind != OrgKind.REFORM_OFFICE:
        return "系统管理员只能属于市委改革办"
    if Role.LEADER in roles and org.kind == OrgKind.DEPARTMENT:
        return "领导角色只能属于区县或市委改革办（市级部门用户请选择录入员或审核员）"
    return None


def clean_name(name: str | None) -> str:
    """A user's name as stored, refused when empty or too long."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写姓名")
    limits.check_text("姓名", name, limits.max_length(User, "name"))
    return name


def clean_phone(phone: str | None) -> str:
    """An account number as stored (full-width digits as ASCII), refused when malformed."""
    phone = normalize_phone(phone)
    if (problem := phone_problem(phone)) is not None:
        raise ValidationError(problem)
    return phone


def _role_text(roles) -> str:
    return "、".join(ROLE_LABELS[Role(r)] for r in sorted(roles))


def audit(session: Session, actor: CurrentUser, *, record_type: str, record_id: int,
          org_id: int, action: str, changes: dict | None = None, comment: str = "") -> None:
    """Append an administration event (who changed which account or org, old → new)."""
    session.add(AuditEvent(
        record_type=record_type, record_id=record_id, org_id=org_id, actor_id=actor.id,
        actor_org_id=actor.org_id, actor_role=Role.ADMIN.value, action=action,
        from_status="", to_status="", comment=comment,
        changes=json.dumps(changes or {}, ensure_ascii=False)))


def insert_users(session: Session, *, actor: CurrentUser,
                 accounts: list[tuple[str, str, Org, set[str]]], password_hash: str,
                 comment: str = "") -> list[User]:
    """Write already validated accounts (phone, name, org, roles) with their roles and
    creation events, in a few statements (no commit): the write transaction stays short."""
    users = [User(phone=phone, name=name, org_id=org.id, password_hash=password_hash)
             for phone, name, org, _roles in accounts]
    session.add_all(users)
    session.flush()
    for user, (phone, name, org, roles) in zip(users, accounts):
        session.add_all([UserRole(user_id=user.id, role=role) for role in sorted(roles)])
        audit(session, actor, record_type="user", record_id=user.id, org_id=org.id,
              action="create_user", comment=comment,
              changes={"手机号": [None, phone], "姓名": [None, name], "所属单位": [None, org.name],
                       "角色": [None, _role_text(roles)]})
    session.flush()
    return users


@transactional
def create_user(session: Session, *, actor: CurrentUser, phone: str, name: str, org_id: int,
                roles: set[str]) -> User:
    """Create an account with the initial password (to be changed at first login)."""
    require_active_admin(session, actor)
    phone, name = clean_phone(phone), clean_name(name)
    org = session.get(Org, org_id)
    if org is None:
        raise ValidationError("所属单位不存在")
    if (problem := role_problem(set(roles), org)) is not None:
        raise ValidationError(problem)
    if _by_phone(session, phone) is not None:
        raise ValidationError(f"手机号“{phone}”已被注册")
    password_hash = hash_password(INITIAL_PASSWORD)
    try:
        [user] = insert_users(session, actor=actor, accounts=[(phone, name, org, set(roles))],
                              password_hash=password_hash)
        session.commit()
    except IntegrityError:  # registered by someone else in the meantime
        session.rollback()
        raise ValidationError(f"手机号“{phone}”已被注册") from None
    return user


def _target(session: Session, actor: CurrentUser, user_id: int, *, claim: bool = True) -> User:
    """The account an administrator acts on (held for the action unless only read)."""
    if claim:
        _claim_accounts(session, actor, user_id)
    else:
        require_active_admin(session, actor)
    user = session.get(User, user_id, populate_existing=True)
    if user is None:
        raise ValidationError("用户不存在")
    return user


def _editable(session: Session, user: User) -> dict:
    return {"name": user.name, "org_id": user.org_id, "roles": set(_roles_of(session, user.id))}


def _edited_meanwhile(session: Session, seen: dict, now: dict) -> str:
    """What another admin changed since the form was opened, in words."""
    def org_name(org_id):
        return getattr(session.get(Org, org_id), "name", "（已不存在）")

    shown = {"name": ("姓名", str), "org_id": ("所属单位", org_name),
             "roles": ("角色", lambda roles: _role_text(roles or ()))}
    parts = [f"{label}：{fmt(seen.get(key))} → {fmt(now[key])}"
             for key, (label, fmt) in shown.items() if seen.get(key) != now[key]]
    what = f"（{'；'.join(parts)}）" if parts else ""
    return (f"该用户的信息已被其他管理员修改{what}，本次未保存。"
            "表单中保留了您的填写，请核对后再次点击“保存修改”")


@transactional
def update_user(session: Session, *, actor: CurrentUser, user_id: int, name: str, org_id: int,
                roles: set[str], seen: dict) -> User:
    """Change a user's name, org and roles; audited, and the user's open sessions end.

    `seen` is `user_detail()` as the edit form showed it (its `version` included): when
    another admin has changed the user since, nothing is saved and the refusal says what
    changed (no last-write-wins).
    """
    user = _target(session, actor, user_id)
    # Claim the version first: of two saves from forms showing one version, one gets the row.
    claimed = session.execute(
        update(User).where(User.id == user.id, User.version == seen.get("version"))
        .values(version=User.version + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        user = session.get(User, user_id, populate_existing=True)
        raise Conflict(_edited_meanwhile(session, seen, _editable(session, user)))
    session.refresh(user)
    name = clean_name(name)
    org = session.get(Org, org_id)
    if org is None:
        raise ValidationError("所属单位不存在")
    roles = set(roles)
    if (problem := role_problem(roles, org)) is not None:
        raise ValidationError(problem)
    if user.id == actor.id and Role.ADMIN not in roles:
        raise ValidationError("不能取消自己的系统管理员角色，请由其他系统管理员操作")
    old_roles = set(_roles_of(session, user.id))
    old_org = session.get(Org, user.org_id)
    changes = {}
    if name != user.name:
        changes["姓名"] = [user.name, name]
    if org.id != old_org.id:
        changes["所属单位"] = [old_org.name, org.name]
    if roles != old_roles:
        changes["角色"] = [_role_text(old_roles), _role_text(roles)]
    if not changes:
        raise ValidationError("没有需要保存的修改")
    user.name, user.org_id = name, org.id
    # Pages already open under the old org or roles must not keep acting with them.
    user.sessions_valid_after = utcnow()
    session.add(user)
    for role in old_roles - roles:
        session.delete(session.get(UserRole, (user.id, role)))
    for role in sorted(roles - old_roles):
        session.add(UserRole(user_id=user.id, role=role))
    audit(session, actor, record_type="user", record_id=user.id, org_id=org.id,
          action="edit_user", changes=changes)
    session.commit()
    return user


@transactional
def set_disabled(session: Session, *, actor: CurrentUser, user_id: int, disabled: bool) -> User:
    """Disable (or re-enable) an account; a disabled user's sessions stop at once."""
    user = _target(session, actor, user_id)
    if disabled and user.id == actor.id:
        raise ValidationError("不能停用自己的账号")
    if user.disabled != disabled:
        user.disabled = disabled
        if disabled:  # every session ends now; re-enabling does not revive one
            user.sessions_valid_after = utcnow()
        session.add(user)
        audit(session, actor, record_type="user", record_id=user.id, org_id=user.org_id,
              action="disable" if disabled else "enable",
              changes={"状态": ["正常", "停用"] if disabled else ["停用", "正常"]})
    session.commit()
    return user


@transactional
def reset_password(session: Session, *, actor: CurrentUser, user_id: int) -> User:
    """Back to the initial password; the user must set a new one at next login."""
    require_admin(actor)
    password_hash = hash_password(INITIAL_PASSWORD)  # slow: before the rows are held
    user = _target(session, actor, user_id)
    user.password_hash = password_hash
    user.must_change_password = True
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    audit(session, actor, record_type="user", record_id=user.id, org_id=user.org_id,
          action="reset_password", comment="密码已重置为初始密码")
    session.commit()
    return user


@transactional
def unlock(session: Session, *, actor: CurrentUser, user_id: int) -> User:
    """Lift a lock after wrong passwords (and clear the failure count)."""
    user = _target(session, actor, user_id)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    audit(session, actor, record_type="user", record_id=user.id, org_id=user.org_id,
          action="unlock", comment="已解锁")
    session.commit()
    return user


def user_detail(session: Session, *, actor: CurrentUser, user_id: int) -> dict:
    """One account's editable fields, for the admin's edit form."""
    user = _target(session, actor, user_id, claim=False)
    return {"id": user.id, "phone": user.phone, "version": user.version,
            **_editable(session, user)}


def list_users(session: Session, *, actor: CurrentUser, query: str = "",
               org_id: int | None = None) -> list[dict]:
    """Users with org and roles, for the admin table and its Excel export."""
    require_active_admin(session, actor)
    stmt = select(User, Org.name).join(Org, Org.id == User.org_id)
    limits.check_text("按手机号或姓名查找", query, 64)
    if query:
        like = f"%{normalize_phone(query)}%"
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
         "角色": _role_text(roles.get(u.id, [])),
         "状态": "停用" if u.disabled else ("锁定" if u.locked_until and u.locked_until > now
                                          else "正常"),
         "需修改初始密码": "是" if u.must_change_password else "否"}
        for u, org_name in rows
    ]


ADMIN_ACTIONS = {
    "create_user": "新增用户", "edit_user": "修改用户信息", "disable": "停用", "enable": "启用",
    "reset_password": "重置密码", "unlock": "解锁",
    "create_org": "新增单位", "rename_org": "单位更名",
}


def admin_log(session: Session, *, actor: CurrentUser, limit: int = 500) -> list[dict]:
    """The latest user and org administration events (newest first), for 用户管理."""
    require_active_admin(session, actor)
    events = session.execute(
        select(AuditEvent, User.name)
        .join(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.record_type.in_(["user", "org"]),
               AuditEvent.action.in_(list(ADMIN_ACTIONS)))
        .order_by(AuditEvent.id.desc()).limit(limit)
    ).all()
    user_ids = {e.record_id for e, _ in events if e.record_type == "user"}
    org_ids = {e.record_id for e, _ in events if e.record_type == "org"}
    users = dict(session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())
    phones = dict(session.execute(select(User.id, User.phone)
                                  .where(User.id.in_(user_ids))).all())
    org_names = dict(session.execute(select(Org.id, Org.name).where(Org.id.in_(org_ids))).all())
    rows = []
    for event, actor_name in events:
        if event.record_type == "user":
            target = f"{users.get(event.record_id, '')}（{phones.get(event.record_id, '')}）"
        else:
            target = org_names.get(event.record_id, "")
        changes = json.loads(event.changes or "{}")
        detail = "；".join(f"{k}：{'—' if old is None else old} → {new}"
                          for k, (old, new) in changes.items())
        rows.append({"时间": event.created_at, "操作人": actor_name,
                     "操作": ADMIN_ACTIONS[event.action], "对象": target,
                     "修改内容": detail or event.comment})
    return rows
