"""应用“三张清单” (SPEC §5.2): lists for a planned app, built on one or more own 一件事; each
当前状态 asks for its own files, and only a 查重通过 list whose items all reached
进入三张清单编制等后续环节 is displayed (晾晒)."""
from sqlalchemy import select
from sqlmodel import Session

from models import DigitalItem, DigitalPlan, DigitalPlanItem
from services import clock, files
from services.digital.common import (
    ROW_ENGINE, ROW_ENGINE_LABELS, ROW_INTERNAL, SECTION, RowKind, readable_rows, row_transitions,
)
from services.digital import items as items_mod
from services.errors import ValidationError
from services.identity import CurrentUser
from services.registry import register
from services.review import Flow

MODULE = "digital_plan"

DRAFTING = "编制中"
REVIEWED = "区县数建办已论证审查通过正报市大数据发展局查重"
PASSED = "市大数据发展局查重通过"
STAGES = [DRAFTING, REVIEWED, PASSED]

REVIEW_OPINION = "区县数建办论证审查意见"
CHECK_OPINION = "市大数据发展局查重通过意见"
LISTS_TEXT = "三张清单文本"
NEEDED = {DRAFTING: [], REVIEWED: [REVIEW_OPINION], PASSED: [REVIEW_OPINION, CHECK_OPINION, LISTS_TEXT]}

LABELS = {"name": "应用名称", "stage": "当前状态", "passed_on": "查重通过日期",
          "item_ids": "关联一件事"}


PLAN_FLOW = register(Flow(
    module=MODULE, label="应用“三张清单”", model=DigitalPlan, title_field="name",
    labels={**LABELS, **ROW_ENGINE_LABELS}, hidden=ROW_INTERNAL, section=SECTION,
    action_labels={"forward": "区县审核通过", "cancel": "删除", "delete": "删除"},
    opened_on="digital_form",
    open_key="open_digital_plan", readable=readable_rows(DigitalPlan), engine_columns=ROW_ENGINE,
    print_fields=("name", "item_ids", "stage", "passed_on"),
    print_extra=lambda session, plan: {"item_ids": "、".join(session.execute(
        select(DigitalItem.name).join(DigitalPlanItem, DigitalPlanItem.item_id == DigitalItem.id)
        .where(DigitalPlanItem.plan_id == plan.id).order_by(DigitalItem.id)).scalars())},
    transitions=row_transitions(),
))


def linked_item_ids(session: Session, plan_id: int) -> list[int]:
    """关联一件事 as in force."""
    return sorted(session.execute(select(DigitalPlanItem.item_id)
                                  .where(DigitalPlanItem.plan_id == plan_id)).scalars())


def _validate(session: Session, actor: CurrentUser, values: dict, row) -> None:
    stage = values.get("stage", row.stage if row is not None else DRAFTING)
    if stage not in STAGES:
        raise ValidationError("请选择“当前状态”：" + "、".join(STAGES))
    passed_on = values.get("passed_on", row.passed_on if row is not None else None)
    if stage == PASSED and passed_on is None and "passed_on" in values:
        raise ValidationError("“市大数据发展局查重通过”须填写查重通过日期")
    if passed_on is not None and passed_on > clock.today():
        raise ValidationError(f"“查重通过日期”{passed_on:%Y-%m-%d} 晚于今天，请按实际日期填写")
    if "item_ids" in values:
        ids = values["item_ids"] or []
        if not isinstance(ids, (list, tuple)) or not all(isinstance(i, int) for i in ids):
            raise ValidationError("“关联一件事”格式不正确")
        kept = set(linked_item_ids(session, row.id)) if row is not None and row.id else set()
        new = [i for i in ids if i not in kept]  # an existing link may stay when the item stops
        items_mod.linkable(session, new, actor)


def _needed(values: dict) -> list[str]:
    return NEEDED.get(values.get("stage") or DRAFTING, [])


PLAN = RowKind(
    key=MODULE, label="应用“三张清单”", table="应用“三张清单”", flow=PLAN_FLOW,
    fields=[("name", "应用名称"), ("item_ids", "关联一件事"), ("stage", "当前状态"),
            ("passed_on", "查重通过日期")],
    required=["name", "item_ids", "stage"],
    purposes={REVIEW_OPINION: files.CHART, CHECK_OPINION: files.CHART, LISTS_TEXT: files.CHART},
    needed_files=_needed,
    validate=_validate,
    link_keys=("item_ids",),
)
