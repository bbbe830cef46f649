"""Every module's review flow, declared as data (SPEC §2–§5)."""
from sqlalchemy import select
from sqlmodel import Session

from models import Pilot, PilotDistrict, Role
from services import notifications
from services.registry import register
from services.review import (
    DRAFT, RETURNED, Action, Flow, PageSpec, Transition, department, district, reform_office,
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

CLERK = district(Role.CLERK)
DISTRICT_REVIEWER = district(Role.REVIEWER)
DEPT_STAFF = department(Role.CLERK, Role.REVIEWER)  # the manual names the dept's 录入员
OFFICE_REVIEWER = reform_office(Role.REVIEWER)


def clerk_editing(*, cancel: bool, submit_conditions: tuple = ()) -> list[Transition]:
    """保存 / 保存并上报 (/ 作废) from 草稿 and 退回修改, and 撤回 before the reviewer acts;
    `submit_conditions` refuse a 保存并上报 whose record is not complete."""
    rows = []
    for state in (DRAFT, RETURNED):
        rows += [Transition(state, Action.SAVE, state, CLERK),
                 Transition(state, Action.SUBMIT, "待区县审核", CLERK,
                            conditions=submit_conditions)]
        if cancel:
            rows.append(Transition(state, Action.CANCEL, CANCELLED, CLERK))
    rows.append(Transition("待区县审核", Action.WITHDRAW, DRAFT, CLERK))
    return rows


def _involved_district_clerks(session: Session, record: Pilot, target: str) -> list[int]:
    """On 确认分发 every involved district's clerks get the pushed progress task."""
    if target != PILOT_DISTRIBUTED:
        return []
    involved = select(PilotDistrict.org_id).where(PilotDistrict.pilot_id == record.id)
    return notifications.active_user_ids(session, roles=[Role.CLERK],
                                         org_ids=session.execute(involved).scalars().all())


SECTION = "改革探索力"
# Columns kept by the system, never shown in 审核记录.
INTERNAL = frozenset({"doc_number_norm", "updated_by", "updated_at", "created_by", "created_at",
                      "version", "status", "org_id", "id"})

PILOT_FLOW = register(Flow(
    module="pilot",
    label="试点项目",
    model=Pilot,
    labels={
        "name": "试点名称", "deploy_level": "部署层级", "doc_title": "文件依据",
        "doc_number": "文号", "scope_basis": "试点范围依据", "content": "试点内容及任务",
        "due_date": "完成时间", "dept_id": "主管市级部门", "batch": "批次", "is_secret": "涉密",
        "sent_offline": "涉密材料已线下报送", "evidence_by_dept": "请市级部门协助上传国家文件",
    },
    hidden=INTERNAL,
    section=SECTION,
    pages=(PageSpec("pages/pilot_entry.py", "试点项目录入", "edit"),
           PageSpec("pages/pilot_review.py", "试点项目审核", "review"),
           PageSpec("pages/pilot_list.py", "试点项目清单", "all")),
    open_key="open_pilot",
    transitions=clerk_editing(cancel=True) + [
        Transition(PILOT_DISTRICT_REVIEW, Action.APPROVE, PILOT_DEPT_CONFIRM, DISTRICT_REVIEWER),
        Transition(PILOT_DISTRICT_REVIEW, Action.REJECT, RETURNED, DISTRICT_REVIEWER),
        Transition(PILOT_DEPT_CONFIRM, Action.DISTRIBUTE, PILOT_DISTRIBUTED, DEPT_STAFF),
        Transition(PILOT_DEPT_CONFIRM, Action.REJECT, RETURNED, DEPT_STAFF),
    ],
    extra_recipients=_involved_district_clerks,
))
