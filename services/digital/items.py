"""一件事 (SPEC §5.1): the item, its two charts and its 核准情况 (the reform office's verdicts).

The item's status is its 核准情况. The district's approval of its form forwards an item to 核准
(a new item, a re-uploaded 原一图两清单, a 新一图两清单); the office's verdicts are this flow's
module actions; 移除名录库 is the clock's (`system()`), never chosen by hand.
"""
from datetime import date

from sqlalchemy import or_, select
from sqlmodel import Session

from models import DigitalDomain, DigitalItem, Role
from services import clock, files, notifications
from services.digital.common import (
    APPROVAL_STEP, CLERK, DELETE, DELETED, DISCARD, DISTRICT_REVIEWER, FORWARD, ROW_ENGINE,
    ROW_ENGINE_LABELS,
    ROW_INTERNAL, SECTION, RowKind, latest_files,
)
from services.identity import CurrentUser
from services.registry import register
from services.review import DRAFT, Flow, PageSpec, Transition, reform_office, system

MODULE = "digital_item"

# 核准情况 (the manual's words); the verdicts are what the office chooses.
PENDING_ORIGINAL = "待核准（原一图两清单）"
DEEPEN = "继续深化完善原一图两清单"
DUPLICATE = "已有重复事项"
INCLUDED = "纳入名录库并晾晒"
PENDING_NEW = "待核准（新一图两清单）"
IMPROVE_NEW = "继续完善新一图两清单"
PROCEED = "进入三张清单编制等后续环节"
REMOVED = "移除名录库"

# The verdicts as module actions: key → (label, valid from).
V_DEEPEN, V_DUPLICATE, V_INCLUDE, V_IMPROVE, V_PROCEED, V_REMOVE = (
    "deepen", "duplicate", "include", "improve", "proceed", "remove")
VERDICT_LABELS = {V_DEEPEN: DEEPEN, V_DUPLICATE: DUPLICATE, V_INCLUDE: INCLUDED,
                  V_IMPROVE: IMPROVE_NEW, V_PROCEED: PROCEED, V_REMOVE: REMOVED}
VERDICTS_ON = {PENDING_ORIGINAL: [V_DEEPEN, V_DUPLICATE, V_INCLUDE, V_PROCEED],
               PENDING_NEW: [V_IMPROVE, V_PROCEED]}

# The catalog (名录库): included and not removed.
CATALOG = (INCLUDED, PENDING_NEW, IMPROVE_NEW, PROCEED)
WAITING = (PENDING_ORIGINAL, PENDING_NEW)
# No new link may point at these (the manual: stop all further work on the item).
STOPPED = (DUPLICATE, REMOVED, DELETED)

ORIGINAL_CHART = "原一图两清单"
NEW_CHART = "新一图两清单"

LABELS = {"name": "事项名称", "domain_id": "重点领域", "intro": "简介",
          "verdict_on": "核准日期", "verdict_comment": "核准意见",
          "duplicate_of_id": "重复的已有事项", "duplicate_city": "重复的市级事项",
          "included_on": "纳入名录库日期", "new_chart_submitted_at": "新一图两清单上报时间",
          "new_chart_rejections": "新一图两清单被驳回次数", "proceeded_on": "进入后续环节日期",
          "arrived_on": "上报核准日期", "duplicate": "重复的已有事项"}
ENGINE = frozenset({"verdict_on", "included_on", "new_chart_submitted_at",
                    "new_chart_rejections", "proceeded_on", "arrived_on"}) | ROW_ENGINE
HIDDEN = ROW_INTERNAL | {"domain_id", "arrived_on", "duplicate_of_id"}

_office = reform_office(Role.REVIEWER)


# --- conditions and effects of the verdicts --------------------------------------------------

def has_target(session: Session, item: DigitalItem, _user) -> str | None:
    """已有重复事项 names the existing item: one in the system, or a city-level item in text."""
    if item.duplicate_of_id is None and not (item.duplicate_city or "").strip():
        return "请指明重复的已有事项：选择系统中的事项，或填写市级层面已策划的事项名称"
    if item.duplicate_of_id is not None:
        from services.records import is_id
        target = (session.get(DigitalItem, item.duplicate_of_id)
                  if is_id(item.duplicate_of_id) else None)
        if target is None or target.id == item.id or target.status in (DRAFT, DELETED):
            return "所选的已有事项不存在或不能作为重复对象，请重新选择"
        if target.status in (DUPLICATE, REMOVED):
            return (f"所选的“{target.name}”{target.status}，不能作为已有事项；"
                    "请选择其所重复的事项或名录库中的事项")
    return None


def has_both_charts(session: Session, item: DigitalItem, _user) -> str | None:
    """进入三张清单编制 straight from the 原一图两清单 stage needs the new chart as well."""
    if item.status == PENDING_ORIGINAL and NEW_CHART not in latest_files(
            session, record_type=MODULE, record_id=item.id):
        return f"该事项尚未上传“{NEW_CHART}”，不能直接“{PROCEED}”"
    return None


def _stamp_verdict(session: Session, item: DigitalItem, _user) -> None:
    item.verdict_on = clock.today()
    session.add(item)


def _stamp_included(session: Session, item: DigitalItem, _user) -> None:
    item.included_on = clock.today()
    item.new_chart_submitted_at = None
    item.new_chart_rejections = 0
    session.add(item)


def _stamp_proceeded(session: Session, item: DigitalItem, _user) -> None:
    item.proceeded_on = clock.today()
    if item.included_on is None:  # both charts judged at once
        item.included_on = item.proceeded_on
    session.add(item)


def _count_rejection(session: Session, item: DigitalItem, _user) -> None:
    """The second 继续完善新一图两清单 removes the item from the catalog at once."""
    item.new_chart_rejections = (item.new_chart_rejections or 0) + 1
    item.new_chart_submitted_at = None
    session.add(item)
    session.flush()
    if item.new_chart_rejections >= 2:
        from services.digital import deadlines  # the clock's steps live there
        deadlines.remove_from_catalog(session, item, reason="新一图两清单被市委改革办 2 次驳回")


def _clear_target(session: Session, item: DigitalItem, _user) -> None:
    """A verdict other than 已有重复事项 names no existing item."""
    if item.status != DUPLICATE and (item.duplicate_of_id or item.duplicate_city):
        item.duplicate_of_id, item.duplicate_city = None, ""
        session.add(item)


def _stamp_arrival(session: Session, item: DigitalItem, _user) -> None:
    item.arrived_on = clock.today()
    session.add(item)


def _district_told(session: Session, item: DigitalItem, target: str):
    """Every verdict and removal reaches the district's clerks and reviewers."""
    if target in (DEEPEN, DUPLICATE, INCLUDED, IMPROVE_NEW, PROCEED, REMOVED):
        return notifications.active_user_ids(session, roles=[Role.CLERK, Role.REVIEWER],
                                             org_ids=[item.org_id])
    return []


def _readable(user: CurrentUser):
    """A district reads its own items; 市委改革办 every item that left the district's draft."""
    if user.is_district:
        return DigitalItem.org_id == user.org_id
    if user.is_reform_office:
        return DigitalItem.status.not_in([DRAFT, DELETED])
    return DigitalItem.id < 0


def _verdict(source: str, action: str, target: str, **kw) -> Transition:
    on_enter = (_stamp_verdict, _clear_target) + tuple(kw.pop("on_enter", ()))
    return Transition(source, action, target, _office, on_enter=on_enter,
                      label=VERDICT_LABELS[action], **kw)


_forward = (_stamp_arrival,)
TRANSITIONS = [
    # The district's approval of its form forwards the item (with its chart) to 核准.
    Transition(DRAFT, FORWARD, PENDING_ORIGINAL, DISTRICT_REVIEWER, follows=APPROVAL_STEP,
               on_enter=_forward),
    Transition(DEEPEN, FORWARD, PENDING_ORIGINAL, DISTRICT_REVIEWER, follows=APPROVAL_STEP,
               on_enter=_forward),
    Transition(INCLUDED, FORWARD, PENDING_NEW, DISTRICT_REVIEWER, follows=APPROVAL_STEP,
               on_enter=_forward),
    Transition(IMPROVE_NEW, FORWARD, PENDING_NEW, DISTRICT_REVIEWER, follows=APPROVAL_STEP,
               on_enter=_forward),
    Transition(DRAFT, DISCARD, DELETED, CLERK, follows="删除草稿行"),
    # 市委改革办's weekly verdicts.
    _verdict(PENDING_ORIGINAL, V_DEEPEN, DEEPEN, reason=True),
    _verdict(PENDING_ORIGINAL, V_DUPLICATE, DUPLICATE, conditions=(has_target,)),
    _verdict(PENDING_ORIGINAL, V_INCLUDE, INCLUDED, on_enter=(_stamp_included,)),
    _verdict(PENDING_ORIGINAL, V_PROCEED, PROCEED, conditions=(has_both_charts,),
             on_enter=(_stamp_proceeded,)),
    _verdict(PENDING_NEW, V_IMPROVE, IMPROVE_NEW, reason=True, on_enter=(_count_rejection,)),
    _verdict(PENDING_NEW, V_PROCEED, PROCEED, on_enter=(_stamp_proceeded,)),
    # The clock: no 新一图两清单 within a month of inclusion, or a second rejection.
    Transition(INCLUDED, V_REMOVE, REMOVED, system(), label=REMOVED),
    Transition(IMPROVE_NEW, V_REMOVE, REMOVED, system(), label=REMOVED),
]
# A district may take a row in force out of its tables (not while the office is deciding).
TRANSITIONS += [Transition(s, DELETE, DELETED, DISTRICT_REVIEWER, follows=APPROVAL_STEP)
                for s in (DEEPEN, DUPLICATE, INCLUDED, IMPROVE_NEW, PROCEED, REMOVED)]

ITEM_FLOW = register(Flow(
    module=MODULE,
    label="一件事",
    model=DigitalItem,
    title_field="name",
    labels={**LABELS, **ROW_ENGINE_LABELS},
    hidden=HIDDEN,
    section=SECTION,
    action_labels={FORWARD: "区县审核通过", DISCARD: "删除", DELETE: "删除", **VERDICT_LABELS},
    pages=(PageSpec("pages/digital_verdicts.py", "一件事核准", "review"),),
    print_fields=("name", "domain_id", "intro", "verdict_on", "verdict_comment", "duplicate",
                  "included_on", "proceeded_on"),
    print_extra=lambda session, item: {"duplicate": _duplicate_text(session, item)},
    opened_on="digital_form",
    open_key="open_digital_item",
    readable=_readable,
    extra_recipients=_district_told,
    engine_columns=ENGINE,
    transitions=TRANSITIONS,
))


def _duplicate_text(session: Session, item: DigitalItem) -> str:
    from services.digital.verdicts import duplicate_target
    return duplicate_target(session, item)


# --- the row kind ------------------------------------------------------------------------------

def domain_name(session: Session, domain_id: int | None) -> str:
    domain = session.get(DigitalDomain, domain_id) if domain_id else None
    return domain.name if domain else ""


def _needed_files(values: dict) -> list[str]:
    return [ORIGINAL_CHART]


def _validate(session: Session, actor: CurrentUser, values: dict, row) -> None:
    from services.errors import ValidationError

    if "domain_id" in values and values["domain_id"] is not None:
        domain = session.get(DigitalDomain, values["domain_id"])
        kept = row is not None and row.domain_id == values["domain_id"]
        if domain is None or (domain.retired and not kept):
            raise ValidationError("请选择在用的重点领域")
    if row is not None and row.status in WAITING:
        raise ValidationError(f"“{row.name}”正在等待市委改革办核准，核准后再修改")
    if (row is not None and row.status in CATALOG and "name" in values
            and values["name"] != row.name):
        raise ValidationError(f"“{row.name}”已纳入名录库，事项名称以市委改革办核准的为准，不能修改")
    if row is not None and row.status in (DUPLICATE, REMOVED) and set(values) - {"intro"}:
        raise ValidationError(f"“{row.name}”{row.status}，不得开展后续工作，只能删除或补充简介")


def chart_stage(item: DigitalItem) -> str | None:
    """Which chart the item needs now (what a re-upload sends to 核准), or None."""
    if item.status in (DRAFT, DEEPEN):
        return ORIGINAL_CHART
    if item.status in (INCLUDED, IMPROVE_NEW):
        return NEW_CHART
    return None


ITEM = RowKind(
    key=MODULE, label="一件事", table="一件事", flow=ITEM_FLOW,
    fields=[("name", "事项名称"), ("domain_id", "重点领域"), ("intro", "简介")],
    required=["name", "domain_id"],
    purposes={ORIGINAL_CHART: files.CHART, NEW_CHART: files.CHART},
    needed_files=_needed_files,
    validate=_validate,
)


def linkable(session: Session, item_ids: list[int], actor: CurrentUser) -> list[DigitalItem]:
    """Own-district items a new link may point at (not stopped), or a refusal naming the rest."""
    from services.errors import ValidationError

    from services.records import is_id
    if not all(is_id(i) for i in item_ids):
        raise ValidationError("只能关联本区县的一件事")
    ids = sorted(set(item_ids))
    found = {i.id: i for i in session.execute(
        select(DigitalItem).where(DigitalItem.id.in_(ids))).scalars()} if ids else {}
    for i in ids:
        item = found.get(i)
        if item is None or item.org_id != actor.org_id:
            raise ValidationError("只能关联本区县的一件事")
        if item.status in STOPPED:
            raise ValidationError(f"“{item.name}”{item.status}，不能再关联")
    return [found[i] for i in ids]


def deadline_of_deepen(item: DigitalItem) -> date | None:
    """继续深化完善: re-upload within 7 days of the verdict."""
    from datetime import timedelta
    return item.verdict_on + timedelta(days=7) if item.verdict_on else None


def search_filter(text: str):
    like = f"%{text}%"
    return or_(DigitalItem.name.like(like), DigitalItem.intro.like(like))
