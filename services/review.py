"""The review engine (SPEC §2): each module's flow is one declared transition table.

`Flow.can`, `Flow.available_actions` and `Flow.apply` answer every question about a record's
life cycle; pages draw buttons from `available_actions`, services change state only via `apply`.
"""
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Callable, Iterable

from sqlalchemy import and_, false, func, or_, select, true, update
from sqlmodel import Session

from models import AuditEvent, Org, OrgKind, Role, User, utcnow
from services import notifications
from services.errors import (
    CONFLICT_MESSAGE, Conflict, PermissionDenied, TransitionNotAllowed, ValidationError,
)
from services.identity import CurrentUser

DRAFT = "草稿"
RETURNED = "退回修改"
MIN_REASON_LENGTH = 5


class Action(StrEnum):
    SAVE = "save"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    DISTRIBUTE = "distribute"
    CANCEL = "cancel"


ACTION_LABELS = {
    Action.SAVE: "保存",
    Action.SUBMIT: "保存并上报",
    Action.APPROVE: "通过",
    Action.REJECT: "驳回",
    Action.WITHDRAW: "撤回",
    Action.DISTRIBUTE: "确认分发",
    Action.CANCEL: "作废",
}


class Scope(StrEnum):
    """Which organisation's users may act on a record at a stage."""

    OWN_DISTRICT = "own_district"      # the district that owns the record
    SUPERVISING_DEPT = "supervising_dept"  # the department named on the record
    REFORM_OFFICE = "reform_office"    # 市委改革办


@dataclass(frozen=True)
class Actor:
    scope: Scope
    roles: frozenset[str]

    def allows(self, record: Any, user: CurrentUser, dept_field: str) -> bool:
        if not user.roles & self.roles:
            return False
        if self.scope is Scope.OWN_DISTRICT:
            return user.is_district and user.org_id == record.org_id
        if self.scope is Scope.SUPERVISING_DEPT:
            return user.is_department and user.org_id == getattr(record, dept_field)
        return user.is_reform_office

    def query_filter(self, model: type, user: CurrentUser, dept_field: str):
        """A WHERE clause selecting the records this user may act on, or `false()`."""
        if not user.roles & self.roles:
            return false()
        if self.scope is Scope.OWN_DISTRICT:
            return model.org_id == user.org_id if user.is_district else false()
        if self.scope is Scope.SUPERVISING_DEPT:
            return getattr(model, dept_field) == user.org_id if user.is_department else false()
        return true() if user.is_reform_office else false()

    def candidate_user_ids(self, session: Session, record: Any, dept_field: str) -> list[int]:
        """Enabled users who may act on the record at this stage (for notifications)."""
        if self.scope is Scope.OWN_DISTRICT:
            return notifications.active_user_ids(session, roles=self.roles,
                                                  org_ids=[record.org_id])
        if self.scope is Scope.SUPERVISING_DEPT:
            return notifications.active_user_ids(session, roles=self.roles,
                                                  org_ids=[getattr(record, dept_field)])
        return notifications.active_user_ids(session, roles=self.roles,
                                              org_kind=OrgKind.REFORM_OFFICE)


def district(*roles: Role) -> Actor:
    return Actor(Scope.OWN_DISTRICT, frozenset(roles))


def department(*roles: Role) -> Actor:
    return Actor(Scope.SUPERVISING_DEPT, frozenset(roles))


def reform_office(*roles: Role) -> Actor:
    return Actor(Scope.REFORM_OFFICE, frozenset(roles))


@dataclass(frozen=True)
class Transition:
    source: str
    action: Action
    target: str
    actor: Actor

    @property
    def needs_reason(self) -> bool:
        return self.action is Action.REJECT

    @property
    def segregated(self) -> bool:
        """Approving steps may not be taken by the record's creator or last editor."""
        return self.action in (Action.APPROVE, Action.DISTRIBUTE)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def diff(record: Any, values: dict[str, Any]) -> dict[str, list]:
    """Field-by-field changes `{field: [old, new]}` that `values` would make to `record`."""
    return {
        name: [_jsonable(getattr(record, name)), _jsonable(new)]
        for name, new in values.items()
        if getattr(record, name) != new
    }


@dataclass
class Flow:
    """A module's review flow: a name, the model it governs and its transition table."""

    module: str
    label: str
    model: type
    transitions: list[Transition]
    title_field: str = "name"
    dept_field: str = "dept_id"
    # Extra recipients when a record enters a state (e.g. clerks of every involved district).
    extra_recipients: Callable[[Session, Any, str], Iterable[int]] | None = None
    _index: dict[tuple[str, Action], Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {}
        for t in self.transitions:
            key = (t.source, t.action)
            if key in self._index:
                raise ValueError(f"duplicate transition {key} in {self.module}")
            self._index[key] = t

    def transition(self, status: str, action: Action) -> Transition | None:
        return self._index.get((status, Action(action)))

    def refusal(self, action: Action, record: Any, user: CurrentUser) -> str | None:
        """Why `user` may not take `action` on `record` now, or None when allowed."""
        label = ACTION_LABELS[Action(action)]
        t = self.transition(record.status, action)
        if t is None:
            return f"当前状态为“{record.status}”，不能执行“{label}”"
        if not t.actor.allows(record, user, self.dept_field):
            return f"您无权对该记录执行“{label}”"
        if t.segregated and user.id in (record.created_by, record.updated_by):
            return f"不能“{label}”自己创建或最后修改的记录，请由其他审核人员处理"
        return None

    def check(self, action: Action, record: Any, user: CurrentUser, version: int) -> Transition:
        """The transition `user` may take now, or the precise refusal (Conflict first)."""
        if record.version != version:  # someone acted since this user loaded the record
            raise Conflict(CONFLICT_MESSAGE)
        if (why := self.refusal(action, record, user)) is not None:
            if self.transition(record.status, action) is None:
                raise TransitionNotAllowed(why)
            raise PermissionDenied(why)
        return self.transition(record.status, action)

    def can(self, action: Action, record: Any, user: CurrentUser) -> bool:
        return self.refusal(action, record, user) is None

    def available_actions(self, record: Any, user: CurrentUser) -> list[Action]:
        return [t.action for t in self.transitions
                if t.source == record.status and self.can(t.action, record, user)]

    def actionable_filter(self, user: CurrentUser, *, exclude=(Action.SAVE, Action.WITHDRAW,
                                                            Action.CANCEL)):
        """WHERE clause: records in a state where `user` has work to do."""
        clauses = [
            and_(self.model.status == t.source, t.actor.query_filter(self.model, user,
                                                                    self.dept_field))
            for t in self.transitions if t.action not in exclude and user.roles & t.actor.roles
        ]
        return clauses

    def review_queue(self, session: Session, actor: CurrentUser) -> list:
        """Records waiting for `actor` to review (通过 / 驳回 / 确认分发), oldest first."""
        clauses = self.actionable_filter(actor, exclude=(Action.SAVE, Action.SUBMIT,
                                                         Action.WITHDRAW, Action.CANCEL))
        if not clauses:
            return []
        return list(session.execute(select(self.model).where(or_(*clauses))
                                    .order_by(self.model.updated_at)).scalars())

    def apply(self, session: Session, *, commit: bool = True, **kwargs: Any) -> Any:
        """Take `action` on the record, or raise and leave it unchanged.

        Keyword arguments: record_id, action, actor, version, and optionally comment,
        `values` (field edits made with the action, recorded old→new in the audit event) and
        `extra_changes` (other audited changes, e.g. 涉及区县). With commit=False the caller
        owns the transaction (and its rollback).
        """
        try:
            record = self._apply(session, **kwargs)
            if commit:
                session.commit()
            return record
        except BaseException:
            if commit:
                session.rollback()
            raise

    def _apply(
        self,
        session: Session,
        *,
        record_id: int,
        action: Action,
        actor: CurrentUser,
        version: int,
        comment: str = "",
        values: dict[str, Any] | None = None,
        extra_changes: dict[str, list] | None = None,
    ) -> Any:
        action = Action(action)
        record = session.get(self.model, record_id)
        if record is None:
            raise ValidationError("记录不存在或已被删除，请刷新后重试")
        t = self.check(action, record, actor, version)
        comment = (comment or "").strip()
        if t.needs_reason and len(comment) < MIN_REASON_LENGTH:
            raise ValidationError(f"请填写驳回原因（不少于{MIN_REASON_LENGTH}个字）")

        changes = diff(record, values or {})
        now = utcnow()
        edited = bool(changes or extra_changes)
        new_values: dict[str, Any] = {"status": t.target, "version": version + 1,
                                       "updated_at": now}
        if changes:
            new_values.update({k: (values or {})[k] for k in changes})
        if edited:
            new_values["updated_by"] = actor.id
        if action in (Action.SAVE, Action.SUBMIT):
            new_values["updated_by"] = actor.id
        result = session.execute(
            update(self.model)
            .where(self.model.id == record_id, self.model.version == version)
            .values(**new_values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Conflict(CONFLICT_MESSAGE)
        session.refresh(record)

        role = next(iter(sorted(actor.roles & t.actor.roles)))
        session.add(AuditEvent(
            record_type=self.module, record_id=record.id, org_id=record.org_id,
            actor_id=actor.id, actor_org_id=actor.org_id, actor_role=role,
            action=action.value, from_status=t.source, to_status=t.target, comment=comment,
            changes=json.dumps({**changes, **(extra_changes or {})}, ensure_ascii=False),
            created_at=now,
        ))
        if t.source != t.target:
            self._notify(session, record, t, actor, comment)
        return record

    def record_event(self, session: Session, record: Any, actor: CurrentUser, *, role: Role,
                     action: str, comment: str = "", changes: dict | None = None) -> None:
        """Audit something that is not a state change (creation, a district added, …)."""
        session.add(AuditEvent(
            record_type=self.module, record_id=record.id, org_id=record.org_id,
            actor_id=actor.id, actor_org_id=actor.org_id, actor_role=role.value,
            action=action, from_status="" if action == "create" else record.status,
            to_status=record.status, comment=comment,
            changes=json.dumps(changes or {}, ensure_ascii=False),
        ))

    def _notify(self, session: Session, record: Any, t: Transition, actor: CurrentUser,
                comment: str) -> None:
        title_value = getattr(record, self.title_field, "") or f"#{record.id}"
        recipients: set[int] = set()
        for nxt in self.transitions:
            if nxt.source == t.target and nxt.action not in (Action.WITHDRAW, Action.CANCEL):
                recipients.update(nxt.actor.candidate_user_ids(session, record, self.dept_field))
        if self.extra_recipients is not None:
            recipients.update(self.extra_recipients(session, record, t.target))
        recipients.discard(actor.id)
        label = ACTION_LABELS[t.action]
        if t.action is Action.REJECT:
            title = f"【{self.label}】“{title_value}”被驳回，请修改后重新上报"
            body = f"驳回原因：{comment}（{actor.org_name} {actor.name}）"
        else:
            title = f"【{self.label}】“{title_value}”{label}，当前状态：{t.target}"
            body = f"{actor.org_name} {actor.name} 执行了“{label}”。"
        notifications.send(session, user_ids=recipients, title=title, body=body,
                           record_type=self.module, record_id=record.id)


def history(session: Session, *, record_type: str, record_id: int) -> list[dict]:
    """The record's 审核记录, oldest first, with actor and org names."""
    rows = session.execute(
        select(AuditEvent, User.name, Org.name)
        .join(User, User.id == AuditEvent.actor_id)
        .join(Org, Org.id == AuditEvent.actor_org_id)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id)
        .order_by(AuditEvent.id)
    ).all()
    return [
        {"time": ev.created_at, "actor": name, "org": org, "role": ev.actor_role,
         "action": ev.action, "from": ev.from_status, "to": ev.to_status,
         "comment": ev.comment, "changes": json.loads(ev.changes or "{}")}
        for ev, name, org in rows
    ]


def last_rejection(session: Session, *, record_type: str, record_id: int) -> AuditEvent | None:
    """The newest 驳回 event of a record (its reason is shown to the clerk)."""
    return session.execute(
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id,
               AuditEvent.action == Action.REJECT.value)
        .order_by(AuditEvent.id.desc()).limit(1)
    ).scalars().first()


def rejection_rates(session: Session, *, module: str | None = None,
                    start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """驳回率 per district, module and stage: rejections ÷ arrivals at that stage."""
    def scoped(query):
        if module:
            query = query.where(AuditEvent.record_type == module)
        if start:
            query = query.where(AuditEvent.created_at >= start)
        if end:
            query = query.where(AuditEvent.created_at < end)
        return query

    arrivals = session.execute(scoped(
        select(AuditEvent.org_id, AuditEvent.record_type, AuditEvent.to_status, func.count())
        .where(AuditEvent.action.in_([Action.SUBMIT.value, Action.APPROVE.value]))
        .group_by(AuditEvent.org_id, AuditEvent.record_type, AuditEvent.to_status)
    )).all()
    rejections = dict(
        ((org, mod, stage), n) for org, mod, stage, n in session.execute(scoped(
            select(AuditEvent.org_id, AuditEvent.record_type, AuditEvent.from_status, func.count())
            .where(AuditEvent.action == Action.REJECT.value)
            .group_by(AuditEvent.org_id, AuditEvent.record_type, AuditEvent.from_status)
        )).all()
    )
    return [
        {"org_id": org, "module": mod, "stage": stage, "submissions": n,
         "rejections": rejections.get((org, mod, stage), 0),
         "rate": rejections.get((org, mod, stage), 0) / n if n else 0.0}
        for org, mod, stage, n in arrivals
    ]
