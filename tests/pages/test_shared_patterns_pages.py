"""The shared patterns on the pages: destructive actions ask first, empty places say what to do,
reviewers read every field in full, the manual's words and no emoji."""
import re

import pytest

from models import BrandEntry, Pilot
from services import brand, db, notifications, progress
from tests.pages.conftest import logged_in
from tests.pages.progress_setup import CLERK, REVIEWER, actor, draft
from ui.widgets import literal

LONG_CONTENT = ("开展数字乡村改革，建立健全数据共享机制，" * 12) + "最后一句"


def _pilot_draft():
    from tests.pages.test_pilot_entry_page import _draft
    return _draft(CLERK, "国办发〔2023〕12号")


def _status(model, record_id):
    with db.session_scope() as s:
        return s.get(model, record_id).status


def _brand_draft():
    with db.session_scope() as s:
        return brand.create(s, actor=actor(s, CLERK), submit=False,
                            data=brand.BrandInput(item="建立基层治理“一网统管”机制"))


@pytest.mark.parametrize("model, make, page, question", [
    (Pilot, _pilot_draft, "pages/pilot_entry.py", "作废试点“数字乡村改革试点”？"),
    (BrandEntry, _brand_draft, "pages/brand_entry.py", "作废“建立基层治理“一网统管”机制”？"),
])
def test_voiding_a_draft_asks_first_and_the_draft_stays_until_confirmed(app_db, model, make,
                                                                        page, question):
    record = make()
    at = logged_in(CLERK).run()
    at.switch_page(page).run()
    at.selectbox(key="mine-pick").select(record.id).run()

    at.button(key=f"cancel-{record.id}").click().run()

    assert _status(model, record.id) == "草稿"
    assert any(question in w.value for w in at.warning)
    at.button(key=f"cancel-{record.id}-yes").click().run()
    assert not at.exception
    assert _status(model, record.id) == "作废"


def test_a_voiding_button_is_not_styled_like_save_and_submit(app_db):
    p = _pilot_draft()
    at = logged_in(CLERK).run()
    at.switch_page("pages/pilot_entry.py").run()

    at.selectbox(key="mine-pick").select(p.id).run()

    assert at.button(key=f"cancel-{p.id}").proto.type == "tertiary"
    assert at.button(key="edit-True").proto.type == "primary"


def test_an_empty_task_list_says_tasks_come_after_the_department_distributes(app_db):
    at = logged_in(CLERK).run()

    at.switch_page("pages/progress_update.py").run()

    assert not at.exception
    [info] = [i.value for i in at.info]
    assert "主管市级部门确认并分发后" in info and "暂无数据" not in info
    assert not at.selectbox  # nothing to choose: no empty picker under the message


def test_a_review_page_emptied_by_the_last_approval_says_so_and_links_to_the_workbench(app_db):
    with db.session_scope() as s:
        rev = draft(s)
        progress.save(s, actor=actor(s, CLERK), revision_id=rev.id, version=rev.version,
                      data=progress.ProgressInput(work_items=["召开专题会议"], problems="数据共享难"),
                      submit=True)
    at = logged_in(REVIEWER).run()
    at.switch_page("pages/progress_review.py").run()

    [approve] = [b for b in at.button if b.label == "通过"]
    approve.click().run()

    assert not at.exception
    assert any("暂无待审核的试点推进情况" in i.value for i in at.info)
    links = at.get("page_link")
    assert [link.proto.label for link in links] == ["返回业务工作台"]


def test_a_first_submission_is_reviewed_in_one_full_width_panel_with_every_field(app_db):
    with db.session_scope() as s:
        rev = draft(s)
        progress.save(s, actor=actor(s, CLERK), revision_id=rev.id, version=rev.version,
                      data=progress.ProgressInput(
                          work_items=["召开专题会议"], problems="数据共享难",
                          achievements=[progress.AchievementInput(
                              "搭建数字乡村服务平台", "针对数据分散问题，上线平台",
                              "被全市复制推广" * 20)]), submit=True)
    at = logged_in(REVIEWER).run()

    at.switch_page("pages/progress_review.py").run()

    assert not at.exception
    assert not at.columns or all(c.proto.weight == at.columns[0].proto.weight
                                 for c in at.columns)  # no 3:2 split beside a copy
    shown = [m.value for m in at.markdown]
    assert f"**具体成效**  \n{literal('被全市复制推广' * 20)}" in shown  # in full, not cut
    assert not any("首次填报（无现行版本）" in h.value for h in at.subheader)


def test_pilot_details_are_a_card_with_the_whole_content(app_db):
    p = _pilot_draft()
    with db.session_scope() as s:
        stored = s.get(Pilot, p.id)
        stored.content = LONG_CONTENT
        s.add(stored)
        s.commit()
    at = logged_in(CLERK).run()
    at.switch_page("pages/pilot_list.py").run()

    at.selectbox(key="list-pick").select(p.id).run()

    shown = [m.value for m in at.markdown]
    assert f"**试点内容及任务**  \n{literal(LONG_CONTENT)}" in shown
    assert f"**文号**  \n{literal('国办发〔2023〕12号')}" in shown


def test_the_task_list_and_its_form_use_the_manuals_words(app_db):
    with db.session_scope() as s:
        task = draft(s).task_id
    at = logged_in(CLERK).run()
    at.switch_page("pages/progress_update.py").run()

    at.selectbox(key="task-pick").select(task).run()

    words = " ".join([h.value for h in at.subheader] + [e.label for e in at.expander]
                     + [b.label for b in at.button] + list(at.dataframe[0].value.columns))
    assert "第1次填报（草稿）" in words and "作废本次填报" in words
    for wrong in ("现行版本", "在办版本", "第1版", "作废本版本"):
        assert wrong not in words


def test_pending_reviews_are_counted_one_way(app_db):
    with db.session_scope() as s:
        rev = draft(s)
        progress.save(s, actor=actor(s, CLERK), revision_id=rev.id, version=rev.version,
                      data=progress.ProgressInput(work_items=["召开专题会议"], problems="数据共享难"),
                      submit=True)
    at = logged_in(REVIEWER).run()

    at.switch_page("pages/progress_review.py").run()

    assert "待审核（1）" in [c.value for c in at.caption]


EMOJI = re.compile("[\U0001F000-\U0001FFFF\u2600-\u27BF\u2B00-\u2BFF\u2B07\u2B06\u2B05]")


def test_an_unread_message_is_marked_in_words_not_an_emoji(app_db):
    with db.session_scope() as s:
        rev = draft(s)
        notifications.send(s, user_ids=[actor(s, CLERK).id], title="试点已确认", body="请查看",
                           record_type="progress", record_id=rev.id)
        s.commit()
    at = logged_in(CLERK).run()

    shown = [m.value for m in at.markdown] + [b.label for b in at.button]

    assert any(m.startswith(":red-badge[未读]") and "试点已确认" in m for m in shown)
    assert not any(EMOJI.search(m) for m in shown)


def test_a_workbench_with_nothing_to_do_says_so_once(app_db):
    at = logged_in("13800000000").run()  # 系统管理员: no to-dos

    assert any(m.value.startswith("暂无待办事项") for m in at.success)
    assert "暂无数据" not in [i.value for i in at.info]


def test_roles_and_districts_are_chosen_one_by_one(app_db):
    at = logged_in("13800000000").run()
    at.switch_page("pages/users.py").run()
    roles = [m for m in at.multiselect if m.label == "角色"]
    clerk = logged_in(CLERK).run()
    clerk.switch_page("pages/pilot_entry.py").run()

    districts = clerk.multiselect(key="new0-districts")

    assert roles and all(m.proto.select_all == 0 for m in roles)
    assert districts.proto.select_all == 0
    assert all(m.proto.placeholder.startswith("请") for m in roles + [districts])


def test_the_upload_boxes_state_the_limit_of_system_settings(app_db):
    at = logged_in(CLERK).run()

    at.switch_page("pages/pilot_entry.py").run()

    assert [u.proto.max_upload_size_mb for u in at.file_uploader] == [50]  # not the server's 60


def test_the_password_rules_are_written_under_the_field_not_only_in_a_tooltip(app_db):
    at = logged_in(CLERK).run()

    new = next(t for t in at.text_input if t.label == "新密码")

    assert any(c.value.startswith("新密码至少8位") for c in at.caption)
    assert not new.help
