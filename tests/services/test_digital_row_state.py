"""What the form shows of a row: why it is not displayed (晾晒) yet — each link of the chain names
itself, a displayed row has no reason — and the files the first full survey announced."""
from datetime import date

import pytest

from models import DigitalApp, DigitalItem, DigitalPlan, DigitalShare
from services.digital import rows
from services.digital.display import why_not_displayed
from services.digital.plans import DRAFTING
from tests.services.digital_helpers import (
    add_item, app_row, cast, form_version, pass_form, passed_plan, ready_item, share_row,
)


@pytest.fixture
def w(session):
    return cast(session)


def test_a_draft_plan_waits_for_the_district_review(session, w):
    ready = ready_item(session, w)
    plan = passed_plan(session, w, [ready.id])

    assert why_not_displayed(session, DigitalPlan, plan.id) == "尚未经区县审核员审核通过"


def test_a_plan_in_force_waits_for_its_stage_and_then_for_each_linked_item(session, w):
    ready = ready_item(session, w, name="企业开办一件事")
    waiting = add_item(session, w, name="不动产登记一件事")
    plan = rows.save_row(session, actor=w.clerk, kind="digital_plan",
                         form_version=form_version(session, w.clerk),
                         values={"name": "一网通办应用", "item_ids": [ready.id, waiting.id],
                                 "stage": DRAFTING}).row
    pass_form(session, w)

    assert why_not_displayed(session, DigitalPlan, plan.id) == \
        "当前状态为“编制中”，市大数据发展局查重通过后晾晒"

    session.get(DigitalPlan, plan.id).stage = "市大数据发展局查重通过"
    session.get(DigitalPlan, plan.id).passed_on = date(2026, 6, 1)
    session.commit()

    assert why_not_displayed(session, DigitalPlan, plan.id) == (
        "关联的一件事“不动产登记一件事”核准情况为“待核准（原一图两清单）”，"
        "进入三张清单编制等后续环节后晾晒")


def test_an_app_and_its_share_name_the_link_that_is_not_displayed_and_then_none(session, w):
    ready = ready_item(session, w)
    plan = passed_plan(session, w, [ready.id], passed_on=date(2026, 6, 1))
    app = app_row(session, w, plan.id, launched_on=date(2026, 5, 1))
    pass_form(session, w)
    share = share_row(session, w, app.id)
    pass_form(session, w)

    assert why_not_displayed(session, DigitalPlan, plan.id) == ""
    assert why_not_displayed(session, DigitalApp, app.id) == \
        "上线时间早于关联三张清单的查重通过日期（2026-06-01）"
    assert why_not_displayed(session, DigitalShare, share.id) == \
        "关联的特色应用“渝快办企业开办”尚未晾晒"

    session.get(DigitalApp, app.id).launched_on = date(2026, 7, 1)
    session.commit()

    assert why_not_displayed(session, DigitalApp, app.id) == ""
    assert why_not_displayed(session, DigitalShare, share.id) == ""


def test_an_app_on_a_plan_not_displayed_names_the_plan(session, w):
    ready = ready_item(session, w)
    plan = passed_plan(session, w, [ready.id])
    app = app_row(session, w, plan.id)
    pass_form(session, w)
    session.get(DigitalPlan, plan.id).stage = DRAFTING
    session.commit()

    assert why_not_displayed(session, DigitalApp, app.id) == "关联的三张清单“企业开办应用”尚未晾晒"


def test_an_item_names_its_verdict_until_it_enters_the_catalog(session, w):
    row = add_item(session, w)
    pass_form(session, w)
    ready = ready_item(session, w, name="不动产登记一件事")

    assert why_not_displayed(session, DigitalItem, row.id) == \
        "核准情况为“待核准（原一图两清单）”，纳入名录库后晾晒"
    assert why_not_displayed(session, DigitalItem, ready.id) == ""


def test_a_row_names_the_files_the_survey_announced_until_they_are_uploaded(session, w):
    import json

    from services.digital import forms
    from services.digital.items import ORIGINAL_CHART
    from tests.services.digital_helpers import chart

    row = add_item(session, w, files=False)
    row.pending = json.dumps({"expected_files": {ORIGINAL_CHART: "原图.pdf；原图2.pdf"}})
    session.commit()

    (view,) = forms.tables(session, actor=w.clerk)["digital_item"]
    assert view.expected == {ORIGINAL_CHART: "原图.pdf；原图2.pdf"}

    rows.save_row(session, actor=w.clerk, kind="digital_item", row_id=row.id, values={},
                  form_version=form_version(session, w.clerk), uploads=[chart()])

    (view,) = forms.tables(session, actor=w.clerk)["digital_item"]
    assert view.expected == {}
