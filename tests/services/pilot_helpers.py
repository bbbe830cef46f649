"""The cast and helpers shared by the pilot and progress service tests."""
from datetime import date

from models import Role
from services import pilots
from services.pilots import NATIONAL_DOC, PilotInput, Upload
from services.review import Action
from tests.factories import get_org, make_user
from tests.services.test_files import PDF

DOC = "国办发〔2023〕12号"


def cast(session):
    """The cast: 万州区, 黔江区, 市发展改革委, 市教委, 市委改革办."""
    class Cast:
        clerk = make_user(session, org="万州区", role=Role.CLERK)
        reviewer = make_user(session, org="万州区", role=Role.REVIEWER)
        leader = make_user(session, org="万州区", role=Role.LEADER)
        qj_clerk = make_user(session, org="黔江区", role=Role.CLERK)
        qj_reviewer = make_user(session, org="黔江区", role=Role.REVIEWER)
        dept_clerk = make_user(session, org="市发展改革委", role=Role.CLERK)
        dept_reviewer = make_user(session, org="市发展改革委", role=Role.REVIEWER)
        edu_clerk = make_user(session, org="市教委", role=Role.CLERK)
        office = make_user(session, org="市委改革办", role=Role.REVIEWER)
        office_leader = make_user(session, org="市委改革办", role=Role.LEADER)
        admin = make_user(session, org="市委改革办", role=Role.ADMIN)
        dept_id = get_org(session, "市发展改革委").id
        qianjiang = get_org(session, "黔江区").id
        wanzhou = get_org(session, "万州区").id
    return Cast


def good_input(w, **overrides) -> PilotInput:
    values = dict(name="数字乡村改革试点", deploy_level="中办国办", doc_title="关于开展数字乡村试点的通知",
                  doc_number=DOC, scope_basis=pilots.SCOPE_DISTRICT,
                  content="开展数字乡村改革，建立健全数据共享机制", due_date=date(2026, 12, 31),
                  dept_id=w.dept_id)
    values.update(overrides)
    return PilotInput(**values)


NATIONAL = [Upload(NATIONAL_DOC, "国家文件.pdf", PDF)]


def submitted(session, w, **overrides):
    return pilots.create(session, actor=w.clerk, data=good_input(w, **overrides),
                         uploads=NATIONAL, submit=True)


def distributed(session, w, **overrides):
    p = submitted(session, w, **overrides)
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)
    return pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                         version=p.version)


