"""The review engine (SPEC §2): each module's flow is one declared transition table.

`Flow.can`, `Flow.available_actions` and `Flow.apply` answer every question about a record's
life cycle; pages draw buttons from `available_actions`, services change state only via `apply`.
"""
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Callable, Iterable

from sqlalchemy import DateTime, and_, false, func, or_, select, true, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from models import ROLE_LABELS, AuditEvent, Org, OrgKind, Role, User, utcnow
from services import notifications
from services.errors import (
    CONFLICT_MESSAGE, Conflict, PermissionDenied, TransitionNotAllowed, ValidationError,
)
from services.db import transactional
from services.identity import CurrentUser, require_active
from services.limits import check_text, visible_length

DRAFT = "草稿"
RETURNED = "退回修改"
MIN_REASON_LENGTH = 5
SYSTEM_ROLE = "system"
# Columns a form never sets: the engine owns them (with every timestamp column of the model and
# whatever a flow adds in `engine_columns`, see `Flow.engine_owned`).
ENGINE_COLUMNS = frozenset({"id", "status", "version", "org_id", "created_by", "created_at",
                            "updated_by", "updated_at", "approved_at", "confirmed_at"})
# How a refusal names them when the module gives no label of its own.
ENGINE_LABELS = {"id": "编号", "status": "状态", "version": "版本号", "org_id": "所属单位",
                 "created_by": "创建人", "created_at": "创建时间", "updated_by": "修改人",
                 "updated_at": "修改时间", "approved_at": "通过时间", "confirmed_at": "确认时间"}


class Action(StrEnum):
    """Actions shared by every flow; a flow may declare actions of its own (plain strings)."""

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
EDIT_ACTIONS = frozenset({Action.SAVE, Action.SUBMIT})
OWNER_ACTIONS = EDIT_ACTIONS | {Action.WITHDRAW, Action.CANCEL}
EVENT_LABELS = {"create": "创建", "add_district": "增加涉及区县"}


class Scope(StrEnum):
    """Which organisation's users may act on a record at a stage."""

    OWN_DISTRICT = "own_district"      # the district that owns the record
    SUPERVISING_DEPT = "supervising_dept"  # the department named on the record
    REFORM_OFFICE = "reform_office"    # 市委改革办
    SYSTEM = "system"                  # the clock: deadlines, automatic removals


SCOPE_ORG_KIND = {Scope.OWN_DISTRICT: OrgKind.DISTRICT, Scope.SUPERVISING_DEPT: OrgKind.DEPARTMENT,
                  Scope.REFORM_OFFICE: OrgKind.REFORM_OFFICE}

# Whose records a module's lists cover for a user (`Flow.coverage`).
OWN_UNIT = "own"              # the user's own district's records
SUPERVISED = "supervised"     # the records naming the user's department
EVERY_UNIT = "every"          # every district's records (市委改革办)

# The actor of system transitions: no account, no org; audited as 系统.
SYSTEM_USER = CurrentUser(id=0, phone="", name="系统", org_id=0, org_name="系统",
                          org_kind=SYSTEM_ROLE, roles=frozenset({SYSTEM_ROLE}))


@dataclass(frozen=True)
class Actor:
    scope: Scope
    roles: frozenset[str]

    def admits(self, user: CurrentUser) -> bool:
        """Whether `user` is of the kind of org and role that acts here (ignoring the record)."""
        if self.scope is Scope.SYSTEM:
            return user is SYSTEM_USER
        return bool(user.roles & self.roles) and user.org_kind == SCOPE_ORG_KIND[self.scope]

    def allows(self, record: Any, user: CurrentUser, dept_field: str) -> bool:
        if not self.admits(user):
            return False
        if self.scope is Scope.OWN_DISTRICT:
            return user.org_id == record.org_id
        if self.scope is Scope.SUPERVISING_DEPT:
            return user.org_id == getattr(record, dept_field)
        return True

    def query_filter(self, model: type, user: CurrentUser, dept_field: str):
        """A WHERE clause selecting the records this user may act on, or `false()`."""
        if not self.admits(user):
            return false()
        if self.scope is Scope.OWN_DISTRICT:
            return model.org_id == user.org_id
        if self.scope is Scope.SUPERVISING_DEPT:
            return getattr(model, dept_field) == user.org_id
        return true()

    def candidate_user_ids(self, session: Session, record: Any, dept_field: str) -> list[int]:
        """Enabled users who may act on the record at this stage (for notifications)."""
        if self.scope is Scope.SYSTEM:
            return []
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


def system() -> Actor:
    return Actor(Scope.SYSTEM, frozenset({SYSTEM_ROLE}))


# A condition returns the refusal message (or None) before a transition is taken;
# an effect runs in the same transaction once the record has entered the target state.
Condition = Callable[[Session, Any, CurrentUser], "str | None"]
Effect = Callable[[Session, Any, CurrentUser], None]


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    actor: Actor
    conditions: tuple[Condition, ...] = ()
    on_enter: tuple[Effect, ...] = ()
    reason: bool | None = None       # a 驳回-like step that needs a written reason
    segregate: bool | None = None    # refused to whoever created or edited the record
    label: str | None = None         # button label (default: the action's label)
    # A correction of a finished record (e.g. 撤销通过 of an approval made by mistake): it names
    # the review stage whose decision it reverses, and 驳回率 counts it as a rejection there. The
    # source state stays final: the records in it are nobody's to-do.
    corrects: str | None = None
    # A step taken only as part of another record's step (e.g. the district's approval of its
    # 数字重庆建设 form forwards each 一件事 to 核准): never offered as a button, never a to-do,
    # no review stage of its own; the actor must still be allowed to take it.
    follows: str | None = None

    @property
    def needs_reason(self) -> bool:
        return self.action == Action.REJECT if self.reason is None else self.reason

    @property
    def segregated(self) -> bool:
        """Approving steps may not be taken by anyone who wrote the record."""
        if self.segregate is not None:
            return self.segregate
        return self.action in (Action.APPROVE, Action.DISTRIBUTE)

    @property
    def is_system(self) -> bool:
        return self.actor.scope is Scope.SYSTEM

    @property
    def is_hidden(self) -> bool:
        """Taken by the clock or as part of another step, never chosen on its own."""
        return self.is_system or self.follows is not None


@dataclass(frozen=True)
class PageSpec:
    """A page of a module. `audience`: "edit" (who may 保存/保存并上报), "review" (who takes
    a reviewing step), "all" (every logged-in user) or a predicate on the user."""

    path: str
    title: str
    audience: "str | Callable[[CurrentUser], bool]"
    section: str = ""

    @property
    def url(self) -> str:
        # The url is the file's stem: on a fresh session Streamlit resolves a deep link against
        # pages/ before st.navigation runs, and a different name would show "page not found".
        return self.path.rsplit("/", 1)[-1].removesuffix(".py")


class Preview:
    """A record as field edits would leave it, read-only (what a step's conditions judge)."""

    def __init__(self, record: Any, values: dict[str, Any]) -> None:
        self._record, self._values = record, values

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__["_values"]
        return values[name] if name in values else getattr(self.__dict__["_record"], name)


@dataclass(frozen=True)
class Todo:
    """One line of 业务工作台, and where it opens."""

    kind: str          # 草稿 / 退回修改 / 待我审核 / 推进任务 / …
    module: str
    module_label: str
    record_id: int
    title: str
    status: str
    org_name: str
    updated_at: datetime
    reason: str = ""
    version: int = 0
    page: str = ""     # the page that opens it
    open_key: str = ""  # the session key that preselects the record there
    waiting_for: str = ""  # who acts next (a submitted record's 审核中 line)


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
    """A module's declaration: the model it governs, its transition table and everything the
    rest of the system reads about it (labels, pages, readers, workbench contributions).

    Registered once in `services.registry`; navigation, 业务工作台, 审核记录, exports,
    notifications and 驳回率 read it, so a new module touches nothing else.
    """

    module: str
    label: str
    model: type
    transitions: list[Transition]
    title_field: str = "name"
    dept_field: str = "dept_id"
    # Field labels (审核记录, diffs, exports); fields in `hidden` are internal and never shown.
    labels: dict[str, str] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    action_labels: dict[str, str] = field(default_factory=dict)
    event_labels: dict[str, str] = field(default_factory=dict)
    section: str = ""
    pages: tuple[PageSpec, ...] = ()
    open_key: str = ""
    # WHERE clause of the records a user may read (None: owners and whoever acts on them).
    readable: Callable[[CurrentUser], Any] | None = None
    # Extra 业务工作台 lines beyond drafts, returned items and review queues.
    workbench: Callable[[Session, CurrentUser], list[Todo]] | None = None
    # Extra recipients when a record enters a state (e.g. clerks of every involved district).
    extra_recipients: Callable[[Session, Any, str], Iterable[int]] | None = None
    # Columns set only by the engine or the flow's effects, beyond ENGINE_COLUMNS and timestamps.
    engine_columns: frozenset[str] = frozenset()
    # The module whose pages show these records when this flow has none for a user (the rows
    # of 数字重庆建设's form open on the form's pages).
    opened_on: str = ""
    # 打印 (services.printing): the fields of the printed form in order (default: the labelled
    # fields not hidden, in the labels' order), and the values a record does not hold itself,
    # keyed by field name or by their own label: a text (涉及区县) or linked rows, each a dict
    # label → value (试点成果).
    print_fields: tuple[str, ...] = ()
    print_extra: Callable[[Session, Any], dict[str, Any]] | None = None
    _index: dict[tuple[str, str], Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {}
        for t in self.transitions:
            key = (t.source, str(t.action))
            if key in self._index:
                raise ValueError(f"duplicate transition {key} in {self.module}")
            self._index[key] = t

    @property
    def engine_owned(self) -> frozenset[str]:
        """Columns of the model that no form may set: ENGINE_COLUMNS, every timestamp column
        (approved_at, confirmed_at, … are stamped by effects) and the flow's own additions."""
        columns = self.model.__table__.columns
        stamps = {c.name for c in columns if isinstance(c.type, DateTime)}
        return frozenset((ENGINE_COLUMNS | stamps | self.engine_columns) & set(columns.keys()))

    def refuse_engine_columns(self, values: dict | None) -> None:
        """ValidationError naming any engine-owned column among form `values`, or any name
        that is no column of the record (nothing a form sends is dropped without a word)."""
        given = set(values or {})
        if owned := sorted(self.engine_owned & given):
            names = "、".join(self.labels.get(n) or ENGINE_LABELS.get(n, n) for n in owned)
            raise ValidationError(f"不能填写{names}：这些字段由审核流程维护")
        if unknown := sorted(given - set(self.model.__table__.columns.keys())):
            raise ValidationError(f"{self.label}没有这些字段：{'、'.join(unknown)}，未保存")

    def check_status_filter(self, status: str | None) -> None:
        """A list filtered by status names one of this flow's states (anything else is refused,
        never sent to the database)."""
        if status is not None and status not in self.states:
            raise ValidationError(f"{self.label}没有“{status[:20]}”这一状态，请重新选择")

    # --- the table ---------------------------------------------------------------------------

    @property
    def states(self) -> list[str]:
        """Every state of the flow (for the status column's CHECK constraint)."""
        seen = [DRAFT]
        for t in self.transitions:
            for s in (t.source, t.target):
                if s not in seen:
                    seen.append(s)
        return seen

    @property
    def final_states(self) -> set[str]:
        """States nobody acts on any more by hand (approved, distributed, cancelled, …)."""
        manual_sources = {t.source for t in self.transitions
                          if not t.is_system and t.corrects is None}
        return {s for s in self.states if s not in manual_sources}

    @property
    def review_stages(self) -> list[str]:
        """States in which a reviewer acts (待…审核/确认): the 环节 of 驳回率, in flow order."""
        stages = []
        for t in self.transitions:
            if (t.action not in OWNER_ACTIONS and not t.is_hidden and t.corrects is None
                    and t.source not in (DRAFT, RETURNED) and t.source not in stages):
                stages.append(t.source)
        return stages

    def transition(self, status: str, action: str) -> Transition | None:
        return self._index.get((status, str(action)))

    def action_label(self, action: str) -> str:
        return self.action_labels.get(str(action)) or ACTION_LABELS.get(action) or str(action)

    def event_label(self, action: str, source: str | None = None) -> str:
        """What an audit event's action is called in 审核记录 (a step with a label of its own,
        such as 撤销通过, by that label when the event's source state is given)."""
        t = self.transition(source, action) if source else None
        return ((t.label if t is not None else None) or self.event_labels.get(action)
                or EVENT_LABELS.get(action) or self.action_label(action))

    def field_label(self, name: str) -> str | None:
        """A changed field's label, or None for internal columns never shown to users."""
        if name in self.hidden:
            return None
        return self.labels.get(name, name)

    # --- who may do what ---------------------------------------------------------------------

    def refusal(self, action: str, record: Any, user: CurrentUser) -> str | None:
        """Why `user` may not take `action` on `record` now, or None when allowed.

        Pure (no database): the audit-trail part of segregation is checked by `check`.
        """
        t = self.transition(record.status, action)
        label = t.label if t is not None and t.label else self.action_label(action)
        if t is None:
            return f"当前状态为“{record.status}”，不能执行“{label}”"
        if not t.actor.allows(record, user, self.dept_field):
            return f"您无权对该记录执行“{label}”"
        if t.segregated and user.id in (record.created_by, record.updated_by):
            return f"不能“{label}”自己创建或最后修改的记录，请由其他审核人员处理"
        return None

    def check(self, action: str, record: Any, user: CurrentUser, version: int,
              session: Session | None = None, values: dict | None = None) -> Transition:
        """The transition `user` may take now, or the precise refusal (Conflict first).

        With a session, segregation also reads the audit trail and conditions are evaluated,
        on the record as `values` (the field edits made with the action) would leave it.
        """
        if record.version != version:  # someone acted since this user loaded the record
            raise Conflict(CONFLICT_MESSAGE)
        if (why := self.refusal(action, record, user)) is not None:
            if self.transition(record.status, action) is None:
                raise TransitionNotAllowed(why)
            raise PermissionDenied(why)
        t = self.transition(record.status, action)
        if session is not None:
            if t.segregated and edited_since_approval(session, self, record, user.id):
                raise PermissionDenied(
                    f"您修改过该记录的内容，不能再“{t.label or self.action_label(action)}”，"
                    "请由其他审核人员处理")
            # Every unmet condition at once, so that one attempt shows all that is left to do.
            seen = Preview(record, values) if values else record
            refusals = [why for condition in t.conditions
                        if (why := condition(session, seen, user)) is not None]
            if refusals:
                raise ValidationError("；".join(dict.fromkeys(refusals)))
        return t

    def can(self, action: str, record: Any, user: CurrentUser) -> bool:
        return self.refusal(action, record, user) is None

    def available_actions(self, record: Any, user: CurrentUser,
                          session: Session | None = None) -> list[str]:
        """Actions to offer as buttons (with a session, also hides what segregation refuses)."""
        allowed = []
        for t in self.transitions:
            if t.source != record.status or t.is_hidden or not self.can(t.action, record, user):
                continue
            if session is not None and t.segregated and edited_since_approval(
                    session, self, record, user.id):
                continue
            allowed.append(t.action)
        return allowed

    def may_edit(self, user: CurrentUser) -> bool:
        """Whether the user is of a kind that enters records of this module."""
        return any(t.action in EDIT_ACTIONS and t.actor.admits(user) for t in self.transitions)

    def may_review(self, user: CurrentUser) -> bool:
        """Whether the user is of a kind that takes a reviewing step in this module."""
        return any(t.action not in OWNER_ACTIONS and not t.is_hidden and t.actor.admits(user)
                   for t in self.transitions)

    def waiting_for(self, session: Session, record: Any) -> str:
        """Who takes the next reviewing step on the record (e.g. 万州区审核员, 市发展改革委)."""
        names = []
        for t in self.transitions:
            if t.source != record.status or t.action in OWNER_ACTIONS or t.is_hidden:
                continue
            if t.actor.scope is Scope.SUPERVISING_DEPT:
                org = session.get(Org, getattr(record, self.dept_field))
            elif t.actor.scope is Scope.OWN_DISTRICT:
                org = session.get(Org, record.org_id)
            else:
                org = session.execute(select(Org).where(Org.kind == OrgKind.REFORM_OFFICE)
                                      ).scalars().first()
            roles = "、".join(ROLE_LABELS[Role(r)] for r in sorted(t.actor.roles))
            name = f"{org.name if org else ''}{roles}"
            if name not in names:
                names.append(name)
        return "、".join(names)

    def coverage(self, user: CurrentUser) -> str | None:
        """Whose records this module's lists cover for the user: OWN_UNIT for the kind of org
        that enters them, SUPERVISED for a department acting on records that name it,
        EVERY_UNIT for 市委改革办 (which oversees every module), None for no one's."""
        if user.org_kind == OrgKind.REFORM_OFFICE:
            return EVERY_UNIT
        scopes = {t.actor.scope for t in self.transitions
                  if SCOPE_ORG_KIND.get(t.actor.scope) == user.org_kind}
        if Scope.OWN_DISTRICT in scopes:
            return OWN_UNIT
        if Scope.SUPERVISING_DEPT in scopes:
            return SUPERVISED
        return None

    def takes(self, action: str, user: CurrentUser) -> bool:
        """Whether the user is of a kind that takes `action` in this flow (e.g. 确认分发)."""
        return any(str(t.action) == str(action) and t.actor.admits(user)
                   for t in self.transitions)

    def may_open(self, page: PageSpec, user: CurrentUser) -> bool:
        if callable(page.audience):
            return page.audience(user)
        return {"edit": self.may_edit, "review": self.may_review,
                "all": lambda _u: True}[page.audience](user)

    def page_for(self, audience: str) -> PageSpec | None:
        return next((p for p in self.pages if p.audience == audience), None)

    def readable_filter(self, user: CurrentUser):
        """WHERE clause: the records this user may read."""
        if self.readable is not None:
            return self.readable(user)
        clauses = [self.model.org_id == user.org_id] if user.org_kind == OrgKind.DISTRICT else []
        clauses += [and_(self.model.status == t.source,
                         t.actor.query_filter(self.model, user, self.dept_field))
                    for t in self.transitions
                    if t.action not in OWNER_ACTIONS and not t.is_hidden]
        return or_(*clauses) if clauses else false()

    def actionable_filter(self, user: CurrentUser, *, exclude=(Action.SAVE, Action.WITHDRAW,
                                                            Action.CANCEL)):
        """WHERE clauses: records in a state where `user` has work to do."""
        return [
            and_(self.model.status == t.source,
                 t.actor.query_filter(self.model, user, self.dept_field))
            for t in self.transitions
            if t.action not in exclude and not t.is_hidden and t.corrects is None
            and t.actor.admits(user)
        ]

    def review_queue(self, session: Session, actor: CurrentUser) -> list:
        """Records waiting for `actor` to take a reviewing step, oldest first."""
        require_active(session, actor)
        clauses = self.actionable_filter(actor, exclude=tuple(OWNER_ACTIONS))
        if not clauses:
            return []
        return list(session.execute(select(self.model).where(or_(*clauses))
                                    .order_by(self.model.updated_at)).scalars())

    # --- taking a step -----------------------------------------------------------------------

    def apply(self, session: Session, **kwargs: Any) -> Any:
        """Take `action` on the record, or raise and leave it unchanged.

        Keyword arguments: record_id, action, actor, version, and optionally comment,
        `values` (field edits made with the action, recorded old→new in the audit event) and
        `extra_changes` (other audited changes, e.g. 涉及区县). It is one action: called on its
        own it commits; inside a service's action it joins that action's transaction.
        """
        kwargs.pop("commit", None)  # callers written before actions owned their transaction
        return _apply_action(session, flow=self, **kwargs)

    def apply_system(self, session: Session, *, record_id: int, action: str,
                     comment: str = "") -> Any | None:
        """A clock-driven step (deadline, automatic removal), taken once: a record no longer in
        the step's source state is left alone, so running it twice changes nothing."""
        record = session.get(self.model, record_id, populate_existing=True)
        t = self.transition(record.status, action) if record is not None else None
        if t is None or not t.is_system:
            return None
        return self._apply(session, record_id=record_id, action=action, actor=SYSTEM_USER,
                           version=record.version, comment=comment)

    def _apply(
        self,
        session: Session,
        *,
        record_id: int,
        action: str,
        actor: CurrentUser,
        version: int,
        comment: str = "",
        values: dict[str, Any] | None = None,
        extra_changes: dict[str, list] | None = None,
    ) -> Any:
        if actor is not SYSTEM_USER:
            require_active(session, actor)
        self.refuse_engine_columns(values)
        record = session.get(self.model, record_id)
        if record is None:
            raise ValidationError("记录不存在或已被删除，请刷新后重试")
        t = self.check(action, record, actor, version, session=session, values=values)
        comment = (comment or "").strip()
        if t.needs_reason and visible_length(comment) < MIN_REASON_LENGTH:
            raise ValidationError(f"请填写{t.label or self.action_label(action)}原因"
                                  f"（不少于{MIN_REASON_LENGTH}个字）")
        check_text("意见", comment, AuditEvent.__table__.c.comment.type.length)

        changes = diff(record, values or {})
        now = utcnow()
        edited = bool(changes or extra_changes)
        new_values: dict[str, Any] = {"status": t.target, "version": version + 1,
                                       "updated_at": now}
        if changes:
            new_values.update({k: (values or {})[k] for k in changes})
        if (edited or t.action in EDIT_ACTIONS) and actor is not SYSTEM_USER:
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

        role = SYSTEM_ROLE if actor is SYSTEM_USER else sorted(actor.roles & t.actor.roles)[0]
        session.add(AuditEvent(
            record_type=self.module, record_id=record.id, org_id=record.org_id,
            actor_id=None if actor is SYSTEM_USER else actor.id,
            actor_org_id=None if actor is SYSTEM_USER else actor.org_id, actor_role=role,
            action=str(t.action), from_status=t.source, to_status=t.target, comment=comment,
            changes=json.dumps({**changes, **(extra_changes or {})}, ensure_ascii=False),
            created_at=now,
        ))
        if t.source != t.target:  # earlier messages about the record are now handled
            notifications.settle(session, record_type=self.module, record_id=record.id)
        for effect in t.on_enter:
            effect(session, record, actor)
        if t.source != t.target:
            self._notify(session, record, t, actor, comment)
        return record

    def editor_ids(self, session: Session, record: Any) -> set[int]:
        """The record's creator and whoever may enter it (its district's clerks), if enabled."""
        creator = getattr(record, "created_by", None)
        ids = set(notifications.active_user_ids(session, roles=None, user_ids=[creator])
                  if creator else [])
        for actor in {t.actor for t in self.transitions if t.action in EDIT_ACTIONS}:
            ids.update(actor.candidate_user_ids(session, record, self.dept_field))
        return ids

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
        if t.is_system:  # the clock changed the district's record: tell its clerks
            recipients.update(notifications.active_user_ids(
                session, roles=[Role.CLERK], org_ids=[record.org_id]))
        if t.target in self.final_states and t.action not in OWNER_ACTIONS:
            recipients.update(self.editor_ids(session, record))  # told it is finally through
        if self.extra_recipients is not None:
            recipients.update(self.extra_recipients(session, record, t.target))
        recipients.discard(actor.id)
        label = t.label or self.action_label(t.action)
        who = actor.name if actor is SYSTEM_USER else f"{actor.org_name} {actor.name}"
        if t.needs_reason:
            title = f"【{self.label}】“{title_value}”被{label}，请修改后重新上报"
            body = f"{label}原因：{comment}（{who}）"
        else:
            title = f"【{self.label}】“{title_value}”{label}，当前状态：{t.target}"
            body = f"{who} 执行了“{label}”。" + (f"意见：{comment}" if comment else "")
        notifications.send(session, user_ids=recipients, title=title, body=body,
                           record_type=self.module, record_id=record.id)


@transactional
def _apply_action(session: Session, *, flow: Flow, **kwargs: Any) -> Any:
    return flow._apply(session, **kwargs)


def edited_since_approval(session: Session, flow: Flow, record: Any, user_id: int) -> bool:
    """Whether the user wrote any of the record's content since it last reached a final state:
    created, saved or submitted it, or changed its fields while it was being edited. (A reviewing
    stage's own corrections, such as the department's at 确认分发, do not bar that stage.)"""
    baseline = session.execute(
        select(func.max(AuditEvent.id)).where(
            AuditEvent.record_type == flow.module, AuditEvent.record_id == record.id,
            AuditEvent.to_status.in_(sorted(flow.final_states)),
            AuditEvent.from_status != AuditEvent.to_status)
    ).scalar_one() or 0
    wrote = or_(AuditEvent.action.in_(["create", Action.SAVE.value, Action.SUBMIT.value]),
                and_(AuditEvent.from_status.in_([DRAFT, RETURNED]),
                     AuditEvent.changes != "{}", AuditEvent.changes != ""))
    return session.execute(
        select(AuditEvent.id).where(
            AuditEvent.record_type == flow.module, AuditEvent.record_id == record.id,
            AuditEvent.actor_id == user_id, AuditEvent.id > baseline, wrote).limit(1)
    ).first() is not None


def history(session: Session, *, record_type: str, record_id: int) -> list[dict]:
    """The record's 审核记录, oldest first, with actor and org names."""
    rows = session.execute(
        select(AuditEvent, User.name, Org.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Org, Org.id == AuditEvent.actor_org_id)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id)
        .order_by(AuditEvent.id)
    ).all()
    return [
        {"time": ev.created_at, "actor": name or SYSTEM_USER.name, "org": org or SYSTEM_USER.org_name,
         "role": ev.actor_role,
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


def corrections(session: Session, *, module: str | None = None, start: datetime | None = None,
                end: datetime | None = None) -> list[tuple[int, str, str, int]]:
    """(district, module, stage, count) of corrections such as 撤销通过, each counted at the stage
    whose decision it reverses and by the time the record last arrived there, when that lies
    in [start, end)."""
    from services import registry  # the registry imports this module

    fix, arrival = aliased(AuditEvent), aliased(AuditEvent)
    found = []
    for flow in registry.flows():
        if module and flow.module != module:
            continue
        for t in flow.transitions:
            if not (t.corrects and t.action == Action.REJECT):
                continue
            reversed_arrival = select(func.max(arrival.id)).where(
                arrival.record_type == flow.module, arrival.record_id == fix.record_id,
                arrival.to_status == t.corrects, arrival.id < fix.id).scalar_subquery()
            query = (select(fix.org_id, func.count()).select_from(fix)
                     .join(AuditEvent, AuditEvent.id == reversed_arrival)
                     .where(fix.record_type == flow.module, fix.action == Action.REJECT.value,
                            fix.from_status == t.source)
                     .group_by(fix.org_id))
            if start:
                query = query.where(AuditEvent.created_at >= start)
            if end:
                query = query.where(AuditEvent.created_at < end)
            found += [(org, flow.module, t.corrects, n)
                      for org, n in session.execute(query).all()]
    return found


def rejection_rates(session: Session, *, module: str | None = None,
                    start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """驳回率 per district, module and review stage: rejections ÷ arrivals at that stage.

    Only the flow's review stages count as 环节: an approval into an end state (已通过, 已确认)
    is not an arrival anywhere a rejection could happen. A correction (e.g. 撤销通过) counts as
    a rejection at the stage whose decision it reverses, in the period of that decision's
    arrival (`corrections`), so no period counts more rejections than arrivals."""
    from services import registry  # the registry imports this module

    stages = {flow.module: set(flow.review_stages) for flow in registry.flows()}
    corrected = {(flow.module, t.source) for flow in registry.flows()
                 for t in flow.transitions if t.corrects and t.action == Action.REJECT}

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
    rejections: dict[tuple, int] = {}
    for org, mod, source, n in session.execute(scoped(
            select(AuditEvent.org_id, AuditEvent.record_type, AuditEvent.from_status, func.count())
            .where(AuditEvent.action == Action.REJECT.value)
            .group_by(AuditEvent.org_id, AuditEvent.record_type, AuditEvent.from_status))).all():
        if (mod, source) not in corrected:  # counted below, where the decision was made
            rejections[(org, mod, source)] = rejections.get((org, mod, source), 0) + n
    for org, mod, stage, n in corrections(session, module=module, start=start, end=end):
        rejections[(org, mod, stage)] = rejections.get((org, mod, stage), 0) + n
    return [
        {"org_id": org, "module": mod, "stage": stage, "submissions": n,
         "rejections": rejections.get((org, mod, stage), 0),
         "rate": rejections.get((org, mod, stage), 0) / n if n else 0.0}
        for org, mod, stage, n in arrivals if stage in stages.get(mod, {stage})
    ]
