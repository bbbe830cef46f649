"""Every module's review flow, declared as data (SPEC §2–§5)."""
from sqlalchemy import select
from sqlmodel import Session

from models import Pilot, PilotDistrict, ProgressRevision, Role
from services import notifications
from services.review import (
    DRAFT, RETURNED, Action, Flow, Transition, department, district, reform_office,
)

CANCELLED = "作废"

# 改革探索力 — pilot creation (SPEC §3.2)
PILOT_DISTRICT_REVIEW = "待区县审核"
PILOT_DEPT_CONFIRM = "待市级部门确认"
PILOT_DISTRIBUTED = "已分发"

# 改革探索力 — progress revisions (SPEC §3.5)
PROGRESS_DISTRICT_REVIEW = "待区县审核"
PROGRESS_DEPT_REVIEW = "待市级部门审核"
PROGRESS_OFFICE_CONFIRM = "待市委改革办确认"
PROGRESS_CONFIRMED = "已确认"

_clerk = district(Role.CLERK)
_district_reviewer = district(Role.REVIEWER)
_dept_staff = department(Role.CLERK, Role.REVIEWER)  # the manual names the dept's 录入员
_office_reviewer = reform_office(Role.REVIEWER)


def _clerk_editing(*, cancel: bool) -> list[Transition]:
    """保存 / 保存并上报 (/ 作废) from 草稿 and 退回修改, and 撤回 before the reviewer acts."""
    rows = []
    for state in (DRAFT, RETURNED):
        rows += [Transition(state, Action.SAVE, state, _clerk),
                 Transition(state, Action.SUBMIT, "待区县审核", _clerk)]
        if cancel:
            rows.append(Transition(state, Action.CANCEL, CANCELLED, _clerk))
    rows.append(Transition("待区县审核", Action.WITHDRAW, DRAFT, _clerk))
    return rows


def _involved_district_clerks(session: Session, record: Pilot, target: str) -> list[int]:
    """On 确认分发 every involved district's clerks get the pushed progress task."""
    if target != PILOT_DISTRIBUTED:
        return []
    involved = select(PilotDistrict.org_id).where(PilotDistrict.pilot_id == record.id)
    return notifications.active_user_ids(session, roles=[Role.CLERK],
                                         org_ids=session.execute(involved).scalars().all())


PILOT_FLOW = Flow(
    module="pilot",
    label="试点项目",
    model=Pilot,
    transitions=_clerk_editing(cancel=True) + [
        Transition(PILOT_DISTRICT_REVIEW, Action.APPROVE, PILOT_DEPT_CONFIRM, _district_reviewer),
        Transition(PILOT_DISTRICT_REVIEW, Action.REJECT, RETURNED, _district_reviewer),
        Transition(PILOT_DEPT_CONFIRM, Action.DISTRIBUTE, PILOT_DISTRIBUTED, _dept_staff),
        Transition(PILOT_DEPT_CONFIRM, Action.REJECT, RETURNED, _dept_staff),
    ],
    extra_recipients=_involved_district_clerks,
)

PROGRESS_FLOW = Flow(
    module="progress",
    label="试点推进状态",
    model=ProgressRevision,
    title_field="title",
    transitions=_clerk_editing(cancel=True) + [
        Transition(PROGRESS_DISTRICT_REVIEW, Action.APPROVE, PROGRESS_DEPT_REVIEW,
                   _district_reviewer),
        Transition(PROGRESS_DISTRICT_REVIEW, Action.REJECT, RETURNED, _district_reviewer),
        Transition(PROGRESS_DEPT_REVIEW, Action.APPROVE, PROGRESS_OFFICE_CONFIRM, _dept_staff),
        Transition(PROGRESS_DEPT_REVIEW, Action.REJECT, RETURNED, _dept_staff),
        Transition(PROGRESS_OFFICE_CONFIRM, Action.APPROVE, PROGRESS_CONFIRMED, _office_reviewer),
        Transition(PROGRESS_OFFICE_CONFIRM, Action.REJECT, RETURNED, _office_reviewer),
    ],
)

FLOWS: list[Flow] = [PILOT_FLOW, PROGRESS_FLOW]
FLOWS_BY_MODULE = {f.module: f for f in FLOWS}
