"""The pilot-creation transition table, checked for every state × action × persona."""
from dataclasses import dataclass

import pytest

from models import OrgKind, Role
from services.brand import BRAND_FLOW
from services.pilots import PILOT_FLOW
from services.progress import PROGRESS_FLOW
from services import registry
from services.identity import CurrentUser
from services.review import Action

OWN, OTHER, DEPT, OTHER_DEPT, OFFICE = 1, 2, 100, 101, 200

PERSONAS = {
    "own_clerk": (OWN, OrgKind.DISTRICT, Role.CLERK),
    "own_reviewer": (OWN, OrgKind.DISTRICT, Role.REVIEWER),
    "own_leader": (OWN, OrgKind.DISTRICT, Role.LEADER),
    "other_clerk": (OTHER, OrgKind.DISTRICT, Role.CLERK),
    "other_reviewer": (OTHER, OrgKind.DISTRICT, Role.REVIEWER),
    "dept_clerk": (DEPT, OrgKind.DEPARTMENT, Role.CLERK),
    "dept_reviewer": (DEPT, OrgKind.DEPARTMENT, Role.REVIEWER),
    "other_dept_clerk": (OTHER_DEPT, OrgKind.DEPARTMENT, Role.CLERK),
    "office_reviewer": (OFFICE, OrgKind.REFORM_OFFICE, Role.REVIEWER),
    "office_leader": (OFFICE, OrgKind.REFORM_OFFICE, Role.LEADER),
    "admin": (OFFICE, OrgKind.REFORM_OFFICE, Role.ADMIN),
}

# Who may do what, written out by hand from SPEC §3.2 (not derived from the table under test).
EXPECTED = {
    ("草稿", Action.SAVE): {"own_clerk"},
    ("草稿", Action.SUBMIT): {"own_clerk"},
    ("草稿", Action.CANCEL): {"own_clerk"},
    ("退回修改", Action.SAVE): {"own_clerk"},
    ("退回修改", Action.SUBMIT): {"own_clerk"},
    ("退回修改", Action.CANCEL): {"own_clerk"},
    ("待区县审核", Action.WITHDRAW): {"own_clerk"},
    ("待区县审核", Action.APPROVE): {"own_reviewer"},
    ("待区县审核", Action.REJECT): {"own_reviewer"},
    ("待市级部门确认", Action.DISTRIBUTE): {"dept_clerk", "dept_reviewer"},
    ("待市级部门确认", Action.REJECT): {"dept_clerk", "dept_reviewer"},
}
STATES = ["草稿", "退回修改", "待区县审核", "待市级部门确认", "已分发", "作废"]


@dataclass
class FakePilot:
    status: str
    org_id: int = OWN
    dept_id: int = DEPT
    created_by: int = 999
    updated_by: int = 999


def persona(name: str, uid: int = 1) -> CurrentUser:
    org_id, kind, role = PERSONAS[name]
    return CurrentUser(id=uid, phone="13800000000", name=name, org_id=org_id, org_name="x",
                       org_kind=kind, roles=frozenset({role.value}))


def test_available_actions_of_district_clerk_on_draft():
    actions = PILOT_FLOW.available_actions(FakePilot(status="草稿"), persona("own_clerk"))

    assert actions == [Action.SAVE, Action.SUBMIT, Action.CANCEL]


def test_reviewer_cannot_approve_record_they_created_or_last_edited():
    reviewer = persona("own_reviewer", uid=7)

    created = PILOT_FLOW.refusal(Action.APPROVE, FakePilot("待区县审核", created_by=7), reviewer)
    edited = PILOT_FLOW.refusal(Action.APPROVE, FakePilot("待区县审核", updated_by=7), reviewer)

    assert "自己创建或最后修改" in created
    assert "自己创建或最后修改" in edited


def test_refusal_names_the_state_and_action_in_chinese():
    why = PILOT_FLOW.refusal(Action.APPROVE, FakePilot("草稿"), persona("own_reviewer"))

    assert why == "当前状态为“草稿”，不能执行“通过”"


def _reachable(flow) -> set[str]:
    reachable, frontier = {"草稿"}, ["草稿"]
    while frontier:
        state = frontier.pop()
        for t in flow.transitions:
            if t.source == state and t.target not in reachable:
                reachable.add(t.target)
                frontier.append(t.target)
    return reachable


# Progress revisions (SPEC §3.5): clerk → district reviewer → department → reform office.
PROGRESS_EXPECTED = {
    **{(s, a): {"own_clerk"} for s in ("草稿", "退回修改")
       for a in (Action.SAVE, Action.SUBMIT, Action.CANCEL)},
    ("待区县审核", Action.WITHDRAW): {"own_clerk"},
    ("待区县审核", Action.APPROVE): {"own_reviewer"},
    ("待区县审核", Action.REJECT): {"own_reviewer"},
    ("待市级部门审核", Action.APPROVE): {"dept_clerk", "dept_reviewer"},
    ("待市级部门审核", Action.REJECT): {"dept_clerk", "dept_reviewer"},
    ("待市委改革办确认", Action.APPROVE): {"office_reviewer"},
    ("待市委改革办确认", Action.REJECT): {"office_reviewer"},
}
PROGRESS_STATES = ["草稿", "退回修改", "待区县审核", "待市级部门审核", "待市委改革办确认", "已确认",
                   "作废"]


# Brand highlights (SPEC §4): clerk → district reviewer → reform office; only districts enter.
BRAND_EXPECTED = {
    **{(s, a): {"own_clerk"} for s in ("草稿", "退回修改")
       for a in (Action.SAVE, Action.SUBMIT, Action.CANCEL)},
    ("待区县审核", Action.WITHDRAW): {"own_clerk"},
    ("待区县审核", Action.APPROVE): {"own_reviewer"},
    ("待区县审核", Action.REJECT): {"own_reviewer"},
    ("待市委改革办审核", Action.APPROVE): {"office_reviewer"},
    ("待市委改革办审核", Action.REJECT): {"office_reviewer"},
    ("已通过", Action.REJECT): {"office_reviewer"},  # 撤销通过 of an approval made by mistake
}
BRAND_STATES = ["草稿", "退回修改", "待区县审核", "待市委改革办审核", "已通过", "作废"]


# 数字重庆建设 (SPEC §5): the district's form goes clerk → district reviewer as one submission.
DIGITAL_FORM_EXPECTED = {
    **{(s, a): {"own_clerk"} for s in ("草稿", "退回修改") for a in (Action.SAVE, Action.SUBMIT)},
    ("待区县审核", Action.WITHDRAW): {"own_clerk"},
    ("待区县审核", Action.APPROVE): {"own_reviewer"},
    ("待区县审核", Action.REJECT): {"own_reviewer"},
}
DIGITAL_FORM_STATES = ["草稿", "退回修改", "待区县审核", "已通过"]

# 一件事: the form's approval forwards it (the district's reviewer); 市委改革办's reviewers give the
# verdicts valid at each stage; 移除名录库 is the clock's, which no persona may take.
ORIGINAL, NEW = "待核准（原一图两清单）", "待核准（新一图两清单）"
ITEM_EXPECTED = {
    ("草稿", "forward"): {"own_reviewer"},
    ("继续深化完善原一图两清单", "forward"): {"own_reviewer"},
    ("纳入名录库并晾晒", "forward"): {"own_reviewer"},
    ("继续完善新一图两清单", "forward"): {"own_reviewer"},
    ("草稿", Action.CANCEL): {"own_clerk"},
    **{(ORIGINAL, v): {"office_reviewer"} for v in ("deepen", "duplicate", "include", "proceed")},
    **{(NEW, v): {"office_reviewer"} for v in ("improve", "proceed")},
    **{(s, "delete"): {"own_reviewer"} for s in (
        "继续深化完善原一图两清单", "已有重复事项", "纳入名录库并晾晒", "继续完善新一图两清单",
        "进入三张清单编制等后续环节", "移除名录库")},
}
ITEM_STATES = ["草稿", ORIGINAL, "继续深化完善原一图两清单", "已有重复事项", "纳入名录库并晾晒", NEW,
               "继续完善新一图两清单", "进入三张清单编制等后续环节", "移除名录库", "已删除"]
# 三张清单, apps and shares: put in force by the form's approval, removed the same way.
DIGITAL_ROW_EXPECTED = {
    ("草稿", "forward"): {"own_reviewer"},
    ("草稿", Action.CANCEL): {"own_clerk"},
    ("已通过", "delete"): {"own_reviewer"},
}
DIGITAL_ROW_STATES = ["草稿", "已通过", "已删除"]


FLOW_TABLES = {"pilot": (PILOT_FLOW, EXPECTED, STATES),
               "progress": (PROGRESS_FLOW, PROGRESS_EXPECTED, PROGRESS_STATES),
               "brand": (BRAND_FLOW, BRAND_EXPECTED, BRAND_STATES),
               "digital_form": (registry.get("digital_form"), DIGITAL_FORM_EXPECTED,
                                DIGITAL_FORM_STATES),
               "digital_item": (registry.get("digital_item"), ITEM_EXPECTED, ITEM_STATES),
               **{module: (registry.get(module), DIGITAL_ROW_EXPECTED, DIGITAL_ROW_STATES)
                  for module in ("digital_plan", "digital_app", "digital_share")}}


def test_every_registered_flow_has_a_hand_written_permission_table():
    assert {f.module for f in registry.flows()} == set(FLOW_TABLES)


@pytest.mark.parametrize("module", sorted(FLOW_TABLES))
def test_every_state_of_every_flow_is_reachable_from_draft(module):
    flow, _, states = FLOW_TABLES[module]

    assert registry.get(module) is flow
    assert _reachable(flow) == set(states) == set(flow.states)


def _actions(flow) -> list[str]:
    return sorted({str(t.action) for t in flow.transitions} | set(Action), key=str)


@pytest.mark.parametrize("flow, state, action, who", [
    (name, state, action, who)
    for name, (table, _, states) in FLOW_TABLES.items()
    for state in states for action in _actions(table) for who in PERSONAS
])
def test_flow_allows_exactly_the_expected_personas(flow, state, action, who):
    table, expected, _ = FLOW_TABLES[flow]

    allowed = table.can(action, FakePilot(status=state), persona(who))

    assert allowed == (who in expected.get((state, action), set()))


# --- pages ask the module: whose rows a list covers, who takes a step -----------------------

@pytest.mark.parametrize("flow, who, expected", [
    (PILOT_FLOW, "own_leader", "own"), (PILOT_FLOW, "dept_clerk", "supervised"),
    (PILOT_FLOW, "office_leader", "every"), (PROGRESS_FLOW, "own_clerk", "own"),
    (PROGRESS_FLOW, "dept_reviewer", "supervised"), (BRAND_FLOW, "own_reviewer", "own"),
    (BRAND_FLOW, "dept_clerk", None), (BRAND_FLOW, "admin", "every"),
])
def test_each_module_says_whose_records_its_lists_cover(flow, who, expected):
    assert flow.coverage(persona(who)) == expected


def test_only_the_department_takes_distribute_and_so_handles_join_requests():
    takers = {name for name in PERSONAS if PILOT_FLOW.takes(Action.DISTRIBUTE, persona(name))}

    assert takers == {"dept_clerk", "dept_reviewer", "other_dept_clerk"}


@pytest.mark.parametrize("flow, stages", [
    (PILOT_FLOW, ["待区县审核", "待市级部门确认"]),
    (PROGRESS_FLOW, ["待区县审核", "待市级部门审核", "待市委改革办确认"]),
    (BRAND_FLOW, ["待区县审核", "待市委改革办审核"]),
    (registry.get("digital_form"), ["待区县审核"]),
    (registry.get("digital_item"), ["待核准（原一图两清单）", "待核准（新一图两清单）"]),
])
def test_only_review_steps_are_stages_of_the_rejection_rate(flow, stages):
    assert flow.review_stages == stages
