"""Every module's review flow, declared as data (SPEC §2–§5)."""
from models import Pilot, Role
from services.review import (
    DRAFT, RETURNED, Action, Flow, Transition, department, district,
)

# 改革探索力 — pilot creation (SPEC §3.2)
PILOT_DISTRICT_REVIEW = "待区县审核"
PILOT_DEPT_CONFIRM = "待市级部门确认"
PILOT_DISTRIBUTED = "已分发"
PILOT_CANCELLED = "作废"

_clerk = district(Role.CLERK)
_district_reviewer = district(Role.REVIEWER)
_dept_staff = department(Role.CLERK, Role.REVIEWER)

PILOT_FLOW = Flow(
    module="pilot",
    label="试点项目",
    model=Pilot,
    transitions=[
        Transition(DRAFT, Action.SAVE, DRAFT, _clerk),
        Transition(DRAFT, Action.SUBMIT, PILOT_DISTRICT_REVIEW, _clerk),
        Transition(DRAFT, Action.CANCEL, PILOT_CANCELLED, _clerk),
        Transition(RETURNED, Action.SAVE, RETURNED, _clerk),
        Transition(RETURNED, Action.SUBMIT, PILOT_DISTRICT_REVIEW, _clerk),
        Transition(RETURNED, Action.CANCEL, PILOT_CANCELLED, _clerk),
        Transition(PILOT_DISTRICT_REVIEW, Action.WITHDRAW, DRAFT, _clerk),
        Transition(PILOT_DISTRICT_REVIEW, Action.APPROVE, PILOT_DEPT_CONFIRM, _district_reviewer),
        Transition(PILOT_DISTRICT_REVIEW, Action.REJECT, RETURNED, _district_reviewer),
        Transition(PILOT_DEPT_CONFIRM, Action.DISTRIBUTE, PILOT_DISTRIBUTED, _dept_staff),
        Transition(PILOT_DEPT_CONFIRM, Action.REJECT, RETURNED, _dept_staff),
    ],
)

FLOWS: list[Flow] = [PILOT_FLOW]
FLOWS_BY_MODULE = {f.module: f for f in FLOWS}
