"""试点项目录入 page: the duplicate 文号 is told under the field, drafts stay openable."""
from datetime import date

from sqlalchemy import select

from models import Org, Pilot, User
from services import accounts, db, pilots
from tests.pages.conftest import logged_in

DOC = "国办发〔2023〕12号"


def _user(s, phone):
    return accounts.current_user(s, s.execute(select(User).where(User.phone == phone))
                                 .scalars().one())


def _dept_id(s, name="市发展改革委"):
    return s.execute(select(Org.id).where(Org.name == name)).scalar_one()


def _draft(phone, number, name="数字乡村改革试点", **extra):
    with db.session_scope() as s:
        data = pilots.PilotInput(name=name, deploy_level="中办国办", doc_title="通知",
                                 doc_number=number, content="开展数字乡村改革",
                                 due_date=date(2026, 12, 31), dept_id=_dept_id(s), **extra)
        return pilots.create(s, actor=_user(s, phone), data=data)


def test_opening_an_own_draft_after_a_duplicate_number_does_not_crash(app_db):
    _draft("13800000201", DOC)                       # 黔江区 holds the number
    own = _draft("13800000101", "国发〔2024〕3号", name="智慧城市改革试点")
    with db.session_scope() as s:
        dept = _dept_id(s)
    at = logged_in("13800000101").run()
    at.switch_page("pages/pilot_entry.py").run()
    at.text_input(key="new0-name").input("数字乡村改革试点")
    at.selectbox(key="new0-dept").select(dept)
    at.text_input(key="new0-number").input(DOC)
    at.button(key="new-False").click().run()

    at.selectbox(key="mine-pick").select(own.id).run()

    assert not at.exception, at.exception
    assert [b.label for b in at.button].count("申请纳入涉及区县") == 1


def _entry(phone="13800000101"):
    at = logged_in(phone).run()
    return at.switch_page("pages/pilot_entry.py").run()


def test_a_duplicate_number_is_told_under_the_field_before_the_rest_of_the_form(app_db):
    _draft("13800000201", DOC, batch="第二批")
    at = _entry()

    at.text_input(key="new0-number").input("国办发[2023]12号")
    at.text_input(key="new0-batch").input("第 二 批").run()

    assert any("已由黔江区创建" in e.value and "批次：第二批" in e.value for e in at.error)
    assert [b.label for b in at.button if b.key == "new0-join"] == ["申请纳入涉及区县"]
    assert "试点名称" not in [t.label for t in at.text_input if t.key.startswith("new0")]
    assert not [b for b in at.button if b.key in ("new-False", "new-True")]


def test_asking_to_join_from_the_number_field_records_the_request_and_says_it_is_held(app_db):
    from models import JoinRequest
    held = _draft("13800000201", DOC)
    at = _entry()
    at.text_input(key="new0-number").input(DOC).run()

    at.button(key="new0-join").click().run()

    assert not at.exception
    with db.session_scope() as s:
        [req] = s.execute(select(JoinRequest)).scalars().all()
    assert req.pilot_id == held.id and req.status == "待处理"
    assert any("尚在黔江区（状态：草稿）" in m.value for m in at.success)
    assert any("本区县已申请纳入该试点" in m.value for m in at.error)
    assert not [b for b in at.button if b.key == "new0-join"]


def test_retyping_the_districts_own_number_gives_one_message_to_open_its_pilot(app_db):
    _draft("13800000101", DOC)
    at = _entry()

    at.text_input(key="new0-number").input(DOC).run()

    assert not at.exception
    assert len(at.error) == 1 and not at.info
    assert "该试点已由本区县录入，请在“本区县试点”中查看或继续修改" in at.error[0].value
    assert "申请纳入涉及区县" not in at.error[0].value
    assert not [b for b in at.button if b.key == "new0-join"]


def test_save_keeps_an_incomplete_draft_and_names_what_is_still_missing(app_db):
    with db.session_scope() as s:
        dept = _dept_id(s)
    at = _entry()
    at.text_input(key="new0-number").input(DOC).run()
    at.text_input(key="new0-name").input("数字乡村改革试点")
    at.selectbox(key="new0-dept").select(dept)

    at.button(key="new-False").click().run()

    assert not at.exception and not at.error
    [message] = [m.value for m in at.success]
    assert "已保存为草稿" in message
    assert "上报前还需填写：部署层级、文件依据、试点内容及任务、完成时间、佐证材料（国家文件）" in message
    # The saved draft is opened under 本区县试点, ready for what is missing.
    with db.session_scope() as s:
        saved = s.execute(select(Pilot.id).where(Pilot.name == "数字乡村改革试点")).scalar_one()
    assert at.selectbox(key="mine-pick").value == saved


def test_clerk_removes_a_wrongly_uploaded_file_from_a_draft(app_db):
    from services.pilots import NATIONAL_DOC, Upload
    from tests.services.test_files import PDF
    from ui.widgets import literal
    with db.session_scope() as s:
        clerk = _user(s, "13800000101")
        data = pilots.PilotInput(name="数字乡村改革试点", doc_number=DOC, dept_id=_dept_id(s))
        p = pilots.create(s, actor=clerk, data=data, uploads=[
            Upload(NATIONAL_DOC, "国家文件.pdf", PDF), Upload(NATIONAL_DOC, "错传.pdf", PDF + b"x")])
        wrong = pilots.evidence(s, actor=clerk, pilot_id=p.id)[1]
    at = _entry()
    at.selectbox(key="mine-pick").select(p.id).run()

    at.button(key=f"p{p.id}-rm-{wrong.id}").click().run()
    asked = [w.value for w in at.warning]
    with db.session_scope() as s:
        kept = len(pilots.evidence(s, actor=clerk, pilot_id=p.id))
    at.button(key=f"p{p.id}-rm-{wrong.id}-yes").click().run()

    assert not at.exception
    assert kept == 2 and any(literal("删除文件“错传.pdf”？") in w for w in asked)  # asked first
    assert any(literal("已删除“错传.pdf”") in m.value for m in at.success)
    with db.session_scope() as s:
        names = [a.original_name for a in pilots.evidence(s, actor=clerk, pilot_id=p.id)]
    assert names == ["国家文件.pdf"]
