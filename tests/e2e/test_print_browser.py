"""打印 in a real browser, as the demo users: a brand entry and the filtered brand list (万州区
录入员), a pilot and its confirmed progress (市委改革办审核员) each download as a Word file that
holds the record."""
import re
from datetime import date
from io import BytesIO

import pytest
from docx import Document
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from models import Org, User
from services import accounts, brand, db, pilots, progress, records
from services.pilots import NATIONAL_DOC, PilotInput
from services.progress import AchievementInput, ProgressInput
from services.records import Upload
from services.review import Action
from tests.e2e.conftest import open_page, server_data_dirs, settle, sign_in

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ITEM = "建立基层治理“一网统管”机制"
PILOT = "数字乡村改革试点"


def _actor(s, phone):
    return accounts.current_user(s, s.execute(select(User).where(User.phone == phone))
                                 .scalars().one())


@pytest.fixture
def reported(server_with_passwords, monkeypatch):
    """Made through the services in the server's own database and upload directory: a brand
    entry approved by 万州区's reviewer, and a pilot distributed by 市发展改革委 whose progress
    市委改革办 confirmed."""
    data = server_data_dirs[server_with_passwords]
    monkeypatch.setenv("REFORM_DATA_DIR", str(data))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with db.session_scope() as s:
        clerk, reviewer = _actor(s, "13800000101"), _actor(s, "13800000102")
        entry = brand.create(s, actor=clerk, submit=True, uploads=[
            Upload(brand.EVIDENCE, "推广会通知.pdf", PDF)], data=brand.BrandInput(
            item=ITEM, category_id=brand.categories(s)[1].id, situation="全市召开推广会推广万州经验",
            awarded_on=date(2024, 5, 10), problems="针对多头交办问题，上线应用，实现一口受理",
            results="建立事项分级处置制度", self_checked=True))
        records.act(s, flow=brand.BRAND_FLOW, actor=reviewer, record_id=entry.id,
                    action=Action.APPROVE, version=entry.version)
        dept = s.execute(select(Org.id).where(Org.name == "市发展改革委")).scalar_one()
        p = pilots.create(s, actor=clerk, submit=True, uploads=[
            Upload(NATIONAL_DOC, "国家文件.pdf", PDF)], data=PilotInput(
            name=PILOT, deploy_level="中办国办", doc_title="关于开展数字乡村试点的通知",
            doc_number="国办函〔2020〕4321号", content="开展数字乡村改革", due_date=date(2026, 12, 31),
            dept_id=dept))
        p = pilots.act(s, actor=reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)
        p = pilots.confirm_and_distribute(s, actor=_actor(s, "13900000101"), pilot_id=p.id,
                                          version=p.version)
        task = next(t for t in progress.tasks(s, actor=clerk) if t["pilot_id"] == p.id)
        rev = progress.start_revision(s, actor=clerk, task_id=task["task_id"])
        rev = progress.save(s, actor=clerk, revision_id=rev.id, version=rev.version, submit=True,
                            data=ProgressInput(work_items=["召开专题会议"], problems="数据共享难",
                                               achievements=[AchievementInput(
                                                   "搭建数字乡村服务平台", "针对数据分散问题，上线平台")]))
        for phone in ("13800000102", "13900000101", "13700000101"):
            rev = progress.act(s, actor=_actor(s, phone), revision_id=rev.id,
                               action=Action.APPROVE, version=rev.version)
    return server_with_passwords, entry.id, p.id, rev.id


def _download(page, key: str, tmp_path) -> Document:
    """Click the download button with this key and read the Word file it gives."""
    button = page.locator(f".st-key-{key}").get_by_role("button", name="打印")
    with page.expect_download(timeout=30000) as info:
        button.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".docx"
    return Document(BytesIO(target.read_bytes())), info.value.suggested_filename


def _choose(page, label: str, option: str) -> None:
    """Pick a record; a click that lands in a rerun closes the list, so open it once more."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    item = page.get_by_role("option", name=option, exact=True)
    box.click()
    try:
        item.wait_for(timeout=5000)
    except PlaywrightTimeout:
        settle(page)
        box.click()
    item.click()
    settle(page)


def _fields(doc) -> dict[str, str]:
    return {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}


def test_demo_users_print_brand_entries_pilots_and_progress_as_word_files(reported, browser,
                                                                          tmp_path):
    url, entry_id, pilot_id, revision_id = reported
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)

    sign_in(page, url, "13800000101")
    open_page(page, "改革品牌清单")
    _choose(page, "查看详情", f"万州区｜{ITEM}（待市委改革办审核）")
    doc, name = _download(page, f"print-brand-{entry_id}", tmp_path)
    assert name.startswith(f"改革品牌_{ITEM}_") and name.endswith(".docx")
    assert doc.paragraphs[0].text == "改革品牌信息表"
    assert _fields(doc)["改革事项"] == ITEM
    assert _fields(doc)["佐证材料"] == "佐证材料：推广会通知.pdf"
    listed, name = _download(page, "list-print", tmp_path)  # every entry of 万州区, one a page
    assert re.fullmatch(r"改革品牌_\d+项_\d{4}-\d{2}-\d{2}\.docx", name)
    assert ITEM in [t.rows[0].cells[1].text for t in listed.tables
                    if t.rows[0].cells[0].text == "改革事项"]
    page.get_by_role("button", name="退出登录").click()
    settle(page)

    sign_in(page, url, "13700000101")
    open_page(page, "试点项目清单")
    _choose(page, "查看试点详情", f"{PILOT}（国办函〔2020〕4321号，已分发）")
    doc, name = _download(page, f"print-pilot-{pilot_id}", tmp_path)
    assert name.startswith(f"试点项目_{PILOT}_")
    assert _fields(doc)["涉及区县"] == "万州区" and _fields(doc)["主管市级部门"] == "市发展改革委"
    page.get_by_text("万州区：推进中（第1版，已确认）").click()
    settle(page)
    doc, name = _download(page, f"print-progress-{revision_id}", tmp_path)
    assert name.startswith(f"试点推进状态_{PILOT}_")
    assert _fields(doc)["已开展工作"] == "1. 召开专题会议"
    assert "搭建数字乡村服务平台" in _fields(doc)["试点成果"]
    page.close()
