"""A table's toolbar offers no CSV download (it would write =cmd|… as a live formula); the
formula-safe 导出Excel beside it is the only export."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_page, sign_in

pytestmark = pytest.mark.e2e


def test_a_table_toolbar_offers_no_csv_download(server_with_passwords, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    sign_in(page, server_with_passwords, "13800000000")
    open_page(page, "用户管理")

    table = page.get_by_test_id("stDataFrame").first
    table.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first

    expect(toolbar.get_by_role("button", name="Search")).to_be_visible()  # the toolbar is shown
    expect(toolbar.get_by_role("button", name="Download as CSV")).to_have_count(0)
    expect(page.get_by_role("button", name="导出Excel").first).to_be_visible()
    page.close()
