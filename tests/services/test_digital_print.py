"""打印 of 数字重庆建设's records: each record type prints its fields in the manual's order, its
links by name, its files and its 核准 trail; another district cannot print what it cannot read."""
import io

import docx
import pytest

from services import printing, registry
from services.digital import forms, rows
from services.errors import PermissionDenied
from tests.services.digital_helpers import (
    app_row, cast, pass_form, passed_plan, ready_item, share_row,
)


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join(cell.text for table in document.tables for row in table.rows
                     for cell in row.cells)


@pytest.fixture
def chain(session):
    w = cast(session)
    item = ready_item(session, w, name="企业开办一件事")
    plan = passed_plan(session, w, [item.id])
    app = app_row(session, w, plan.id)
    share = share_row(session, w, app.id)
    form = rows.open_form(session, w.wanzhou)
    return w, {"digital_item": item.id, "digital_plan": plan.id, "digital_app": app.id,
               "digital_share": share.id, "digital_form": form.id}


@pytest.mark.parametrize("module, expected", [
    ("digital_item", ["事项名称\n企业开办一件事", "重点领域\n党建统领", "原一图两清单：一图两清单.pdf",
                      "进入三张清单编制等后续环节", "市委改革办"]),
    ("digital_plan", ["应用名称\n企业开办应用", "关联一件事\n企业开办一件事",
                      "当前状态\n市大数据发展局查重通过", "查重通过日期\n2026-06-01"]),
    ("digital_app", ["应用名称\n渝快办企业开办", "关联三张清单\n企业开办应用", "上线时间\n2026-07-01",
                     "当前办件量\n100", "应用功能界面截图：界面.png"]),
    ("digital_share", ["关联特色应用\n渝快办企业开办", "应用简介\n全市推广", "一地创新、全市共享依据：依据.pdf"]),
    ("digital_form", ["表：应用“三张清单”", "名称：企业开办应用", "变更：新增"]),
])
def test_each_digital_record_prints_its_fields_links_files_and_trail(session, chain, module,
                                                                     expected):
    w, ids = chain
    flow = registry.get(module)

    text = text_of(printing.record_docx(session, flow=flow, actor=w.clerk, record_id=ids[module]))

    for part in expected:
        assert part in text
    with pytest.raises(PermissionDenied):
        printing.record_docx(session, flow=flow, actor=w.qj_clerk, record_id=ids[module])


def test_the_form_prints_what_it_changes_until_it_goes_in_force(session, chain):
    w, ids = chain
    pass_form(session, w)

    text = text_of(printing.record_docx(session, flow=forms.FORM_FLOW, actor=w.reviewer,
                                        record_id=ids["digital_form"]))

    assert "本次填报的修改已生效" in text
    assert "待区县审核 → 已通过" in text
