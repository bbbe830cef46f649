"""Progress data for page tests, made through the services as the demo accounts."""
from datetime import date
from types import SimpleNamespace

from sqlalchemy import select

from models import Org, User
from services import accounts, db, pilots, progress
from services.pilots import NATIONAL_DOC, PilotInput, Upload
from services.progress import AchievementInput, ProgressInput
from services.review import Action
from tests.services.test_files import PDF

CLERK, REVIEWER, LEADER = "13800000101", "13800000102", "13800000103"
QJ_CLERK, QJ_REVIEWER = "13800000201", "13800000202"
DEPT_CLERK, OFFICE, OFFICE_2 = "13900000101", "13700000101", "13700000102"
BIG_DATA_CLERK = "13900000201"


def actor(session, phone):
    return accounts.current_user(session, session.execute(
        select(User).where(User.phone == phone)).scalars().one())


def org_id(session, name):
    return session.execute(select(Org.id).where(Org.name == name)).scalar_one()


def distributed_pilot(session, *, name="数字乡村改革试点", doc="国办发〔2023〕12号",
                      clerk=CLERK, reviewer=REVIEWER, dept="市发展改革委", districts=()):
    data = PilotInput(name=name, deploy_level="中办国办", doc_title="关于开展试点的通知",
                      doc_number=doc, content="开展数字乡村改革", due_date=date(2026, 12, 31),
                      dept_id=org_id(session, dept),
                      districts={org_id(session, d) for d in districts})
    p = pilots.create(session, actor=actor(session, clerk), data=data,
                      uploads=[Upload(NATIONAL_DOC, "国家文件.pdf", PDF)], submit=True)
    pilots.act(session, actor=actor(session, reviewer), pilot_id=p.id, action=Action.APPROVE,
               version=p.version)
    dept_clerk = DEPT_CLERK if dept == "市发展改革委" else BIG_DATA_CLERK
    return pilots.confirm_and_distribute(session, actor=actor(session, dept_clerk),
                                         pilot_id=p.id, version=p.version)


def task_id(session, pilot, district="万州区"):
    return next(t["task_id"] for t in progress.tasks(session, actor=actor(
        session, CLERK if district == "万州区" else QJ_CLERK)) if t["pilot_id"] == pilot.id)


def draft(session, *, work=("召开专题会议", "开展专项调研", "举办现场会"),
          achievements=(("搭建数字乡村服务平台", "针对数据分散问题，上线平台"),
                        ("建立数据共享机制", "针对部门壁垒问题，建立机制")), **pilot):
    """A distributed pilot for 万州区 (`pilot`: distributed_pilot's name, doc, …) and a saved
    draft with work items and achievements."""
    pilot = distributed_pilot(session, **pilot)
    clerk = actor(session, CLERK)
    rev = progress.start_revision(session, actor=clerk, task_id=task_id(session, pilot))
    data = ProgressInput(work_items=list(work), problems="数据共享难",
                         achievements=[AchievementInput(n, m) for n, m in achievements])
    return progress.save(session, actor=clerk, revision_id=rev.id, version=rev.version, data=data)


def confirm(session, rev, *, clerk=CLERK, reviewer=REVIEWER):
    rev = progress.save(session, actor=actor(session, clerk), revision_id=rev.id,
                        version=rev.version, data=ProgressInput(
                            work_items=progress.work_items(rev), problems=rev.problems,
                            achievements=[AchievementInput(a.name, a.measures, a.effects, a.id)
                                          for a in progress.achievements_of(session, rev.id)]),
                        submit=True)
    for phone in (reviewer, DEPT_CLERK, OFFICE):
        rev = progress.act(session, actor=actor(session, phone), revision_id=rev.id,
                           action=Action.APPROVE, version=rev.version)
    return rev


def stored(rev_id):
    with db.session_scope() as s:
        return SimpleNamespace(
            achievements=[(a.name, a.measures) for a in progress.achievements_of(s, rev_id)],
            work=progress.work_items(s.get(progress.ProgressRevision, rev_id)))
