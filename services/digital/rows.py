"""Editing the four tables in the district's open form: add a row ("+"), change it, remove it,
undo a change, attach and remove files. Each edit is one action that moves the form's version
on, so two clerks editing at once: the second is told to refresh and nothing is lost.

A row never approved holds its draft in its columns; a change to a row in force waits in the
row's `pending` until the form is approved (`forms.put_in_force`).
"""
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models import (
    Attachment, DigitalApp, DigitalForm, DigitalItem, DigitalPlan, DigitalPlanItem, DigitalShare,
    Role, utcnow,
)
from services import files, limits, records
from services.db import transactional
from services.digital import display
from services.digital.apps import APP, SHARE
from services.digital.common import DELETED, DISCARD, IN_FORCE, RowKind, jsonable, pending_of
from services.digital.items import (
    DEEPEN, IMPROVE_NEW, INCLUDED, ITEM, NEW_CHART, ORIGINAL_CHART, STOPPED, WAITING,
)
from services.digital.plans import PASSED, PLAN, linked_item_ids
from services.errors import CONFLICT_MESSAGE, Conflict, PermissionDenied, ValidationError
from services.identity import CurrentUser, require_active
from services.records import Upload
from services.review import DRAFT, RETURNED, Action

KINDS: dict[str, RowKind] = {k.key: k for k in (ITEM, PLAN, APP, SHARE)}
ORDER = [ITEM, PLAN, APP, SHARE]
OPEN = (DRAFT, RETURNED, "待区县审核")
EDITABLE = (DRAFT, RETURNED)
# Which chart an item may take in each 核准情况 (the other is refused: it would go nowhere).
CHARTS_ACCEPTED = {DRAFT: {ORIGINAL_CHART, NEW_CHART}, DEEPEN: {ORIGINAL_CHART},
                   INCLUDED: {NEW_CHART}, IMPROVE_NEW: {NEW_CHART}}


def kind_of(key: str) -> RowKind:
    if key not in KINDS:
        raise ValidationError("未知的填报表")
    return KINDS[key]


def require_clerk(session: Session, actor: CurrentUser) -> None:
    require_active(session, actor)
    if not (actor.is_district and actor.has(Role.CLERK)):
        raise PermissionDenied("只有区县录入员可以更新区县推进数字重庆建设情况")


def open_form(session: Session, org_id: int) -> DigitalForm | None:
    return session.execute(select(DigitalForm).where(DigitalForm.org_id == org_id,
                                                     DigitalForm.status.in_(OPEN))
                           ).scalars().first()


def editable_form(session: Session, actor: CurrentUser, form_version: int) -> DigitalForm:
    """The district's open form at the version the clerk loaded (0: none was open), started
    when there is none. Refused while it waits for the district's review."""
    from services.digital.forms import FORM_FLOW

    form = open_form(session, actor.org_id)
    if form is None:
        if form_version:
            raise Conflict(CONFLICT_MESSAGE)  # the form the clerk had was decided meanwhile
        number = (session.execute(select(func.max(DigitalForm.number))
                                  .where(DigitalForm.org_id == actor.org_id)).scalar() or 0) + 1
        form = DigitalForm(org_id=actor.org_id, status=DRAFT, number=number,
                           created_by=actor.id, updated_by=actor.id)
        session.add(form)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            raise Conflict(CONFLICT_MESSAGE) from None  # another clerk started it at once
        FORM_FLOW.record_event(session, form, actor, role=Role.CLERK, action="create")
        return form
    if form.status not in EDITABLE:
        raise ValidationError("本次填报已上报，正在等待区县审核；如需修改，请先撤回")
    if form.version != form_version:
        raise Conflict(CONFLICT_MESSAGE)
    return form


def own_row(session: Session, kind: RowKind, actor: CurrentUser, row_id: Any) -> Any:
    """A row of the actor's district (the same refusal whether or not another's exists)."""
    row = session.get(kind.model, row_id) if records.is_id(row_id) else None
    if row is None or row.org_id != actor.org_id:
        raise PermissionDenied(f"该{kind.label}不存在或您无权查看")
    if row.status == DELETED:
        raise ValidationError(f"该{kind.label}已删除，请刷新后重试")
    return row


# --- what a row holds --------------------------------------------------------------------------

def stored_values(session: Session, kind: RowKind, row: Any) -> dict:
    """The row as in force (a draft row: its draft)."""
    values = {name: getattr(row, name) for name, _ in kind.fields if name not in kind.link_keys}
    if kind is PLAN:
        values["item_ids"] = linked_item_ids(session, row.id)
    return values


def values_of(session: Session, kind: RowKind, row: Any) -> dict:
    """The row as the clerk sees it in the form: in force, overlaid by its pending change."""
    from services.digital.common import from_json

    values = stored_values(session, kind, row)
    for name, value in pending_of(row).items():
        if name in values:
            values[name] = value if name in kind.link_keys else from_json(kind.model, name, value)
    return values


def pending_file_ids(row: Any) -> list[int]:
    return list(pending_of(row).get("files", []))


def _set_pending(row: Any, pending: dict) -> None:
    row.pending = json.dumps(pending, ensure_ascii=False) if pending else ""


def title_of(session: Session, kind: RowKind, row: Any, values: dict | None = None) -> str:
    values = values if values is not None else values_of(session, kind, row)
    if kind is SHARE:
        app = session.get(DigitalApp, values.get("app_id")) if values.get("app_id") else None
        return f"{app.name}（共享）" if app else "（未选择特色应用的共享）"
    return values.get(kind.title_field) or f"（未命名{kind.label}）"


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return value


def _clean(kind: RowKind, values: dict) -> dict:
    """Only the table's fields, strings trimmed (a cleared text is empty text), dates and
    numbers of their own type; engine columns and other names refused."""
    values = {name: _text(value) for name, value in (values or {}).items()}
    columns = {n: v for n, v in values.items() if n not in kind.link_keys}
    allowed = {name for name, _ in kind.fields}
    kind.flow.refuse_engine_columns(columns)
    if unknown := sorted(set(values) - allowed):
        names = "、".join(kind.flow.labels.get(n, n) for n in unknown)
        raise ValidationError(f"{kind.label}的填报表中没有这些字段：{names}，未保存")
    table = kind.model.__table__.columns
    for name, value in columns.items():
        affinity, label = table[name].type._type_affinity, kind.labels.get(name, name)
        if issubclass(affinity, sa.String):
            if value is None:
                values[name] = ""  # a cleared text is empty text
            elif not isinstance(value, str):
                raise ValidationError(f"“{label}”须为文字")
        elif value is None:
            continue
        elif issubclass(affinity, sa.Date) and (not isinstance(value, date)
                                                or isinstance(value, datetime)):
            raise ValidationError(f"“{label}”须为日期（年-月-日）")
        elif name.endswith("_id") and not records.is_id(value):
            raise ValidationError(f"“{label}”格式不正确")
        # (counts are checked by the table's own rule, with their range)
    if kind is PLAN and "item_ids" in values:
        ids = values["item_ids"] or []
        if not isinstance(ids, (list, tuple)) or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ValidationError("“关联一件事”格式不正确")
        values["item_ids"] = sorted(set(ids))
    kind.check_lengths(columns)
    return values


# --- dependents: who relies on a row ------------------------------------------------------------

def dependents(session: Session, kind: RowKind, row: Any, *, displayed_only: bool = False
               ) -> list[str]:
    """Rows of the tables that link to `row` (not deleted), as 表：名称 (for refusals)."""
    found: list[str] = []
    if kind is ITEM:
        query = (select(DigitalPlan)
                 .join(DigitalPlanItem, DigitalPlanItem.plan_id == DigitalPlan.id)
                 .where(DigitalPlanItem.item_id == row.id, DigitalPlan.status != DELETED))
        if displayed_only:
            query = query.where(display.displayed_plans())
        found += [f"应用“三张清单”：{p.name}" for p in session.execute(query).scalars()]
        # Draft plans hold their links in the link table too; pending links of plans in force:
        for plan in session.execute(select(DigitalPlan).where(
                DigitalPlan.org_id == row.org_id, DigitalPlan.pending != "",
                DigitalPlan.status != DELETED)).scalars():
            if row.id in (pending_of(plan).get("item_ids") or []) and not displayed_only:
                name = f"应用“三张清单”：{plan.name}"
                if name not in found:
                    found.append(name)
    elif kind is PLAN:
        query = select(DigitalApp).where(DigitalApp.plan_id == row.id, DigitalApp.status != DELETED)
        if displayed_only:
            query = query.where(display.displayed_apps())
        found += [f"开发上线特色应用：{a.name}" for a in session.execute(query).scalars()]
    elif kind is APP:
        query = select(DigitalShare).where(DigitalShare.app_id == row.id,
                                           DigitalShare.status != DELETED)
        if displayed_only:
            query = query.where(display.displayed_shares())
        found += [f"一地创新、全市共享：{row.name}" for _ in session.execute(query).scalars()]
    if not displayed_only:  # pending links of rows in force (apps, shares)
        child = {PLAN.key: (DigitalApp, "plan_id", APP),
                 APP.key: (DigitalShare, "app_id", SHARE)}.get(kind.key)
        if child is not None:
            model, column, child_kind = child
            for other in session.execute(select(model).where(
                    model.org_id == row.org_id, model.pending != "",
                    model.status != DELETED)).scalars():
                if pending_of(other).get(column) == row.id:
                    name = f"{child_kind.label}：{title_of(session, child_kind, other)}"
                    if name not in found:
                        found.append(name)
    return found


def _refuse_demotion(session: Session, kind: RowKind, row: Any, values: dict) -> None:
    """A change that would stop displayed rows from being displayed is refused with them."""
    if row.status == DRAFT:
        return
    demoting = (
        (kind is PLAN and (values.get("stage", PASSED) != PASSED
                           or "passed_on" in values and values["passed_on"] != row.passed_on
                           or "item_ids" in values
                           and values["item_ids"] != linked_item_ids(session, row.id)))
        or (kind is APP and ("plan_id" in values and values["plan_id"] != row.plan_id
                             or "launched_on" in values
                             and values["launched_on"] != row.launched_on)))
    if demoting and (children := dependents(session, kind, row, displayed_only=True)):
        raise ValidationError(f"以下已晾晒的记录依赖“{title_of(session, kind, row)}”，不能这样修改："
                              + "；".join(children) + "。请先修改或删除它们")


# --- the actions --------------------------------------------------------------------------------

@dataclass
class Saved:
    row: Any
    form: DigitalForm
    notes: list[str] = field(default_factory=list)


def _check_uploads(kind: RowKind, row: Any | None, uploads: list[Upload]) -> None:
    for up in uploads:
        if up.purpose not in kind.purposes:
            raise ValidationError(f"未知的材料类别“{up.purpose}”")
        limits.check_text("文件名", up.filename, limits.FILENAME_LIMIT)
        if kind is ITEM:
            status = row.status if row is not None else DRAFT
            accepted = CHARTS_ACCEPTED.get(status, set())
            if up.purpose not in accepted:
                name = row.name if row is not None else ""
                raise ValidationError(f"“{name}”当前核准情况为“{status}”，不能上传“{up.purpose}”"
                                      if accepted or status not in WAITING else
                                      f"“{name}”正在等待市委改革办核准，不能上传附件")


def _audit_change(kind: RowKind, title: str, what: str, changes: dict) -> dict:
    """The form's audit entry for a row edit: 一件事“名称”: {field: [old, new]}."""
    label = f"{what}{kind.label}“{title}”"
    return {label: [None, {kind.labels.get(k, k): v for k, v in changes.items()}]
            if changes else [None, what]}


@transactional
def save_row(session: Session, *, actor: CurrentUser, kind: str, form_version: int,
             values: dict, row_id: int | None = None, uploads: Iterable[Upload] = ()) -> Saved:
    """保存 a row of the form (new when `row_id` is None), with its files."""
    from services.digital.forms import FORM_FLOW

    require_clerk(session, actor)
    k = kind_of(kind)
    values = _clean(k, values)
    uploads = list(uploads)
    form = editable_form(session, actor, form_version)
    row = own_row(session, k, actor, row_id) if row_id is not None else None
    if row is not None and row.pending_removal:
        raise ValidationError(f"“{title_of(session, k, row)}”已标记删除，请先撤销删除再修改")
    k.validate(session, actor, values, row)
    _check_uploads(k, row, uploads)
    columns = {n: v for n, v in values.items() if n not in k.link_keys}

    if row is None:
        if k is not SHARE and not values.get(k.title_field):
            raise ValidationError(f"请填写“{k.labels[k.title_field]}”后再保存")
        if k is SHARE and not values.get("app_id"):
            raise ValidationError("请选择“关联特色应用”后再保存")
        row = k.model(org_id=actor.org_id, status=DRAFT, created_by=actor.id,
                      updated_by=actor.id, form_id=form.id, **columns)
        session.add(row)
        session.flush()
        if k is PLAN:
            _replace_links(session, row.id, values.get("item_ids") or [])
        k.flow.record_event(session, row, actor, role=Role.CLERK, action="create",
                            changes={k.labels.get(n, n): [None, jsonable(v)]
                                     for n, v in values.items() if v not in (None, "", [])})
        changes = {n: v for n, v in values.items() if v not in (None, "", [])}
        what = "新增"
    else:
        _refuse_demotion(session, k, row, values)
        before = values_of(session, k, row)
        changes = {n: v for n, v in values.items() if before.get(n) != v}
        if row.status == DRAFT:
            for name, value in columns.items():
                setattr(row, name, value)
            if k is PLAN and "item_ids" in values:
                _replace_links(session, row.id, values["item_ids"])
        else:
            stored = stored_values(session, k, row)
            pending = pending_of(row)
            for name, value in values.items():
                if stored.get(name) == value:
                    pending.pop(name, None)
                else:
                    pending[name] = jsonable(value)
            _set_pending(row, pending)
        if changes:
            k.flow.record_event(session, row, actor, role=Role.CLERK, action=Action.SAVE.value,
                                changes={k.labels.get(n, n): [jsonable(before.get(n)),
                                                             jsonable(v)]
                                         for n, v in changes.items()})
        what = "修改"
    added = []
    for up in uploads:
        att = files.store(session, actor=actor, filename=up.filename, data=up.data,
                          allowed=k.purposes[up.purpose], record_type=k.key, record_id=row.id,
                          purpose=up.purpose)
        added.append(att.id)
    if added:
        pending = pending_of(row)
        pending["files"] = pending.get("files", []) + added
        _set_pending(row, pending)
        changes = {**changes, "附件": [f"{u.purpose}：{u.filename}" for u in uploads]}
    if not changes:
        raise ValidationError("没有需要保存的修改")
    row.form_id = form.id
    row.updated_by, row.updated_at = actor.id, utcnow()
    row.version += 1
    session.add(row)
    title = title_of(session, k, row)
    form = FORM_FLOW.apply(session, record_id=form.id, action=Action.SAVE, actor=actor,
                           version=form.version,
                           extra_changes=_audit_change(k, title, what, {
                               n: (v if n == "附件" else jsonable(v)) for n, v in changes.items()}))
    return Saved(row=row, form=form)


def _replace_links(session: Session, plan_id: int, item_ids: list[int]) -> None:
    session.execute(delete(DigitalPlanItem).where(DigitalPlanItem.plan_id == plan_id))
    for item_id in sorted(set(item_ids)):
        session.add(DigitalPlanItem(plan_id=plan_id, item_id=item_id))
    session.flush()


@transactional
def remove_row(session: Session, *, actor: CurrentUser, kind: str, row_id: int,
               form_version: int) -> Saved:
    """删除: a draft row goes at once (with its files); a row in force is marked for removal,
    which the district's approval carries out. Refused while other rows rely on it."""
    from services.digital.forms import FORM_FLOW

    require_clerk(session, actor)
    k = kind_of(kind)
    form = editable_form(session, actor, form_version)
    row = own_row(session, k, actor, row_id)
    title = title_of(session, k, row)
    if row.pending_removal:
        raise ValidationError(f"“{title}”已标记删除，保存并上报、区县审核通过后删除")
    if k is ITEM and row.status in WAITING:
        raise ValidationError(f"“{title}”正在等待市委改革办核准，不能删除")
    if children := dependents(session, k, row):
        raise ValidationError(f"以下记录关联了“{title}”，不能删除：" + "；".join(children)
                              + "。请先修改或删除它们")
    if k is ITEM and (copies := session.execute(
            select(DigitalItem.name).where(DigitalItem.duplicate_of_id == row.id)).scalars().all()):
        raise ValidationError(f"“{title}”是其他事项的已有重复事项（{'、'.join(copies)}），"
                              "不能删除；如需调整请联系市委改革办")
    if row.status == DRAFT:
        atts = files.attachments_of(session, record_type=k.key, record_id=row.id)
        purged = files.discard(session, atts)
        if k is PLAN:
            _replace_links(session, row.id, [])
        k.flow.apply(session, record_id=row.id, action=DISCARD, actor=actor, version=row.version,
                     extra_changes={files.PURGED: [purged, None]} if purged else None)
        row.form_id = None
        session.add(row)
    else:
        row.pending_removal = True
        row.form_id = form.id
        row.version += 1
        session.add(row)
    form = FORM_FLOW.apply(session, record_id=form.id, action=Action.SAVE, actor=actor,
                           version=form.version, extra_changes=_audit_change(k, title, "删除", {}))
    return Saved(row=row, form=form)


def _reopen_month(session: Session, kind: RowKind, row: Any) -> None:
    """An item that no longer carries a 新一图两清单 in the form has not met its month: the
    earlier 保存并上报 no longer counts (撤回 does the same)."""
    if kind is not ITEM or row.status != INCLUDED or row.new_chart_submitted_at is None:
        return
    ids = pending_file_ids(row)
    carried = ids and session.execute(select(Attachment.id).where(
        Attachment.id.in_(ids), Attachment.purpose == NEW_CHART)).first()
    if not carried:
        row.new_chart_submitted_at = None
        session.add(row)


@transactional
def undo_row(session: Session, *, actor: CurrentUser, kind: str, row_id: int,
             form_version: int) -> Saved:
    """撤销修改: a row in force drops its pending change (and the files added with it)."""
    from services.digital.forms import FORM_FLOW

    require_clerk(session, actor)
    k = kind_of(kind)
    form = editable_form(session, actor, form_version)
    row = own_row(session, k, actor, row_id)
    if row.status == DRAFT or (not row.pending and not row.pending_removal):
        raise ValidationError("该行没有待上报的修改")
    added = pending_file_ids(row)
    if added:
        files.discard(session, list(session.execute(
            select(Attachment).where(Attachment.id.in_(added))).scalars()))
    title = title_of(session, k, row)
    row.pending, row.pending_removal, row.form_id = "", False, None
    row.version += 1
    session.add(row)
    _reopen_month(session, k, row)
    form = FORM_FLOW.apply(session, record_id=form.id, action=Action.SAVE, actor=actor,
                           version=form.version, extra_changes=_audit_change(k, title, "撤销修改", {}))
    return Saved(row=row, form=form)


@transactional
def remove_file(session: Session, *, actor: CurrentUser, kind: str, row_id: int,
                attachment_id: int, form_version: int) -> Saved:
    """Remove a file added in this form (files already approved stay; a re-upload supersedes)."""
    from services.digital.forms import FORM_FLOW

    require_clerk(session, actor)
    k = kind_of(kind)
    form = editable_form(session, actor, form_version)
    row = own_row(session, k, actor, row_id)
    added = pending_file_ids(row)
    if attachment_id not in added:
        raise ValidationError("只能移除本次填报新上传的附件，请刷新后重试")
    att = session.get(Attachment, attachment_id)
    purged = files.discard(session, [att])
    pending = pending_of(row)
    pending["files"] = [i for i in added if i != attachment_id]
    if not pending["files"]:
        pending.pop("files")
    _set_pending(row, pending)
    row.version += 1
    session.add(row)
    _reopen_month(session, k, row)
    changes = {"移除附件": [f"{att.purpose}：{att.original_name}", None]}
    if purged:
        changes[files.PURGED] = [purged, None]
    form = FORM_FLOW.apply(session, record_id=form.id, action=Action.SAVE, actor=actor,
                           version=form.version, extra_changes={
                               f"{k.label}“{title_of(session, k, row)}”": [None, changes]})
    return Saved(row=row, form=form)


__all__ = ["KINDS", "ORDER", "save_row", "remove_row", "undo_row", "remove_file", "values_of",
           "open_form", "IN_FORCE", "STOPPED", "DigitalItem"]


def options(session: Session, *, actor: CurrentUser, kind: str) -> list[tuple[int, str]]:
    """What a row of `kind` may link to: (id, name) of the district's own rows of the parent
    kind, not deleted (a 三张清单's items: not 已有重复事项 or 移除名录库 either)."""
    require_active(session, actor)
    if not actor.is_district:
        return []
    parent = {PLAN.key: ITEM, APP.key: PLAN, SHARE.key: APP}.get(kind_of(kind).key)
    if parent is None:
        return []
    query = select(parent.model).where(parent.model.org_id == actor.org_id,
                                       parent.model.status != DELETED)
    if parent is ITEM:
        query = query.where(DigitalItem.status.not_in(list(STOPPED)))
    return [(row.id, f"{title_of(session, parent, row)}（{row.status}）")
            for row in session.execute(query.order_by(parent.model.id)).scalars()]
