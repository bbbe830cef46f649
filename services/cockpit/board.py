"""区县改革报表驾驶舱 (SPEC §6): the figures of a period for the city or one district, the
districts' ranking, the monthly trend, status breakdowns, 驳回率 and the records behind each
figure. Readable by every role: the cockpit shows only confirmed / approved data, and 驳回率 as
counts; the records behind a figure are readable across districts from here (only counted
records: never a draft or a returned record).
"""
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlmodel import Session

from models import AuditEvent, Org, OrgKind
from services import registry, review
from services.cockpit import indicators as ind
from services.cockpit.periods import Period
from services.errors import ValidationError
from services.identity import CurrentUser, require_active
from services.review import Action

REJECTION = "rejection"
REJECTION_LABEL = "驳回率"
REJECTION_RULE = ("驳回次数 ÷ 提交至审核环节次数：试点项目（区县审核、市级部门确认）、试点推进状态（区县审核、"
                  "市级部门审核、市委改革办确认）、改革品牌（区县审核、市委改革办审核）各环节，按次计算，含重新上报，"
                  "按每次操作的日期计")
BRAND_OFFICE_RULE = ("操作说明所称驳回率：市委改革办驳回改革品牌次数 ÷ 改革品牌报送市委改革办次数（含撤销通过）")
QUALITY_RULE = "期间内上报过的记录（每条计一次）中，目前已通过、已确认或已分发的比例"
BRAND_OFFICE_STAGE = ("brand", "待市委改革办审核")
CITY = "全市"


@dataclass
class Kpi:
    key: str
    label: str
    section: str
    unit: str
    value: int | float | None    # a count, or 驳回率 as a fraction (None: nothing reviewed)
    rank: int | None = None      # the chosen district's rank among all districts
    ranked: int = 0              # how many districts the rank is among
    groups: dict[str, int] = field(default_factory=dict)
    group_label: str = ""
    rule: str = ""
    note: str = ""               # a line under the figure (驳回率: the counts it divides)

    @property
    def text(self) -> str:
        if self.key == REJECTION:
            return "—" if self.value is None else f"{self.value:.1%}"
        return f"{self.value}"

    @property
    def rank_text(self) -> str:
        return f"第{self.rank}名（共{self.ranked}个区县）" if self.rank else ""


@dataclass
class DistrictRate:
    """A district's (or the city's) review quality in the period."""

    org_id: int | None
    district: str
    submissions: int = 0          # arrivals at review stages
    rejections: int = 0
    brand_office_submissions: int = 0
    brand_office_rejections: int = 0
    records_submitted: int = 0    # records 上报 in the period, each once
    records_approved: int = 0     # … of which now 已通过 / 已确认 / 已分发

    @property
    def rate(self) -> float | None:
        return self.rejections / self.submissions if self.submissions else None

    @property
    def brand_office_rate(self) -> float | None:
        return (self.brand_office_rejections / self.brand_office_submissions
                if self.brand_office_submissions else None)

    @property
    def approved_share(self) -> float | None:
        return self.records_approved / self.records_submitted if self.records_submitted else None

    def add(self, other: "DistrictRate") -> None:
        for name in ("submissions", "rejections", "brand_office_submissions",
                     "brand_office_rejections", "records_submitted", "records_approved"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_row(self) -> dict:
        pct = lambda v: "—" if v is None else f"{v:.1%}"  # noqa: E731
        return {"区县": self.district, "提交审核次数": self.submissions, "驳回次数": self.rejections,
                "驳回率": pct(self.rate), "报送市委改革办（改革品牌）次数": self.brand_office_submissions,
                "市委改革办驳回（改革品牌）次数": self.brand_office_rejections,
                "改革品牌驳回率（市委改革办）": pct(self.brand_office_rate),
                "期间上报记录数": self.records_submitted, "已通过或确认数": self.records_approved,
                "通过比例": pct(self.approved_share)}


@dataclass
class Board:
    period: Period
    district_id: int | None
    districts: dict[int, str]                 # every district, in the official order
    kpis: list[Kpi]
    city: dict[str, ind.Counts]               # per indicator, the whole city
    local: dict[str, ind.Counts]              # per indicator, the chosen district (or city)
    rates: list[DistrictRate]                 # per district
    rate_total: DistrictRate                  # the chosen district's, or the city's

    @property
    def scope(self) -> str:
        return self.districts.get(self.district_id, CITY) if self.district_id else CITY

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)

    def ranking(self, key: str) -> list[tuple[int, str, float | int | None, int | None]]:
        """(district id, name, value, rank) of every district, best first (驳回率: lowest
        first; districts with nothing reviewed last, unranked)."""
        if key == REJECTION:
            values = {r.org_id: r.rate for r in self.rates}
        else:
            values = {d: self.city[key].by_district.get(d, 0) for d in self.districts}
        ranks = _ranks(values, lower_is_better=key == REJECTION)
        order = sorted(self.districts, key=lambda d: (
            ranks.get(d) is None, ranks.get(d) or 0, list(self.districts).index(d)))
        return [(d, self.districts[d], values.get(d), ranks.get(d)) for d in order]

    def district_rows(self) -> list[dict]:
        """Every district's figures and ranks (the ranking as a table, for Excel)."""
        ranks = {k.key: {d: r for d, _, _, r in self.ranking(k.key)} for k in self.kpis}
        rates = {r.org_id: r for r in self.rates}
        rows = []
        for d, name in self.districts.items():
            row = {"区县": name}
            for indicator in ind.INDICATORS:
                row[indicator.label] = self.city[indicator.key].by_district.get(d, 0)
                row[f"{indicator.label}排名"] = ranks[indicator.key].get(d)
            row[REJECTION_LABEL] = rates[d].as_row()["驳回率"]
            row[f"{REJECTION_LABEL}排名"] = ranks[REJECTION].get(d) or "—"
            rows.append(row)
        return rows

    def trend(self, key: str) -> list[tuple[str, int]]:
        """(YYYY-MM, figure) for every month of the period (the chosen district's or city's)."""
        by_month = self.local[key].by_month
        return [(m, by_month.get(m, 0)) for m in self.period.months()]


def _ranks(values: dict[int, float | int | None], *, lower_is_better: bool) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4): equal values share a rank; None is unranked."""
    present = [v for v in values.values() if v is not None]
    out = {}
    for d, v in values.items():
        if v is None:
            continue
        better = sum(1 for o in present if (o < v if lower_is_better else o > v))
        out[d] = better + 1
    return out


def districts(session: Session) -> dict[int, str]:
    """Every district (区县), in the official order."""
    return dict(session.execute(select(Org.id, Org.name).where(Org.kind == OrgKind.DISTRICT)
                                .order_by(Org.sort_order, Org.id)).all())


def default_district(actor: CurrentUser) -> int | None:
    """A district's users (its leader first of all) open the cockpit on their own district."""
    return actor.org_id if actor.is_district else None


def _check_district(names: dict[int, str], district_id: int | None) -> None:
    if district_id is not None and district_id not in names:
        raise ValidationError("请选择区县")


def board(session: Session, *, actor: CurrentUser, period: Period,
          district_id: int | None = None) -> Board:
    """The cockpit for a period, city-wide or for one district (any role may read it)."""
    require_active(session, actor)
    names = districts(session)
    _check_district(names, district_id)
    city, local = {}, {}
    for indicator in ind.INDICATORS:
        city[indicator.key] = indicator.count(session, period.start, period.end, None)
        local[indicator.key] = (indicator.count(session, period.start, period.end, district_id)
                                if district_id else city[indicator.key])
    rates = rejection_rates(session, period=period, names=names)
    if district_id:
        total = next(r for r in rates if r.org_id == district_id)
    else:
        total = DistrictRate(None, CITY)
        for r in rates:
            total.add(r)
    kpis = []
    for indicator in ind.INDICATORS:
        counts = local[indicator.key]
        kpi = Kpi(indicator.key, indicator.label, indicator.section, indicator.unit,
                  counts.total, groups=_groups(session, indicator, counts),
                  group_label=indicator.group_label, rule=indicator.rule)
        kpis.append(kpi)
    kpis.append(Kpi(REJECTION, REJECTION_LABEL, "", "", total.rate, rule=REJECTION_RULE,
                    note=f"各审核环节驳回 {total.rejections} 次 / 提交 {total.submissions} 次"))
    result = Board(period, district_id, names, kpis, city, local, rates, total)
    if district_id:
        for kpi in kpis:
            row = next(r for r in result.ranking(kpi.key) if r[0] == district_id)
            kpi.rank = row[3]
            kpi.ranked = sum(1 for r in result.ranking(kpi.key) if r[3] is not None)
    return result


def _groups(session: Session, indicator: ind.Indicator, counts: ind.Counts) -> dict[str, int]:
    """A card's breakdown (品牌亮点数 by 获评类别; a district's 承接试点 by 推进状态) in display
    order, groups without records as 0; none where the figure has no breakdown."""
    if not counts.by_group:
        return {}
    order = indicator.groups(session) if indicator.groups is not None else []
    groups = {g: counts.by_group.get(g, 0) for g in order}
    groups.update({g: n for g, n in counts.by_group.items() if g not in groups})
    return groups


def rejection_rates(session: Session, *, period: Period,
                    names: dict[int, str] | None = None) -> list[DistrictRate]:
    """Per district: 驳回率 over every review stage of every module (`review.rejection_rates`),
    the manual's brand figure (市委改革办's stage) and the share of submitted records approved."""
    names = names if names is not None else districts(session)
    rates = {d: DistrictRate(d, name) for d, name in names.items()}
    for r in review.rejection_rates(session, start=period.since, end=period.until):
        if r["org_id"] not in rates:
            continue
        rate = rates[r["org_id"]]
        rate.submissions += r["submissions"]
        rate.rejections += r["rejections"]
        if (r["module"], r["stage"]) == BRAND_OFFICE_STAGE:
            rate.brand_office_submissions += r["submissions"]
            rate.brand_office_rejections += r["rejections"]
    for org_id, submitted, approved in _approval_shares(session, period):
        if org_id in rates:
            rates[org_id].records_submitted += submitted
            rates[org_id].records_approved += approved
    return list(rates.values())


def _approval_shares(session: Session, period: Period) -> list[tuple[int, int, int]]:
    """(district, records submitted in the period, of which now approved) over every module:
    "approved" is a final state that an approving step leads to (已通过, 已确认, 已分发)."""
    out = []
    for flow in registry.flows():
        approved = sorted({t.target for t in flow.transitions
                           if t.action in (Action.APPROVE, Action.DISTRIBUTE)
                           and t.target in flow.final_states})
        if not approved:
            continue
        model = flow.model
        submitted = (select(AuditEvent.record_id, AuditEvent.org_id)
                     .where(AuditEvent.record_type == flow.module,
                            AuditEvent.action == Action.SUBMIT.value,
                            AuditEvent.created_at >= period.since,
                            AuditEvent.created_at < period.until)
                     .distinct().subquery())
        out += session.execute(
            select(submitted.c.org_id, func.count(),
                   func.sum(case((model.status.in_(approved), 1), else_=0)))
            .join(model, model.id == submitted.c.record_id)
            .group_by(submitted.c.org_id)).all()
    return [(org, n, int(a or 0)) for org, n, a in out]


def rejection_detail(session: Session, *, actor: CurrentUser, period: Period,
                     district_id: int | None = None) -> list[dict]:
    """The 驳回率 behind a district's (or the city's) figure, per module and review stage."""
    require_active(session, actor)
    names = districts(session)
    _check_district(names, district_id)
    totals: dict[tuple[str, str], list[int]] = {}
    for r in review.rejection_rates(session, start=period.since, end=period.until):
        if r["org_id"] not in names or (district_id and r["org_id"] != district_id):
            continue
        key = (r["module"], r["stage"])
        totals.setdefault(key, [0, 0])
        totals[key][0] += r["submissions"]
        totals[key][1] += r["rejections"]
    out = []
    for flow in registry.flows():
        for stage in flow.review_stages:
            n, rejected = totals.get((flow.module, stage), (0, 0))
            out.append({"模块": flow.label, "审核环节": stage, "提交至该环节次数": n, "驳回次数": rejected,
                        "驳回率": f"{rejected / n:.1%}" if n else "—"})
    return out


def counted_records(session: Session, *, actor: CurrentUser, indicator: str, period: Period,
                    district_id: int | None = None, month: str | None = None,
                    group: str | None = None) -> list[dict]:
    """Exactly the records a figure counted (a card, a district's bar, a month's point, a
    group's segment), readable by any role from the cockpit: confirmed / approved records only."""
    require_active(session, actor)
    found = ind.get(indicator)
    if found is None:
        raise ValidationError("请选择驾驶舱指标")
    _check_district(districts(session), district_id)
    if month is not None:
        period = period.month(month)
    ids = found.record_ids(session, period.start, period.end, district_id, group=group)
    return found.rows(session, ids, district_id)
