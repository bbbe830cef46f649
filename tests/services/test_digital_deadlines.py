"""Deadlines act by themselves (SPEC §5.1), from stored dates and a fixed clock: the month from
纳入名录库 (month ends and leap years), met by 保存并上报; 移除名录库 taken once however often the
clock runs; and the 7 days after 继续深化完善 shown, never acted on."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Notification
from services.digital import deadlines, forms, rows
from services.digital.items import DEEPEN, INCLUDED, NEW_CHART, REMOVED
from tests.services.digital_helpers import (
    add_item, app_row, cast, chart, form_version, item, pass_form, passed_plan, verdict,
)


@pytest.fixture
def w(session):
    return cast(session)



def included_on(session, w, today, day: date, name="企业开办一件事"):
    today(day)
    row = add_item(session, w, name=name)
    pass_form(session, w)
    verdict(session, w, row.id, "include")
    assert item(session, row.id).included_on == day
    return row.id


def removals(session, item_id) -> int:
    return session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.record_type == "digital_item", AuditEvent.record_id == item_id,
        AuditEvent.action == "remove")).scalar_one()


@pytest.mark.parametrize("included, last_day", [
    (date(2027, 1, 31), date(2027, 2, 28)),
    (date(2028, 1, 31), date(2028, 2, 29)),   # a leap year
    (date(2027, 3, 31), date(2027, 4, 30)),
    (date(2027, 12, 15), date(2028, 1, 15)),  # across the year
    (date(2027, 2, 28), date(2027, 3, 28)),
])
def test_one_calendar_month_from_inclusion_then_removal_the_day_after(
        session, w, today, included, last_day):
    item_id = included_on(session, w, today, included)
    assert deadlines.new_chart_due(item(session, item_id)) == last_day

    today(last_day)
    assert deadlines.tick(session) == 0
    assert item(session, item_id).status == INCLUDED
    assert "剩余0天" in deadlines.deadline_text(item(session, item_id))

    today(last_day + timedelta(days=1))
    assert deadlines.tick(session) == 1
    assert item(session, item_id).status == REMOVED
    assert deadlines.tick(session) == 0  # twice changes nothing
    assert removals(session, item_id) == 1


def test_reading_the_records_takes_the_removal_and_the_district_is_told(session, w, today):
    item_id = included_on(session, w, today, date(2027, 1, 10))
    today(date(2027, 2, 11))

    views = forms.tables(session, actor=w.clerk)["digital_item"]

    assert views[0].status == REMOVED
    told = session.execute(select(Notification.user_id).where(
        Notification.record_type == "digital_item", Notification.record_id == item_id,
        Notification.title.contains("移除名录库"))).scalars().all()
    assert {w.clerk.id, w.reviewer.id} <= set(told)


def test_the_month_is_met_by_the_clerks_submission_not_by_the_later_approval(session, w, today):
    item_id = included_on(session, w, today, date(2027, 1, 31))
    today(date(2027, 2, 27))
    rows.save_row(session, actor=w.clerk, kind="digital_item",
                  form_version=form_version(session, w.clerk), values={}, row_id=item_id,
                  uploads=[chart(NEW_CHART, "新一图两清单.pdf")])
    form = rows.open_form(session, w.clerk.org_id)
    forms.submit(session, actor=w.clerk, form_id=form.id, version=form.version)

    today(date(2027, 3, 10))  # the district's reviewer has not acted yet
    assert deadlines.tick(session) == 0
    assert item(session, item_id).status == INCLUDED
    assert deadlines.deadline_text(item(session, item_id)) == ""


def test_withdrawing_the_submission_opens_the_month_again(session, w, today):
    item_id = included_on(session, w, today, date(2027, 1, 31))
    today(date(2027, 2, 20))
    rows.save_row(session, actor=w.clerk, kind="digital_item",
                  form_version=form_version(session, w.clerk), values={}, row_id=item_id,
                  uploads=[chart(NEW_CHART, "新一图两清单.pdf")])
    form = rows.open_form(session, w.clerk.org_id)
    form = forms.submit(session, actor=w.clerk, form_id=form.id, version=form.version)
    forms.withdraw(session, actor=w.clerk, form_id=form.id, version=form.version)

    today(date(2027, 3, 1))
    assert deadlines.tick(session) == 1
    assert item(session, item_id).status == REMOVED


def test_seven_days_after_deepen_are_shown_and_nothing_changes_when_overdue(session, w, today):
    today(date(2027, 5, 7))
    row = add_item(session, w)
    pass_form(session, w)
    verdict(session, w, row.id, "deepen", comment="梳理深度不够，请细化")

    today(date(2027, 5, 10))
    assert deadlines.deadline_text(item(session, row.id)) == (
        "重新上传原一图两清单：截止 2027-05-14，剩余4天")
    today(date(2027, 5, 20))
    assert deadlines.tick(session) == 0
    assert item(session, row.id).status == DEEPEN
    assert "已逾期6天" in deadlines.deadline_text(item(session, row.id))
    todo = [t for t in deadlines.todos(session, w.reviewer) if t.record_id == row.id]
    assert todo and "已逾期6天" in todo[0].reason and "梳理深度不够" in todo[0].reason
    assert deadlines.todos(session, w.qj_clerk) == []


def test_an_automatic_removal_names_the_records_that_relied_on_the_item(session, w, today):
    item_id = included_on(session, w, today, date(2026, 9, 1))
    today(date(2026, 9, 25))
    plan = passed_plan(session, w, [item_id], passed_on=date(2026, 9, 5))
    app_row(session, w, plan.id, launched_on=date(2026, 9, 20))
    pass_form(session, w)

    today(date(2026, 10, 2))
    assert deadlines.tick(session) == 1

    from services.digital import display
    assert [(c.items, c.plans, c.apps) for c in display.counts(
        session, district_id=w.wanzhou)] == [(0, 0, 0)]
    note = session.execute(select(Notification).where(
        Notification.user_id == w.reviewer.id, Notification.title.contains("不能晾晒"))
    ).scalars().one()
    assert "企业开办应用" in note.body and "渝快办企业开办" in note.body
