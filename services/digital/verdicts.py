"""一件事核准 (SPEC §5.1): 市委改革办's weekly verdicts.

The items waiting for a verdict, by week (Friday to Thursday), grouped by similarity across
districts so the office can compare near-identical items side by side and pick the best; each
verdict is a module action of the item's flow, valid at its stage; deciding a group gives the
chosen item its verdict and the others 已有重复事项 pointing at it, in one step.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import false, func, select
from sqlmodel import Session

from models import Attachment, DigitalItem, Org
from services import clock, files, limits, records
from services.db import transactional
from services.digital import deadlines, similarity
from services.digital.items import (
    DUPLICATE, ITEM_FLOW, NEW_CHART, ORIGINAL_CHART, V_DUPLICATE, VERDICT_LABELS, VERDICTS_ON,
    WAITING, domain_name,
)
from services.errors import PermissionDenied, ValidationError
from services.identity import CurrentUser, require_active

FRIDAY = 4
# The verdicts a group's chosen item may take (the others then duplicate it).
GROUP_VERDICTS = ("include", "proceed")


def week_of(day: date) -> tuple[date, date]:
    """The 核准 week (Friday to Thursday) holding `day`."""
    start = day - timedelta(days=(day.weekday() - FRIDAY) % 7)
    return start, start + timedelta(days=6)


def week_label(start: date) -> str:
    end = start + timedelta(days=6)
    return f"{start:%Y-%m-%d}（周五）至 {end:%Y-%m-%d}（周四）"


def _require_office(session: Session, actor: CurrentUser) -> None:
    require_active(session, actor)
    if not ITEM_FLOW.may_review(actor):
        raise PermissionDenied("只有市委改革办审核员可以核准一件事")


def weeks(session: Session, *, actor: CurrentUser) -> list[tuple[date, int]]:
    """Weeks with items waiting (start, count), newest first, the current week always listed."""
    _require_office(session, actor)
    deadlines.tick(session)
    found: dict[date, int] = {week_of(clock.today())[0]: 0}
    for day, n in session.execute(select(DigitalItem.arrived_on, func.count())
                                  .where(DigitalItem.status.in_(WAITING),
                                         DigitalItem.arrived_on.is_not(None))
                                  .group_by(DigitalItem.arrived_on)).all():
        start = week_of(day)[0]
        found[start] = found.get(start, 0) + n
    return sorted(found.items(), reverse=True)


@dataclass
class Waiting:
    id: int
    version: int
    name: str
    district: str
    org_id: int
    domain: str
    intro: str
    status: str                       # 待核准（原一图两清单） / 待核准（新一图两清单）
    verdicts: list[tuple[str, str]]   # (action, label) valid at its stage
    charts: list[tuple[int, str, str]] = field(default_factory=list)  # (id, purpose, name)
    similar_catalog: list[str] = field(default_factory=list)


def _waiting(session: Session, item: DigitalItem, district: str) -> Waiting:
    charts = [(a.id, a.purpose, a.original_name) for a in files.attachments_of(
        session, record_type=ITEM_FLOW.module, record_id=item.id)
        if a.purpose in (ORIGINAL_CHART, NEW_CHART)]
    return Waiting(id=item.id, version=item.version, name=item.name, district=district,
                   org_id=item.org_id, domain=domain_name(session, item.domain_id),
                   intro=item.intro, status=item.status,
                   verdicts=[(v, VERDICT_LABELS[v]) for v in VERDICTS_ON.get(item.status, [])],
                   charts=charts[::-1])


def groups(session: Session, *, actor: CurrentUser, week_start: date | None = None
           ) -> list[list[Waiting]]:
    """The week's waiting items grouped by similarity across districts (near-identical
    names together, the largest groups first); each group's items by district."""
    _require_office(session, actor)
    deadlines.tick(session)
    start, end = week_of(week_start or clock.today())
    rows = session.execute(
        select(DigitalItem, Org.name).join(Org, Org.id == DigitalItem.org_id)
        .where(DigitalItem.status.in_(WAITING), DigitalItem.arrived_on >= start,
               DigitalItem.arrived_on <= end)
        .order_by(Org.sort_order, DigitalItem.id)).all()
    by_id = {item.id: (item, name) for item, name in rows}
    clusters = similarity.groups([(item.id, item.name) for item, _ in rows])
    out = [[_waiting(session, *by_id[i]) for i in cluster] for cluster in clusters]
    out.sort(key=lambda g: -len(g))
    index = _catalog_index(session)
    for group in out:
        for w in group:
            w.similar_catalog = [f"{m.name}" for m in index.best(w.name, limit=3)
                                 if m.key != w.id]
    return out


def _catalog_index(session: Session) -> "similarity.NameIndex":
    from services.digital.catalog import catalog_names
    return similarity.NameIndex(catalog_names(session))


def _values(verdict: str, comment: str, duplicate_of_id: int | None, duplicate_city: str) -> dict:
    values = {"verdict_comment": (comment or "").strip()}
    if verdict == V_DUPLICATE:
        values["duplicate_of_id"] = duplicate_of_id
        values["duplicate_city"] = (duplicate_city or "").strip()
        limits.check_text("重复的市级事项", values["duplicate_city"],
                          limits.max_length(DigitalItem, "duplicate_city"))
    limits.check_text("核准意见", values["verdict_comment"],
                      limits.max_length(DigitalItem, "verdict_comment"), multiline=True)
    return values


def _give(session: Session, actor: CurrentUser, item_id: int, version: int, verdict: str,
          comment: str, duplicate_of_id: int | None = None, duplicate_city: str = ""
          ) -> DigitalItem:
    if verdict not in VERDICT_LABELS or verdict == "remove":
        raise ValidationError("请选择核准意见（移除名录库由系统按期限自动执行，不能手动选择）")
    if isinstance(duplicate_of_id, bool) or (duplicate_of_id is not None
                                             and not isinstance(duplicate_of_id, int)):
        raise ValidationError("重复的已有事项格式不正确")
    records.get(session, flow=ITEM_FLOW, actor=actor, record_id=item_id)
    return ITEM_FLOW.apply(session, record_id=item_id, action=verdict, actor=actor,
                           version=version, comment=comment,
                           values=_values(verdict, comment, duplicate_of_id, duplicate_city))


@transactional
def give(session: Session, *, actor: CurrentUser, item_id: int, version: int, verdict: str,
         comment: str = "", duplicate_of_id: int | None = None,
         duplicate_city: str = "") -> DigitalItem:
    """One verdict on one item (refused when not valid at its stage)."""
    _require_office(session, actor)
    return _give(session, actor, item_id, version, verdict, comment, duplicate_of_id,
                 duplicate_city)


@transactional
def decide_group(session: Session, *, actor: CurrentUser, chosen: tuple[int, int], verdict: str,
                 others: list[tuple[int, int]], comment: str = "") -> DigitalItem:
    """The chosen item (id, version) gets `verdict`; every other gets 已有重复事项 pointing at
    it — all or nothing."""
    _require_office(session, actor)
    if others and verdict not in GROUP_VERDICTS:
        raise ValidationError("一并核准时，选中的最佳事项只能“纳入名录库并晾晒”或“进入三张清单编制等后续环节”，"
                              "其余事项才能指向它作为已有重复事项")
    chosen_id, chosen_version = chosen
    other_ids = [i for i, _ in others]
    if chosen_id in other_ids:
        raise ValidationError("选中的事项不能同时作为重复事项")
    if repeated := sorted({i for i in other_ids if other_ids.count(i) > 1}):
        names = "、".join(_name(session, i) for i in repeated)
        raise ValidationError(f"重复事项中有事项出现了两次：{names}，请刷新后重新选择")
    weeks = {week_of(d)[0] for d in session.execute(
        select(DigitalItem.arrived_on).where(DigitalItem.id.in_([chosen_id, *other_ids])
                                             if all(map(records.is_id, [chosen_id, *other_ids]))
                                             else false())).scalars() if d is not None}
    if len(weeks) > 1:
        raise ValidationError("一并核准只能在同一核准周（周五至周四）上报的事项之间进行")
    item = _give(session, actor, chosen_id, chosen_version, verdict, comment)
    for other_id, other_version in others:
        _give(session, actor, other_id, other_version, V_DUPLICATE,
              f"与{_district(session, item)}“{item.name}”重复，已选择该事项纳入",
              duplicate_of_id=item.id)
    return item


def _name(session: Session, item_id: int) -> str:
    item = session.get(DigitalItem, item_id) if records.is_id(item_id) else None
    return f"“{item.name}”" if item is not None else f"#{item_id}"


def _district(session: Session, item: DigitalItem) -> str:
    org = session.get(Org, item.org_id)
    return org.name if org else ""


def duplicate_target(session: Session, item: DigitalItem) -> str:
    """已有重复事项: the existing item as the district sees it."""
    if item.status != DUPLICATE:
        return ""
    if item.duplicate_of_id:
        target = session.get(DigitalItem, item.duplicate_of_id)
        if target is not None:
            return f"{_district(session, target)}“{target.name}”"
    return f"市级层面“{item.duplicate_city}”" if item.duplicate_city else ""


def chart(session: Session, *, actor: CurrentUser, attachment_id: int) -> Attachment:
    """A chart of an item the office may read (download, side by side)."""
    from services.digital.forms import attachment
    return attachment(session, actor=actor, attachment_id=attachment_id)
