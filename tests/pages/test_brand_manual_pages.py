"""Brand pages as their users notice them: 撤销通过 with a confirmation, the 获评日期 rule next to
the field, a start date that makes no sense, the 涉密 special case's offline tick, 系统设置."""
from datetime import date, timedelta

from models import Setting
from services import brand, clock, db, records
from services.review import Action
from tests.pages.conftest import logged_in
from tests.pages.test_brand_pages import _entry_page, _fill, make_entry, stored, user

OFFICE_REVIEWER = "13700000101"


def approved_entry():
    entry_id = make_entry("待市委改革办审核")
    with db.session_scope() as s:
        entry = brand.get(s, actor=user(OFFICE_REVIEWER), entry_id=entry_id)
        records.act(s, flow=brand.BRAND_FLOW, actor=user("13700000102"), record_id=entry_id,
                    action=Action.APPROVE, version=entry.version)
    return entry_id


def _approved_tab(phone=OFFICE_REVIEWER):
    at = logged_in(phone).run()
    at.switch_page("pages/brand_review.py").run()
    return at


def test_office_reviewer_revokes_an_approval_after_confirming(app_db):
    entry_id = approved_entry()
    at = _approved_tab()
    at.selectbox(key="approved-pick").set_value(entry_id).run()
    at.text_area(key=f"revoke-reason-{entry_id}").input("佐证材料不能印证获全市推广")

    at.button(key=f"revoke-{entry_id}").click().run()

    assert stored(entry_id).status == "已通过"  # asked first, nothing done yet
    assert any("确定撤销通过" in w.value and "计入该区县驳回率" in w.value for w in at.warning)
    at.button(key=f"revoke-yes-{entry_id}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert stored(entry_id).status == "退回修改"
    assert any("已撤销通过" in s.value for s in at.success)


def test_revoke_without_a_reason_is_answered_before_any_confirmation(app_db):
    entry_id = approved_entry()
    at = _approved_tab()
    at.selectbox(key="approved-pick").set_value(entry_id).run()

    at.button(key=f"revoke-{entry_id}").click().run()

    assert any("请填写撤销通过原因（不少于5个字）" in e.value for e in at.error)
    assert not at.button(key=f"revoke-{entry_id}").disabled
    assert all("确定撤销通过" not in w.value for w in at.warning)
    assert stored(entry_id).status == "已通过"


def test_cancelling_the_confirmation_leaves_the_entry_approved(app_db):
    entry_id = approved_entry()
    at = _approved_tab()
    at.selectbox(key="approved-pick").set_value(entry_id).run()
    at.text_area(key=f"revoke-reason-{entry_id}").input("佐证材料不能印证获全市推广")
    at.button(key=f"revoke-{entry_id}").click().run()

    at.button(key=f"revoke-no-{entry_id}").click().run()

    assert stored(entry_id).status == "已通过"
    assert all("确定撤销通过" not in w.value for w in at.warning)


def test_only_the_reform_offices_reviewers_see_the_approved_tab(app_db):
    district_reviewer = _approved_tab("13800000102")
    office = _approved_tab()

    assert [t.label for t in district_reviewer.tabs] == []
    assert [t.label for t in office.tabs] == ["待审核", "已通过"]


def test_entry_page_works_with_a_stored_start_date_after_today(app_db):
    with db.session_scope() as s:  # written before 系统设置 checked the date
        s.add(Setting(key="brand_start_date",
                      value=(clock.today() + timedelta(days=30)).isoformat()))
        s.commit()

    at = _entry_page()

    assert not at.exception, at.exception
    assert at.date_input(key="new0-date").label == "获评日期"


def test_a_date_before_the_start_is_answered_with_the_rule_next_to_the_field(app_db):
    at = _entry_page()

    at.date_input(key="new0-date").set_value(date(2022, 12, 31)).run()

    assert at.date_input(key="new0-date").value == date(2022, 12, 31)  # kept, not dropped
    assert any("只填报今年以来（2023年1月1日0时之后）" in e.value for e in at.error)


def test_the_date_help_and_the_facts_read_without_typos(app_db):
    entry_id = make_entry()
    at = _entry_page()

    assert at.date_input(key="new0-date").help == (
        "只填报今年以来（2023年1月1日0时之后）改革经验获肯定、推广的情形，不能晚于今天")
    at.selectbox(key="mine-pick").set_value(entry_id).run()
    facts = " ".join(m.value for m in at.markdown)
    assert "以来以来" not in facts and "特殊情形：介绍不足一个自然段" not in facts
    assert "点名推广文件介绍不足一个自然段（特殊情形）" in facts


def test_secret_special_case_asks_that_the_summary_went_offline_too(app_db):
    at = _fill(_entry_page())
    at.checkbox(key="new0-brief").check().run()
    at.checkbox(key="new0-secret").check().run()
    at.checkbox(key="new0-offline").check()
    at.checkbox(key="new0-signed").check()
    at.checkbox(key="new0-check").check()

    at.button(key="new-submit").click().run()

    assert any("签字盖章的总结材料也须" in e.value for e in at.error)
    assert stored() == []
    at.checkbox(key="new0-summary-offline").check()
    at.checkbox(key="new0-check").check()
    at.button(key="new-submit").click().run()
    (entry,) = stored()
    assert (entry.status, entry.summary_sent_offline) == ("待区县审核", True)


def _settings_page():
    at = logged_in("13800000000").run()
    at.switch_page("pages/settings.py").run()
    return at


def test_settings_take_the_start_date_with_a_date_picker_and_show_no_developer_text(app_db):
    at = _settings_page()

    assert at.date_input(key="set-brand_start_date").value == date(2023, 1, 1)
    texts = " ".join([c.value for c in at.caption] + [w.value for w in at.warning]
                     + [t.label for t in at.text_input])
    assert "config.toml" not in texts and "maxUploadSize" not in texts
    at.date_input(key="set-brand_start_date").set_value(date(2024, 1, 1))
    at.button[0].click().run()
    with db.session_scope() as s:
        assert brand.start_date(s) == date(2024, 1, 1)


def test_settings_refuse_a_start_date_after_today(app_db):
    at = _settings_page()

    at.date_input(key="set-brand_start_date").set_value(clock.today() + timedelta(days=1))
    at.button[0].click().run()

    assert any("晚于今天" in e.value for e in at.error)
    with db.session_scope() as s:
        assert brand.start_date(s) == date(2023, 1, 1)


def test_a_refused_submit_of_a_saved_draft_writes_nothing_and_keeps_the_draft_open(app_db):
    from sqlalchemy import func, select
    from models import AuditEvent
    at = _entry_page()
    at.text_input(key="new0-item").input("建立协同机制").run()
    at.button(key="new-save").click().run()
    (draft,) = stored()
    with db.session_scope() as s:
        events = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    key = f"edit{draft.id}v{draft.version}g1"
    at.text_input(key=f"{key}-item").input("建立跨部门协同机制")

    at.button(key=f"submit-{draft.id}").click().run()

    assert at.error, "the refusal is shown"
    (after,) = stored()
    assert (after.status, after.version, after.item) == ("草稿", draft.version, "建立协同机制")
    with db.session_scope() as s:
        assert s.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == events
    assert at.selectbox(key="mine-pick").value == draft.id
    assert at.text_input(key=f"{key}-item").value == "建立跨部门协同机制"  # what was typed stays


def test_an_over_long_item_is_answered_with_the_limit_not_dropped_by_the_field(app_db):
    at = _fill(_entry_page(), item="建立" + "机" * 199)  # 201 characters, one over the limit

    next(b for b in at.button if b.label == "保存").click().run()

    assert not at.exception
    assert any("“改革事项”最多200个字，当前201个字" in e.value for e in at.error)
    with db.session_scope() as s:
        assert brand.search(s, actor=user("13800000101")) == []
