"""Excel exports: Chinese headers, frozen header, autofilter, widths, Beijing time."""
from datetime import date, datetime, timezone
from io import BytesIO

from openpyxl import load_workbook

from services.exports import to_xlsx


def test_export_has_frozen_header_autofilter_widths_and_local_times():
    rows = [{"试点名称": "数字乡村改革试点", "完成时间": date(2026, 12, 31),
             "更新时间": datetime(2026, 11, 27, 16, 30, tzinfo=timezone.utc), "数量": 3}]

    ws = load_workbook(BytesIO(to_xlsx(rows))).active

    assert [c.value for c in ws[1]] == ["试点名称", "完成时间", "更新时间", "数量"]
    assert [c.value for c in ws[2]] == ["数字乡村改革试点", "2026-12-31", "2026-11-28 00:30", 3]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D2"
    assert ws.column_dimensions["A"].width >= 16  # eight CJK characters are wide
    assert ws["A1"].font.bold


def test_empty_export_still_has_headers():
    ws = load_workbook(BytesIO(to_xlsx([], headers=["手机号", "姓名"]))).active

    assert [c.value for c in ws[1]] == ["手机号", "姓名"] and ws.max_row == 1


FORMULA_LIKE = ["=1+1", '=HYPERLINK("http://example.com","点此")', "+86 138", "-2+3", "@SUM(A1)",
                "\t=1+1", "\r=1+1", " =1+1", "\u3000=1+1", "\n@SUM(A1)", "＝1+1", "\tplain"]


def test_text_that_looks_like_a_formula_is_written_as_text():
    rows = [{"试点名称": value} for value in FORMULA_LIKE]

    ws = load_workbook(BytesIO(to_xlsx(rows))).active

    cells = [ws.cell(row=n, column=1) for n in range(2, len(FORMULA_LIKE) + 2)]
    assert [c.value for c in cells] == [v.replace("\r", "\n") for v in FORMULA_LIKE]
    assert all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells)  # stays text when the cell is edited in Excel


def test_ordinary_text_has_no_quote_prefix_and_numbers_and_dates_keep_their_type():
    rows = [{"名称": "数字乡村=改革", "数量": -3, "比例": 0.25, "完成时间": date(2026, 1, 2),
             "更新时间": datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc), "涉密": True}]

    ws = load_workbook(BytesIO(to_xlsx(rows))).active

    name, number, ratio, due, updated, secret = ws[2]
    assert (name.value, name.data_type, name.quotePrefix) == ("数字乡村=改革", "s", False)
    assert (number.value, number.data_type) == (-3, "n")
    assert (ratio.value, ratio.data_type) == (0.25, "n")
    assert (due.value, due.quotePrefix) == ("2026-01-02", False)
    assert (updated.value, updated.quotePrefix) == ("2026-01-02 11:04", False)
    assert (secret.value, secret.data_type) == (True, "b")


def test_a_formula_like_header_or_list_value_is_text_too():
    rows = [{"=标题": ["=甲", "乙"]}]

    ws = load_workbook(BytesIO(to_xlsx(rows))).active

    assert (ws["A1"].value, ws["A1"].data_type) == ("=标题", "s")
    assert (ws["A2"].value, ws["A2"].data_type) == ("=甲、乙", "s")


def test_control_characters_in_user_text_do_not_break_the_export():
    rows = [{"意见": "驳回\x00原因\x07：请补充\x1b材料\n第二行"}]

    ws = load_workbook(BytesIO(to_xlsx(rows))).active

    assert ws["A2"].value == "驳回原因：请补充材料\n第二行"


def test_text_longer_than_an_excel_cell_holds_is_cut_with_a_mark():
    rows = [{"内容": "改" * 40000}]

    ws = load_workbook(BytesIO(to_xlsx(rows))).active

    assert len(ws["A2"].value) == 32767 and ws["A2"].value.endswith("…")
