"""区县推进数字重庆建设情况: the district's form, submitted as one (SPEC §5).

The clerk edits the four tables (`rows`), then 保存并上报 sends what changed since the last
approved state; the district's reviewer sees each changed row old → new with its files and
通过 / 驳回 the whole. 通过 puts the changes in force and forwards each 一件事 with a new chart to
市委改革办's 核准. While the form waits, the clerk may 撤回 it.
"""
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models import Attachment, DigitalForm, DigitalItem, Role, utcnow
from services import files, records
from services.digital import deadlines, display
from services.digital.common import (
    APPROVAL_STEP, CLERK, DELETE, DELETED, DISTRICT_REVIEWER, FORM_HEADING, FORWARD, IN_FORCE,
    SECTION, RowKind, from_json, latest_files, pending_of,
)
from services.digital.items import (
    CATALOG, DEEPEN, DUPLICATE, IMPROVE_NEW, INCLUDED, ITEM, ITEM_FLOW, NEW_CHART, ORIGINAL_CHART,
    REMOVED, STOPPED, WAITING, domain_name,
)
from services.digital.plans import PASSED, PLAN, linked_item_ids
from services.digital.rows import (
    KINDS, ORDER, dependents, open_form, pending_file_ids, require_clerk, stored_values, title_of,
    values_of,
)
from services.digital.apps import APP
from services.errors import PermissionDenied
from services.identity import CurrentUser, require_active
from services.registry import register
from services.review import DRAFT, RETURNED, Action, Flow, PageSpec, Transition

MODULE = "digital_form"
DISTRICT_REVIEW = "待区县审核"
APPROVED = "已通过"


# --- conditions of 保存并上报 ----------------------------------------------------------------------

def rows_in(session: Session, form_id: int) -> list[tuple[RowKind, Any]]:
    """The rows the form changes, table by table."""
    found = []
    for kind in ORDER:
        found += [(kind, row) for row in session.execute(
            select(kind.model).where(kind.model.form_id == form_id,
                                     kind.model.status != DELETED)
            .order_by(kind.model.id)).scalars()]
    return found


def has_changes(session: Session, form: DigitalForm, _user) -> str | None:
    return None if rows_in(session, form.id) else "本次填报没有新增或修改的内容，无需上报"


def missing(session: Session, kind: RowKind, row: Any) -> list[str]:
    """What a row still lacks before 保存并上报: fields, files for its state, valid links."""
    values = values_of(session, kind, row)
    lacks = [kind.labels[name] for name in kind.required if values.get(name) in (None, "", [])]
    if kind is PLAN and values.get("stage") == PASSED and values.get("passed_on") is None:
        lacks.append("查重通过日期")
    have = set(latest_files(session, record_type=kind.key, record_id=row.id))
    if kind is ITEM:
        needed = [ORIGINAL_CHART] if row.status == DRAFT else []
    else:
        needed = kind.needed_files(values)
    expected = pending_of(row).get("expected_files") or {}  # names the survey announced
    lacks += [f"附件“{purpose}”" + (f"（待上传：{expected[purpose]}）" if expected.get(purpose)
                                    else "")
              for purpose in needed if purpose not in have]
    if kind is ITEM and row.status == DEEPEN and ORIGINAL_CHART not in _new_purposes(session, row):
        pass  # edits without a new chart go in force without a new 核准
    lacks += _broken_links(session, kind, row, values)
    if kind is ITEM and row.status in (DUPLICATE, REMOVED) and (
            set(pending_of(row)) - {"intro", "files", "expected_files"}):
        lacks.append(f"（已{row.status}，只能删除或补充简介）")
    return lacks


def _broken_links(session: Session, kind: RowKind, row: Any, values: dict) -> list[str]:
    problems = []
    if kind is PLAN:
        kept = set(linked_item_ids(session, row.id)) if row.status != DRAFT else set()
        for item_id in values.get("item_ids") or []:
            item = session.get(DigitalItem, item_id)
            if item is None or item.org_id != row.org_id or item.status == DELETED:
                problems.append("关联的一件事已删除")
            elif item.status in STOPPED and item_id not in kept:
                problems.append(f"关联的一件事“{item.name}”{item.status}")
    for key, model, what in (("plan_id", PLAN.model, "关联三张清单"),
                             ("app_id", APP.model, "关联特色应用")):
        if key in values and values[key] is not None:
            parent = session.get(model, values[key])
            if parent is None or parent.org_id != row.org_id or parent.status == DELETED:
                problems.append(f"{what}已删除")
    return problems


def _new_purposes(session: Session, row: Any) -> set[str]:
    ids = pending_file_ids(row)
    if not ids:
        return set()
    return set(session.execute(select(Attachment.purpose).where(Attachment.id.in_(ids)))
               .scalars())


def rows_complete(session: Session, form: DigitalForm, _user) -> str | None:
    problems = []
    for kind, row in rows_in(session, form.id):
        if row.pending_removal:
            if children := dependents(session, kind, row):
                problems.append(f"{kind.label}“{title_of(session, kind, row)}”仍被关联："
                                + "、".join(children))
            continue
        if lacks := missing(session, kind, row):
            problems.append(f"{kind.label}“{title_of(session, kind, row)}”缺少："
                            + "、".join(lacks))
    return "；".join(problems) if problems else None


# --- effects ---------------------------------------------------------------------------------------

def _new_chart_items(session: Session, form: DigitalForm) -> list[DigitalItem]:
    return [row for kind, row in rows_in(session, form.id)
            if kind is ITEM and row.status in (INCLUDED, IMPROVE_NEW)
            and NEW_CHART in _new_purposes(session, row)]


def _stamp_submitted(session: Session, form: DigitalForm, _user) -> None:
    """The month to upload the 新一图两清单 is met by 保存并上报 (not by the later approval)."""
    now = utcnow()
    form.submitted_at = now
    session.add(form)
    for item in _new_chart_items(session, form):
        if item.new_chart_submitted_at is None:
            item.new_chart_submitted_at = now
            session.add(item)


def _unstamp_submitted(session: Session, form: DigitalForm, _user) -> None:
    """撤回 takes the 上报 back: a deadline it met is open again."""
    for item in _new_chart_items(session, form):
        if item.status == INCLUDED and item.new_chart_submitted_at is not None:
            item.new_chart_submitted_at = None
            session.add(item)


def put_in_force(session: Session, form: DigitalForm, reviewer: CurrentUser) -> None:
    """通过: every change of the form goes in force; new items and re-uploaded charts go to
    核准; rows marked for removal leave the tables."""
    for kind, row in rows_in(session, form.id):
        if row.pending_removal:
            kind.flow.apply(session, record_id=row.id, action=DELETE, actor=reviewer,
                            version=row.version)
        elif row.status == DRAFT:
            kind.flow.apply(session, record_id=row.id, action=FORWARD, actor=reviewer,
                            version=row.version)
            row.approved_at = utcnow()
        else:
            _apply_pending(session, kind, row, reviewer)
        row.pending, row.pending_removal, row.form_id = "", False, None
        session.add(row)
    form.approved_at = utcnow()
    session.add(form)


def _apply_pending(session: Session, kind: RowKind, row: Any, reviewer: CurrentUser) -> None:
    pending = pending_of(row)
    chart = _new_purposes(session, row)
    before = stored_values(session, kind, row)
    changed = {}
    for name, value in pending.items():
        if name in ("files", "expected_files"):
            continue
        if name in kind.link_keys:
            from services.digital.rows import _replace_links
            _replace_links(session, row.id, value)
        else:
            setattr(row, name, from_json(kind.model, name, value))
        changed[kind.labels.get(name, name)] = [before.get(name), value]
    session.add(row)
    session.flush()
    if changed:
        kind.flow.record_event(session, row, reviewer, role=Role.REVIEWER, action="update",
                               changes={k: [v[0].isoformat() if isinstance(v[0], date) else v[0],
                                            v[1]] for k, v in changed.items()})
    if kind is ITEM and ((row.status == DEEPEN and ORIGINAL_CHART in chart)
                         or (row.status in (INCLUDED, IMPROVE_NEW) and NEW_CHART in chart)):
        ITEM_FLOW.apply(session, record_id=row.id, action=FORWARD, actor=reviewer,
                        version=row.version)


# --- the flow --------------------------------------------------------------------------------------

def _printed_rows(session: Session, form: DigitalForm) -> list[dict]:
    """打印: what the form changes (while open) — each row, what happens to it, and its fields."""
    return [{"表": kind.label, "名称": title_of(session, kind, row),
             "变更": ("删除" if row.pending_removal else "新增" if row.status == DRAFT else "修改"),
             "内容": "；".join(f"{label}：{text}" for label, text in
                              row_view(session, kind, row).shown.items() if text)}
            for kind, row in rows_in(session, form.id)] or [{"表": "（本次填报的修改已生效）"}]


def _readable(user: CurrentUser):
    """A district reads its own forms; 市委改革办 those submitted or approved (never one the
    district is still editing)."""
    if user.is_district:
        return DigitalForm.org_id == user.org_id
    if user.is_reform_office:
        return DigitalForm.status.in_([DISTRICT_REVIEW, APPROVED])
    return DigitalForm.id < 0



FORM_FLOW = register(Flow(
    module=MODULE,
    label="区县推进情况",
    model=DigitalForm,
    title_field="title",
    labels={"number": "填报次数", "submitted_at": "上报时间", "approved_at": "通过时间",
            "rows": "本次填报的内容"},
    hidden=frozenset({"id", "org_id", "status", "version", "created_by", "created_at",
                      "updated_by", "updated_at"}),
    section=SECTION,
    pages=(PageSpec("pages/digital_update.py", "区县推进情况更新", "edit"),
           PageSpec("pages/digital_review.py", "区县推进情况审核", "review"),
           PageSpec("pages/digital_catalog.py", "名录库", "all"),
           PageSpec("pages/digital_domains.py", "重点领域管理", lambda u: u.has(Role.ADMIN),
                    section="系统管理")),
    open_key="open_digital_form",
    readable=_readable,
    print_fields=("number", "submitted_at", "approved_at", "rows"),
    print_extra=lambda session, form: {"rows": _printed_rows(session, form)},
    workbench=lambda session, user: deadlines.todos(session, user),
    transitions=[
        *[t for state in (DRAFT, RETURNED) for t in (
            Transition(state, Action.SAVE, state, CLERK),
            Transition(state, Action.SUBMIT, DISTRICT_REVIEW, CLERK,
                       conditions=(has_changes, rows_complete), on_enter=(_stamp_submitted,)))],
        Transition(DISTRICT_REVIEW, Action.WITHDRAW, DRAFT, CLERK, on_enter=(_unstamp_submitted,)),
        Transition(DISTRICT_REVIEW, Action.APPROVE, APPROVED, DISTRICT_REVIEWER,
                   on_enter=(put_in_force,)),
        Transition(DISTRICT_REVIEW, Action.REJECT, RETURNED, DISTRICT_REVIEWER),
    ],
))
assert APPROVAL_STEP  # the row flows' forward steps follow this flow's 通过


# --- actions on the form ------------------------------------------------------------------------

def submit(session: Session, *, actor: CurrentUser, form_id: int, version: int) -> DigitalForm:
    """保存并上报 the open form (every row complete, else every gap named at once)."""
    require_clerk(session, actor)
    return records.act(session, flow=FORM_FLOW, actor=actor, record_id=form_id,
                       action=Action.SUBMIT, version=version)


def withdraw(session: Session, *, actor: CurrentUser, form_id: int, version: int) -> DigitalForm:
    return records.act(session, flow=FORM_FLOW, actor=actor, record_id=form_id,
                       action=Action.WITHDRAW, version=version)


def approve(session: Session, *, actor: CurrentUser, form_id: int, version: int) -> DigitalForm:
    return records.act(session, flow=FORM_FLOW, actor=actor, record_id=form_id,
                       action=Action.APPROVE, version=version)


def reject(session: Session, *, actor: CurrentUser, form_id: int, version: int,
           reason: str) -> DigitalForm:
    return records.act(session, flow=FORM_FLOW, actor=actor, record_id=form_id,
                       action=Action.REJECT, version=version, comment=reason)


def get(session: Session, *, actor: CurrentUser, form_id: int) -> DigitalForm:
    return records.get(session, flow=FORM_FLOW, actor=actor, record_id=form_id)


def current(session: Session, *, actor: CurrentUser) -> DigitalForm | None:
    """The district's open form (草稿, 退回修改 or 待区县审核), if any."""
    require_active(session, actor)
    if not actor.is_district:
        raise PermissionDenied("只有区县可以查看本区县的数字重庆建设填报")
    return open_form(session, actor.org_id)


def review_queue(session: Session, *, actor: CurrentUser) -> list[DigitalForm]:
    return FORM_FLOW.review_queue(session, actor)


def shortcomings(session: Session, *, actor: CurrentUser, form_id: int) -> list[str]:
    """What the open form still lacks before 保存并上报 (shown as the clerk works)."""
    form = get(session, actor=actor, form_id=form_id)
    return [why for condition in (has_changes, rows_complete)
            if (why := condition(session, form, actor)) is not None]


# --- what the district's tables and the reviewer see -----------------------------------------------

@dataclass
class FileView:
    id: int
    purpose: str
    name: str
    new: bool            # added in the open form


@dataclass
class RowView:
    kind: str
    id: int
    version: int
    title: str
    values: dict             # as the form shows it (pending change over what is in force)
    shown: dict              # label → text, in the manual's order
    status: str              # the row's state (一件事: its 核准情况)
    change: str              # 新增 / 修改 / 删除 / "" (none pending)
    displayed: bool
    verdict: str = ""        # 核准意见 (一件事)
    deadline: str = ""       # days left / overdue (一件事)
    files: list[FileView] = field(default_factory=list)
    diff: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)
    # Files the first full survey announced and not uploaded yet ({purpose: names}).
    expected: dict[str, str] = field(default_factory=dict)


def _text(session: Session, kind: RowKind, name: str, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if name == "domain_id":
        return domain_name(session, value)
    if name == "item_ids":
        names = dict(session.execute(select(DigitalItem.id, DigitalItem.name)
                                     .where(DigitalItem.id.in_(value))).all())
        return "、".join(names.get(i, f"#{i}") for i in value)
    if name == "plan_id":
        plan = session.get(PLAN.model, value)
        return plan.name if plan else ""
    if name == "app_id":
        app = session.get(APP.model, value)
        return app.name if app else ""
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def row_view(session: Session, kind: RowKind, row: Any, *, in_force: bool = False) -> RowView:
    """A row as the form shows it, or (`in_force`) as approved, without its pending change or
    the files added with it (what a reader outside the district sees)."""
    stored = stored_values(session, kind, row) if row.status != DRAFT else {}
    values = stored if in_force else values_of(session, kind, row)
    new_ids = set(pending_file_ids(row))
    atts = [a for a in files.attachments_of(session, record_type=kind.key, record_id=row.id)
            if not (in_force and a.id in new_ids)]
    change = ("" if in_force else "删除" if row.pending_removal else "新增" if row.status == DRAFT
              else "修改" if row.pending else "")
    diff = []
    for name, label in kind.fields:
        old = _text(session, kind, name, stored.get(name)) if row.status != DRAFT else ""
        new = _text(session, kind, name, values.get(name))
        if change and old != new:
            diff.append((label, old, new))
    view = RowView(kind=kind.key, id=row.id, version=row.version,
                   title=title_of(session, kind, row, values),
                   values=values,
                   shown={label: _text(session, kind, name, values.get(name))
                          for name, label in kind.fields},
                   status=row.status, change=change,
                   displayed=display.is_displayed(session, kind.model, row.id),
                   files=[FileView(a.id, a.purpose, a.original_name, a.id in new_ids)
                          for a in atts],
                   diff=diff,
                   expected={purpose: names for purpose, names
                             in (pending_of(row).get("expected_files") or {}).items()
                             if purpose not in {a.purpose for a in atts}})
    if kind is ITEM:
        view.verdict = row.verdict_comment or ""
        if row.status == DUPLICATE:
            from services.digital.verdicts import duplicate_target
            if target := duplicate_target(session, row):
                view.verdict = f"重复的已有事项：{target}" + (f"；{view.verdict}" if view.verdict
                                                          else "")
        view.deadline = deadlines.deadline_text(row)
    return view


def tables(session: Session, *, actor: CurrentUser, org_id: int | None = None
           ) -> dict[str, list[RowView]]:
    """The district's four tables as its form shows them (rows not deleted), table by table.
    A district reads its own; 市委改革办 any district's rows in force."""
    require_active(session, actor)
    deadlines.tick(session)
    if actor.is_district:
        org_id = actor.org_id
    elif not actor.is_reform_office:
        raise PermissionDenied("只有区县和市委改革办可以查看区县推进数字重庆建设情况")
    elif not records.is_id(org_id):  # a filter naming no district finds nothing
        return {kind.key: [] for kind in ORDER}
    out: dict[str, list[RowView]] = {}
    for kind in ORDER:
        query = select(kind.model).where(kind.model.org_id == org_id,
                                         kind.model.status != DELETED,
                                         kind.flow.readable_filter(actor))
        out[kind.key] = [row_view(session, kind, row, in_force=not actor.is_district)
                         for row in session.execute(query.order_by(kind.model.id)).scalars()]
    return out


def changes(session: Session, *, actor: CurrentUser, form_id: int) -> list[RowView]:
    """The rows a form changes, each old → new with its files (the reviewer's view)."""
    form = get(session, actor=actor, form_id=form_id)
    return [row_view(session, kind, row) for kind, row in rows_in(session, form.id)]


def attachment(session: Session, *, actor: CurrentUser, attachment_id: int) -> Attachment:
    """A file of a row the user may read (download)."""
    require_active(session, actor)
    refusal = PermissionDenied("该附件不存在或您无权查看")
    att = session.get(Attachment, attachment_id) if records.is_id(attachment_id) else None
    kind = KINDS.get(att.record_type) if att is not None else None
    if kind is None:
        raise refusal
    try:
        row = records.get(session, flow=kind.flow, actor=actor, record_id=att.record_id)
    except PermissionDenied:
        raise refusal from None
    if row.org_id != actor.org_id and att.id in pending_file_ids(row):
        raise refusal  # added in the district's open form: not yet approved
    return att


__all__ = ["FORM_FLOW", "FORM_HEADING", "IN_FORCE", "CATALOG", "WAITING"]
