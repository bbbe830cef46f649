"""Pieces the 改革探索力 flows share (SPEC §3): state names, who acts at each stage, and the
clerk's editing steps. Each module declares and registers its own flow in its own file."""
from models import Role
from services.review import DRAFT, RETURNED, Action, Transition, department, district, reform_office

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


SECTION = "改革探索力"
# Columns kept by the system, never shown in 审核记录.
INTERNAL = frozenset({"doc_number_norm", "updated_by", "updated_at", "created_by", "created_at",
                      "version", "status", "org_id", "id"})
