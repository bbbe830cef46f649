"""试点项目审核 and 试点项目清单 pages: the department's confirm form, exports, corrections, 驳回率."""
from datetime import date

from sqlalchemy import select

from models import Org, User
from services import accounts, db, pilots
from services.pilots import NATIONAL_DOC, Upload
from services.review import Action
from tests.pages.conftest import logged_in
from tests.services.test_files import PDF

DOC = "国办发〔2023〕12号"


def _user(s, phone):
    return accounts.current_user(s, s.execute(select(User).where(User.phone == phone))
                                 .scalars().one())


def _org(s, name):
    return s.execute(select(Org.id).where(Org.name == name)).scalar_one()


def at_department(*, by_dept=False, distribute=False, name="数字乡村改革试点", number=DOC):
    """A 万州区 pilot approved by its reviewer (optionally distributed by 市发展改革委)."""
    with db.session_scope() as s:
        data = pilots.PilotInput(name=name, deploy_level="中办国办", doc_title="通知",
                                 doc_number=number, content="开展数字乡村改革",
                                 due_date=date(2026, 12, 31), dept_id=_org(s, "市发展改革委"),
                                 evidence_by_dept=by_dept)
        uploads = [] if by_dept else [Upload(NATIONAL_DOC, "国家文件.pdf", PDF)]
        p = pilots.create(s, actor=_user(s, "13800000101"), data=data, uploads=uploads,
                          submit=True)
        p = pilots.act(s, actor=_user(s, "13800000102"), pilot_id=p.id,
                       action=Action.APPROVE, version=p.version)
        if distribute:
            p = pilots.confirm_and_distribute(s, actor=_user(s, "13900000101"), pilot_id=p.id,
                                              version=p.version)
        return p


def _review(phone="13900000101"):
    at = logged_in(phone).run()
    return at.switch_page("pages/pilot_review.py").run()


def test_confirm_form_says_prominently_that_the_district_asked_for_the_national_document(
        app_db):
    at_department(by_dept=True)

    at = _review()

    assert not at.exception
    assert any("没有部署该试点的国家文件，请求主管市级部门协助上传" in w.value for w in at.warning)


def test_review_queue_and_join_requests_have_excel_exports(app_db):
    at_department()
    other = at_department(distribute=True, name="智慧城市改革试点", number="国发〔2024〕3号")
    with db.session_scope() as s:
        pilots.request_join(s, actor=_user(s, "13800000201"), pilot_id=other.id)

    at = _review()

    assert not at.exception
    keys = {d.key for d in at.get("download_button")}
    assert {"queue-xlsx", "join-xlsx"} <= keys


def test_department_corrects_a_distributed_pilot_and_adds_a_district(app_db):
    p = at_department(distribute=True)
    with db.session_scope() as s:
        qianjiang = _org(s, "黔江区")
    at = _review()
    at.selectbox(key="correct-pick").select(p.id).run()
    key = f"correct{p.id}v{p.version}"

    at.text_input(key=f"{key}-title").input("关于开展数字乡村试点工作的通知")
    at.multiselect(key=f"{key}-districts").select(qianjiang)
    at.button(key="correct-save").click().run()

    assert not at.exception and not at.error
    assert any("已保存更正" in m.value for m in at.success)
    with db.session_scope() as s:
        assert s.get(type(p), p.id).doc_title == "关于开展数字乡村试点工作的通知"
        assert pilots.district_ids(s, p.id) == {_org(s, "万州区"), qianjiang}


def _with_one_rejection():
    with db.session_scope() as s:
        data = pilots.PilotInput(name="数字乡村改革试点", deploy_level="中办国办", doc_title="通知",
                                 doc_number=DOC, content="开展数字乡村改革",
                                 due_date=date(2026, 12, 31), dept_id=_org(s, "市发展改革委"))
        p = pilots.create(s, actor=_user(s, "13800000101"), data=data, submit=True,
                          uploads=[Upload(NATIONAL_DOC, "国家文件.pdf", PDF)])
        pilots.act(s, actor=_user(s, "13800000102"), pilot_id=p.id, action=Action.REJECT,
                   version=p.version, comment="文件依据填写不规范")


def _rate_frames(at):
    return [df.value for df in at.dataframe if "驳回率" in df.value.columns]


def test_a_district_sees_its_own_rejection_rate_on_the_pilot_list(app_db):
    _with_one_rejection()
    at = logged_in("13800000201").run()             # 黔江区: nothing of 万州区
    at.switch_page("pages/pilot_list.py").run()
    assert not at.exception and _rate_frames(at) == []

    at = logged_in("13800000103").run()             # 万州区 leader
    at.switch_page("pages/pilot_list.py").run()

    [frame] = _rate_frames(at)
    assert list(frame["区县"]) == ["万州区"] and list(frame["驳回率"]) == ["100.0%"]


def test_the_reform_office_sees_rates_per_district_with_an_export_and_departments_none(
        app_db):
    _with_one_rejection()
    at = logged_in("13700000103").run()
    at.switch_page("pages/pilot_list.py").run()

    [frame] = _rate_frames(at)
    assert list(frame["区县"]) == ["万州区"]
    assert "rates-xlsx" in {d.key for d in at.get("download_button")}

    at = logged_in("13900000101").run()
    at.switch_page("pages/pilot_list.py").run()
    assert not at.exception and _rate_frames(at) == []


def test_a_confirm_form_loaded_before_a_granted_join_request_gets_the_conflict_message(app_db):
    p = at_department()
    with db.session_scope() as s:
        req = pilots.request_join(s, actor=_user(s, "13800000201"), pilot_id=p.id)
    at = _review()
    at.text_input(key=f"confirm{p.id}v{p.version}-title").input("关于开展数字乡村试点工作的通知")
    with db.session_scope() as s:                   # meanwhile the 审核员 grants the request
        pilots.decide_join(s, actor=_user(s, "13900000102"), request_id=req.id, grant=True)

    at.button[[b.label for b in at.button].index("确认分发")].click().run()

    assert any("该记录已被他人处理，请刷新后重试" in e.value for e in at.error)
    with db.session_scope() as s:
        stored = s.get(type(p), p.id)
        assert stored.status == "待市级部门确认" and stored.doc_title == "通知"
        assert pilots.district_ids(s, p.id) == {_org(s, "万州区"), _org(s, "黔江区")}
        qianjiang = _org(s, "黔江区")

    at.run()                                         # the next run shows the pilot as stored
    assert qianjiang in at.multiselect(key=f"confirm{p.id}v{p.version + 1}-districts").value
