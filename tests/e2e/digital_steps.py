"""Steps of the 数字重庆建设 browser tests that several of them take."""
from tests.e2e.conftest import logout, open_page, settle, sign_in


def save_row_and_submit(page) -> None:
    """保存 the open row form, then 保存并上报 the district's form; signs out."""
    page.get_by_role("button", name="保存", exact=True).click()
    settle(page)
    page.get_by_text("已保存一件事").first.wait_for()
    page.get_by_role("button", name="保存并上报").click()
    settle(page)
    page.get_by_text("已上报，等待区县审核员审核").first.wait_for()
    logout(page)


def open_district_review(page, url: str, reviewer: str) -> None:
    """The district's reviewer opens 区县推进情况审核."""
    sign_in(page, url, reviewer)
    open_page(page, "区县推进情况审核")


def approve_district_form(page) -> None:
    """通过 the form on 区县推进情况审核; signs out."""
    page.get_by_role("button", name="通过").click()
    settle(page)
    page.get_by_text("已通过，本次填报的内容已生效").first.wait_for()
    logout(page)
