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
