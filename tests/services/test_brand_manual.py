"""改革品牌 in the manual's words: the 填写说明, the 获评日期 rule, the 涉密 special case's
总结材料 sent offline (run on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set)."""
from datetime import date

import pytest

from models import BrandEntry, Setting
from services import brand, guidance
from services.brand import REFORM_COMMENDATION
from services.errors import ValidationError
from tests.services.brand_helpers import cast, good_input, snapshot


@pytest.fixture
def w(session):
    return cast(session)


# --- the 填写说明 ---------------------------------------------------------------------------------

def test_the_date_sentence_is_the_manuals_with_the_configured_start(session, w):
    session.add(Setting(key="brand_start_date", value="2024-03-01"))
    session.commit()

    text = brand.guidance(session)

    assert "一是只填报今年以来（2024年3月1日0时之后）改革经验获肯定、推广的情形。" in text
    assert "以来…" not in text and "之后以来" not in text


def test_the_brand_rules_quote_the_achievement_rules_in_full(session, w):
    text = brand.guidance(session)

    assert "填写要求与“试点成果”模块一致" in text
    assert guidance.ACHIEVEMENT_RULES in text
    for words in ("搭建×××平台、建立×××制度、完善×××机制", "复制推广", "上级表彰肯定",
                  "针对×××问题+出台《××》/上线×××应用/建立×××制度/召开×××会议+实现×××"):
        assert words in text


def test_the_achievement_rules_are_the_ones_the_pilot_guidance_shows():
    assert guidance.ACHIEVEMENT_RULES in guidance.PROGRESS


def test_the_date_help_reads_once_with_the_configured_start():
    text = brand.HELP["获评日期"].format(start_text=brand.start_text(date(2023, 1, 1)))

    assert text == "只填报今年以来（2023年1月1日0时之后）改革经验获肯定、推广的情形，不能晚于今天"


# --- the 获评日期 rule -----------------------------------------------------------------------------

def test_a_date_before_the_start_is_answered_with_the_manuals_rule():
    why = brand.awarded_problem(date(2022, 12, 31), start=date(2023, 1, 1),
                                today=date(2026, 12, 1))

    assert why == ("“获评日期”2022-12-31 早于2023-01-01：只填报今年以来（2023年1月1日0时之后）"
                   "改革经验获肯定、推广的情形")


def test_a_future_date_is_answered_and_the_window_accepts_its_ends():
    start, today = date(2023, 1, 1), date(2026, 12, 1)

    assert "晚于今天（2026-12-01）" in brand.awarded_problem(date(2026, 12, 2), start=start,
                                                         today=today)
    assert brand.awarded_problem(start, start=start, today=today) is None
    assert brand.awarded_problem(today, start=start, today=today) is None


# --- a 涉密 special case sends its 总结材料 offline too ----------------------------------------------

SECRET_SPECIAL = {
    "brief mention": dict(brief_mention=True),
    "commendation of reform work": dict(commendation=REFORM_COMMENDATION),
}


@pytest.mark.parametrize("case", list(SECRET_SPECIAL))
def test_secret_special_case_without_the_summary_offline_tick_is_refused(session, w, case):
    data = good_input(w, is_secret=True, sent_offline=True, summary_signed=True,
                      **SECRET_SPECIAL[case])
    before = snapshot(session)

    with pytest.raises(ValidationError, match="签字盖章的总结材料也须通过电子政务内网邮箱传"):
        brand.create(session, actor=w.clerk, data=data, submit=True)

    assert snapshot(session) == before


@pytest.mark.parametrize("case", list(SECRET_SPECIAL))
def test_secret_special_case_with_the_summary_sent_offline_is_submitted(session, w, case):
    data = good_input(w, is_secret=True, sent_offline=True, summary_signed=True,
                      summary_sent_offline=True, **SECRET_SPECIAL[case])

    entry = brand.create(session, actor=w.clerk, data=data, submit=True)

    session.expire_all()
    stored = session.get(BrandEntry, entry.id)
    assert (stored.status, stored.summary_sent_offline) == ("待区县审核", True)


def test_the_summary_offline_tick_is_kept_only_for_a_secret_special_case(session, w):
    entry = brand.create(session, actor=w.clerk, data=good_input(
        w, is_secret=True, sent_offline=True, summary_sent_offline=True))

    assert entry.summary_sent_offline is False
