"""Pilot pages render for every role that may open them, and are absent for the others."""
import pytest

from tests.pages.conftest import logged_in

PAGES = {
    "pages/pilot_entry.py": ("试点项目录入", {"13800000101", "13800000201"}),
    "pages/pilot_review.py": ("试点项目审核", {"13800000102", "13800000202", "13900000101",
                                         "13900000102", "13900000201", "13900000202"}),
    "pages/progress_update.py": ("试点推进状态更新", {"13800000101", "13800000201"}),
    "pages/progress_review.py": ("试点推进审核", {"13800000102", "13800000202", "13900000101",
                                            "13900000102", "13900000201", "13900000202",
                                            "13700000101", "13700000102"}),
    "pages/pilot_list.py": ("试点项目清单", None),
}
DEMO = ["13800000000", "13800000101", "13800000102", "13800000103", "13800000201",
        "13800000202", "13800000203", "13900000101", "13900000102", "13900000201",
        "13900000202", "13700000101", "13700000102", "13700000103"]


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("phone", DEMO)
def test_page_renders_for_allowed_roles_and_is_absent_otherwise(app_db, page, phone):
    title, allowed = PAGES[page]
    at = logged_in(phone).run()

    if allowed is None or phone in allowed:
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert at.title[0].value == title
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_entry_form_carries_the_spec_labels(app_db):
    at = logged_in("13800000101").run()

    at.switch_page("pages/pilot_entry.py").run()

    labels = {w.label for w in at.text_input} | {w.label for w in at.selectbox} | \
        {w.label for w in at.multiselect} | {w.label for w in at.text_area} | \
        {w.label for w in at.date_input}
    assert {"试点名称", "文号", "文件依据", "涉及区县", "主管市级部门", "部署层级", "试点范围依据",
            "试点内容及任务", "完成时间", "批次"} <= labels
    assert {"保存", "保存并上报"} <= {b.label for b in at.button}


def test_city_scope_shows_the_refusal_as_soon_as_it_is_chosen(app_db):
    at = logged_in("13800000101").run()
    at.switch_page("pages/pilot_entry.py").run()

    at.selectbox(key="new0-scope").select("国家文件明确范围为“重庆市”").run()

    assert any("不纳入填报范围" in e.value for e in at.error)


def test_naming_hint_appears_while_typing(app_db):
    at = logged_in("13800000101").run()
    at.switch_page("pages/pilot_entry.py").run()

    at.text_input(key="new0-name").input("数字乡村建设").run()

    assert any("试点名称一般应为" in w.value for w in at.warning)


def test_pilot_history_shows_changes_with_field_labels(app_db):
    from datetime import date

    from sqlalchemy import select

    from models import Org, User
    from services import accounts, db, pilots
    with db.session_scope() as s:
        clerk = accounts.current_user(s, s.execute(select(User).where(
            User.phone == "13800000101")).scalars().one())
        dept = s.execute(select(Org).where(Org.name == "市发展改革委")).scalars().one()
        data = pilots.PilotInput(name="数字乡村改革试点", deploy_level="中办国办", doc_title="通知",
                                 doc_number="国办发〔2023〕12号", content="开展数字乡村改革",
                                 due_date=date(2026, 12, 31), dept_id=dept.id)
        p = pilots.create(s, actor=clerk, data=data)
        data.name = "智慧乡村改革试点"
        pilots.update(s, actor=clerk, pilot_id=p.id, version=p.version, data=data)
    at = logged_in("13800000101").run()
    at.switch_page("pages/pilot_list.py").run()

    at.selectbox(key="list-pick").select(p.id).run()

    frames = [df.value for df in at.dataframe if "修改内容" in df.value.columns]
    assert frames, "审核记录 table missing"
    changes = " ".join(frames[0]["修改内容"])
    assert "试点名称：数字乡村改革试点 → 智慧乡村改革试点" in changes
    assert "doc_number_norm" not in changes


def test_a_message_opens_its_pilot_on_the_list_even_outside_the_chosen_filter(app_db):
    from datetime import date
    from sqlalchemy import select
    from models import Org, User
    from services import accounts, db, pilots
    with db.session_scope() as s:
        clerk = accounts.current_user(s, s.execute(
            select(User).where(User.phone == "13800000101")).scalars().one())
        dept = s.execute(select(Org.id).where(Org.name == "市发展改革委")).scalar_one()
        p = pilots.create(s, actor=clerk, data=pilots.PilotInput(
            name="数字乡村改革试点", deploy_level="中办国办", doc_title="通知",
            doc_number="国办发〔2023〕12号", content="开展数字乡村改革",
            due_date=date(2026, 12, 31), dept_id=dept))
    at = logged_in("13800000103").run()
    at.switch_page("pages/pilot_list.py").run()
    at.selectbox(key="f-status").select("已分发").run()  # the draft is not among the rows
    at.session_state["open_pilot"] = p.id

    at.run()

    assert not at.exception, at.exception
    assert at.selectbox(key="list-pick").value == p.id
