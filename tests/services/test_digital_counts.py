"""The cockpit's 数字重庆建设 counts (SPEC §6): displayed records only, each placed in a period by
its own date (纳入名录库 / 查重通过 / 上线时间 / 认定共享), per district; and the share of submitted
items that reached display (重质量、轻数量)."""
from datetime import date

import pytest

from services.digital import display
from tests.services.digital_helpers import (
    add_item, app_row, cast, item, pass_form, passed_plan, ready_item, share_row, verdict,
)


@pytest.fixture
def w(session):
    return cast(session)



def figures(session, **period):
    found = {c.district: (c.items, c.plans, c.apps, c.shares, c.submitted_items,
                          c.displayed_items) for c in display.counts(session, **period)}
    return {district: row for district, row in found.items() if any(row)}


def test_counts_take_displayed_records_by_their_own_dates_and_districts(session, w, today):
    today(date(2026, 3, 10))
    a = ready_item(session, w, name="企业开办一件事")                 # catalog 2026-03-10
    today(date(2026, 5, 20))
    rejected = add_item(session, w, name="退休一件事")
    add_item(session, w, name="待核准一件事")  # waits for 核准: submitted, not displayed
    pass_form(session, w)
    form_draft = add_item(session, w, name="未上报一件事")
    verdict(session, w, rejected.id, "deepen", comment="梳理深度不够，请细化")
    today(date(2026, 6, 30))
    plan = passed_plan(session, w, [a.id], passed_on=date(2026, 6, 1))
    app = app_row(session, w, plan.id, launched_on=date(2026, 6, 15))
    share_row(session, w, app.id, shared_on=date(2026, 6, 20))
    today(date(2026, 7, 2))
    qj = ready_item(session, w, clerk=w.qj_clerk, reviewer=w.qj_reviewer, name="出生一件事")
    assert form_draft.id and item(session, rejected.id).status == "继续深化完善原一图两清单"

    assert figures(session) == {"万州区": (1, 0, 0, 0, 3, 1), "黔江区": (1, 0, 0, 0, 1, 1)}
    pass_form(session, w)  # the plan, app and share go in force: displayed
    assert figures(session)["万州区"][:4] == (1, 1, 1, 1)
    assert figures(session, start=date(2026, 6, 1), end=date(2026, 6, 30)) == {
        "万州区": (0, 1, 1, 1, 0, 0)}
    # the items of a period: those that arrived for 核准 in it (the draft went up on 07-02)
    assert figures(session, start=date(2026, 7, 1), end=date(2026, 7, 31)) == {
        "万州区": (0, 0, 0, 0, 1, 0), "黔江区": (1, 0, 0, 0, 1, 1)}
    assert figures(session, start=date(2026, 1, 1), end=date(2026, 3, 31),
                   district_id=w.wanzhou) == {"万州区": (1, 0, 0, 0, 1, 1)}
    assert [r.id for r in display.counted_records(session, "items", district_id=w.qianjiang)] == [
        qj.id]
    quality = {c.district: c.quality for c in display.counts(session) if c.submitted_items}
    assert quality == {"万州区": 1 / 4, "黔江区": 1.0}


def test_the_cockpit_shows_the_four_indicators_of_displayed_records_and_opens_them(
        session, w, today):
    from services.cockpit import board as cockpit
    from services.cockpit import periods
    today(date(2026, 5, 10))
    shown = ready_item(session, w, name="企业开办一件事")
    hidden = add_item(session, w, name="出生一件事")  # waits for 核准: never counted
    plan = passed_plan(session, w, [shown.id, hidden.id], passed_on=date(2026, 5, 1))
    pass_form(session, w)   # the plan links an item not yet at 进入三张清单编制: not displayed
    today(date(2026, 6, 2))
    alone = passed_plan(session, w, [shown.id], name="独立应用", passed_on=date(2026, 6, 1))
    app_row(session, w, alone.id, launched_on=date(2026, 6, 2))
    pass_form(session, w)
    year = periods.year(2026)

    b = cockpit.board(session, actor=w.leader, period=year, district_id=w.wanzhou)
    got = {k.key: (k.value, k.rank) for k in b.kpis if k.key.startswith("digital_")}
    assert got == {"digital_items": (1, 1), "digital_plans": (1, 1), "digital_apps": (1, 1),
                   "digital_shares": (0, 1)}
    opened = cockpit.counted_records(session, actor=w.qj_clerk, indicator="digital_plans",
                                     period=year)
    assert [(r["id"], r["应用名称"], r["区县"]) for r in opened] == [(alone.id, "独立应用", "万州区")]
    assert plan.id != alone.id
    assert cockpit.counted_records(session, actor=w.leader, indicator="digital_items",
                                   period=year, month="2026-05")[0]["事项名称"] == "企业开办一件事"
