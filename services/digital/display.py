"""晾晒: a record is displayed, and counted, only when its whole chain holds (SPEC §5):
an item in the catalog; a 三张清单 查重通过 whose every linked item reached
进入三张清单编制等后续环节; an app on a displayed 三张清单, launched on or after its 查重通过日期;
a shared app whose app is displayed. Written as SQL so lists and counts stay in the database.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from models import DigitalApp, DigitalItem, DigitalPlan, DigitalPlanItem, DigitalShare, Org, OrgKind
from services.digital.common import IN_FORCE
from services.digital.items import CATALOG, PROCEED, WAITING
from services.digital.plans import PASSED
from services.review import DRAFT


def displayed_items():
    return DigitalItem.status.in_(CATALOG)


def displayed_plans(plan=DigitalPlan):
    """WHERE clause on DigitalPlan (or an alias of it): correlated on the plan only, so it
    also holds inside queries that join links or items of their own."""
    link, item = aliased(DigitalPlanItem), aliased(DigitalItem)
    not_ready = (select(link.plan_id).join(item, item.id == link.item_id)
                 .where(link.plan_id == plan.id, item.status != PROCEED).correlate(plan))
    any_link = select(link.plan_id).where(link.plan_id == plan.id).correlate(plan)
    return and_(plan.status == IN_FORCE, plan.stage == PASSED, plan.passed_on.is_not(None),
                exists(any_link), ~exists(not_ready))


def displayed_plan_ids():
    return select(DigitalPlan.id).where(displayed_plans())


def displayed_apps(app=DigitalApp):
    """WHERE clause on DigitalApp (or an alias of it)."""
    plan = aliased(DigitalPlan)
    plan_ok = (select(plan.id).where(plan.id == app.plan_id, displayed_plans(plan),
                                     app.launched_on >= plan.passed_on).correlate(app))
    return and_(app.status == IN_FORCE, app.launched_on.is_not(None), exists(plan_ok))


def displayed_shares(share=DigitalShare):
    app = aliased(DigitalApp)
    app_ok = select(app.id).where(app.id == share.app_id, displayed_apps(app)).correlate(share)
    return and_(share.status == IN_FORCE, share.shared_on.is_not(None), exists(app_ok))


def is_displayed(session: Session, model: type, row_id: int) -> bool:
    clause = {DigitalItem: displayed_items, DigitalPlan: displayed_plans,
              DigitalApp: displayed_apps, DigitalShare: displayed_shares}[model]()
    return session.execute(select(model.id).where(model.id == row_id, clause)).first() is not None


def why_not_displayed(session: Session, model: type, row_id: int) -> str:
    """Why a row is not displayed (晾晒) yet, in the manual's words ("" when it is), read from
    what is in force — the same chain as the clauses above, link by link."""
    row = session.get(model, row_id)
    if row is None or is_displayed(session, model, row_id):
        return ""
    if model is DigitalItem:
        return f"核准情况为“{row.status}”，纳入名录库后晾晒"
    if row.status != IN_FORCE:
        return "尚未经区县审核员审核通过"
    if model is DigitalPlan:
        if row.stage != PASSED:
            return f"当前状态为“{row.stage}”，市大数据发展局查重通过后晾晒"
        if row.passed_on is None:
            return "未填写查重通过日期"
        linked = list(session.execute(
            select(DigitalItem).join(DigitalPlanItem, DigitalPlanItem.item_id == DigitalItem.id)
            .where(DigitalPlanItem.plan_id == row.id).order_by(DigitalItem.id)).scalars())
        if not linked:
            return "未关联一件事"
        return "；".join(f"关联的一件事“{item.name}”核准情况为“{item.status}”，进入三张清单编制等"
                        "后续环节后晾晒" for item in linked if item.status != PROCEED)
    if model is DigitalApp:
        if row.launched_on is None:
            return "未填写上线时间"
        plan = session.get(DigitalPlan, row.plan_id) if row.plan_id else None
        if plan is None:
            return "未关联三张清单"
        if not is_displayed(session, DigitalPlan, plan.id):
            return f"关联的三张清单“{plan.name}”尚未晾晒"
        return f"上线时间早于关联三张清单的查重通过日期（{plan.passed_on:%Y-%m-%d}）"
    if row.shared_on is None:
        return "未填写认定共享日期"
    app = session.get(DigitalApp, row.app_id) if row.app_id else None
    return f"关联的特色应用“{app.name}”尚未晾晒" if app is not None else "未关联特色应用"


# --- the cockpit's counts --------------------------------------------------------------------

INDICATORS = {
    "items": "一件事纳入名录库数",
    "plans": "三张清单查重通过数",
    "apps": "上线特色应用数",
    "shares": "一地创新全市共享数",
}


def _indicator(key: str):
    """(model, displayed clause, the date that places a record in a period)."""
    return {
        "items": (DigitalItem, displayed_items(), DigitalItem.included_on),
        "plans": (DigitalPlan, displayed_plans(), DigitalPlan.passed_on),
        "apps": (DigitalApp, displayed_apps(), DigitalApp.launched_on),
        "shares": (DigitalShare, displayed_shares(), DigitalShare.shared_on),
    }[key]


def counted(key: str, *, start: date | None = None, end: date | None = None,
            district_id: int | None = None):
    """SELECT of the displayed records of an indicator in the period ([start, end] by its date)."""
    model, clause, day = _indicator(key)
    query = select(model).where(clause)
    if start:
        query = query.where(day >= start)
    if end:
        query = query.where(day <= end)
    if district_id:
        query = query.where(model.org_id == district_id)
    return query


def counted_records(session: Session, key: str, **period) -> list:
    """The displayed records behind a count (the cockpit's click-through; readable by all)."""
    model, _, day = _indicator(key)
    return list(session.execute(counted(key, **period).order_by(model.org_id, day, model.id))
                .scalars())


@dataclass(frozen=True)
class DistrictCounts:
    org_id: int
    district: str
    items: int = 0
    plans: int = 0
    apps: int = 0
    shares: int = 0
    submitted_items: int = 0    # items that reached 核准 (ever left the district)
    displayed_items: int = 0    # of those, in the catalog now

    @property
    def quality(self) -> float | None:
        """重质量、轻数量: the share of submitted items that reached display."""
        return self.displayed_items / self.submitted_items if self.submitted_items else None


def counts(session: Session, *, start: date | None = None, end: date | None = None,
           district_id: int | None = None) -> list[DistrictCounts]:
    """Per district: the four indicators (displayed records only, by each one's date) and the
    share of items submitted to 核准 that reached the catalog (items by their 核准 week)."""
    orgs = select(Org.id, Org.name).where(Org.kind == OrgKind.DISTRICT).order_by(Org.sort_order)
    if district_id:
        orgs = orgs.where(Org.id == district_id)
    figures: dict[int, dict] = {org_id: {"district": name} for org_id, name
                                in session.execute(orgs).all()}
    period = {"start": start, "end": end, "district_id": district_id}
    for key in INDICATORS:
        sub = counted(key, **period).subquery()
        for org_id, n in session.execute(select(sub.c.org_id, func.count())
                                         .group_by(sub.c.org_id)).all():
            if org_id in figures:
                figures[org_id][key] = n
    reached = DigitalItem.arrived_on.is_not(None)
    base = select(DigitalItem.org_id, func.count()).where(reached).group_by(DigitalItem.org_id)
    if start:
        base = base.where(DigitalItem.arrived_on >= start)
    if end:
        base = base.where(DigitalItem.arrived_on <= end)
    for org_id, n in session.execute(base).all():
        if org_id in figures:
            figures[org_id]["submitted_items"] = n
    for org_id, n in session.execute(base.where(displayed_items())).all():
        if org_id in figures:
            figures[org_id]["displayed_items"] = n
    return [DistrictCounts(org_id=org_id, **values) for org_id, values in figures.items()]


def waiting_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(DigitalItem)
                           .where(DigitalItem.status.in_(WAITING))).scalar_one()


__all__ = ["DRAFT", "counts", "counted_records", "displayed_items", "displayed_plans",
           "displayed_apps", "displayed_shares", "INDICATORS"]


# --- the cockpit's indicators (services.cockpit.indicators lists them) ---------------------------

def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def cockpit_count(key: str):
    """The indicator's counting function: displayed records by district and month of their
    own date (纳入名录库 / 查重通过 / 上线时间 / 认定共享)."""
    def count(session: Session, start: date | None, end: date | None, district_id: int | None):
        from services.cockpit.indicators import Counts
        model, _, day = _indicator(key)
        sub = counted(key, start=start, end=end, district_id=district_id).subquery()
        by_district: dict[int, int] = {}
        by_month: dict[str, int] = {}
        for org_id, when, n in session.execute(
                select(sub.c.org_id, sub.c[day.key], func.count())
                .group_by(sub.c.org_id, sub.c[day.key])).all():
            by_district[org_id] = by_district.get(org_id, 0) + n
            by_month[_month(when)] = by_month.get(_month(when), 0) + n
        return Counts(by_district=by_district, total=sum(by_district.values()), by_month=by_month)
    return count


def cockpit_ids(key: str):
    """The ids of exactly the records `cockpit_count` counted (a month narrows them)."""
    def ids(session: Session, start: date | None, end: date | None, district_id: int | None,
            group: str | None = None) -> list[int]:
        model, _, day = _indicator(key)
        query = counted(key, start=start, end=end, district_id=district_id)
        return list(session.execute(select(query.subquery().c.id)).scalars())
    return ids


def cockpit_rows(key: str):
    """The counted records as table rows (readable by every role from the cockpit: they are
    displayed, 晾晒, records)."""
    def rows(session: Session, ids: list[int], district_id: int | None) -> list[dict]:
        from services.digital.forms import row_view
        from services.digital.rows import KINDS
        kind = KINDS[{"items": "digital_item", "plans": "digital_plan", "apps": "digital_app",
                      "shares": "digital_share"}[key]]
        if not ids:
            return []
        names = dict(session.execute(select(Org.id, Org.name)).all())
        found = {r.id: r for r in session.execute(
            select(kind.model).where(kind.model.id.in_(ids))).scalars()}
        out = []
        for i in ids:
            if i in found:
                view = row_view(session, kind, found[i], in_force=True)
                out.append({"id": i, "区县": names.get(found[i].org_id, ""), **view.shown,
                            **({"核准情况": view.status} if key == "items" else {})})
        return out
    return rows
