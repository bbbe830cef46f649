"""Every page as each demo user at 1280 px and 390 px: Chinese wherever a user looks and nothing
wider than the screen; the phone menu closes after a page is chosen; 作废 asks before acting."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, choose, settle, sign_in
from tests.e2e.test_progress_rows_browser import draft_on_server

pytestmark = pytest.mark.e2e

DEMO = ["13800000000", "13800000101", "13800000102", "13800000103", "13900000101",
        "13900000102", "13700000101", "13700000103"]
# Words README (界面中保留的英文) lists as staying: file formats and units.
ALLOWED = {"Excel", "ZIP", "PDF", "Word", "DOC", "DOCX", "XLSX", "PNG", "JPG", "JPEG", "MB"}

# Text a user can see: visible, not hidden at font-size 0 by ui/style.py, not an icon's name,
# not a screen reader's announcement (clipped to 1 px, see README).
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !/[A-Za-z]/.test(node.textContent)) continue;
    if (el.closest('[data-testid="stIconMaterial"], script, style, noscript')) continue;
    if (parseFloat(getComputedStyle(el).fontSize) === 0) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    out.push(node.textContent.trim());
  }
  return out;
}"""


def english(page) -> set[str]:
    words = {w for text in page.evaluate(VISIBLE_TEXT) for w in re.findall(r"[A-Za-z]+", text)}
    return words - ALLOWED


def overflow(page) -> int:
    """How far the page reaches past the screen's right edge (0: no horizontal scroll)."""
    return page.evaluate("""() => {
      const main = document.querySelector('[data-testid="stMain"]');
      return Math.max(document.documentElement.scrollWidth - window.innerWidth,
                      main ? main.scrollWidth - main.clientWidth : 0);
    }""")


@pytest.fixture(scope="module")
def with_records(server_with_passwords):
    """A 填报 waiting for the district reviewer, and a draft under way, so that review pages,
    lists and forms have something to show."""
    monkeypatch = pytest.MonkeyPatch()
    from services import db, progress
    from tests.pages.progress_setup import CLERK, actor
    rev, engine = draft_on_server(server_with_passwords, monkeypatch)
    with db.session_scope(engine) as s:
        progress.save(s, actor=actor(s, CLERK), revision_id=rev.id, version=rev.version,
                      data=progress.ProgressInput(work_items=["召开专题会议"], problems="数据共享难"),
                      submit=True)
    draft_on_server(server_with_passwords, monkeypatch, name="智慧城市改革试点",
                    doc="国办发〔2023〕13号")[1].dispose()
    engine.dispose()
    yield server_with_passwords
    monkeypatch.undo()


def menu_links(page) -> list[str]:
    if page.get_by_test_id("stSidebarNavViewButton").count():
        page.get_by_test_id("stSidebarNavViewButton").click()
    return page.locator('[data-testid="stSidebarNav"] a').evaluate_all(
        "links => links.map(a => a.href)")


@pytest.mark.parametrize("phone", DEMO)
def test_every_page_is_in_chinese_and_fits_the_screen_at_both_widths(with_records, browser,
                                                                     phone):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in(page, with_records, phone)
    found = {}

    for link in menu_links(page):
        page.goto(link)
        settle(page)
        page.locator("h1").first.wait_for()
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            settle(page)
            if words := english(page):
                found[f"{link} @ {width}px: English"] = sorted(words)
            if (wider := overflow(page)) > 0:
                found[f"{link} @ {width}px: wider by"] = wider
        page.set_viewport_size({"width": 1280, "height": 900})

    assert not found
    page.close()


def test_the_district_drop_down_offers_no_select_all_and_says_no_match_in_chinese(
        server_with_passwords, browser):
    # Tall enough that the list opens below the field (near the bottom edge it may not open).
    page = browser.new_page(viewport={"width": 1280, "height": 1600}, locale="zh-CN")
    sign_in(page, server_with_passwords, "13800000101")
    page.goto(server_with_passwords + "/pilot_entry")
    settle(page)
    box = page.get_by_test_id("stMultiSelect").filter(has_text="涉及区县")
    box.scroll_into_view_if_needed()

    box.locator("input").click()
    page.get_by_role("option").first.wait_for()
    opened = english(page)
    first = page.get_by_role("option").first.inner_text()
    page.keyboard.type("不存在的区县")
    page.wait_for_timeout(300)

    assert first == "黔江区"  # a district, not a bulk “select all” row (万州区 is chosen)
    assert not opened and not english(page)
    expect(page.get_by_role("listbox")).to_have_attribute("data-empty", "true")
    page.close()


def test_on_a_phone_the_menu_closes_once_a_page_is_chosen(server_with_passwords, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    sign_in(page, server_with_passwords, "13800000101")
    sidebar = page.get_by_test_id("stSidebar")
    page.get_by_test_id("stExpandSidebarButton").click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")

    page.get_by_role("link", name="改革品牌录入").click()
    settle(page)

    page.get_by_role("heading", name="改革品牌录入").first.wait_for()
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    page.close()


def test_voiding_a_brand_draft_asks_first(server_with_passwords, browser, monkeypatch):
    from services import brand, db
    from tests.pages.progress_setup import CLERK, actor
    from tests.e2e.conftest import server_data_dirs
    data = server_data_dirs[server_with_passwords]
    monkeypatch.setenv("REFORM_DATA_DIR", str(data))
    engine = db.make_engine(f"sqlite:///{data / 'reform.db'}")
    with db.session_scope(engine) as s:
        entry = brand.create(s, actor=actor(s, CLERK), submit=False,
                             data=brand.BrandInput(item="建立基层治理协同机制"))

    def status() -> str:
        with db.session_scope(engine) as s:
            return brand.get(s, actor=actor(s, CLERK), entry_id=entry.id).status

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    sign_in(page, server_with_passwords, CLERK)
    page.goto(server_with_passwords + "/brand_entry")
    settle(page)
    page.get_by_role("tab", name="本区县改革品牌").click()
    choose(page, "选择改革品牌查看或修改", "建立基层治理协同机制（草稿）")

    page.get_by_role("button", name="作废", exact=True).click()
    settle(page)

    page.get_by_text("作废“建立基层治理协同机制”？").wait_for()
    assert status() == "草稿"
    page.get_by_role("button", name="确认作废").click()
    settle(page)
    page.get_by_text("已作废").first.wait_for()
    assert status() == "作废"
    engine.dispose()
    page.close()


def test_a_refused_password_change_keeps_what_was_typed(server_with_passwords, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    sign_in(page, server_with_passwords, "13800000102")
    page.get_by_role("tab", name="修改密码").click()
    page.get_by_label("原密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Reform2026")
    page.get_by_label("确认新密码").fill("Reform2027")  # does not match

    page.get_by_role("button", name="确认修改").click()
    settle(page)

    page.get_by_text("两次输入的新密码不一致").wait_for()
    expect(page.get_by_label("原密码")).to_have_value(PASSWORD)
    expect(page.get_by_label("新密码", exact=True)).to_have_value("Reform2026")
    expect(page.get_by_label("确认新密码")).to_have_value("Reform2027")
    page.close()
