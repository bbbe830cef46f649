"""区县改革报表驾驶舱 page (AppTest): what each role sees, the district leader's default and rank,
a card opening exactly its records, 督办提醒 and 简报 pressed on the page."""
from datetime import date
from io import BytesIO

import pytest
from docx import Document
from sqlalchemy import select

from models import Notification, Org, User
from services import accounts, db, pilots
from services.pilots import NATIONAL_DOC, PilotInput, Upload
from services.review import Action
from tests.pages.conftest import logged_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DEMO = ["13800000000", "13800000101", "13800000102", "13800000103", "13800000201",
        "13800000203", "13900000101", "13900000202", "13700000101", "13700000103"]
LEADERS = {"13800000103", "13800000203", "13700000103"}
TITLE = "区县改革报表驾驶舱"


def user(phone):
    with db.session_scope() as s:
        return accounts.current_user(s, s.execute(select(User).where(User.phone == phone))
                                     .scalars().one())


def org_id(name):
    with db.session_scope() as s:
        return s.execute(select(Org.id).where(Org.name == name)).scalar_one()


def distributed(n: int):
    """A pilot of 万州区 distributed by 市发展改革委 (its task pushed now: this year)."""
    with db.session_scope() as s:
        p = pilots.create(s, actor=user("13800000101"), submit=True,
                          uploads=[Upload(NATIONAL_DOC, "国家文件.pdf", PDF)],
                          data=PilotInput(name=f"第{n}号改革试点", deploy_level="中办国办",
                                          doc_title="关于开展试点的通知", doc_number=f"国办发〔2026〕{n}号",
                                          content="开展改革", due_date=date(2027, 12, 31),
                                          dept_id=org_id("市发展改革委")))
        p = pilots.act(s, actor=user("13800000102"), pilot_id=p.id, action=Action.APPROVE,
                       version=p.version)
        pilots.confirm_and_distribute(s, actor=user("13900000101"), pilot_id=p.id,
                                      version=p.version)


def cockpit(phone):
    at = logged_in(phone).run()
    if at.title[0].value != TITLE:
        at.switch_page("pages/cockpit.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("phone", DEMO)
def test_every_role_reads_the_cockpit_and_only_leaders_may_send_reminders(app_db, phone):
    at = cockpit(phone)

    assert at.title[0].value == TITLE
    assert [m.label for m in at.metric] == [
        "承接试点数", "已完成试点数", "试点成果数", "品牌亮点数", "驳回率",
        # 重点关注 → 数字重庆建设, with its 名录库 button
        "一件事纳入名录库数", "三张清单查重通过数", "上线特色应用数", "一地创新全市共享数"]
    assert [(p.proto.label, p.proto.page) for p in at.get("page_link")
            if p.proto.label == "名录库"] == [("名录库", "digital_catalog")]
    tabs = [t.label for t in at.tabs]
    assert tabs[:4] == ["区县排名", "月度趋势", "状态分布", "驳回率"] and tabs[-1] == "简报"
    assert ("督办提醒" in tabs) == (phone in LEADERS)
    assert any(b.label == "发送督办提醒" for b in at.button) == (phone in LEADERS)
    assert any(b.label == "保存" or b.label == "保存并上报" for b in at.button) is False


def test_a_district_leader_starts_on_the_own_district_and_sees_its_rank(app_db):
    distributed(1)

    at = cockpit("13800000103")

    assert at.selectbox(key="ck-district").value == org_id("万州区")
    assert at.metric[0].value == "1 个"
    assert any("万州区在全市41个区县中" in i.value and "承接试点数第1名" in i.value for i in at.info)
    assert any("第1名（共41个区县）" in c.value for c in at.caption)


def test_a_reform_office_leader_starts_on_the_city(app_db):
    distributed(1)

    at = cockpit("13700000103")

    assert at.selectbox(key="ck-district").value is None
    assert at.metric[0].value == "1 个"
    assert not any("在全市41个区县中" in i.value for i in at.info)


def test_a_card_opens_exactly_the_records_it_counts(app_db):
    distributed(1)
    distributed(2)
    at = cockpit("13800000203")  # 黔江区's leader reads 万州区's counted pilots from here
    at.selectbox(key="ck-district").set_value(org_id("万州区")).run()

    at.button(key="card-pilots").click().run()

    assert not at.exception
    table = at.dataframe[0].value
    assert sorted(table["试点名称"]) == ["第1号改革试点", "第2号改革试点"]
    assert any("承接试点数的记录：万州区" in m.value and "共 2 条" in m.value for m in at.markdown)


def test_a_leader_sends_a_reminder_and_sees_it_unread(app_db):
    at = cockpit("13800000103")

    at.text_area(key="rm-message-0").input("请本周内更新试点推进情况")
    next(b for b in at.button if b.label == "发送督办提醒").click().run()

    assert not at.exception
    with db.session_scope() as s:
        to = set(s.execute(select(User.phone).join(Notification, Notification.user_id == User.id)
                           .where(Notification.record_type == "reminder")).scalars())
    assert to == {"13800000101", "13800000102"}
    assert any("督办提醒已发送至万州区" in m.value for m in at.success)
    rows = at.dataframe[-1].value
    assert sorted(rows["接收人"]) and set(rows["阅读状态"]) == {"未读"} and len(rows) == 2


def test_a_too_short_reminder_is_refused_on_the_page(app_db):
    at = cockpit("13700000103")

    at.text_area(key="rm-message-0").input("快")
    next(b for b in at.button if b.label == "发送督办提醒").click().run()

    assert any("不少于5个字" in e.value for e in at.error)
    with db.session_scope() as s:
        assert s.execute(select(Notification)).first() is None


def test_the_brief_is_built_from_the_page_and_opens(app_db):
    distributed(1)
    at = cockpit("13800000103")

    at.button(key="bf-build").click().run()

    assert not at.exception
    name, data = at.session_state["bf-file"]
    assert name.startswith("区县改革报表简报_") and name.endswith("_万州区.docx")
    doc = Document(BytesIO(data))
    assert doc.tables[0].rows[1].cells[1].text == "1"        # 承接试点数, 全市
    assert doc.tables[0].rows[1].cells[2].text == "1（第1名）"  # 万州区


def test_a_custom_period_that_ends_before_it_starts_is_refused_on_the_page(app_db):
    at = cockpit("13700000103")
    at.segmented_control(key="ck-kind").set_value("自定义").run()

    at.date_input(key="ck-start").set_value(date(2025, 3, 1))
    at.date_input(key="ck-end").set_value(date(2025, 2, 1)).run()

    assert any("晚于截止日期" in e.value for e in at.error)
