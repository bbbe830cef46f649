"""试点推进总览: every distributed pilot × involved district with its revision in force.

市委改革办 reads every row, a supervising department the rows of its own pilots, a district its
own rows. One query serves a page of rows, the total and the Excel export.
"""
from dataclasses import dataclass

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import aliased
from sqlmodel import Session

from models import Achievement, Org, OrgKind, Pilot, ProgressRevision, ProgressTask
from services import exports, limits
from services.errors import PermissionDenied, ValidationError
from services.flows import (
    PILOT_DISTRIBUTED, PROGRESS_CONFIRMED, PROGRESS_DEPT_REVIEW, PROGRESS_OFFICE_CONFIRM,
)
from services.identity import CurrentUser, require_active
from services.printing import MAX_RECORDS
from services.progress import PROGRESS_FLOW, PROGRESS_STATUSES, REVIEW_STAGES

UNREPORTED = "未填报"
STATUS_CHOICES = [*PROGRESS_STATUSES, UNREPORTED]
PAGE_SIZE = 50
SEARCH_LIMIT = 100
# What a reader looks for first comes first (区县, 推进状态, 成果数), so a narrow screen shows it.
COLUMNS = ["试点名称", "区县", "推进状态", "成果数", "验收时间", "已确认填报", "确认时间",
           "有填报在审", "在审填报", "文号", "主管市级部门"]
# A department is shown a newer revision once it has reached the department (SPEC §2 readers).
DEPARTMENT_VISIBLE_STAGES = (PROGRESS_DEPT_REVIEW, PROGRESS_OFFICE_CONFIRM)


@dataclass(frozen=True)
class Filters:
    district_id: int | None = None
    dept_id: int | None = None
    progress_status: str | None = None   # 推进中 / 已完成 / 未填报
    name: str = ""                       # part of the 试点名称
    under_review: bool | None = None     # a newer revision is under review


def _scope(actor: CurrentUser):
    """The rows this reader may see."""
    if actor.is_reform_office:
        return true()
    if actor.is_department:
        return Pilot.dept_id == actor.org_id
    if actor.is_district:
        return ProgressTask.org_id == actor.org_id
    raise PermissionDenied("您无权查看试点推进总览")


def _query(actor: CurrentUser, filters: Filters):
    scope = _scope(actor)
    if filters.progress_status and filters.progress_status not in STATUS_CHOICES:
        raise ValidationError("请选择“推进状态”（推进中 / 已完成 / 未填报）")
    limits.check_text("试点名称", filters.name, SEARCH_LIMIT)
    district, dept = aliased(Org), aliased(Org)
    in_force, pending = aliased(ProgressRevision), aliased(ProgressRevision)
    newest_confirmed = (select(func.max(ProgressRevision.revision_no))
                        .where(ProgressRevision.task_id == ProgressTask.id,
                               ProgressRevision.status == PROGRESS_CONFIRMED)
                        .correlate(ProgressTask).scalar_subquery())
    stages = DEPARTMENT_VISIBLE_STAGES if actor.is_department else REVIEW_STAGES
    count = (select(func.count(Achievement.id)).where(Achievement.revision_id == in_force.id)
             .correlate(in_force).scalar_subquery())
    query = (
        select(Pilot.name, Pilot.doc_number, dept.name.label("dept"),
               district.name.label("district"), in_force.revision_no, in_force.progress_status,
               in_force.acceptance_date, in_force.confirmed_at, count.label("achievements"),
               pending.revision_no.label("pending_no"), pending.status.label("pending_status"),
               in_force.id.label("revision_id"))
        .select_from(ProgressTask)
        .join(Pilot, Pilot.id == ProgressTask.pilot_id)
        .join(district, district.id == ProgressTask.org_id)
        .join(dept, dept.id == Pilot.dept_id)
        .outerjoin(in_force, and_(in_force.task_id == ProgressTask.id,
                                  in_force.revision_no == newest_confirmed))
        # At most one revision per task is open (unique index), so this adds no rows.
        .outerjoin(pending, and_(pending.task_id == ProgressTask.id, pending.status.in_(stages)))
        .where(Pilot.status == PILOT_DISTRIBUTED, scope)
    )
    if filters.district_id:
        query = query.where(ProgressTask.org_id == filters.district_id)
    if filters.dept_id:
        query = query.where(Pilot.dept_id == filters.dept_id)
    if filters.progress_status == UNREPORTED:
        query = query.where(in_force.id.is_(None))
    elif filters.progress_status:
        query = query.where(in_force.progress_status == filters.progress_status)
    if name := filters.name.strip():
        query = query.where(func.lower(Pilot.name).contains(name.lower(), autoescape=True))
    if filters.under_review is not None:
        query = query.where(pending.id.isnot(None) if filters.under_review
                            else pending.id.is_(None))
    return query.order_by(Pilot.id.desc(), district.sort_order, ProgressTask.org_id)


def _row(r) -> dict:
    return {"试点名称": r.name, "区县": r.district,
            "推进状态": r.progress_status or UNREPORTED, "成果数": r.achievements or 0,
            "验收时间": r.acceptance_date,
            "已确认填报": f"第{r.revision_no}次填报" if r.revision_no else "尚未审核确认",
            "确认时间": r.confirmed_at,
            "有填报在审": "是" if r.pending_no else "否",
            "在审填报": f"第{r.pending_no}次填报（{r.pending_status}）" if r.pending_no else "",
            "文号": r.doc_number, "主管市级部门": r.dept}


def rows(session: Session, *, actor: CurrentUser, filters: Filters = Filters(),
         page: int = 1, page_size: int = PAGE_SIZE) -> tuple[list[dict], int]:
    """One page of the overview (newest pilots first) and the number of matching rows."""
    require_active(session, actor)
    query = _query(actor, filters)
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())
                            ).scalar_one()
    page = max(1, page)
    found = session.execute(query.offset((page - 1) * page_size).limit(page_size)).all()
    return [_row(r) for r in found], total


def export(session: Session, *, actor: CurrentUser, filters: Filters = Filters()) -> bytes:
    """Every matching row as an Excel workbook."""
    require_active(session, actor)
    found = session.execute(_query(actor, filters)).all()
    return exports.to_xlsx([_row(r) for r in found], headers=COLUMNS, sheet="试点推进总览")


def revision_ids(session: Session, *, actor: CurrentUser, filters: Filters = Filters(),
                 limit: int = MAX_RECORDS) -> list[int]:
    """The revisions in force of the matching rows that the reader may read, in the list's
    order, at most `limit` (a row not confirmed yet has none): what 打印所选记录 prints."""
    require_active(session, actor)
    found = [r.revision_id for r in session.execute(_query(actor, filters)).all()
             if r.revision_id is not None]
    chosen: list[int] = []
    for start in range(0, len(found), limit):  # in chunks: a bounded IN list
        chunk = found[start:start + limit]
        readable = set(session.execute(select(ProgressRevision.id).where(
            ProgressRevision.id.in_(chunk), PROGRESS_FLOW.readable_filter(actor))).scalars())
        chosen += [i for i in chunk if i in readable]
        if len(chosen) >= limit:
            break
    return chosen[:limit]


def filter_options(session: Session, *, actor: CurrentUser) -> dict[str, dict[int, str]]:
    """The districts and departments this reader may filter by (id → name)."""
    _scope(actor)

    def orgs(kind: str, only: int | None) -> dict[int, str]:
        query = select(Org.id, Org.name).where(Org.kind == kind)
        if only is not None:
            query = query.where(Org.id == only)
        return dict(session.execute(query.order_by(Org.sort_order, Org.id)).all())

    return {"districts": orgs(OrgKind.DISTRICT, actor.org_id if actor.is_district else None),
            "departments": orgs(OrgKind.DEPARTMENT,
                                actor.org_id if actor.is_department else None)}
