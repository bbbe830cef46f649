"""The cockpit's indicators (SPEC §6 KPI cards), declared in one list: `INDICATORS`.

Each indicator names its counting function — (session, start, end, district_id) → `Counts` per
district, the figure, per month and per group — and the function returning the ids of exactly
the records it counted (for click-through), with a function describing those records as table
rows. A module's indicators plug in by adding entries (数字重庆建设's four come with its module).

Only confirmed / approved data counts, each indicator with its own date rule:
- 承接试点数: a distributed pilot, dated by 确认分发 (when its 推进任务 reached the district; a
  district the department adds later, from then). It counts once for each involved district and
  once city-wide (at its 确认分发).
- 已完成试点数: a pilot × district whose revision in force (the newest 已确认 one) says 已完成,
  dated by that revision's 验收时间; city-wide once per pilot, at its earliest 验收时间.
- 试点成果数: one 试点成果 row of a revision in force = one result, dated by the confirmation of
  the revision that first brought that row (a later revision that carries it keeps its date).
- 品牌亮点数: an 已通过 brand entry, dated by its 获评日期, by 获评类别.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Callable

from sqlalchemy import and_, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from models import (
    Achievement, BrandCategory, BrandEntry, Org, Pilot, ProgressRevision, ProgressTask,
)
from services import brand
from services.cockpit.periods import month_of_date, month_of_instant
from services.clock import LOCAL_TZ
from services.flows import PILOT_DISTRIBUTED, PROGRESS_CONFIRMED
from services.progress import COMPLETED, IN_PROGRESS

PILOTS = "改革探索力"
BRAND = "改革品牌显示度"
DIGITAL = "数字重庆建设"
UNREPORTED = "未填报"
PROGRESS_GROUPS = [IN_PROGRESS, COMPLETED, UNREPORTED]
SECRET = "涉密"


@dataclass(frozen=True)
class Counts:
    """What a counting function returns for a period (and, when given, one district)."""

    by_district: dict[int, int]                 # district id → its figure
    total: int                                  # the city's figure (or the chosen district's)
    by_month: dict[str, int]                    # YYYY-MM → the figure's part in that month
    by_group: dict[str, int] = field(default_factory=dict)   # e.g. 获评类别 → part of `total`
    # (district, group) → count, for the status breakdown by district
    by_district_group: dict[tuple[int, str], int] = field(default_factory=dict)


CountFn = Callable[[Session, date | None, date | None, int | None], Counts]
# (session, start, end, district_id, group=None) → the ids of exactly the counted records
IdsFn = Callable[..., list[int]]
# (session, ids, district_id) → the records as table rows (each with its "id")
RowsFn = Callable[[Session, list[int], int | None], list[dict]]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    section: str
    count: CountFn
    record_ids: IdsFn
    rows: RowsFn
    unit: str = "个"
    rule: str = ""          # how it is counted, in the manual's words (cards and 简报)
    group_label: str = ""   # what `by_group` breaks the figure down by
    groups: Callable[[Session], list[str]] | None = None  # every group, in display order
    focus: bool = False     # shown under 重点关注


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _instant_between(column, start: date | None, end: date | None) -> list:
    """`column` (a stored instant) on a Beijing date in [start, end]."""
    out = []
    if start is not None:
        out.append(column >= datetime.combine(start, time.min, LOCAL_TZ))
    if end is not None:
        out.append(column < datetime.combine(end + timedelta(days=1), time.min, LOCAL_TZ))
    return out


def _date_between(column, start: date | None, end: date | None) -> list:
    out = []
    if start is not None:
        out.append(column >= start)
    if end is not None:
        out.append(column <= end)
    return out


def _from_rows(rows, district_id: int | None, city_rows=None) -> Counts:
    """Counts from (district, month, n) rows; `city_rows` (month, n) give the city's figure
    when it is not the sum over districts (a pilot counts once city-wide)."""
    by_district: dict[int, int] = {}
    by_month: dict[str, int] = {}
    for org_id, month, n in rows:
        by_district[org_id] = by_district.get(org_id, 0) + n
        if district_id is not None or city_rows is None:
            by_month[month] = by_month.get(month, 0) + n
    if district_id is None and city_rows is not None:
        for month, n in city_rows:
            by_month[month] = by_month.get(month, 0) + n
    return Counts(by_district=by_district, total=sum(by_month.values()), by_month=by_month)


# --- 改革探索力: the revision in force of each 推进任务 ---------------------------------------------

def _in_force():
    """(task_id, revision_no) of the newest confirmed revision of every task."""
    return (select(ProgressRevision.task_id, func.max(ProgressRevision.revision_no).label("n"))
            .where(ProgressRevision.status == PROGRESS_CONFIRMED)
            .group_by(ProgressRevision.task_id).subquery())


@lru_cache(maxsize=None)
def _tasks():
    """Every 推进任务 of a distributed pilot, with its 推进状态 as confirmed (or 未填报)."""
    latest = _in_force()
    rev = aliased(ProgressRevision)
    status = func.coalesce(rev.progress_status, literal(UNREPORTED))
    return (select(ProgressTask.id, ProgressTask.pilot_id, ProgressTask.org_id,
                   ProgressTask.created_at.label("pushed"), status.label("state"),
                   rev.acceptance_date.label("accepted"))
            .join(Pilot, Pilot.id == ProgressTask.pilot_id)
            .outerjoin(latest, latest.c.task_id == ProgressTask.id)
            .outerjoin(rev, and_(rev.task_id == ProgressTask.id, rev.revision_no == latest.c.n))
            .where(Pilot.status == PILOT_DISTRIBUTED)
            .subquery())


@lru_cache(maxsize=None)
def _first_push():
    """(pilot, its 确认分发): the first push of each distributed pilot to a district."""
    return (select(ProgressTask.pilot_id, func.min(ProgressTask.created_at).label("first"))
            .join(Pilot, Pilot.id == ProgressTask.pilot_id)
            .where(Pilot.status == PILOT_DISTRIBUTED)
            .group_by(ProgressTask.pilot_id).subquery())


def undertaken_count(session: Session, start: date | None, end: date | None,
                     district_id: int | None) -> Counts:
    """承接试点数 (groups: the 推进状态 as confirmed)."""
    t = _tasks()
    month = month_of_instant(t.c.pushed, _dialect(session))
    where = _instant_between(t.c.pushed, start, end)
    if district_id is not None:
        where.append(t.c.org_id == district_id)
    rows, by_district_group = [], {}
    for org_id, m, state, n in session.execute(
            select(t.c.org_id, month, t.c.state, func.count()).where(*where)
            .group_by(t.c.org_id, month, t.c.state)):
        rows.append((org_id, m, n))
        by_district_group[(org_id, state)] = by_district_group.get((org_id, state), 0) + n
    city = None
    if district_id is None:
        first = _first_push()
        first_month = month_of_instant(first.c.first, _dialect(session))
        city = session.execute(select(first_month, func.count())
                               .where(*_instant_between(first.c.first, start, end))
                               .group_by(first_month)).all()
    counts = _from_rows(rows, district_id, city)
    by_group = {}
    if district_id is not None:
        by_group = {g: by_district_group.get((district_id, g), 0) for g in PROGRESS_GROUPS}
    return Counts(counts.by_district, counts.total, counts.by_month, by_group,
                  by_district_group)


def undertaken_ids(session: Session, start: date | None, end: date | None,
                   district_id: int | None, group: str | None = None) -> list[int]:
    """The pilots counted by `undertaken_count` (a group narrows a district's to a 推进状态)."""
    t = _tasks()
    if district_id is not None:
        where = [t.c.org_id == district_id, *_instant_between(t.c.pushed, start, end)]
        if group is not None:
            where.append(t.c.state == group)
        return list(session.execute(select(t.c.pilot_id).where(*where)
                                    .order_by(t.c.pilot_id.desc())).scalars())
    first = _first_push()
    query = select(first.c.pilot_id).where(*_instant_between(first.c.first, start, end))
    if group is not None:  # city-wide: pilots with at least one district in that state
        query = query.where(first.c.pilot_id.in_(select(t.c.pilot_id).where(t.c.state == group)))
    return list(session.execute(query.order_by(first.c.pilot_id.desc())).scalars())


def completed_count(session: Session, start: date | None, end: date | None,
                    district_id: int | None) -> Counts:
    """已完成试点数."""
    t = _tasks()
    dialect = _dialect(session)
    month = month_of_date(t.c.accepted, dialect)
    where = [t.c.state == COMPLETED, t.c.accepted.is_not(None),
             *_date_between(t.c.accepted, start, end)]
    if district_id is not None:
        where.append(t.c.org_id == district_id)
    rows = session.execute(select(t.c.org_id, month, func.count()).where(*where)
                           .group_by(t.c.org_id, month)).all()
    city = None
    if district_id is None:
        first = _first_completion(t)
        first_month = month_of_date(first.c.first, dialect)
        city = session.execute(select(first_month, func.count())
                               .where(*_date_between(first.c.first, start, end))
                               .group_by(first_month)).all()
    return _from_rows(rows, district_id, city)


@lru_cache(maxsize=None)
def _first_completion(t):
    return (select(t.c.pilot_id, func.min(t.c.accepted).label("first"))
            .where(t.c.state == COMPLETED, t.c.accepted.is_not(None))
            .group_by(t.c.pilot_id).subquery())


def completed_ids(session: Session, start: date | None, end: date | None,
                  district_id: int | None, group: str | None = None) -> list[int]:
    """The pilots counted by `completed_count` (a district's, or city-wide once each)."""
    t = _tasks()
    if district_id is not None:
        return list(session.execute(
            select(t.c.pilot_id).where(t.c.org_id == district_id, t.c.state == COMPLETED,
                                       t.c.accepted.is_not(None),
                                       *_date_between(t.c.accepted, start, end))
            .order_by(t.c.pilot_id.desc())).scalars())
    first = _first_completion(t)
    return list(session.execute(select(first.c.pilot_id)
                                .where(*_date_between(first.c.first, start, end))
                                .order_by(first.c.pilot_id.desc())).scalars())


def _local_date(instant) -> date | None:
    return instant.astimezone(LOCAL_TZ).date() if instant is not None else None


def pilot_rows(session: Session, ids: list[int], district_id: int | None) -> list[dict]:
    """The counted pilots: facts, 涉及区县, and (for one district) its 推进状态 as confirmed."""
    if not ids:
        return []
    t = _tasks()
    dept = aliased(Org)
    pilots = {p.id: (p, dept_name) for p, dept_name in session.execute(
        select(Pilot, dept.name).join(dept, dept.id == Pilot.dept_id)
        .where(Pilot.id.in_(ids))).all()}
    names = dict(session.execute(select(Org.id, Org.name)).all())
    units: dict[int, list] = {}
    for row in session.execute(select(t.c.pilot_id, t.c.org_id, t.c.pushed, t.c.state,
                                      t.c.accepted).where(t.c.pilot_id.in_(ids))
                               .order_by(t.c.org_id)).all():
        units.setdefault(row.pilot_id, []).append(row)
    out = []
    for pid in ids:
        pilot, dept_name = pilots[pid]
        mine = [u for u in units.get(pid, []) if district_id is None or u.org_id == district_id]
        done = [u for u in units.get(pid, []) if u.state == COMPLETED and u.accepted]
        row = {"id": pid, "试点名称": pilot.name,
               "涉及区县": "、".join(names.get(u.org_id, "") for u in units.get(pid, [])),
               "确认分发日期": _local_date(min((u.pushed for u in mine), default=None)),
               "推进状态": mine[0].state if district_id is not None and mine else
               f"{len(done)}个区县已完成" if done else "",
               "验收时间": (mine[0].accepted if district_id is not None and mine else
                        min((u.accepted for u in done), default=None)),
               "主管市级部门": dept_name, "部署层级": pilot.deploy_level,
               "文件依据": SECRET if pilot.is_secret else pilot.doc_title,
               "文号": SECRET if pilot.is_secret else pilot.doc_number}
        out.append(row)
    return out


# --- 试点成果 -----------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _achievements():
    """Every 试点成果 row of a revision in force, with the date it was first confirmed: the
    confirmation of the earliest confirmed revision of the task from which on every confirmed
    revision holds that row (rows keep their `position` from revision to revision)."""
    latest = _in_force()
    rev, other, later = (aliased(ProgressRevision) for _ in range(3))
    other_row = aliased(Achievement)
    # The newest confirmed revision of the task without this row (0: none).
    holds_row = (select(other_row.id).where(other_row.revision_id == other.id,
                                            other_row.position == Achievement.position)
                 .correlate(other, Achievement).exists())
    gap = (select(func.coalesce(func.max(other.revision_no), 0))
           .where(other.task_id == rev.task_id, other.status == PROGRESS_CONFIRMED, ~holds_row)
           .correlate(rev, Achievement).scalar_subquery())
    first = (select(func.min(later.confirmed_at))
             .where(later.task_id == rev.task_id, later.status == PROGRESS_CONFIRMED,
                    later.revision_no > gap)
             .correlate(rev, Achievement).scalar_subquery())
    return (select(Achievement.id, rev.org_id, rev.pilot_id, rev.id.label("revision_id"),
                   rev.confirmed_at.label("in_force_since"), first.label("first"))
            .join(rev, rev.id == Achievement.revision_id)
            .join(latest, and_(latest.c.task_id == rev.task_id, latest.c.n == rev.revision_no))
            .join(Pilot, and_(Pilot.id == rev.pilot_id, Pilot.status == PILOT_DISTRIBUTED))
            .subquery())


def _achievements_in(a, start: date | None, end: date | None) -> list:
    """Rows first confirmed in [start, end]; a row's first confirmation is no later than that
    of the revision in force, which narrows the rows to date first."""
    return [*_instant_between(a.c.in_force_since, start, None),
            *_instant_between(a.c.first, start, end)]


def achievements_count(session: Session, start: date | None, end: date | None,
                       district_id: int | None) -> Counts:
    """试点成果数 (one row = one result)."""
    a = _achievements()
    month = month_of_instant(a.c.first, _dialect(session))
    where = _achievements_in(a, start, end)
    if district_id is not None:
        where.append(a.c.org_id == district_id)
    rows = session.execute(select(a.c.org_id, month, func.count()).where(*where)
                           .group_by(a.c.org_id, month)).all()
    return _from_rows(rows, district_id)


def achievements_ids(session: Session, start: date | None, end: date | None,
                     district_id: int | None, group: str | None = None) -> list[int]:
    """The 试点成果 rows counted by `achievements_count`."""
    a = _achievements()
    where = _achievements_in(a, start, end)
    if district_id is not None:
        where.append(a.c.org_id == district_id)
    return list(session.execute(select(a.c.id).where(*where).order_by(a.c.id.desc())).scalars())


def achievement_rows(session: Session, ids: list[int], district_id: int | None) -> list[dict]:
    """The counted 试点成果 with their pilot, district and first confirmation."""
    if not ids:
        return []
    a = _achievements()
    found = session.execute(
        select(Achievement, a.c.first, Pilot.name, Org.name)
        .join(a, a.c.id == Achievement.id).join(Pilot, Pilot.id == a.c.pilot_id)
        .join(Org, Org.id == a.c.org_id).where(Achievement.id.in_(ids))).all()
    by_id = {row[0].id: row for row in found}
    return [{"id": i, "成果名称": by_id[i][0].name, "区县": by_id[i][3], "试点名称": by_id[i][2],
             "具体举措及解决问题": by_id[i][0].measures, "具体成效": by_id[i][0].effects,
             "审核确认时间": by_id[i][1]} for i in ids if i in by_id]


# --- 改革品牌显示度 ---------------------------------------------------------------------------------

NO_CATEGORY = "未分类"


def brand_count(session: Session, start: date | None, end: date | None,
                district_id: int | None) -> Counts:
    """品牌亮点数 by 获评类别 (from `brand.approved_counts`)."""
    by_district: dict[int, int] = {}
    by_month: dict[str, int] = {}
    by_group: dict[str, int] = {}
    by_district_group: dict[tuple[int, str], int] = {}
    for c in brand.approved_counts(session, start=start, end=end, district_id=district_id):
        group = c.category or NO_CATEGORY
        by_district[c.org_id] = by_district.get(c.org_id, 0) + c.count
        by_month[c.month] = by_month.get(c.month, 0) + c.count
        by_group[group] = by_group.get(group, 0) + c.count
        by_district_group[(c.org_id, group)] = by_district_group.get((c.org_id, group), 0) + c.count
    return Counts(by_district, sum(by_district.values()), by_month, by_group, by_district_group)


def brand_ids(session: Session, start: date | None, end: date | None, district_id: int | None,
              group: str | None = None) -> list[int]:
    """The entries counted by `brand_count` (a group narrows to one 获评类别)."""
    query = (select(BrandEntry.id)
             .outerjoin(BrandCategory, BrandCategory.id == BrandEntry.category_id)
             .where(BrandEntry.status == brand.APPROVED, BrandEntry.awarded_on.is_not(None),
                    *_date_between(BrandEntry.awarded_on, start, end)))
    if district_id is not None:
        query = query.where(BrandEntry.org_id == district_id)
    if group == NO_CATEGORY:
        query = query.where(BrandCategory.id.is_(None))
    elif group is not None:
        query = query.where(BrandCategory.name == group)
    return list(session.execute(query.order_by(BrandEntry.awarded_on.desc(),
                                               BrandEntry.id.desc())).scalars())


def brand_rows(session: Session, ids: list[int], district_id: int | None) -> list[dict]:
    """The counted brand entries (no files: those stay with the entry's readers)."""
    if not ids:
        return []
    found = {e.id: (e, org, cat) for e, org, cat in session.execute(
        select(BrandEntry, Org.name, BrandCategory.name).join(Org, Org.id == BrandEntry.org_id)
        .outerjoin(BrandCategory, BrandCategory.id == BrandEntry.category_id)
        .where(BrandEntry.id.in_(ids))).all()}
    return [{"id": i, "改革事项": e.item, "区县": org, "获评类别": cat or NO_CATEGORY,
             "获评日期": e.awarded_on, "具体情形": e.situation, "解决问题": e.problems,
             "主要成果": e.results, "涉密": "是" if e.is_secret else "否"}
            for i in ids if i in found for e, org, cat in [found[i]]]


def brand_groups(session: Session) -> list[str]:
    """The 获评类别 in use (a retired one still shows where it has entries)."""
    return [c.name for c in brand.categories(session)]


# --- the list --------------------------------------------------------------------------------

INDICATORS: list[Indicator] = [
    Indicator("pilots", "承接试点数", PILOTS, undertaken_count, undertaken_ids, pilot_rows,
              rule="已分发的国家改革试点，按确认分发日期计；一个试点在每个涉及区县各计一次，全市计一次",
              group_label="推进状态", groups=lambda _s: list(PROGRESS_GROUPS)),
    Indicator("completed", "已完成试点数", PILOTS, completed_count, completed_ids, pilot_rows,
              rule="经市委改革办审核确认、推进状态为已完成的试点，按验收时间计；全市每个试点计一次"),
    Indicator("achievements", "试点成果数", PILOTS, achievements_count, achievements_ids,
              achievement_rows, unit="项",
              rule="经市委改革办审核确认的试点成果，一条成果数据计一项，按首次审核确认时间计"),
    Indicator("brand", "品牌亮点数", BRAND, brand_count, brand_ids, brand_rows, unit="项",
              rule="市委改革办审核通过的改革品牌，按获评日期计", group_label="获评类别",
              groups=brand_groups),
]


def _digital() -> list[Indicator]:
    """数字重庆建设's four indicators: displayed (晾晒) records only, under 重点关注."""
    from services.digital import display
    rules = {"items": "市委改革办核准纳入名录库（未移除）的一件事，按纳入名录库日期计",
             "plans": "市大数据发展局查重通过、关联的一件事均已进入三张清单编制等后续环节的应用“三张清单”，"
                      "按查重通过日期计",
             "apps": "基于晾晒的应用“三张清单”开发上线的特色应用，按上线时间计",
             "shares": "获“一地创新、全市共享”的晾晒特色应用，按认定共享日期计"}
    return [Indicator(f"digital_{key}", label, DIGITAL, display.cockpit_count(key),
                      display.cockpit_ids(key), display.cockpit_rows(key),
                      unit="项" if key == "items" else "个", rule=rules[key], focus=True)
            for key, label in display.INDICATORS.items()]


INDICATORS += _digital()


def get(key: str) -> Indicator | None:
    """The indicator with this key, or None."""
    return next((i for i in INDICATORS if i.key == key), None)
