"""改革探索力 — progress updates and achievements (SPEC §3.5–§3.6), revisioned per task."""
import json
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, select
from sqlmodel import Session

from models import (
    Achievement, Notification, Org, Pilot, ProgressRevision, ProgressTask, Role, utcnow,
)
from services import clock, limits, notifications, records, review
from services.db import transactional
from services.errors import Conflict, PermissionDenied, ValidationError
from services.flows import (
    CANCELLED, DEPT_STAFF, DISTRICT_REVIEWER, INTERNAL, OFFICE_REVIEWER, PILOT_DISTRIBUTED,
    PROGRESS_CONFIRMED, PROGRESS_DEPT_REVIEW, PROGRESS_DISTRICT_REVIEW, PROGRESS_OFFICE_CONFIRM,
    SECTION, clerk_editing,
)
from services.identity import CurrentUser, require_active
from services.registry import register
from services.review import DRAFT, RETURNED, Action, Flow, PageSpec, Todo, Transition
from services.revisions import Revisioned

IN_PROGRESS, COMPLETED = "推进中", "已完成"
PROGRESS_STATUSES = [IN_PROGRESS, COMPLETED]
REVIEW_STAGES = (PROGRESS_DISTRICT_REVIEW, PROGRESS_DEPT_REVIEW, PROGRESS_OFFICE_CONFIRM)
OPEN_STATES = (DRAFT, RETURNED, *REVIEW_STAGES)
# 已开展工作 is stored as one JSON column without a declared length: each item has its own limit.
WORK_ITEM_LIMIT = 2000
WORK_ITEMS_MAX = 100
PROBLEMS_LIMIT = limits.max_length(ProgressRevision, "problems")
ACHIEVEMENT_LIMITS = {name: limits.max_length(Achievement, name)
                      for name in ("name", "measures", "effects")}
NOTICE_WARNING = "印发通知、试点方案不属于制度性成果"
FIELD_LABELS = {"progress_status": "推进状态", "acceptance_date": "验收时间",
                "work_items": "已开展工作", "problems": "存在问题", "achievements": "试点成果"}
ACHIEVEMENT_FIELDS = (("name", "成果名称"), ("measures", "具体举措及解决问题"), ("effects", "具体成效"))


@dataclass
class AchievementInput:
    """One 试点成果 row; `row_id` is the stored row it edits (None for a row added with “+”)."""

    name: str = ""
    measures: str = ""
    effects: str = ""
    row_id: int | None = None

    def cleaned(self) -> "AchievementInput":
        return AchievementInput(self.name.strip(), self.measures.strip(), self.effects.strip(),
                                self.row_id)

    def is_blank(self) -> bool:
        return not (self.name.strip() or self.measures.strip() or self.effects.strip())


@dataclass
class ProgressInput:
    progress_status: str = IN_PROGRESS
    acceptance_date: date | None = None
    work_items: list[str] = field(default_factory=list)
    problems: str = ""
    achievements: list[AchievementInput] = field(default_factory=list)


def achievement_warning(name: str) -> str | None:
    """Warn (never block) when an achievement looks like a notice or a plan."""
    name = name.strip()
    if name.startswith("印发") or name.endswith(("通知", "方案", "试点方案")):
        return NOTICE_WARNING
    return None


def _check_lengths(items: list[str], problems: str, rows: list[AchievementInput]) -> None:
    """Every progress text within its limit, the same on SQLite and PostgreSQL."""
    if len(items) > WORK_ITEMS_MAX:
        raise ValidationError(f"“已开展工作”最多{WORK_ITEMS_MAX}项，当前{len(items)}项，请合并精简")
    for n, item in enumerate(items, start=1):
        limits.check_text(f"已开展工作第{n}项", item, WORK_ITEM_LIMIT, multiline=False)
    limits.check_text("存在问题", problems, PROBLEMS_LIMIT)
    for n, row in enumerate(rows, start=1):
        for name, label in ACHIEVEMENT_FIELDS:
            limits.check_text(f"第{n}条试点成果的{label}", getattr(row, name),
                              ACHIEVEMENT_LIMITS[name])


def _validate(data: ProgressInput, *, submitting: bool, today: date) -> tuple[list[str], list]:
    if data.progress_status not in PROGRESS_STATUSES:
        raise ValidationError("请选择“推进状态”（推进中 / 已完成）")
    if data.acceptance_date and data.acceptance_date > today:
        raise ValidationError(f"“验收时间”{data.acceptance_date:%Y-%m-%d} 晚于今天，请按实际验收时间填写")
    items = [without_number(i) for i in data.work_items if i and without_number(i)]
    rows = [a.cleaned() for a in data.achievements if not a.is_blank()]
    _check_lengths(items, (data.problems or "").strip(), rows)
    for n, row in enumerate(rows, start=1):
        if not row.name:
            raise ValidationError(f"第{n}条试点成果缺少“成果名称”")
    if submitting:  # every gap at once, so that one attempt shows all that is left
        gaps = []
        if data.progress_status == COMPLETED and data.acceptance_date is None:
            gaps.append("推进状态为“已完成”时必须填写“验收时间”")
        if not items:
            gaps.append("“已开展工作”至少填写一项（条目式列举具体工作）")
        gaps += [f"第{n}条试点成果“{row.name}”缺少“具体举措及解决问题”"
                 for n, row in enumerate(rows, start=1) if not row.measures]
        if gaps:
            raise ValidationError("；".join(gaps))
    return items, rows


# A clerk's own item number (「1.」「2、」「（3）」「四、」), which the list numbers again.
_ITEM_NUMBER = re.compile(r"^\s*(?:[（(]\s*[0-9０-９一二三四五六七八九十]+\s*[）)]"
                          r"|[0-9０-９]+\s*[.．、)）](?![0-9０-９])|[一二三四五六七八九十]+\s*[、.．])\s*")


def without_number(text: str) -> str:
    """An item's text without a leading item number (the list is numbered when shown)."""
    return _ITEM_NUMBER.sub("", text or "", count=1).strip()


def numbered(items: list[str]) -> str:
    return "\n".join(f"{i}. {without_number(text)}" for i, text in enumerate(items, start=1))


# --- reading -----------------------------------------------------------------------------------

def _readable(actor: CurrentUser):
    if actor.is_reform_office:
        return ProgressRevision.status != DRAFT
    if actor.is_department:
        return and_(ProgressRevision.dept_id == actor.org_id,
                    ProgressRevision.status.in_(["待市级部门审核", "待市委改革办确认",
                                                 PROGRESS_CONFIRMED]))
    return ProgressRevision.org_id == actor.org_id


def get(session: Session, *, actor: CurrentUser, revision_id: int) -> ProgressRevision:
    return records.get(session, flow=PROGRESS_FLOW, actor=actor, record_id=revision_id)


def linked(session: Session, *, actor: CurrentUser, revision_id: int
           ) -> ProgressRevision | None:
    """A revision a link (a message, a to-do) names, if the actor may read it, else None."""
    return session.execute(select(ProgressRevision).where(
        ProgressRevision.id == revision_id, _readable(actor))).scalars().first()


def achievements_of(session: Session, revision_id: int) -> list[Achievement]:
    return list(session.execute(select(Achievement).where(Achievement.revision_id == revision_id)
                                .order_by(Achievement.position, Achievement.id)).scalars())


def work_items(rev: ProgressRevision) -> list[str]:
    return json.loads(rev.work_items or "[]")


def confirmed_revision(session: Session, task_id: int) -> ProgressRevision | None:
    """The revision in force: the newest confirmed one."""
    return REVISIONS.in_force(session, task_id)


def open_revision(session: Session, task_id: int) -> ProgressRevision | None:
    return REVISIONS.open_one(session, task_id)


def tasks(session: Session, *, actor: CurrentUser) -> list[dict]:
    """The district's 推进任务 with the revision in force and the one being worked on."""
    require_active(session, actor)
    if not actor.is_district:
        return []
    rows = session.execute(
        select(ProgressTask, Pilot, Org.name)
        .join(Pilot, Pilot.id == ProgressTask.pilot_id).join(Org, Org.id == Pilot.dept_id)
        .where(ProgressTask.org_id == actor.org_id, Pilot.status == PILOT_DISTRIBUTED)
        .order_by(ProgressTask.id.desc())).all()
    task_ids = [t.id for t, _, _ in rows]
    revs: dict[int, list[ProgressRevision]] = {}
    if task_ids:
        for rev in session.execute(select(ProgressRevision)
                                   .where(ProgressRevision.task_id.in_(task_ids))
                                   .order_by(ProgressRevision.revision_no)).scalars():
            revs.setdefault(rev.task_id, []).append(rev)
    out = []
    for task, pilot, dept in rows:
        history = revs.get(task.id, [])
        confirmed = [r for r in history if r.status == PROGRESS_CONFIRMED]
        current = next((r for r in history if r.status in OPEN_STATES), None)
        out.append({"task_id": task.id, "pilot_id": pilot.id, "试点名称": pilot.name,
                    "文号": pilot.doc_number, "主管市级部门": dept,
                    "已确认推进状态": confirmed[-1].progress_status if confirmed else "未填报",
                    "正在办理": f"第{current.revision_no}次填报（{current.status}）"
                    if current else "",
                    "open_revision_id": current.id if current else None,
                    "confirmed_revision_id": confirmed[-1].id if confirmed else None,
                    "推送时间": task.created_at})
    return out


def unreported_tasks(session: Session, *, actor: CurrentUser) -> list[dict]:
    """Pushed tasks the district has not started reporting on (for the workbench)."""
    return [t for t in tasks(session, actor=actor)
            if t["open_revision_id"] is None and t["confirmed_revision_id"] is None]


# --- the district clerk ------------------------------------------------------------------------

def _task_for_clerk(session: Session, actor: CurrentUser, task_id: int) -> ProgressTask:
    task = session.get(ProgressTask, task_id)
    if task is None or not actor.is_district or task.org_id != actor.org_id \
            or not actor.has(Role.CLERK):
        raise PermissionDenied("只能由本区县录入员更新本区县的推进任务")
    return task


@transactional
def start_revision(session: Session, *, actor: CurrentUser, task_id: int) -> ProgressRevision:
    """A new draft revision, prefilled from the one in force (which stays in force).

    Copied achievement rows keep their `position`: it is the row's identity across revisions
    (see `compare`). Two clerks starting at once: one draft is created, the other is told so.
    """
    require_active(session, actor)
    task = _task_for_clerk(session, actor, task_id)
    pilot = session.get(Pilot, task.pilot_id)
    if pilot.status != PILOT_DISTRIBUTED:
        raise ValidationError("该试点尚未分发，不能更新推进状态")

    def build(base: ProgressRevision | None, number: int) -> ProgressRevision:
        return ProgressRevision(
            org_id=task.org_id, status=DRAFT, created_by=actor.id, updated_by=actor.id,
            task_id=task.id, pilot_id=pilot.id, dept_id=pilot.dept_id, title=pilot.name,
            revision_no=number,
            progress_status=base.progress_status if base else IN_PROGRESS,
            acceptance_date=base.acceptance_date if base else None,
            work_items=base.work_items if base else "[]", problems=base.problems if base else "")

    def copy_rows(rev: ProgressRevision, base: ProgressRevision | None) -> None:
        if base is not None:
            for a in achievements_of(session, base.id):
                session.add(Achievement(revision_id=rev.id, position=a.position, name=a.name,
                                        measures=a.measures, effects=a.effects))
        PROGRESS_FLOW.record_event(session, rev, actor, role=Role.CLERK, action="create")

    return REVISIONS.start(session, parent_id=task.id, build=build, after_insert=copy_rows)


def first_revision(session: Session, *, actor: CurrentUser, task_id: int) -> ProgressRevision:
    """The draft of a task's first report, started when the clerk opens the task (one click
    fewer); if another clerk started it in the same instant, that draft."""
    try:
        return start_revision(session, actor=actor, task_id=task_id)
    except (Conflict, ValidationError):
        if (rev := open_revision(session, task_id)) is None:
            raise
        return rev


def _achievement_rows(rows) -> list[dict]:
    return [{"成果名称": a.name, "具体举措及解决问题": a.measures, "具体成效": a.effects}
            for a in rows]


def _store_achievements(session: Session, rev: ProgressRevision, existing: list[Achievement],
                        rows: list[AchievementInput]) -> None:
    """Edit kept rows in place, delete dropped ones, append new ones.

    A kept row keeps its `position` (its identity since the revision it was copied from);
    a new row gets a position no row of this revision or of the revision in force has used,
    so the reviewer's comparison never mistakes it for an old one.
    """
    by_id = {a.id: a for a in existing}
    base = confirmed_revision(session, rev.task_id)
    used = [a.position for a in existing]
    if base is not None:
        used += [a.position for a in achievements_of(session, base.id)]
    next_position = max(used, default=-1) + 1
    kept: set[int] = set()
    for row in rows:
        old = by_id.get(row.row_id) if row.row_id not in kept else None
        if old is not None:
            old.name, old.measures, old.effects = row.name, row.measures, row.effects
            session.add(old)
            kept.add(old.id)
        else:
            session.add(Achievement(revision_id=rev.id, position=next_position, name=row.name,
                                    measures=row.measures, effects=row.effects))
            next_position += 1
    for old in existing:
        if old.id not in kept:
            session.delete(old)
    session.flush()


@transactional
def save(session: Session, *, actor: CurrentUser, revision_id: int, version: int,
         data: ProgressInput, submit: bool = False, today: date | None = None
         ) -> ProgressRevision:
    """保存 (or 保存并上报) a revision with its work items and achievement rows."""
    require_active(session, actor)
    rev = get(session, actor=actor, revision_id=revision_id)
    PROGRESS_FLOW.check(Action.SAVE, rev, actor, version)
    items, rows = _validate(data, submitting=submit, today=today or clock.today())
    existing = achievements_of(session, rev.id)
    before, after = _achievement_rows(existing), _achievement_rows(rows)
    extra = {}
    if before != after:
        extra["试点成果"] = [before, after]
        _store_achievements(session, rev, existing, rows)
    values = {"progress_status": data.progress_status,
              "acceptance_date": data.acceptance_date if data.progress_status == COMPLETED
              else None,
              "work_items": json.dumps(items, ensure_ascii=False),
              "problems": data.problems.strip()}
    rev = PROGRESS_FLOW.apply(session, record_id=rev.id, action=Action.SAVE, actor=actor,
                              version=version, values=values, extra_changes=extra, commit=False)
    if submit:
        rev = PROGRESS_FLOW.apply(session, record_id=rev.id, action=Action.SUBMIT, actor=actor,
                                  version=rev.version, commit=False)
    session.commit()
    return rev


def act(session: Session, *, actor: CurrentUser, revision_id: int, action: Action,
        version: int, comment: str = "") -> ProgressRevision:
    """通过 / 驳回 / 撤回 / 作废 a revision (and 保存并上报 of an unchanged draft); the office's
    通过 puts it in force (the flow stamps it and tells the district)."""
    return records.act(session, flow=PROGRESS_FLOW, actor=actor, record_id=revision_id,
                       action=action, version=version, comment=comment)


def _complete(session: Session, rev: ProgressRevision, _actor: CurrentUser) -> str | None:
    """保存并上报 needs every required field (SPEC §3.5)."""
    data = ProgressInput(rev.progress_status, rev.acceptance_date, work_items(rev), rev.problems,
                         [AchievementInput(a.name, a.measures, a.effects)
                          for a in achievements_of(session, rev.id)])
    try:
        _validate(data, submitting=True, today=clock.today())
    except ValidationError as exc:
        return str(exc)
    return None


def _put_in_force(session: Session, rev: ProgressRevision, actor: CurrentUser) -> None:
    """已确认: stamped, and the district's clerks and reviewers learn it is in force."""
    rev.confirmed_at = utcnow()
    session.add(rev)
    _notify_confirmed(session, rev, actor)


def _notify_confirmed(session: Session, rev: ProgressRevision, actor: CurrentUser) -> None:
    """已确认 ends the chain: the district's reviewers learn it is in force (its clerks are told
    by the review engine, as of every record that reaches a final state)."""
    recipients = notifications.active_user_ids(session, roles=[Role.REVIEWER],
                                               org_ids=[rev.org_id])
    frame = "【试点推进】“{}”已确认"
    room = limits.max_length(Notification, "title") - len(frame.format(""))
    title = frame.format(limits.shorten(rev.title, room))
    notifications.send(session, user_ids=[u for u in recipients if u != actor.id], title=title,
                       body=f"第{rev.revision_no}次填报的推进情况已由{actor.org_name}审核确认，"
                            "驾驶舱按此统计。",
                       record_type=PROGRESS_FLOW.module, record_id=rev.id)


# --- reviewers ---------------------------------------------------------------------------------

def review_queue(session: Session, *, actor: CurrentUser) -> list[ProgressRevision]:
    """Revisions waiting for this reviewer's stage, oldest first."""
    return PROGRESS_FLOW.review_queue(session, actor)


def _achievement_diff(old_rows: list[Achievement], new_rows: list[Achievement]) -> list[dict]:
    """Rows matched by identity (the position kept since the revision they were copied from),
    never by name: same-named rows stay apart and a renamed row is 修改, not 删除 + 新增."""
    old_by_position = {a.position: a for a in old_rows}
    out = []
    for n, new in enumerate(new_rows, start=1):
        old = old_by_position.pop(new.position, None)
        if old is None:
            out.append({"变化": "新增", "序号": n, "成果名称": new.name, "原成果名称": "",
                        "修改字段": []})
            continue
        changed = [label for name, label in ACHIEVEMENT_FIELDS
                   if getattr(old, name) != getattr(new, name)]
        if changed:
            out.append({"变化": "修改", "序号": n, "成果名称": new.name, "原成果名称": old.name,
                        "修改字段": changed})
    for old in old_by_position.values():
        out.append({"变化": "删除", "序号": None, "成果名称": "", "原成果名称": old.name,
                    "修改字段": []})
    return out


def compare(session: Session, *, actor: CurrentUser, revision_id: int) -> dict:
    """What a revision changes against the revision in force, field by field and row by row."""
    rev = get(session, actor=actor, revision_id=revision_id)
    base = REVISIONS.base_of(session, rev)
    fields = REVISIONS.field_changes(base, rev, ["progress_status", "acceptance_date", "problems"])
    old_items = work_items(base) if base else []
    new_items = work_items(rev)
    rows = _achievement_diff(achievements_of(session, base.id) if base else [],
                             achievements_of(session, rev.id))
    return {
        "base_revision_no": base.revision_no if base else None,
        "fields": fields,
        "work_added": [i for i in new_items if i not in old_items],
        "work_removed": [i for i in old_items if i not in new_items],
        "achievements": rows,
        "achievements_added": [r["成果名称"] for r in rows if r["变化"] == "新增"],
        "achievements_removed": [r["原成果名称"] for r in rows if r["变化"] == "删除"],
        "achievements_changed": [r["成果名称"] for r in rows if r["变化"] == "修改"],
    }


def confirmed_achievements(session: Session, *, org_id: int | None = None) -> int:
    """试点成果数: rows of the revisions in force (one row = one achievement)."""
    latest = (select(ProgressRevision.task_id, func.max(ProgressRevision.revision_no).label("n"))
              .where(ProgressRevision.status == PROGRESS_CONFIRMED)
              .group_by(ProgressRevision.task_id).subquery())
    query = (select(func.count(Achievement.id))
             .join(ProgressRevision, ProgressRevision.id == Achievement.revision_id)
             .join(latest, and_(latest.c.task_id == ProgressRevision.task_id,
                                latest.c.n == ProgressRevision.revision_no)))
    if org_id:
        query = query.where(ProgressRevision.org_id == org_id)
    return session.execute(query).scalar_one()


def revision_list(session: Session, *, actor: CurrentUser, task_id: int) -> list[dict]:
    revs = session.execute(select(ProgressRevision).where(ProgressRevision.task_id == task_id,
                                                          _readable(actor))
                           .order_by(ProgressRevision.revision_no.desc())).scalars().all()
    return [{"id": r.id, "填报": f"第{r.revision_no}次", "状态": r.status,
             "推进状态": r.progress_status, "验收时间": r.acceptance_date,
             "确认时间": r.confirmed_at, "更新时间": r.updated_at}
            for r in revs if r.status != CANCELLED or r.org_id == actor.org_id]


def in_force_for_pilot(session: Session, *, actor: CurrentUser, pilot_id: int
                       ) -> list[tuple[int, ProgressRevision, list[Achievement]]]:
    """Per district, the confirmed revision in force of a pilot (as far as the actor may read)."""
    latest = (select(ProgressRevision.task_id, func.max(ProgressRevision.revision_no).label("n"))
              .where(ProgressRevision.pilot_id == pilot_id,
                     ProgressRevision.status == PROGRESS_CONFIRMED)
              .group_by(ProgressRevision.task_id).subquery())
    revs = session.execute(
        select(ProgressRevision)
        .join(latest, and_(latest.c.task_id == ProgressRevision.task_id,
                           latest.c.n == ProgressRevision.revision_no))
        .where(_readable(actor)).order_by(ProgressRevision.org_id)).scalars().all()
    return [(r.org_id, r, achievements_of(session, r.id)) for r in revs]


STAGE_LABELS = {PROGRESS_DISTRICT_REVIEW: "区县审核", PROGRESS_DEPT_REVIEW: "市级部门审核",
                PROGRESS_OFFICE_CONFIRM: "市委改革办确认"}


def rejection_rates(session: Session, *, actor: CurrentUser, org_id: int | None = None
                    ) -> list[dict]:
    """A district's progress 驳回率 per review stage (rejections ÷ arrivals, in times).

    A district reads its own figures only; 市委改革办 may read any district's.
    """
    org_id = org_id or actor.org_id
    if not (actor.is_reform_office or (actor.is_district and org_id == actor.org_id)):
        raise PermissionDenied("只能查看本区县的驳回率")
    counts = {r["stage"]: r for r in review.rejection_rates(session, module=PROGRESS_FLOW.module)
              if r["org_id"] == org_id}
    out = []
    for stage in REVIEW_STAGES:
        row = counts.get(stage, {"submissions": 0, "rejections": 0})
        n, rejected = row["submissions"], row["rejections"]
        out.append({"审核环节": STAGE_LABELS[stage], "上报次数": n, "驳回次数": rejected,
                    "驳回率": f"{rejected / n:.1%}" if n else "—"})
    return out


def _printed(session: Session, rev: ProgressRevision) -> dict:
    """打印: the pilot the revision reports on, the numbered work items and the 试点成果 rows."""
    pilot = session.get(Pilot, rev.pilot_id)
    dept = session.get(Org, rev.dept_id)
    return {"试点名称": rev.title, "文号": pilot.doc_number if pilot else "",
            "主管市级部门": dept.name if dept else "", "填报": f"第{rev.revision_no}次填报",
            "work_items": numbered(work_items(rev)),
            "achievements": _achievement_rows(achievements_of(session, rev.id))}


def _workbench(session: Session, actor: CurrentUser) -> list[Todo]:
    """推进任务 pushed to a district's clerks that nobody has started reporting on."""
    if not (actor.is_district and actor.has(Role.CLERK)):
        return []
    return [Todo(kind="推进任务", module="task", module_label="试点推进任务",
                 record_id=task["task_id"], title=task["试点名称"], status="未填报",
                 org_name=task["主管市级部门"], updated_at=task["推送时间"],
                 page="pages/progress_update.py", open_key="open_task")
            for task in unreported_tasks(session, actor=actor)]


PROGRESS_FLOW = register(Flow(
    module="progress",
    label="试点推进状态",
    model=ProgressRevision,
    title_field="title",
    labels=FIELD_LABELS,
    hidden=INTERNAL | {"task_id", "pilot_id", "dept_id", "title", "revision_no", "confirmed_at"},
    section=SECTION,
    pages=(PageSpec("pages/progress_update.py", "试点推进状态更新", "edit"),
           PageSpec("pages/progress_review.py", "试点推进审核", "review"),
           PageSpec("pages/progress_overview.py", "试点推进总览", "all")),
    open_key="open_revision",
    readable=_readable,
    workbench=_workbench,
    print_fields=("试点名称", "文号", "主管市级部门", "填报", "progress_status", "acceptance_date",
                  "work_items", "problems", "achievements"),
    print_extra=_printed,
    transitions=clerk_editing(cancel=True, submit_conditions=(_complete,)) + [
        Transition(PROGRESS_DISTRICT_REVIEW, Action.APPROVE, PROGRESS_DEPT_REVIEW,
                   DISTRICT_REVIEWER),
        Transition(PROGRESS_DISTRICT_REVIEW, Action.REJECT, RETURNED, DISTRICT_REVIEWER),
        Transition(PROGRESS_DEPT_REVIEW, Action.APPROVE, PROGRESS_OFFICE_CONFIRM, DEPT_STAFF),
        Transition(PROGRESS_DEPT_REVIEW, Action.REJECT, RETURNED, DEPT_STAFF),
        Transition(PROGRESS_OFFICE_CONFIRM, Action.APPROVE, PROGRESS_CONFIRMED, OFFICE_REVIEWER,
                   on_enter=(_put_in_force,)),
        Transition(PROGRESS_OFFICE_CONFIRM, Action.REJECT, RETURNED, OFFICE_REVIEWER),
    ],
))
REVISIONS = Revisioned(flow=PROGRESS_FLOW, parent="task_id", confirmed=PROGRESS_CONFIRMED)
