"""区县改革报表驾驶舱: figures equal hand-computed values on a small dataset that holds what must
not count (drafts, waiting, returned, revoked, unconfirmed revisions, other periods); the
district default and rank; click-through lands on exactly the counted records."""
from datetime import date

import pytest

from services.cockpit import board as cockpit
from services.cockpit import indicators, periods
from services.errors import PermissionDenied, ValidationError
from tests.factories import make_user
from tests.services.cockpit_helpers import achievement_id, build

Y2025 = periods.year(2025)


@pytest.fixture
def data(session, w):
    return build(session, w)


def figures(session, key, period=Y2025, district=None):
    c = indicators.get(key).count(session, period.start, period.end, district)
    return c


def test_pilots_undertaken_count_once_per_district_and_once_city_wide(session, w, data):
    wz, qj = w.wanzhou, w.qianjiang

    city = figures(session, "pilots")
    wanzhou = figures(session, "pilots", district=wz)

    assert (city.total, city.by_district) == (3, {wz: 2, qj: 2})
    assert city.by_month == {"2025-01": 1, "2025-03": 1, "2025-06": 1}
    assert (wanzhou.total, wanzhou.by_district, wanzhou.by_month) == (
        2, {wz: 2}, {"2025-01": 1, "2025-03": 1})
    assert wanzhou.by_group == {"推进中": 0, "已完成": 1, "未填报": 1}
    assert city.by_district_group == {(wz, "已完成"): 1, (wz, "未填报"): 1,
                                      (qj, "推进中"): 1, (qj, "已完成"): 1}


def test_a_district_added_later_counts_when_its_task_was_pushed_but_the_city_counts_once(
        session, w, data):
    y2026 = periods.year(2026)

    assert figures(session, "pilots", y2026, w.wanzhou).total == 1   # P6 reached 万州区 in 2026
    assert figures(session, "pilots", y2026).total == 0              # P6 was distributed in 2025


def test_the_period_is_read_in_beijing_time(session, w, data):
    # P2 was pushed 2024-12-31 23:30 and P3 2025-01-01 00:30, Beijing time.
    y2024 = periods.year(2024)

    def ids(period):
        return [r["id"] for r in cockpit.counted_records(session, actor=w.leader,
                                                          indicator="pilots", period=period)]

    assert ids(y2024) == [data.p2.id]
    assert ids(periods.custom(date(2025, 1, 1), date(2025, 1, 31))) == [data.p3.id]


def test_completed_pilots_count_by_the_acceptance_date_of_the_revision_in_force(session, w,
                                                                              data):
    city = figures(session, "completed")

    assert (city.total, city.by_district, city.by_month) == (
        2, {w.wanzhou: 2}, {"2025-02": 1, "2025-05": 1})
    assert figures(session, "completed", periods.year(2024)).by_district == {w.qianjiang: 1}


def test_achievements_count_rows_of_revisions_in_force_by_their_first_confirmation(
        session, w, data):
    city = figures(session, "achievements")

    assert (city.total, city.by_district) == (5, {w.wanzhou: 3, w.qianjiang: 2})
    assert city.by_month == {"2025-02": 1, "2025-04": 1, "2025-05": 2, "2025-08": 1}
    ids = {r["id"] for r in cockpit.counted_records(session, actor=w.leader,
                                                     indicator="achievements", period=Y2025)}
    assert ids == {achievement_id(session, n) for n in ("成果A", "成果B", "成果F", "成果C", "成果D")}
    assert figures(session, "achievements", periods.year(2024)).by_district == {w.qianjiang: 1}


def test_brand_highlights_count_approved_entries_by_award_date_and_category(session, w, data):
    city = figures(session, "brand")

    assert (city.total, city.by_district, city.by_month) == (
        2, {w.wanzhou: 1, w.qianjiang: 1}, {"2025-03": 1, "2025-07": 1})
    assert city.by_group == {data.national: 1, data.citywide: 1}
    assert {r["id"] for r in cockpit.counted_records(
        session, actor=w.leader, indicator="brand", period=Y2025)} == {data.b1.id, data.b2.id}


def test_the_board_shows_a_districts_figures_and_its_rank_among_all_districts(session, w, data):
    b = cockpit.board(session, actor=w.leader, period=Y2025,
                      district_id=cockpit.default_district(w.leader))

    assert b.district_id == w.wanzhou and b.scope == "万州区"
    got = {k.key: (k.value, k.rank, k.ranked) for k in b.kpis if k.key != "rejection"}
    assert got == {"pilots": (2, 1, 41), "completed": (2, 1, 41), "achievements": (3, 1, 41),
                   "brand": (1, 1, 41), **{f"digital_{k}": (0, 1, 41)  # (counted in their tests)
                                           for k in ("items", "plans", "apps", "shares")}}
    qj = cockpit.board(session, actor=w.leader, period=Y2025, district_id=w.qianjiang)
    assert {k.key: k.rank for k in qj.kpis if k.key in INDICATORS} == {
        "pilots": 1, "completed": 2, "achievements": 2, "brand": 1}
    assert b.kpi("brand").groups == {data.national: 0, data.citywide: 1}


def test_the_city_board_ranks_districts_best_first_with_ties_sharing_a_rank(session, w, data):
    b = cockpit.board(session, actor=w.office_leader, period=Y2025)

    assert cockpit.default_district(w.office_leader) is None
    assert [k.value for k in b.kpis if k.key in INDICATORS] == [3, 2, 5, 2]
    top = b.ranking("achievements")[:3]
    assert [(name, value, rank) for _, name, value, rank in top] == [
        ("万州区", 3, 1), ("黔江区", 2, 2), (top[2][1], 0, 3)]
    assert [(name, rank) for _, name, _, rank in b.ranking("pilots")[:2]] == [
        ("万州区", 1), ("黔江区", 1)]
    assert b.trend("pilots")[:3] == [("2025-01", 1), ("2025-02", 0), ("2025-03", 1)]
    assert len(b.trend("pilots")) == 12


INDICATORS = ["pilots", "completed", "achievements", "brand"]


@pytest.mark.parametrize("key", INDICATORS)
def test_click_through_lands_on_exactly_the_counted_records(session, w, data, key):
    city = figures(session, key)

    for district in [None, w.wanzhou, w.qianjiang]:
        counts = figures(session, key, district=district)
        rows = cockpit.counted_records(session, actor=w.qj_clerk, indicator=key, period=Y2025,
                                       district_id=district)
        assert len(rows) == counts.total and len({r["id"] for r in rows}) == counts.total
        for month, n in counts.by_month.items():
            assert len(cockpit.counted_records(session, actor=w.dept_clerk, indicator=key,
                                               period=Y2025, district_id=district,
                                               month=month)) == n
    for (district, group), n in city.by_district_group.items():
        assert len(cockpit.counted_records(session, actor=w.admin, indicator=key, period=Y2025,
                                           district_id=district, group=group)) == n


def test_click_through_never_shows_drafts_waiting_or_returned_records(session, w, data):
    shown = {r["id"] for key in ("pilots", "completed")
             for r in cockpit.counted_records(session, actor=w.qj_clerk, indicator=key,
                                              period=periods.custom(date(2020, 1, 1),
                                                                    date(2026, 12, 31)))}
    names = {r["试点名称"] for key in ("pilots",)
             for r in cockpit.counted_records(session, actor=w.qj_clerk, indicator=key,
                                              period=Y2025)}

    assert data.p4.id not in shown and data.p5.id not in shown
    assert names == {"一号改革试点", "三号改革试点", "六号改革试点"}
    rows = cockpit.counted_records(session, actor=w.qj_clerk, indicator="brand",
                                   period=periods.custom(date(2020, 1, 1), date(2026, 12, 31)))
    assert {r["获评日期"] for r in rows} == {date(2025, 3, 1), date(2024, 11, 1), date(2025, 7, 7)}


def test_a_district_group_click_lists_that_districts_pilots_in_that_state(session, w, data):
    rows = cockpit.counted_records(session, actor=w.leader, indicator="pilots", period=Y2025,
                                   district_id=w.wanzhou, group="未填报")

    assert [(r["试点名称"], r["推进状态"]) for r in rows] == [("三号改革试点", "未填报")]


def test_every_role_reads_the_board_but_a_disabled_account_reads_nothing(session, w, data):
    from sqlalchemy import update

    from models import User
    for who in (w.clerk, w.dept_clerk, w.office, w.admin, w.qj_reviewer):
        assert cockpit.board(session, actor=who, period=Y2025).kpi("pilots").value == 3
    session.execute(update(User).where(User.id == w.leader.id).values(disabled=True))
    session.commit()

    with pytest.raises(PermissionDenied):
        cockpit.board(session, actor=w.leader, period=Y2025)
    with pytest.raises(PermissionDenied):
        cockpit.counted_records(session, actor=w.leader, indicator="pilots", period=Y2025)


@pytest.mark.parametrize("kwargs, message", [
    (dict(indicator="nothing"), "请选择驾驶舱指标"),
    (dict(indicator="pilots", district_id=10**6), "请选择区县"),
    (dict(indicator="pilots", month="2024-05"), "不在所选期间"),
])
def test_a_bad_click_through_request_is_refused_in_chinese(session, w, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        cockpit.counted_records(session, actor=w.leader, period=Y2025, **kwargs)


def test_a_department_is_not_a_district_of_the_board(session, w):
    with pytest.raises(ValidationError, match="请选择区县"):
        cockpit.board(session, actor=w.leader, period=Y2025, district_id=w.dept_id)


@pytest.mark.parametrize("build_period, label, bounds", [
    (lambda: periods.year(2025), "2025年", (date(2025, 1, 1), date(2025, 12, 31))),
    (lambda: periods.quarter(2025, 1), "2025年第一季度", (date(2025, 1, 1), date(2025, 3, 31))),
    (lambda: periods.quarter(2024, 4), "2024年第四季度", (date(2024, 10, 1), date(2024, 12, 31))),
    (lambda: periods.custom(date(2025, 2, 3), date(2025, 2, 28)), "2025-02-03 至 2025-02-28",
     (date(2025, 2, 3), date(2025, 2, 28))),
])
def test_periods_are_named_and_bounded_as_chosen(build_period, label, bounds):
    p = build_period()

    assert (p.label, (p.start, p.end)) == (label, bounds)


@pytest.mark.parametrize("start, end, message", [
    (date(2025, 3, 1), date(2025, 2, 1), "晚于截止日期"),
    (None, date(2025, 2, 1), "请选择起止日期"),
    (date(2001, 1, 1), date(2025, 2, 1), "2020 年至今"),
])
def test_a_bad_custom_period_is_refused(start, end, message):
    with pytest.raises(ValidationError, match=message):
        periods.custom(start, end)


def test_a_quarter_outside_one_to_four_is_refused():
    with pytest.raises(ValidationError, match="请选择季度"):
        periods.quarter(2025, 5)


def test_a_clerk_reads_the_same_figures_as_a_leader(session, w, data):
    clerk = make_user(session, org="黔江区")

    mine = cockpit.board(session, actor=clerk, period=Y2025, district_id=w.qianjiang)

    assert [k.value for k in mine.kpis][:4] == [2, 0, 2, 1]


def test_a_result_added_where_a_deleted_one_stood_counts_from_its_own_confirmation(session, w):
    from tests.services.cockpit_helpers import beijing, distributed, report
    pilot = distributed(session, w, "国办发〔2025〕9号")
    report(session, w, pilot.id, w.wanzhou, rows=["成果甲", "成果乙"],
           confirmed=beijing(2025, 1, 10, 10))
    report(session, w, pilot.id, w.wanzhou, rows=[], keep=("成果甲",),
           confirmed=beijing(2025, 2, 10, 10))            # 成果乙 deleted
    report(session, w, pilot.id, w.wanzhou, rows=["成果丙"], keep=("成果甲",),
           confirmed=beijing(2025, 3, 10, 10))            # 成果丙 takes 成果乙's place

    rows = cockpit.counted_records(session, actor=w.leader, indicator="achievements",
                                   period=Y2025)

    assert sorted((r["成果名称"], r["审核确认时间"].astimezone(periods.clock.LOCAL_TZ).month)
                  for r in rows) == [("成果丙", 3), ("成果甲", 1)]
    assert figures(session, "achievements").by_month == {"2025-01": 1, "2025-03": 1}


def test_rejection_rate_and_approval_share_per_district_by_each_events_date(session, w):
    """万州区 in 2025: brand X rejected once by 市委改革办 then approved, pilot Y rejected once by
    the district then distributed, brand Z waiting; 黔江区: one entry straight through in 2025
    and one rejected in 2024 (another period)."""
    from unittest.mock import patch

    from services import brand, pilots, review
    from services.review import Action
    from tests.services import brand_helpers
    from tests.services.cockpit_helpers import beijing
    from tests.services.pilot_helpers import NATIONAL, good_input
    brand.seed_categories(session)
    w.national, w.citywide = [c.id for c in brand.categories(session)]
    with patch.object(review, "utcnow", lambda: beijing(2024, 12, 31, 23, 59)):
        old = brand_helpers.submitted(session, w, clerk=w.qj_clerk)
        brand_helpers.act(session, old, Action.REJECT, w.qj_reviewer, "请补充佐证材料")
    with patch.object(review, "utcnow", lambda: beijing(2025, 1, 1, 0, 1)):
        x = brand_helpers.at_office(session, w)                          # 2 arrivals
        x = brand_helpers.act(session, x, Action.REJECT, w.office, "不满足计分条件")  # 1 rejection
        x = brand.update(session, actor=w.clerk, entry_id=x.id, version=x.version,
                         data=brand_helpers.good_input(w), submit=True)   # 1 arrival
        x = brand_helpers.act(session, x, Action.APPROVE, w.reviewer)    # 1 arrival
        brand_helpers.act(session, x, Action.APPROVE, w.office)          # into 已通过: none
        y = pilots.create(session, actor=w.clerk, uploads=NATIONAL, submit=True,
                          data=good_input(w, doc_number="国办发〔2025〕77号"))  # 1 arrival
        y = pilots.act(session, actor=w.reviewer, pilot_id=y.id, action=Action.REJECT,
                       version=y.version, comment="请补充国家文件")          # 1 rejection
        y = pilots.act(session, actor=w.clerk, pilot_id=y.id, action=Action.SUBMIT,
                       version=y.version)                                 # 1 arrival
        y = pilots.act(session, actor=w.reviewer, pilot_id=y.id, action=Action.APPROVE,
                       version=y.version)                                 # 1 arrival
        pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=y.id,
                                      version=y.version)
        brand_helpers.submitted(session, w, item="建立第三个机制")         # Z: 1 arrival
        qj = brand_helpers.submitted(session, w, clerk=w.qj_clerk)       # 1 arrival
        qj = brand_helpers.act(session, qj, Action.APPROVE, w.qj_reviewer)  # 1 arrival
        brand_helpers.act(session, qj, Action.APPROVE, w.office)

    b = cockpit.board(session, actor=w.office_leader, period=Y2025)

    rates = {r.district: r for r in b.rates if r.submissions}
    wz, qjr = rates["万州区"], rates["黔江区"]
    assert (wz.submissions, wz.rejections, wz.rate) == (8, 2, 0.25)
    assert (wz.brand_office_submissions, wz.brand_office_rejections) == (2, 1)
    assert (wz.records_submitted, wz.records_approved, wz.approved_share) == (3, 2, 2 / 3)
    assert (qjr.submissions, qjr.rejections, qjr.rate, qjr.approved_share) == (2, 0, 0.0, 1.0)
    assert set(rates) == {"万州区", "黔江区"}
    assert b.kpi("rejection").value == 0.2 and b.kpi("rejection").text == "20.0%"
    assert [(name, rank) for _, name, _, rank in b.ranking("rejection")[:3]] == [
        ("黔江区", 1), ("万州区", 2), (b.ranking("rejection")[2][1], None)]
    mine = cockpit.board(session, actor=w.leader, period=Y2025, district_id=w.wanzhou)
    assert (mine.kpi("rejection").value, mine.kpi("rejection").rank,
            mine.kpi("rejection").ranked) == (0.25, 2, 2)
    detail = {(r["模块"], r["审核环节"]): (r["提交至该环节次数"], r["驳回次数"])
              for r in cockpit.rejection_detail(session, actor=w.clerk, period=Y2025,
                                                district_id=w.wanzhou)}
    assert detail[("改革品牌", "待市委改革办审核")] == (2, 1)
    assert detail[("试点项目", "待区县审核")] == (2, 1)
    assert detail[("改革品牌", "待区县审核")] == (3, 0)
    assert detail[("试点推进状态", "待区县审核")] == (0, 0)
    earlier = {r.district: (r.submissions, r.rejections) for r in cockpit.board(
        session, actor=w.leader, period=periods.year(2024)).rates if r.submissions}
    assert earlier == {"黔江区": (1, 1)}


def test_the_figures_equal_hand_written_sql_on_a_year_of_generated_data(session, w):
    """An independent check on ~300 pilots, ~1,300 revisions, ~800 brand entries: the
    benchmark's hand-written SQL (SQLite) gives the same figures per district and month."""
    import sys
    from pathlib import Path

    from sqlalchemy import text
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the hand-written SQL is SQLite's")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import brief_bench
    brief_bench.build(session, scale=1, seed=11)
    p = periods.year(brief_bench.YEAR)
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    from datetime import timezone
    params = {"since": p.since.astimezone(timezone.utc).strftime(stamp),
              "until": p.until.astimezone(timezone.utc).strftime(stamp),
              "start": p.start.isoformat(), "end": p.end.isoformat()}

    def by_district(sql_index):
        out = {}
        for row in session.execute(text(brief_bench.HAND_SQL[sql_index]), params):
            out[row[0]] = out.get(row[0], 0) + row[-1]
        return out

    def by_month(sql_index, month_at=1):
        out = {}
        for row in session.execute(text(brief_bench.HAND_SQL[sql_index]), params):
            out[row[month_at]] = out.get(row[month_at], 0) + row[-1]
        return out

    got = {key: figures(session, key, p) for key in INDICATORS}
    assert got["pilots"].by_district == by_district(0) and sum(by_district(0).values()) > 300
    assert got["pilots"].by_month == by_month(1, month_at=0)
    assert got["completed"].by_district == by_district(2)
    assert got["achievements"].by_district == by_district(3)
    assert got["achievements"].by_month == by_month(3)
    assert got["brand"].by_district == by_district(4)
    assert got["brand"].by_month == by_month(4, month_at=2)
    assert got["achievements"].total > 500 and got["brand"].total > 400


def test_the_district_table_lists_every_district_with_figures_and_ranks(session, w, data):
    rows = cockpit.board(session, actor=w.admin, period=Y2025).district_rows()

    assert len(rows) == 41
    wz = next(r for r in rows if r["区县"] == "万州区")
    assert (wz["承接试点数"], wz["承接试点数排名"], wz["试点成果数"], wz["品牌亮点数"]) == (2, 1, 3, 1)
    assert next(r for r in rows if r["区县"] == "黔江区")["试点成果数排名"] == 2


def test_every_chart_mark_carries_what_a_click_opens(session, w, data):
    from pages import _cockpit_charts as charts
    b = cockpit.board(session, actor=w.leader, period=Y2025, district_id=w.wanzhou)

    ranking = charts.ranking(b, "achievements").data[0]
    trend = {t.name: t for t in charts.trend(b).data}["试点成果数"]
    parts = charts.breakdown(b, "pilots").data[0]

    i = list(ranking.y).index("万州区")
    assert (ranking.x[i], list(ranking.customdata[i])[:2]) == (3, ["achievements", w.wanzhou])
    may = list(trend.x).index("2025-05")
    assert (trend.y[may], list(trend.customdata[may])[:3]) == (
        2, ["achievements", w.wanzhou, "2025-05"])
    assert dict(zip(parts.x, parts.y)) == {"推进中": 0, "已完成": 1, "未填报": 1}
    assert [list(c)[3] for c in parts.customdata] == ["推进中", "已完成", "未填报"]


def test_a_category_name_is_shown_literally_in_charts_and_still_opens_its_records(session, w,
                                                                                   data):
    from pages import _cockpit_charts as charts
    from services import brand
    category = next(c for c in brand.categories(session) if c.name == data.citywide)
    brand.rename_category(session, actor=w.admin, category_id=category.id, name="<b>全市</b>推广")
    b = cockpit.board(session, actor=w.leader, period=Y2025)

    traces = {t.name: t for t in charts.breakdown(b, "brand").data}

    assert "&lt;b&gt;全市&lt;/b&gt;推广" in traces
    group = list(traces["&lt;b&gt;全市&lt;/b&gt;推广"].customdata[0])[3]
    assert group == "<b>全市</b>推广"
    assert [r["获评类别"] for r in cockpit.counted_records(
        session, actor=w.leader, indicator="brand", period=Y2025, group=group)] == [group]


def test_the_rejection_card_says_which_counts_it_divides(session, w, data):
    b = cockpit.board(session, actor=w.leader, period=Y2025, district_id=w.wanzhou)

    kpi = b.kpi("rejection")
    assert kpi.note == f"各审核环节驳回 {b.rate_total.rejections} 次 / 提交 {b.rate_total.submissions} 次"
    assert kpi.value == b.rate_total.rejections / b.rate_total.submissions
    assert "区县审核、市级部门确认" in kpi.rule
