"""Every export writes user text that looks like a formula as text (SPEC §9)."""
from io import BytesIO

from openpyxl import load_workbook

from models import Role
from services import accounts, pilots, review, workbench
from services.exports import to_xlsx
from services.review import Action
from tests.factories import get_org
from tests.services.pilot_helpers import submitted

EVIL_NAME = '=HYPERLINK("http://example.com/steal","点此查看")'
EVIL_TITLE = "+cmd|' /C calc'!A0"
EVIL_REASON = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_BATCH = "-2+3"


def cells_by_value(data: bytes) -> dict:
    ws = load_workbook(BytesIO(data)).active
    return {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}


def assert_text(cells: dict, value: str) -> None:
    cell = cells[value]
    assert cell.data_type == "s", (value, cell.data_type)
    assert cell.quotePrefix, value


def test_pilot_list_export_writes_formula_like_text_as_text(session, w):
    submitted(session, w, name=EVIL_NAME, doc_title=EVIL_TITLE, batch=EVIL_BATCH)

    cells = cells_by_value(pilots.export(session, actor=w.office))

    for value in (EVIL_NAME, EVIL_TITLE, EVIL_BATCH):
        assert_text(cells, value)
    assert cells["2026-12-31"].data_type == "s" and not cells["2026-12-31"].quotePrefix


def test_user_list_export_writes_formula_like_names_as_text(session, w):
    accounts.create_user(session, actor=w.admin, phone="13912345678", name="=1+1",
                         org_id=get_org(session, "万州区").id, roles={Role.CLERK.value})

    rows = accounts.list_users(session, actor=w.admin)
    cells = cells_by_value(to_xlsx(rows))

    assert_text(cells, "=1+1")
    assert cells["13912345678"].data_type == "s"


def test_workbench_export_writes_formula_like_titles_and_reasons_as_text(session, w):
    pilot = submitted(session, w, name=EVIL_NAME)
    pilots.act(session, actor=w.reviewer, pilot_id=pilot.id, action=Action.REJECT,
               version=pilot.version, comment=EVIL_REASON)

    todos = workbench.todos(session, actor=w.clerk)
    rows = [{"类别": t.kind, "名称": t.title, "状态": t.status, "驳回原因": t.reason,
             "更新时间": t.updated_at} for t in todos]
    cells = cells_by_value(to_xlsx(rows))

    assert_text(cells, EVIL_NAME)
    assert_text(cells, EVIL_REASON)


def test_review_history_export_writes_formula_like_comments_and_changes_as_text(session, w):
    pilot = submitted(session, w, name="数字乡村改革试点")
    pilots.act(session, actor=w.reviewer, pilot_id=pilot.id, action=Action.REJECT,
               version=pilot.version, comment=EVIL_REASON)

    events = review.history(session, record_type="pilot", record_id=pilot.id)
    rows = [{"时间": e["time"], "操作人": e["actor"], "操作": e["action"], "意见": e["comment"],
             "修改内容": "；".join(f"{k}：{old} → {new}" for k, (old, new) in e["changes"].items())}
            for e in events]
    cells = cells_by_value(to_xlsx(rows))

    assert_text(cells, EVIL_REASON)
    assert len(events) >= 3 and cells[EVIL_REASON].row == len(events) + 1
