"""The pilot creation chain in a real browser, as the demo users would do it."""
from datetime import date

import pytest
from sqlalchemy import select

from tests.e2e.conftest import (
    PASSWORD, choose, fill, logout, open_page, server_data_dirs, settle, sign_in, type_date, upload,
)

pytestmark = pytest.mark.e2e


def test_pilot_goes_from_district_clerk_to_distribution_and_reaches_qianjiang(
        server_with_passwords, browser, tmp_path):
    url = server_with_passwords
    pdf = tmp_path / "国家文件.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})

    # 万州区录入员 creates and submits
    sign_in(page, url, "13800000101")
    open_page(page, "试点项目录入")
    fill(page, "试点名称", "数字乡村改革试点")
    choose(page, "部署层级", "中办国办")
    fill(page, "文件依据", "关于开展数字乡村试点的通知")
    fill(page, "文号", "国办发〔2023〕12号")
    type_date(page, "完成时间", "20261231")
    fill(page, "试点内容及任务", "开展数字乡村改革，建立健全数据共享机制")
    choose(page, "主管市级部门", "市发展改革委")
    upload(page, "国家文件", pdf)
    page.get_by_role("button", name="保存并上报").first.click()
    settle(page)
    page.get_by_text("已上报，等待区县审核员审核").first.wait_for()
    logout(page)

    # 万州区审核员 通过
    sign_in(page, url, "13800000102")
    open_page(page, "试点项目审核")
    page.get_by_test_id("stMarkdown").filter(has_text="数字乡村改革试点").first.wait_for()
    page.get_by_role("button", name="通过").click()
    settle(page)
    page.get_by_text("已通过，已提交主管市级部门确认").first.wait_for()
    logout(page)

    # 市发展改革委录入员 adds 黔江区 and 确认分发
    sign_in(page, url, "13900000101")
    open_page(page, "试点项目审核")
    page.get_by_test_id("stMultiSelect").filter(has_text="涉及区县").locator("input").click()
    page.keyboard.type("黔江")
    page.get_by_role("option", name="黔江区", exact=True).click()
    page.keyboard.press("Escape")
    settle(page)
    page.get_by_role("button", name="确认分发").click()
    settle(page)
    page.get_by_text("已确认并分发，推进任务已推送到涉及区县").first.wait_for()
    logout(page)

    # 黔江区录入员 sees the pushed task on 业务工作台
    sign_in(page, url, "13800000201")
    page.get_by_role("heading", name="业务工作台").first.wait_for()
    page.get_by_text("【推进任务】试点推进任务：数字乡村改革试点").first.wait_for()
    page.close()


def test_deep_link_asks_for_login_then_opens_the_requested_page(server_with_passwords, browser):
    page = browser.new_page(viewport={"width": 390, "height": 900})  # a phone's width
    page.goto(f"{server_with_passwords}/pilot_list")
    settle(page)

    page.get_by_label("手机号").fill("13700000103")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    settle(page)

    page.get_by_role("heading", name="试点项目清单").first.wait_for()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # nothing needs horizontal scrolling
    page.close()


@pytest.fixture
def services_on(server_with_passwords, monkeypatch):
    """Service calls against the running server's database and upload directory."""
    data = server_data_dirs[server_with_passwords]
    monkeypatch.setenv("REFORM_DATA_DIR", str(data))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data / 'reform.db'}")
    from services import accounts, db
    from models import User

    def user(session, phone):
        return accounts.current_user(session, session.execute(
            select(User).where(User.phone == phone)).scalars().one())
    return db, user


def test_a_granted_join_request_is_not_undone_by_a_stale_confirm_form(
        server_with_passwords, browser, services_on):
    from models import Org, Pilot
    from services import pilots
    from services.review import Action
    from tests.services.test_files import PDF
    db, user = services_on
    with db.session_scope() as s:
        dept = s.execute(select(Org.id).where(Org.name == "市发展改革委")).scalar_one()
        data = pilots.PilotInput(name="智慧养老改革试点", deploy_level="中办国办", doc_title="通知",
                                 doc_number="民发〔2024〕5号", content="开展智慧养老改革",
                                 due_date=date(2027, 6, 30), dept_id=dept)
        p = pilots.create(s, actor=user(s, "13800000101"), data=data, submit=True,
                          uploads=[pilots.Upload(pilots.NATIONAL_DOC, "国家文件.pdf", PDF)])
        pilots.request_join(s, actor=user(s, "13800000201"), pilot_id=p.id)  # held for now
        p = pilots.act(s, actor=user(s, "13800000102"), pilot_id=p.id, action=Action.APPROVE,
                       version=p.version)
    url = server_with_passwords
    clerk = browser.new_page(viewport={"width": 1280, "height": 1000})
    reviewer = browser.new_page(viewport={"width": 1280, "height": 1000})

    # 市发展改革委录入员 opens the confirm form …
    sign_in(clerk, url, "13900000101")
    open_page(clerk, "试点项目审核")
    clerk.get_by_role("button", name="确认分发").wait_for()
    # … meanwhile its 审核员 grants 黔江区's request …
    sign_in(reviewer, url, "13900000102")
    open_page(reviewer, "试点项目审核")
    reviewer.get_by_role("tab", name="申请纳入涉及区县（1）").click()
    reviewer.get_by_role("button", name="同意纳入").click()
    settle(reviewer)
    reviewer.get_by_text("已将黔江区纳入涉及区县").first.wait_for()
    # … and the clerk's form, loaded before, cannot take 黔江区 out again.
    clerk.get_by_role("button", name="确认分发").click()
    settle(clerk)
    clerk.get_by_text("该记录已被他人处理，请刷新后重试").first.wait_for()
    with db.session_scope() as s:
        assert s.get(Pilot, p.id).status == "待市级部门确认"
        assert {user(s, "13800000201").org_id, user(s, "13800000101").org_id} == \
            pilots.district_ids(s, p.id)

    clerk.reload()
    settle(clerk)
    clerk.get_by_test_id("stMultiSelect").filter(has_text="黔江区").first.wait_for()
    clerk.get_by_role("button", name="确认分发").click()
    settle(clerk)
    clerk.get_by_text("已确认并分发，推进任务已推送到涉及区县").first.wait_for()
    with db.session_scope() as s:
        assert s.get(Pilot, p.id).status == "已分发"
        assert len(pilots.district_ids(s, p.id)) == 2
    clerk.close()
    reviewer.close()


def test_clerk_removes_a_wrongly_uploaded_file_from_a_draft(server_with_passwords, browser,
                                                            services_on, tmp_path):
    from models import Attachment
    db, _user = services_on
    right, wrong = tmp_path / "国家文件.pdf", tmp_path / "错传的文件.pdf"
    right.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    wrong.write_bytes(b"%PDF-1.4\n% wrong\ntrailer <<>>\n%%EOF\n")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, server_with_passwords, "13800000101")
    open_page(page, "试点项目录入")
    fill(page, "文号", "科发〔2024〕8号")
    fill(page, "试点名称", "科技成果转化改革试点")
    choose(page, "主管市级部门", "市科技局")
    page.get_by_test_id("stFileUploader").filter(has_text="国家文件") \
        .locator("input[type=file]").set_input_files([str(right), str(wrong)])
    settle(page)
    page.get_by_role("button", name="保存", exact=True).first.click()
    settle(page)
    page.get_by_text("已保存为草稿").first.wait_for()

    page.get_by_role("tab", name="本区县试点").click()
    choose(page, "选择试点查看或修改", "科技成果转化改革试点（科发〔2024〕8号，草稿）")
    page.get_by_test_id("stHorizontalBlock").filter(has_text="错传的文件.pdf").last \
        .get_by_role("button", name="删除").click()
    settle(page)
    page.get_by_role("button", name="确认删除").click()  # a file is removed only when confirmed
    settle(page)

    page.get_by_text("已删除“错传的文件.pdf”").first.wait_for()
    buttons = page.get_by_test_id("stDownloadButton").all_inner_texts()
    assert any("国家文件.pdf" in b for b in buttons)
    assert not any("错传的文件.pdf" in b for b in buttons)
    with db.session_scope() as s:
        names = s.execute(select(Attachment.original_name)
                          .where(Attachment.record_type == "pilot")).scalars().all()
    assert "错传的文件.pdf" not in names and "国家文件.pdf" in names
    page.close()


def test_opening_a_returned_pilot_from_the_workbench_shows_it_and_why(server_with_passwords,
                                                                      browser, monkeypatch):
    import os

    from services import db, pilots
    from services.pilots import NATIONAL_DOC, PilotInput, Upload
    from services.review import Action
    from tests.pages.progress_setup import CLERK, PDF, REVIEWER, actor, org_id
    data = server_data_dirs[server_with_passwords]
    monkeypatch.setenv("REFORM_DATA_DIR", str(data))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data / 'reform.db'}")
    engine = db.make_engine(os.environ["DATABASE_URL"])
    with db.session_scope(engine) as s:
        p = pilots.create(s, actor=actor(s, CLERK), submit=True, data=PilotInput(
            name="退回待改的试点", deploy_level="中办国办", doc_title="关于开展试点的通知",
            doc_number="国办发〔2023〕77号", content="开展改革", due_date=date(2026, 12, 31),
            dept_id=org_id(s, "市发展改革委"), districts=set()),
            uploads=[Upload(NATIONAL_DOC, "国家文件.pdf", PDF)])
        pilots.act(s, actor=actor(s, REVIEWER), pilot_id=p.id, action=Action.REJECT,
                   version=p.version, comment="请补充试点内容及任务的具体安排")
    engine.dispose()
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, server_with_passwords, CLERK)
    page.get_by_test_id("stHorizontalBlock").filter(has_text="退回待改的试点").last \
        .get_by_role("button", name="打开").click()
    settle(page)

    page.get_by_role("heading", name="试点项目录入").first.wait_for()
    assert page.get_by_role("tab", name="本区县试点").get_attribute("aria-selected") == "true"
    page.get_by_text("请补充试点内容及任务的具体安排").first.wait_for()
    page.close()
