"""首次全量摸排导入: the Excel template, and the import of a filled one (all rows or none, every
problem named by sheet and Excel row number)."""
import zipfile
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models import (
    AuditEvent, DigitalApp, DigitalForm, DigitalItem, DigitalPlan, DigitalShare, Role,
)
from services import clock
from services.digital import catalog, forms, rows, survey
from services.digital.apps import SCREENSHOT, SHARE_BASIS
from services.digital.items import NEW_CHART, ORIGINAL_CHART
from services.digital.plans import (
    CHECK_OPINION, DRAFTING, LISTS_TEXT, PASSED, REVIEW_OPINION, REVIEWED, STAGES,
    linked_item_ids,
)
from services.errors import Conflict, DomainError, PermissionDenied, ValidationError
from services.records import Upload
from tests.factories import make_user
from tests.services.digital_helpers import cast, form_version
from tests.services.test_files import PDF, PNG

ITEMS, PLANS, APPS, SHARES = "一件事", "应用“三张清单”", "开发上线特色应用", "一地创新、全市共享"
LINK_ITEMS, LINK_PLAN, LINK_APP = "关联一件事（行号，多个用、分隔）", "关联三张清单（行号）", "关联特色应用（行号）"


@pytest.fixture
def d(session):
    catalog.seed_domains(session)  # the PostgreSQL test database is emptied between tests
    return cast(session)


def domain_names(session):
    return [x.name for x in catalog.domains(session)]


def fill(session, sheets: dict[str, list[dict]], template: bytes | None = None) -> bytes:
    """The template with `sheets` filled in from row 2 (a value starting with = is written the
    way openpyxl writes it: as a formula)."""
    wb = load_workbook(BytesIO(template or survey.template(session)))
    for title, data in sheets.items():
        ws = wb[title]
        headers = [c.value for c in ws[1]]
        for number, row in enumerate(data, start=2):
            for header, value in row.items():
                ws.cell(row=number, column=headers.index(header) + 1, value=value)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def item(no, name="企业开办一件事", domain=None, **extra):
    return {"行号": no, "事项名称": name, "重点领域": domain or "数字政府", "简介": "一件事简介",
            **extra}


def plan(no, items, name="企业开办应用", stage=DRAFTING, passed_on=None, **extra):
    return {"行号": no, "应用名称": name, LINK_ITEMS: items, "当前状态": stage,
            "查重通过日期": passed_on, **extra}


def app(no, plan_no, name="渝快办企业开办", launched_on=date(2025, 3, 1), **extra):
    return {"行号": no, "应用名称": name, LINK_PLAN: plan_no, "上线时间": launched_on,
            "主要功能": "一网通办", "三融五跨情况": "跨部门", "当前办件量": 120,
            "当前活跃用户数": 30, **extra}


def share(no, app_no, **extra):
    return {"行号": no, LINK_APP: app_no, "应用简介": "全市推广", "认定共享日期": date(2025, 6, 1),
            **extra}


def stored(session) -> dict[str, int]:
    """How many rows each table holds (what a refused import must leave as it was)."""
    counts = {model.__name__: session.execute(select(func.count()).select_from(model))
              .scalar_one() for model in (DigitalItem, DigitalPlan, DigitalApp, DigitalShare,
                                          DigitalForm, AuditEvent)}
    counts["form versions"] = session.execute(select(func.sum(DigitalForm.version))).scalar_one()
    return counts


def do_import(session, user, data):
    return survey.import_workbook(session, actor=user, data=data,
                                  form_version=form_version(session, user))


def refused(session, user, data, error=ValidationError) -> DomainError:
    before = stored(session)
    with pytest.raises(error) as caught:
        do_import(session, user, data)
    assert stored(session) == before
    return caught.value


# --- the template ------------------------------------------------------------------------------

def test_template_has_a_sheet_per_table_with_its_labels_row_numbers_and_file_names(session, d):
    wb = load_workbook(BytesIO(survey.template(session)))

    assert wb.sheetnames[:5] == ["填写说明", ITEMS, PLANS, APPS, SHARES]
    assert [c.value for c in wb[ITEMS][1]] == [
        "行号", "事项名称", "重点领域", "简介", "原一图两清单文件名", "新一图两清单文件名"]
    assert [c.value for c in wb[PLANS][1]] == [
        "行号", "应用名称", LINK_ITEMS, "当前状态", "查重通过日期", "区县数建办论证审查意见文件名",
        "市大数据发展局查重通过意见文件名", "三张清单文本文件名"]
    assert [c.value for c in wb[APPS][1]] == [
        "行号", "应用名称", LINK_PLAN, "上线时间", "主要功能", "三融五跨情况", "当前办件量",
        "当前活跃用户数", "截图文件名"]
    assert [c.value for c in wb[SHARES][1]] == [
        "行号", LINK_APP, "应用简介", "认定共享日期", "依据文件名"]
    for title in (ITEMS, PLANS, APPS, SHARES):
        assert wb[title].freeze_panes == "B2"
        assert wb[title]["A1"].comment is not None  # each header says what it takes
    guide = "\n".join(str(c.value) for c in wb["填写说明"]["A"] if c.value)
    assert "全量摸排、全量上报" in guide and "原一图两清单" in guide and "2000" in guide


def drop_down(wb, title, column_letter):
    """The list a sheet's column offers, read from the cells the validation points at."""
    ws = wb[title]
    for check in ws.data_validations.dataValidation:
        if check.type == "list" and f"{column_letter}2:{column_letter}2001" in str(check.sqref):
            sheet, cells = check.formula1.split("!")
            first, last = cells.replace("$", "").split(":")
            return [c.value for row in wb[sheet.strip("'")][first:last] for c in row]
    return None


def test_domain_and_stage_are_drop_downs_of_the_domains_in_use_and_the_stages(session, d):
    retired = catalog.domains(session)[-1]
    catalog.retire_domain(session, actor=d.admin, domain_id=retired.id, version=retired.version)

    wb = load_workbook(BytesIO(survey.template(session)))

    assert drop_down(wb, ITEMS, "C") == domain_names(session)
    assert retired.name not in drop_down(wb, ITEMS, "C")
    assert drop_down(wb, PLANS, "D") == STAGES
    assert wb["下拉选项"].sheet_state == "hidden"


def test_a_domain_name_that_looks_like_a_formula_is_written_as_text(session, d):
    catalog.add_domain(session, actor=d.admin, name="=1+1领域")

    wb = load_workbook(BytesIO(survey.template(session)))

    cells = [c for c in wb["下拉选项"]["A"] if c.value == "=1+1领域"]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_template_without_a_session_reads_the_domains_itself(session, d):
    wb = load_workbook(BytesIO(survey.template()))

    assert drop_down(wb, ITEMS, "C") == domain_names(session)


# --- the round trip ----------------------------------------------------------------------------

def survey_workbook(session):
    return fill(session, {
        ITEMS: [item(1, "企业开办一件事", 原一图两清单文件名="企业开办原图.pdf"),
                item(2, "不动产登记一件事", 原一图两清单文件名="不动产原图.pdf",
                     新一图两清单文件名="不动产新图.docx")],
        PLANS: [plan(1, "1、2", "编制中的应用"),
                plan(2, 2, "查重通过的应用", stage=PASSED, passed_on=date(2025, 1, 10),
                     区县数建办论证审查意见文件名="审查意见.pdf",
                     市大数据发展局查重通过意见文件名="查重意见.pdf",
                     三张清单文本文件名="三张清单.docx")],
        APPS: [app(1, 2, launched_on="2025年3月1日", 截图文件名="首页.png；办件.jpg")],
        SHARES: [share(1, 1, 依据文件名="共享通知.pdf")],
    })


def test_a_filled_template_creates_the_rows_as_drafts_of_the_form_with_links_resolved(session, d):
    counts = do_import(session, d.clerk, survey_workbook(session))

    assert counts == {ITEMS: 2, PLANS: 2, APPS: 1, SHARES: 1}
    items = {i.name: i for i in session.execute(select(DigitalItem)).scalars()}
    plans = {p.name: p for p in session.execute(select(DigitalPlan)).scalars()}
    (the_app,) = session.execute(select(DigitalApp)).scalars()
    (the_share,) = session.execute(select(DigitalShare)).scalars()
    assert linked_item_ids(session, plans["编制中的应用"].id) == sorted(
        [items["企业开办一件事"].id, items["不动产登记一件事"].id])
    assert linked_item_ids(session, plans["查重通过的应用"].id) == [items["不动产登记一件事"].id]
    assert plans["查重通过的应用"].stage == PASSED
    assert plans["查重通过的应用"].passed_on == date(2025, 1, 10)
    assert the_app.plan_id == plans["查重通过的应用"].id
    assert the_app.launched_on == date(2025, 3, 1)
    assert (the_app.volume, the_app.active_users) == (120, 30)
    assert the_share.app_id == the_app.id and the_share.shared_on == date(2025, 6, 1)
    everything = [*items.values(), *plans.values(), the_app, the_share]
    assert {r.status for r in everything} == {"草稿"}
    assert {r.org_id for r in everything} == {d.wanzhou}
    form = rows.open_form(session, d.wanzhou)
    assert {(k.key, r.id) for k, r in forms.rows_in(session, form.id)} == {
        (type_key, r.id) for type_key, group in (
            ("digital_item", items.values()), ("digital_plan", plans.values()),
            ("digital_app", [the_app]), ("digital_share", [the_share])) for r in group}
    tables = forms.tables(session, actor=d.clerk)
    assert [v.title for v in tables["digital_item"]] == ["企业开办一件事", "不动产登记一件事"]
    assert {v.change for vs in tables.values() for v in vs} == {"新增"}


def test_the_announced_file_names_wait_in_the_rows_pending_change(session, d):
    do_import(session, d.clerk, survey_workbook(session))

    by_name = {i.name: i for i in session.execute(select(DigitalItem)).scalars()}
    (plan_passed,) = session.execute(select(DigitalPlan).where(
        DigitalPlan.stage == PASSED)).scalars()
    (the_app,) = session.execute(select(DigitalApp)).scalars()
    (the_share,) = session.execute(select(DigitalShare)).scalars()
    assert survey.expected_files(by_name["企业开办一件事"]) == {ORIGINAL_CHART: "企业开办原图.pdf"}
    assert survey.expected_files(by_name["不动产登记一件事"]) == {
        ORIGINAL_CHART: "不动产原图.pdf", NEW_CHART: "不动产新图.docx"}
    assert survey.expected_files(plan_passed) == {
        REVIEW_OPINION: "审查意见.pdf", CHECK_OPINION: "查重意见.pdf", LISTS_TEXT: "三张清单.docx"}
    assert survey.expected_files(the_app) == {SCREENSHOT: "首页.png；办件.jpg"}
    assert survey.expected_files(the_share) == {SHARE_BASIS: "共享通知.pdf"}


def test_submit_is_refused_until_the_files_are_attached_then_accepted(session, d):
    do_import(session, d.clerk, survey_workbook(session))
    form = rows.open_form(session, d.wanzhou)

    with pytest.raises(DomainError) as caught:
        forms.submit(session, actor=d.clerk, form_id=form.id, version=form.version)

    message = str(caught.value)
    assert "企业开办一件事”缺少：附件“原一图两清单”" in message
    assert "（待上传：企业开办原图.pdf）" in message  # the names the survey announced
    plan = message.split("查重通过的应用”缺少：")[1].split("；开发上线")[0]
    assert [part.split("（")[0] for part in plan.split("、附件")] == [
        "附件“区县数建办论证审查意见”", "“市大数据发展局查重通过意见”", "“三张清单文本”"]
    assert "渝快办企业开办”缺少：附件“应用功能界面截图”（待上传：首页.png；办件.jpg）" in message
    assert "附件“一地创新、全市共享依据”" in message
    assert "编制中的应用" not in message  # 编制中 needs no file
    assert rows.open_form(session, d.wanzhou).status == "草稿"

    needed = {DigitalItem: [Upload(ORIGINAL_CHART, "原图.pdf", PDF)],
              DigitalPlan: [Upload(REVIEW_OPINION, "审查意见.pdf", PDF),
                            Upload(CHECK_OPINION, "查重意见.pdf", PDF),
                            Upload(LISTS_TEXT, "三张清单.pdf", PDF)],
              DigitalApp: [Upload(SCREENSHOT, "首页.png", PNG)],
              DigitalShare: [Upload(SHARE_BASIS, "共享通知.pdf", PDF)]}
    for kind in rows.ORDER:
        for row in session.execute(select(kind.model).order_by(kind.model.id)).scalars():
            uploads = needed[kind.model]
            if kind.model is DigitalPlan and row.stage != PASSED:
                continue
            rows.save_row(session, actor=d.clerk, kind=kind.key, row_id=row.id,
                          form_version=form_version(session, d.clerk), values={},
                          uploads=uploads)
    form = rows.open_form(session, d.wanzhou)
    assert forms.shortcomings(session, actor=d.clerk, form_id=form.id) == []
    submitted = forms.submit(session, actor=d.clerk, form_id=form.id, version=form.version)

    assert submitted.status == "待区县审核"


def test_the_import_joins_a_form_already_open_and_moves_its_version_on(session, d):
    rows.save_row(session, actor=d.clerk, kind="digital_item", form_version=0,
                  values={"name": "先录入的一件事", "domain_id": d.domain})
    form = rows.open_form(session, d.wanzhou)
    form_id, version = form.id, form.version

    do_import(session, d.clerk, fill(session, {ITEMS: [item(1)]}))

    after = rows.open_form(session, d.wanzhou)
    assert after.id == form_id and after.version == version + 1
    assert {r.name for _, r in forms.rows_in(session, after.id)} == {"先录入的一件事", "企业开办一件事"}


def test_accepted_date_and_number_forms(session, d):
    do_import(session, d.clerk, fill(session, {
        ITEMS: [item(1)],
        PLANS: [plan(1, "1", stage=PASSED, passed_on="2025/1/5")],
        APPS: [app(1, "1", launched_on=datetime(2025, 2, 3, 0, 0), 当前办件量="1,200",
                   当前活跃用户数=0)],
        SHARES: [share(1, 1, 认定共享日期="20250304")],
    }))

    (p,) = session.execute(select(DigitalPlan)).scalars()
    (a,) = session.execute(select(DigitalApp)).scalars()
    (s,) = session.execute(select(DigitalShare)).scalars()
    assert p.passed_on == date(2025, 1, 5)
    assert (a.launched_on, a.volume, a.active_users) == (date(2025, 2, 3), 1200, 0)
    assert s.shared_on == date(2025, 3, 4)


def test_a_clerk_of_qianjiang_creates_qianjiang_rows_only(session, d):
    counts = do_import(session, d.qj_clerk, survey_workbook(session))

    assert sum(counts.values()) == 6
    for model in (DigitalItem, DigitalPlan, DigitalApp, DigitalShare):
        assert set(session.execute(select(model.org_id)).scalars()) == {d.qianjiang}
    assert rows.open_form(session, d.wanzhou) is None
    assert rows.open_form(session, d.qianjiang) is not None
    assert forms.tables(session, actor=d.clerk) == {k.key: [] for k in rows.ORDER}


def test_a_formula_cell_is_stored_as_its_literal_text(session, d):
    data = fill(session, {ITEMS: [item(1, "=1+1"), item(2, "公积金一件事",
                                                   简介='=HYPERLINK("http://x.cn","点我")')]})
    assert load_workbook(BytesIO(data))[ITEMS]["B2"].data_type == "f"  # a real formula cell

    do_import(session, d.clerk, data)

    names = dict(session.execute(select(DigitalItem.name, DigitalItem.intro)).all())
    assert names == {"=1+1": "一件事简介", "公积金一件事": '=HYPERLINK("http://x.cn","点我")'}


# --- refusals: every problem by sheet and row, nothing stored ----------------------------------

TOO_LONG = "长" * 101


@pytest.mark.parametrize("sheets, where, says", [
    ({ITEMS: [item(1), item("一", "第二件")]}, "一件事 第3行", "“行号”“一”不是正整数"),
    ({ITEMS: [item(1), item(None, "第二件")]}, "一件事 第3行", "“行号”未填写"),
    ({ITEMS: [item(1), item(0, "第二件")]}, "一件事 第3行", "不是正整数"),
    ({ITEMS: [item(1), item(1, "第二件")]}, "一件事 第3行", "行号1与第2行重复"),
    ({ITEMS: [item("=ROW()-1")]}, "一件事 第2行", "以“=”开头的内容按文字读取"),
    ({ITEMS: [item(1)], PLANS: [plan(1, "1、9")]}, "应用“三张清单” 第2行",
     "“关联一件事”的行号9在“一件事”表中不存在"),
    ({ITEMS: [item(1)], PLANS: [plan(1, "第一行")]}, "应用“三张清单” 第2行", "应填写行号"),
    ({ITEMS: [item(1), item(5, "第五件")], PLANS: [plan(1, 1)], APPS: [app(1, 5)]},
     "开发上线特色应用 第2行",
     "“关联三张清单”的行号5在“应用“三张清单””表中不存在（行号5是“一件事”表的行"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, "1、2")]},
     "开发上线特色应用 第2行", "“关联三张清单”只能填写一个行号"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1)], SHARES: [share(1, 3)]},
     "一地创新、全市共享 第2行", "“关联特色应用”的行号3在“开发上线特色应用”表中不存在"),
    ({ITEMS: [item(1, domain="数字宇宙")]}, "一件事 第2行", "“重点领域”“数字宇宙”不在列表中"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1, stage="已上线")]}, "应用“三张清单” 第2行",
     "“当前状态”“已上线”不在列表中，可选：编制中、"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1, stage=PASSED)]}, "应用“三张清单” 第2行",
     "须填写“查重通过日期”"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1, stage=REVIEWED, passed_on=date(2025, 1, 1))]},
     "应用“三张清单” 第2行", "“查重通过日期”只在“当前状态”为“市大数据发展局查重通过”时填写"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1, stage=PASSED, passed_on="2025-02-30")]},
     "应用“三张清单” 第2行", "“查重通过日期”“2025-02-30”不是日期"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1, launched_on="去年")]},
     "开发上线特色应用 第2行", "“上线时间”“去年”不是日期"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1, launched_on=45000)]},
     "开发上线特色应用 第2行", "不是日期"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1, 当前办件量=-5)]},
     "开发上线特色应用 第2行", "“当前办件量”“-5”须为不小于0的整数"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1, 当前活跃用户数=2.5)]},
     "开发上线特色应用 第2行", "“当前活跃用户数”“2.5”须为不小于0的整数"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1, 当前办件量="很多")]},
     "开发上线特色应用 第2行", "“当前办件量”“很多”须为不小于0的整数"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1, 当前办件量=10 ** 13)]},
     "开发上线特色应用 第2行", "须为不小于0的整数（最大1万亿）"),
    ({ITEMS: [item(1, TOO_LONG)]}, "一件事 第2行", "“事项名称”最多100个字，当前101个字"),
    ({ITEMS: [item(1, "企业\u202e开办")]}, "一件事 第2行", "“事项名称”含有不允许的字符：第3个字符是文字方向控制符"),
    ({ITEMS: [item(1, "企业\x7f开办")]}, "一件事 第2行", "第3个字符是控制字符（U+007F）"),
    ({ITEMS: [item(1, "企业\n开办")]}, "一件事 第2行", "“事项名称”只能填写一行"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1, 主要功能="功能" * 1001)]},
     "开发上线特色应用 第2行", "“主要功能”最多2000个字"),
    ({ITEMS: [item(1, "")]}, "一件事 第2行", "“事项名称”未填写"),
    ({ITEMS: [item(1, 重点领域=None)]}, "一件事 第2行", "“重点领域”未填写"),
    ({ITEMS: [item(1)], PLANS: [plan(1, None)]}, "应用“三张清单” 第2行", "“关联一件事”未填写"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1, stage=None)]}, "应用“三张清单” 第2行", "“当前状态”未填写"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1, 主要功能=None)]},
     "开发上线特色应用 第2行", "“主要功能”未填写"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1)], SHARES: [share(1, 1, 应用简介="")]},
     "一地创新、全市共享 第2行", "“应用简介”未填写"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1, 截图文件名="界面.pdf")]},
     "开发上线特色应用 第2行", "“截图文件名”中的“界面.pdf”不是可上传的格式，可用：.jpeg、.jpg、.png"),
    ({ITEMS: [item(1, 原一图两清单文件名="a\u202e.pdf")]}, "一件事 第2行", "“原一图两清单文件名”："),
    ({ITEMS: [item(1), item(2)]}, "一件事 第3行", "“事项名称”“企业开办一件事”与第2行重复"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1), plan(2, 1)]}, "应用“三张清单” 第3行", "与第2行重复"),
    ({ITEMS: [item(1)], PLANS: [plan(1, 1)], APPS: [app(1, 1)],
      SHARES: [share(1, 1), share(2, 1)]}, "一地创新、全市共享 第3行", "同一应用只填一行"),
])
def test_a_bad_row_refuses_the_whole_file_naming_its_sheet_and_row(session, d, sheets, where, says):
    error = refused(session, d.clerk, fill(session, sheets))

    assert f"{where}：" in str(error)
    assert says in str(error)
    assert any(where.startswith(sheet) for sheet, _, _ in error.problems)


def test_dates_after_today_are_refused(session, d):
    tomorrow = clock.today() + timedelta(days=1)

    error = refused(session, d.clerk, fill(session, {
        ITEMS: [item(1)], PLANS: [plan(1, 1, stage=PASSED, passed_on=tomorrow)],
        APPS: [app(1, 1, launched_on=tomorrow)], SHARES: [share(1, 1, 认定共享日期=tomorrow)]}))

    assert str(error).splitlines()[1:] == [
        f"应用“三张清单” 第2行：“查重通过日期”{tomorrow:%Y-%m-%d} 晚于今天，请按实际日期填写",
        f"开发上线特色应用 第2行：“上线时间”{tomorrow:%Y-%m-%d} 晚于今天，请按实际日期填写",
        f"一地创新、全市共享 第2行：“认定共享日期”{tomorrow:%Y-%m-%d} 晚于今天，请按实际日期填写"]


def test_a_retired_domain_is_refused(session, d):
    retired = catalog.domains(session)[0]
    catalog.retire_domain(session, actor=d.admin, domain_id=retired.id, version=retired.version)

    error = refused(session, d.clerk, fill(session, {ITEMS: [item(1, domain=retired.name)]}))

    assert f"一件事 第2行：“重点领域”“{retired.name}”不在列表中" in str(error)


def test_every_problem_of_every_sheet_is_listed_at_once(session, d):
    data = fill(session, {
        ITEMS: [item(1), item(1, "第二件", domain="无此领域")],
        PLANS: [plan(1, 7)],
        APPS: [app(1, 1, launched_on="明天")],
    })

    error = refused(session, d.clerk, data)

    assert str(error).splitlines() == [
        "导入未执行，共4处错误，请修改后重新上传：",
        "一件事 第3行：行号1与第2行重复；“重点领域”“无此领域”不在列表中，可选："
        + "、".join(domain_names(session)),
        "应用“三张清单” 第2行：“关联一件事”的行号7在“一件事”表中不存在",
        "开发上线特色应用 第2行：“上线时间”“明天”不是日期，请按 2024-05-01 的格式填写",
    ]
    assert error.problems[0] == (ITEMS, 3, "行号1与第2行重复")


def test_the_list_stops_after_fifty_lines_and_counts_the_rest(session, d):
    data = fill(session, {ITEMS: [item(n, f"一件事{n}", domain="无此领域") for n in range(1, 61)]})

    error = refused(session, d.clerk, data)

    lines = str(error).splitlines()
    assert lines[0] == "导入未执行，共60处错误，请修改后重新上传："
    assert len(lines) == 1 + 50 + 1
    assert lines[1].startswith("一件事 第2行：") and lines[50].startswith("一件事 第51行：")
    assert lines[-1] == "等共60处"
    assert len(error.problems) == 60


def test_importing_the_same_file_twice_is_refused_the_second_time(session, d):
    data = survey_workbook(session)
    do_import(session, d.clerk, data)

    error = refused(session, d.clerk, data)

    assert "一件事 第2行：本区县已有一件事“企业开办一件事”，请勿重复导入" in str(error)
    assert "开发上线特色应用 第2行：本区县已有开发上线特色应用“渝快办企业开办”" in str(error)


def test_the_same_names_in_another_district_do_not_count_as_a_second_import(session, d):
    do_import(session, d.qj_clerk, survey_workbook(session))

    counts = do_import(session, d.clerk, survey_workbook(session))

    assert counts[ITEMS] == 2


def test_a_rule_only_the_service_checks_is_named_by_sheet_and_row_and_undoes_earlier_rows(
        session, d, monkeypatch):
    def refuse(session, actor, values, row):
        raise ValidationError("只能关联本区县的一件事")
    monkeypatch.setattr(rows.KINDS["digital_plan"], "validate", refuse)
    data = fill(session, {ITEMS: [item(1)], PLANS: [plan(1, 1)]})

    error = refused(session, d.clerk, data)

    assert str(error).splitlines()[1] == "应用“三张清单” 第2行：只能关联本区县的一件事"
    assert rows.open_form(session, d.wanzhou) is None


# --- the file as a whole -------------------------------------------------------------------------

def test_an_empty_template_is_refused(session, d):
    error = refused(session, d.clerk, survey.template(session))

    assert "文件中没有数据行" in str(error)


def test_rows_with_only_a_row_number_count_as_empty(session, d):
    error = refused(session, d.clerk, fill(session, {ITEMS: [{"行号": n} for n in range(1, 6)]}))

    assert "文件中没有数据行" in str(error)


def test_more_than_two_thousand_rows_are_refused(session, d):
    data = fill(session, {ITEMS: [item(n, f"一件事{n}") for n in range(1, 1001)],
                          PLANS: [plan(n, 1, f"应用{n}") for n in range(1, 1002)]})

    error = refused(session, d.clerk, data)

    assert "一次最多导入2000行" in str(error)


def docx_bytes():
    from tests.services.test_files import docx_bytes as make
    return make()


@pytest.mark.parametrize("data", [
    PDF, PNG, b"not a workbook at all", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600,
    "docx",
])
def test_a_file_that_is_not_an_xlsx_workbook_is_refused_by_its_content(session, d, data):
    data = docx_bytes() if data == "docx" else data

    error = refused(session, d.clerk, data)

    assert "不是" in str(error) and "Excel（.xlsx）" in str(error)


def test_a_workbook_whose_sheet_is_damaged_is_refused(session, d):
    original = fill(session, {ITEMS: [item(1)]})
    buf = BytesIO()
    with zipfile.ZipFile(BytesIO(original)) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":  # the 一件事 sheet
                content = content[: len(content) // 2]
            out.writestr(info, content)

    error = refused(session, d.clerk, buf.getvalue())

    assert "文件内容已损坏" in str(error)


def test_a_sheet_reaching_past_twenty_thousand_rows_is_refused(session, d):
    wb = load_workbook(BytesIO(fill(session, {ITEMS: [item(1)]})))
    wb[ITEMS].cell(row=survey.MAX_SCANNED + 1, column=2, value="远处的一件事")
    buf = BytesIO()
    wb.save(buf)

    error = refused(session, d.clerk, buf.getvalue())

    assert "“一件事”表超过20000行（含空行）" in str(error)


def test_a_workbook_without_the_survey_sheets_is_refused(session, d):
    wb = Workbook()
    wb.active.append(["事项名称"])
    wb.active.append(["企业开办一件事"])
    buf = BytesIO()
    wb.save(buf)

    error = refused(session, d.clerk, buf.getvalue())

    assert "请使用下载的模板填写" in str(error)


def test_a_sheet_missing_a_column_is_refused_naming_the_column(session, d):
    wb = load_workbook(BytesIO(fill(session, {ITEMS: [item(1)]})))
    wb[ITEMS]["C1"] = "领域"
    buf = BytesIO()
    wb.save(buf)

    error = refused(session, d.clerk, buf.getvalue())

    assert "一件事：第1行应为表头，缺少列：“重点领域”" in str(error)


def test_a_cleared_sheet_and_a_deleted_sheet_are_read_as_empty(session, d):
    wb = load_workbook(BytesIO(fill(session, {ITEMS: [item(1)]})))
    wb[PLANS].delete_rows(1, 1)
    del wb[APPS]
    buf = BytesIO()
    wb.save(buf)

    counts = do_import(session, d.clerk, buf.getvalue())

    assert counts == {ITEMS: 1, PLANS: 0, APPS: 0, SHARES: 0}


def test_headers_and_sheet_names_are_read_with_half_width_brackets_and_quotes(session, d):
    wb = load_workbook(BytesIO(fill(session, {ITEMS: [item(1)], PLANS: [plan(1, 1)]})))
    wb[PLANS].title = '应用"三张清单"'
    wb['应用"三张清单"']["C1"] = "关联一件事(行号,多个用、分隔)"
    buf = BytesIO()
    wb.save(buf)

    counts = do_import(session, d.clerk, buf.getvalue())

    assert counts[PLANS] == 1


# --- who may import, and when ---------------------------------------------------------------------

@pytest.mark.parametrize("who", ["reviewer", "leader", "dept_clerk", "office", "admin"])
def test_only_a_district_clerk_may_import(session, d, who):
    user = getattr(d, who)

    refused(session, user, survey_workbook(session), error=PermissionDenied)


def test_a_department_clerk_with_the_clerk_role_is_refused(session, d):
    clerk = make_user(session, org="市发展改革委", role=Role.CLERK)

    refused(session, clerk, survey_workbook(session), error=PermissionDenied)


def test_a_stale_form_version_gets_the_conflict_message(session, d):
    data = survey_workbook(session)
    rows.save_row(session, actor=d.clerk2, kind="digital_item", form_version=0,
                  values={"name": "另一位录入员的一件事", "domain_id": d.domain})
    before = stored(session)

    with pytest.raises(Conflict, match="该记录已被他人处理，请刷新后重试"):
        survey.import_workbook(session, actor=d.clerk, data=data, form_version=0)

    assert stored(session) == before


def test_a_form_waiting_for_review_takes_no_import(session, d):
    rows.save_row(session, actor=d.clerk, kind="digital_item", form_version=0,
                  values={"name": "已上报的一件事", "domain_id": d.domain},
                  uploads=[Upload(ORIGINAL_CHART, "原图.pdf", PDF)])
    form = rows.open_form(session, d.wanzhou)
    forms.submit(session, actor=d.clerk, form_id=form.id, version=form.version)

    error = refused(session, d.clerk, survey_workbook(session))

    assert "已上报" in str(error) and "撤回" in str(error)
