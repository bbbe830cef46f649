"""业务工作台 as a page: user text shown literally, every line opening its module's page."""
import pytest
from sqlalchemy import select

from models import Role, User
from services import db
from services.pilots import PILOT_FLOW
from services.review import Action
from tests.factories import make_pilot, make_user
from tests.pages.conftest import logged_in
from ui.widgets import literal

REASON = "![](http://127.0.0.1:9/track.png) :red[系统警告]"


def _returned_pilot():
    with db.session_scope() as s:
        clerk_row = s.execute(select(User).where(User.phone == "13800000101")).scalars().one()
        from services import accounts
        clerk = accounts.current_user(s, clerk_row)
        reviewer = make_user(s, org="万州区", role=Role.REVIEWER)
        pilot = make_pilot(s, creator=clerk, name="**伪造**试点")
        for action, actor, comment in ((Action.SUBMIT, clerk, ""),
                                       (Action.REJECT, reviewer, REASON)):
            PILOT_FLOW.apply(s, record_id=pilot.id, action=action, actor=actor,
                             version=pilot.version, comment=comment)
        return pilot.id


def test_returned_reason_and_title_are_shown_literally(app_db):
    _returned_pilot()

    at = logged_in("13800000101").run()

    assert not at.exception
    reasons = [e.value for e in at.error]
    assert reasons == ["驳回原因：" + literal(REASON)]
    assert any(literal("**伪造**试点") in m.value for m in at.markdown)
    assert not any("**伪造**" in m.value for m in at.markdown)


def test_open_button_of_a_returned_pilot_opens_the_entry_page(app_db):
    pilot_id = _returned_pilot()
    at = logged_in("13800000101").run()

    at.button(key=f"open-pilot-{pilot_id}").click().run()

    assert not at.exception
    assert at.title[0].value == "试点项目录入"


@pytest.mark.parametrize("page", ["pages/workbench.py", "pages/pilot_list.py",
                                  "pages/brand_list.py", "pages/progress_overview.py"])
def test_an_actions_message_shows_on_whichever_page_its_rerun_lands(app_db, page):
    """A menu click right after 保存并上报 / 通过 lands the action's rerun on another page: the
    message shows there, once, instead of on some later page."""
    at = logged_in("13800000101").run()
    at.switch_page(page).run()
    at.session_state["flash"] = "“数字乡村改革试点”已上报，等待区县审核员审核"

    at.run()

    shown = [s.value for s in at.success if "已上报" in s.value]
    assert shown == [literal("“数字乡村改革试点”已上报，等待区县审核员审核")]
    at.run()
    assert not any("已上报" in s.value for s in at.success)  # once


def test_opening_a_message_opens_its_record_and_marks_it_read(app_db):
    from models import Notification
    pilot_id = _returned_pilot()
    with db.session_scope() as s:
        note = s.execute(select(Notification).where(
            Notification.record_type == "pilot", Notification.record_id == pilot_id,
            Notification.is_read.is_(False))).scalars().one()
    at = logged_in("13800000101").run()

    at.button(key=f"open-note-{note.id}").click().run()

    assert not at.exception
    assert at.title[0].value == "试点项目录入"
    with db.session_scope() as s:
        assert s.get(Notification, note.id).is_read


def test_a_submitted_pilot_shows_where_it_waits(app_db):
    with db.session_scope() as s:
        from services import accounts
        clerk = accounts.current_user(s, s.execute(
            select(User).where(User.phone == "13800000101")).scalars().one())
        pilot = make_pilot(s, creator=clerk, name="数字乡村改革试点")
        PILOT_FLOW.apply(s, record_id=pilot.id, action=Action.SUBMIT, actor=clerk,
                         version=pilot.version)

    at = logged_in("13800000101").run()

    assert not at.exception
    assert any("待区县审核 · 等待万州区审核员处理" in m.value for m in at.markdown)
    assert at.tabs[1].label == "已上报、审核中（1）"


@pytest.mark.parametrize("phone, works", [("13800000000", False), ("13800000103", False),
                                          ("13800000101", True), ("13800000102", True)])
def test_only_those_who_enter_or_review_see_the_to_do_counts_and_submitted_tab(app_db, phone,
                                                                               works):
    at = logged_in(phone).run().switch_page("pages/workbench.py").run()  # leaders land elsewhere

    assert not at.exception
    badges = " ".join(m.value for m in at.markdown if "-badge[" in m.value)
    assert ("退回修改" in badges) == works and ("草稿" in badges) == works
    assert "未读消息" in badges
    assert any(t.label.startswith("已上报、审核中") for t in at.tabs) == works
