"""打印: every record type as a Word form read back with python-docx — every field in the
manual's order and in full, the 佐证材料 by name (涉密: 涉密，线下报送), each review step, the footer
for 签字/盖章 — user text literal, the read rule of the flow, lists one record a page, and a
throwaway module printed from its labels alone."""
import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from io import BytesIO
from typing import Optional

import pytest
from docx import Document
from sqlalchemy import func, select
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from models import AuditEvent, Role, utcnow
from services import brand, clock, files, pilots, printing, progress, progress_overview, records
from services.brand import BRAND_FLOW
from services.errors import PermissionDenied, ValidationError
from services.pilots import PILOT_FLOW
from services.progress import PROGRESS_FLOW
from services.review import DRAFT, Action, Flow, Transition, district
from tests.factories import make_user
from tests.services import brand_helpers as bh
from tests.services.pilot_helpers import distributed
from tests.services.progress_helpers import TODAY, good, task_of, walk

PRINTED_ON = date(2026, 12, 1)
TRICKY = "{ MERGEFIELD 姓名 } =SUM(A1:A2) **粗体** <b>加粗</b> [链接](http://a.cn) & 1<2\n第二行\t制表"


@pytest.fixture(autouse=True)
def _print_date(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: PRINTED_ON)


@pytest.fixture
def b(session):
    return bh.cast(session)


def read(data: bytes) -> Document:
    return Document(BytesIO(data))


def field_rows(doc, table: int = 0) -> list[tuple[str, str]]:
    return [(row.cells[0].text, row.cells[1].text) for row in doc.tables[table].rows]


def trail_rows(doc, table: int = 1) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in doc.tables[table].rows]


def xml_of(data: bytes) -> str:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                       if n.startswith("word/") and n.endswith(".xml"))


def events(session) -> int:
    return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


# --- brand entries -------------------------------------------------------------------------------

def test_printed_brand_entry_holds_every_field_in_order_its_files_and_every_review_step(
        session, b):
    entry = bh.submitted(session, b)
    entry = bh.act(session, entry, Action.APPROVE, b.reviewer)
    entry = bh.act(session, entry, Action.REJECT, b.office, comment="佐证材料不能印证全市推广，请补充")

    doc = read(printing.record_docx(session, flow=BRAND_FLOW, actor=b.clerk, record_id=entry.id))

    assert doc.paragraphs[0].text == "改革品牌信息表"
    assert "填报单位：万州区" in doc.paragraphs[1].text and "状态：退回修改" in doc.paragraphs[1].text
    assert field_rows(doc) == [
        ("改革事项", "建立基层治理“一网统管”机制"), ("获评类别", "获全市推广"),
        ("具体情形", "2024年5月全市召开推广会推广万州经验"), ("获评日期", "2024-05-10"),
        ("解决问题", "针对基层事项多头交办问题，上线一网统管应用，实现事项一口受理"),
        ("主要成果", "建立事项分级处置制度"), ("通报表彰/领导批示", "否"),
        ("点名推广文件介绍不足一个自然段（特殊情形）", "否"), ("总结材料已签字盖章", "否"),
        ("已自查，满足报表计分条件", "否"), ("涉密", "否"), ("涉密材料已线下报送", "否"),
        ("签字盖章的总结材料已一并线下报送", "否"), ("佐证材料", "佐证材料：会议通知.pdf")]
    steps = trail_rows(doc)
    assert steps[0] == ["时间", "操作人", "操作", "状态变化", "意见/原因"]
    assert [(s[2], s[3], s[4]) for s in steps[1:]] == [
        ("创建", "— → 草稿", ""), ("保存", "草稿 → 草稿", ""),  # the upload
        ("保存并上报", "草稿 → 待区县审核", ""),
        ("通过", "待区县审核 → 待市委改革办审核", ""),
        ("驳回", "待市委改革办审核 → 退回修改", "佐证材料不能印证全市推广，请补充")]
    assert steps[-1][1] == "市委改革办 测试reviewer（审核员）"
    assert all(len(s[0]) == len("2026-12-01 08:00") for s in steps[1:])


def test_every_record_ends_with_its_district_the_print_date_and_room_to_sign_and_seal(session, b):
    entry = bh.submitted(session, b)

    doc = read(printing.record_docx(session, flow=BRAND_FLOW, actor=b.clerk, record_id=entry.id))

    closing = [[c.text for c in row.cells] for row in doc.tables[-1].rows]
    assert closing == [["填报单位：万州区", "打印日期：2026-12-01"], ["签字：", "盖章："]]
    assert doc.tables[-1].rows[1].height >= 1_000_000  # EMU: about 3 cm of room
    footer = doc.sections[0].footer.paragraphs[0].text
    assert "填报单位：万州区" in footer and "打印日期：2026-12-01" in footer


def test_user_text_is_printed_literally_in_full_with_no_field_codes(session, b):
    long_text = ("针对" + "基层事项多头交办" * 700)[:5000]
    entry = bh.submitted(session, b, item="建立{=1+1}“**一网统管**”机制", situation=TRICKY,
                         results=long_text)

    data = printing.record_docx(session, flow=BRAND_FLOW, actor=b.clerk, record_id=entry.id)

    rows = dict(field_rows(read(data)))
    assert rows["改革事项"] == "建立{=1+1}“**一网统管**”机制"
    assert rows["具体情形"] == TRICKY
    assert rows["主要成果"] == long_text and len(rows["主要成果"]) == 5000
    xml = xml_of(data)
    assert "fldSimple" not in xml and "instrText" not in xml and "fldChar" not in xml
    assert "&lt;b&gt;加粗&lt;/b&gt;" in xml and "**粗体**" in xml and "{ MERGEFIELD 姓名 }" in xml
    assert "<w:b/>加粗" not in xml


def test_a_secret_entry_lists_no_files_but_says_they_go_offline(session, b):
    entry = brand.create(session, actor=b.clerk, data=bh.good_input(
        b, is_secret=True, sent_offline=True), submit=True)

    rows = dict(field_rows(read(printing.record_docx(session, flow=BRAND_FLOW, actor=b.clerk,
                                                     record_id=entry.id))))

    assert rows["佐证材料"] == "涉密，线下报送"
    assert rows["涉密"] == "是" and rows["涉密材料已线下报送"] == "是"


# --- who may print -------------------------------------------------------------------------------

def test_a_reader_of_another_district_cannot_print_and_nothing_is_written(session, b):
    entry = bh.submitted(session, b)
    before = events(session)

    for actor in (b.qj_clerk, b.qj_reviewer, b.dept_clerk):
        with pytest.raises(PermissionDenied, match="该改革品牌不存在或您无权查看"):
            printing.record_docx(session, flow=BRAND_FLOW, actor=actor, record_id=entry.id)
        with pytest.raises(PermissionDenied, match="该改革品牌不存在或您无权查看"):
            printing.record_filename(session, flow=BRAND_FLOW, actor=actor, record_id=entry.id)

    assert events(session) == before


def test_a_list_with_one_record_the_user_may_not_read_prints_nothing(session, b):
    own = bh.submitted(session, b)
    other = bh.submitted(session, b, clerk=b.qj_clerk, item="建立黔江协同机制")

    with pytest.raises(PermissionDenied, match="该改革品牌不存在或您无权查看"):
        printing.records_docx(session, flow=BRAND_FLOW, actor=b.clerk,
                              record_ids=[own.id, other.id])


def test_a_draft_is_printed_only_by_its_own_district(session, b):
    draft = brand.create(session, actor=b.clerk, data=bh.good_input(b))

    own = read(printing.record_docx(session, flow=BRAND_FLOW, actor=b.reviewer,
                                    record_id=draft.id))

    assert "状态：草稿" in own.paragraphs[1].text
    with pytest.raises(PermissionDenied):  # 市委改革办 reads entries once submitted
        printing.record_docx(session, flow=BRAND_FLOW, actor=b.office, record_id=draft.id)


# --- lists -----------------------------------------------------------------------------------------

def test_a_list_prints_one_record_a_page_in_the_given_order(session, b):
    first = bh.submitted(session, b, item="建立甲机制")
    second = bh.submitted(session, b, item="健全乙体系")
    third = bh.submitted(session, b, item="开展丙改革")

    doc = read(printing.records_docx(session, flow=BRAND_FLOW, actor=b.clerk,
                                     record_ids=[third.id, first.id, second.id, first.id]))

    titles = [p for p in doc.paragraphs if p.text == "改革品牌信息表"]
    assert [bool(t.paragraph_format.page_break_before) for t in titles] == [False, True, True]
    items = [t.rows[0].cells[1].text for t in doc.tables if t.rows[0].cells[0].text == "改革事项"]
    assert items == ["开展丙改革", "建立甲机制", "健全乙体系"]
    assert [t.rows[0].cells[0].text for t in doc.tables].count("填报单位：万州区") == 3


def test_a_list_longer_than_the_cap_is_refused_with_the_cap_named(session, b):
    with pytest.raises(ValidationError, match=f"一次最多打印{printing.MAX_RECORDS}项"):
        printing.records_docx(session, flow=BRAND_FLOW, actor=b.clerk,
                              record_ids=range(1, printing.MAX_RECORDS + 2))


def test_an_empty_selection_prints_a_page_that_says_so(session, b):
    doc = read(printing.records_docx(session, flow=BRAND_FLOW, actor=b.clerk, record_ids=[]))

    assert [p.text for p in doc.paragraphs] == [printing.NO_RECORDS]


def test_file_names_carry_the_module_the_title_and_the_date_and_are_safe(session, b):
    entry = bh.submitted(session, b, item='建立“一网统管”/<协同>:机制?*|')

    name = printing.record_filename(session, flow=BRAND_FLOW, actor=b.clerk, record_id=entry.id)

    assert name == "改革品牌_建立“一网统管”协同机制_2026-12-01.docx"
    assert printing.list_filename(BRAND_FLOW, 12) == "改革品牌_12项_2026-12-01.docx"


# --- pilots and progress revisions --------------------------------------------------------------

def test_printed_pilot_has_the_manual_order_its_districts_files_and_distribution(session, w):
    p = distributed(session, w, districts={w.qianjiang}, batch="第二批")

    doc = read(printing.record_docx(session, flow=PILOT_FLOW, actor=w.office, record_id=p.id))

    assert doc.paragraphs[0].text == "试点项目信息表"
    assert field_rows(doc) == [
        ("试点名称", "数字乡村改革试点"), ("部署层级", "中办国办"), ("文件依据", "关于开展数字乡村试点的通知"),
        ("文号", "国办发〔2023〕12号"), ("试点范围依据", "国家文件明确区县"),
        ("试点内容及任务", "开展数字乡村改革，建立健全数据共享机制"), ("完成时间", "2026-12-31"),
        ("主管市级部门", "市发展改革委"), ("涉及区县", "万州区、黔江区"), ("批次", "第二批"),
        ("涉密", "否"), ("涉密材料已线下报送", "否"), ("请市级部门协助上传国家文件", "否"),
        ("佐证材料", "国家文件：国家文件.pdf")]
    assert [s[2] for s in trail_rows(doc)[1:]] == ["创建", "保存并上报", "通过", "确认分发"]
    assert trail_rows(doc)[-1][1] == "市发展改革委 测试clerk（录入员）"


def test_a_secret_pilot_says_its_documents_go_offline(session, w):
    p = pilots.create(session, actor=w.clerk, data=pilots.PilotInput(
        name="数字乡村改革试点", deploy_level="中办国办", doc_title="（涉密）", doc_number="国办发〔2024〕9号",
        scope_basis=pilots.SCOPE_DISTRICT, content="开展数字乡村改革", due_date=date(2026, 12, 31),
        dept_id=w.dept_id, is_secret=True, sent_offline=True))

    rows = dict(field_rows(read(printing.record_docx(session, flow=PILOT_FLOW, actor=w.clerk,
                                                     record_id=p.id))))

    assert rows["佐证材料"] == "涉密，线下报送" and rows["涉密"] == "是"


def test_another_district_cannot_print_a_pilot_it_is_not_part_of(session, w):
    p = pilots.create(session, actor=w.clerk, data=pilots.PilotInput(
        name="数字乡村改革试点", deploy_level="中办国办", doc_title="通知", doc_number="国办发〔2024〕8号",
        scope_basis=pilots.SCOPE_DISTRICT, content="开展数字乡村改革", due_date=date(2026, 12, 31),
        dept_id=w.dept_id))

    for actor in (w.qj_clerk, w.dept_clerk, w.office):  # a draft: its own district only
        with pytest.raises(PermissionDenied, match="该试点项目不存在或您无权查看"):
            printing.record_docx(session, flow=PILOT_FLOW, actor=actor, record_id=p.id)


def test_printed_progress_revision_numbers_its_work_and_holds_every_achievement(session, w):
    p = distributed(session, w)
    rev = progress.start_revision(session, actor=w.clerk, task_id=task_of(session, w.wanzhou).id)
    rev = walk(session, w, rev, data=good(progress_status="已完成",
                                         acceptance_date=date(2026, 11, 20)))

    doc = read(printing.record_docx(session, flow=PROGRESS_FLOW, actor=w.dept_clerk,
                                    record_id=rev.id))

    assert doc.paragraphs[0].text == "试点推进状态信息表"
    rows = field_rows(doc)
    assert [label for label, _ in rows] == ["试点名称", "文号", "主管市级部门", "填报", "推进状态",
                                            "验收时间", "已开展工作", "存在问题", "试点成果"]
    values = dict(rows)
    assert (values["试点名称"], values["文号"], values["主管市级部门"], values["填报"]) == (
        p.name, p.doc_number, "市发展改革委", "第1次填报")
    assert (values["推进状态"], values["验收时间"]) == ("已完成", "2026-11-20")
    assert values["已开展工作"] == "1. 召开专题会议，审议实施方案\n2. 开展专项调研"
    assert values["存在问题"] == "数据共享存在体制机制障碍"
    assert values["试点成果"] == (
        "第1项\n成果名称：搭建数字乡村服务平台\n具体举措及解决问题：针对数据分散问题，上线平台，实现一网通办\n"
        "具体成效：被国家部委肯定\n"
        "第2项\n成果名称：建立数据共享机制\n具体举措及解决问题：针对部门壁垒问题，建立机制\n具体成效：—")
    steps = trail_rows(doc)[1:]
    assert [s[3] for s in steps[-3:]] == ["待区县审核 → 待市级部门审核", "待市级部门审核 → 待市委改革办确认",
                                         "待市委改革办确认 → 已确认"]


def test_a_department_cannot_print_a_revision_before_it_reaches_the_department(session, w):
    distributed(session, w)
    rev = progress.start_revision(session, actor=w.clerk, task_id=task_of(session, w.wanzhou).id)
    rev = progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                        data=good(), submit=True, today=TODAY)

    with pytest.raises(PermissionDenied, match="该试点推进状态不存在或您无权查看"):
        printing.record_docx(session, flow=PROGRESS_FLOW, actor=w.dept_clerk, record_id=rev.id)
    with pytest.raises(PermissionDenied):
        printing.record_docx(session, flow=PROGRESS_FLOW, actor=w.qj_clerk, record_id=rev.id)


def test_the_progress_overview_prints_the_revisions_in_force_of_its_rows(session, w):
    first = distributed(session, w, districts={w.qianjiang})
    confirmed = walk(session, w, progress.start_revision(
        session, actor=w.clerk, task_id=task_of(session, w.wanzhou, first.id).id))
    progress.start_revision(session, actor=w.qj_clerk,  # 黔江区: a draft only
                            task_id=task_of(session, w.qianjiang, first.id).id)

    office = progress_overview.revision_ids(session, actor=w.office)
    qianjiang = progress_overview.revision_ids(session, actor=w.qj_clerk)
    unreported = progress_overview.revision_ids(
        session, actor=w.office, filters=progress_overview.Filters(progress_status="未填报"))

    assert office == [confirmed.id]
    assert qianjiang == [] and unreported == []
    doc = read(printing.records_docx(session, flow=PROGRESS_FLOW, actor=w.office,
                                     record_ids=office))
    assert dict(field_rows(doc))["填报"] == "第1次填报"


# --- a throwaway module: printed from its declaration alone ---------------------------------------

class PrintKitBase(SQLModel, registry=orm_registry()):
    """Its own metadata: the throwaway table never enters the application's schema."""


class PrintKitRecord(PrintKitBase, table=True):
    __tablename__ = "print_kit_record"

    id: Optional[int] = Field(default=None, primary_key=True)
    org_id: int = Field(index=True)
    status: str = Field(max_length=32)
    created_by: int
    updated_by: int
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
    item: str = Field(default="", max_length=100)
    launched_on: Optional[date] = None
    shared: bool = Field(default=False)
    secret_note: str = Field(default="", max_length=100)
    rows: str = Field(default="[]")


_editing = [Transition(DRAFT, Action.SAVE, DRAFT, district(Role.CLERK)),
            Transition(DRAFT, Action.SUBMIT, "待区县审核", district(Role.CLERK)),
            Transition("待区县审核", Action.APPROVE, "已通过", district(Role.REVIEWER))]
LABELS = {"launched_on": "上线时间", "item": "应用名称", "shared": "一地创新、全市共享",
          "secret_note": "内部备注"}


def _linked(_session, record):
    return {"关联一件事": [{"事项名称": r} for r in json.loads(record.rows)]}


PLAIN = Flow(module="print_kit", label="测试应用", model=PrintKitRecord, title_field="item",
             labels=LABELS, hidden=frozenset({"secret_note"}), transitions=_editing)
DECLARED = Flow(module="print_kit2", label="测试应用", model=PrintKitRecord, title_field="item",
                labels=LABELS, transitions=_editing,
                print_fields=("item", "关联一件事", "launched_on"), print_extra=_linked)


@pytest.fixture
def kit(engine, session):
    PrintKitBase.metadata.create_all(engine)
    yield
    session.rollback()
    PrintKitBase.metadata.drop_all(engine)


def _kit_record(session, clerk) -> PrintKitRecord:
    record = PrintKitRecord(org_id=clerk.org_id, status=DRAFT, created_by=clerk.id,
                            updated_by=clerk.id, item="渝快办“一件事”应用", launched_on=date(2026, 3, 1),
                            shared=True, secret_note="不打印", rows=json.dumps(["新生儿出生", "企业开办"]))
    session.add(record)
    session.commit()
    return record


def test_a_module_that_declares_only_labels_prints_its_labelled_fields_in_their_order(kit,
                                                                                       session):
    clerk = make_user(session, org="万州区", role=Role.CLERK)
    record = _kit_record(session, clerk)
    PLAIN.apply(session, record_id=record.id, action=Action.SUBMIT, actor=clerk, version=1)

    data = printing.record_docx(session, flow=PLAIN, actor=clerk, record_id=record.id)

    doc = read(data)
    assert doc.paragraphs[0].text == "测试应用信息表"
    assert field_rows(doc) == [("上线时间", "2026-03-01"), ("应用名称", "渝快办“一件事”应用"),
                               ("一地创新、全市共享", "是")]
    assert "不打印" not in xml_of(data)
    assert [s[2] for s in trail_rows(doc)[1:]] == ["保存并上报"]


def test_a_module_may_declare_the_order_and_linked_rows_it_prints(kit, session):
    clerk = make_user(session, org="万州区", role=Role.CLERK)
    record = _kit_record(session, clerk)

    doc = read(printing.record_docx(session, flow=DECLARED, actor=clerk, record_id=record.id))

    assert field_rows(doc) == [
        ("应用名称", "渝快办“一件事”应用"),
        ("关联一件事", "第1项\n事项名称：新生儿出生\n第2项\n事项名称：企业开办"),
        ("上线时间", "2026-03-01")]
    texts = [p.text for p in doc.paragraphs]
    assert texts[texts.index("审核记录") + 1] == "（无）" and len(doc.tables) == 2


def test_a_module_without_a_secret_flag_lists_its_files_by_name(kit, session):
    clerk = make_user(session, org="万州区", role=Role.CLERK)
    record = _kit_record(session, clerk)
    files.store(session, actor=clerk, filename="界面截图.png", data=bh.PNG, allowed=files.IMAGE,
                record_type="print_kit", record_id=record.id)
    session.commit()

    rows = field_rows(read(printing.record_docx(session, flow=PLAIN, actor=clerk,
                                                record_id=record.id)))

    assert rows[-1] == ("佐证材料", "界面截图.png")


def test_a_throwaway_module_keeps_its_read_rule(kit, session):
    clerk = make_user(session, org="万州区", role=Role.CLERK)
    other = make_user(session, org="黔江区", role=Role.CLERK)
    record = _kit_record(session, clerk)

    with pytest.raises(PermissionDenied, match="该测试应用不存在或您无权查看"):
        printing.record_docx(session, flow=PLAIN, actor=other, record_id=record.id)


# --- the file opens in LibreOffice ---------------------------------------------------------------

@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_printed_file_opens_in_libreoffice(session, b, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("soffice (LibreOffice) not installed: apt-get install libreoffice-writer-nogui")
    first = bh.submitted(session, b, situation=TRICKY)
    second = bh.submitted(session, b, item="健全乙体系")
    source = tmp_path / "打印.docx"
    source.write_bytes(printing.records_docx(session, flow=BRAND_FLOW, actor=b.clerk,
                                             record_ids=[first.id, second.id]))

    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path / "out"), str(source)],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "HOME": str(tmp_path)})

    pdf = tmp_path / "out" / "打印.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", content)) == 2  # one record a page


def test_records_read_rule_is_the_one_printing_applies(session, b):
    entry = bh.submitted(session, b)

    with pytest.raises(PermissionDenied) as read_refusal:
        records.get(session, flow=BRAND_FLOW, actor=b.qj_clerk, record_id=entry.id)
    with pytest.raises(PermissionDenied) as print_refusal:
        printing.record_docx(session, flow=BRAND_FLOW, actor=b.qj_clerk, record_id=entry.id)

    assert str(print_refusal.value) == str(read_refusal.value)
