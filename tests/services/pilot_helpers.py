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




def at_department(session, w, **overrides):
    """A submitted pilot the district reviewer approved: waiting for 确认分发."""
    p = submitted(session, w, **overrides)
    return pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                      version=p.version)


def state(session):
    """Everything a refusal must leave untouched."""
    from sqlalchemy import func, select

    from models import (
        Attachment, AuditEvent, JoinRequest, Notification, Pilot, PilotDistrict, ProgressTask,
    )
    session.expire_all()
    counts = tuple(session.execute(select(func.count()).select_from(m)).scalar_one()
                   for m in (Pilot, PilotDistrict, ProgressTask, AuditEvent, Notification,
                             JoinRequest, Attachment))
    rows = tuple(session.execute(select(Pilot.id, Pilot.status, Pilot.version, Pilot.name,
                                        Pilot.doc_number, Pilot.batch, Pilot.is_secret)
                                 .order_by(Pilot.id)).all())
    districts = tuple(session.execute(select(PilotDistrict.pilot_id, PilotDistrict.org_id)
                                      .order_by(PilotDistrict.pilot_id, PilotDistrict.org_id))
                      .all())
    requests = tuple(session.execute(select(JoinRequest.id, JoinRequest.status)
                                     .order_by(JoinRequest.id)).all())
    return counts, rows, districts, requests
