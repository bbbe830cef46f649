"""Helpers shared by the progress service and page tests."""
from datetime import date

from sqlalchemy import func, select

from models import Achievement, AuditEvent, Notification, ProgressRevision, ProgressTask
from services import progress
from services.progress import AchievementInput, ProgressInput
from services.review import Action

TODAY = date(2026, 11, 27)


def task_of(session, org_id, pilot_id=None):
    query = select(ProgressTask).where(ProgressTask.org_id == org_id)
    if pilot_id is not None:
        query = query.where(ProgressTask.pilot_id == pilot_id)
    return session.execute(query).scalars().one()


def state(session):
    """Everything a progress action may write: revisions, achievements, audit, notifications."""
    session.expire_all()
    return (tuple(session.execute(select(ProgressRevision.id, ProgressRevision.status,
                                         ProgressRevision.version, ProgressRevision.work_items,
                                         ProgressRevision.problems)
                                  .order_by(ProgressRevision.id)).all()),
            tuple(session.execute(select(Achievement.id, Achievement.revision_id,
                                         Achievement.position, Achievement.name,
                                         Achievement.measures, Achievement.effects)
                                  .order_by(Achievement.id)).all()),
            session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            session.execute(select(func.count()).select_from(Notification)).scalar_one())


def good(**overrides) -> ProgressInput:
    values = dict(progress_status="推进中", work_items=["召开专题会议，审议实施方案", "开展专项调研"],
                  problems="数据共享存在体制机制障碍",
                  achievements=[AchievementInput("搭建数字乡村服务平台", "针对数据分散问题，上线平台，实现一网通办",
                                                 "被国家部委肯定"),
                                AchievementInput("建立数据共享机制", "针对部门壁垒问题，建立机制")])
    values.update(overrides)
    return ProgressInput(**values)


def as_inputs(rows) -> list[AchievementInput]:
    """Stored rows as the form sends them back: each keeps its identity."""
    return [AchievementInput(a.name, a.measures, a.effects, row_id=a.id) for a in rows]


def walk(session, w, rev, *, reject_at=None, data=None, clerk=None, reviewer=None):
    """Submit and review a revision through all stages (optionally rejecting at one)."""
    rev = progress.save(session, actor=clerk or w.clerk, revision_id=rev.id, version=rev.version,
                        data=data or good(), submit=True, today=TODAY)
    for stage, actor in (("待区县审核", reviewer or w.reviewer), ("待市级部门审核", w.dept_clerk),
                         ("待市委改革办确认", w.office)):
        assert rev.status == stage
        if reject_at == stage:
            return progress.act(session, actor=actor, revision_id=rev.id, action=Action.REJECT,
                                version=rev.version, comment=f"{stage}：请补充具体成效")
        rev = progress.act(session, actor=actor, revision_id=rev.id, action=Action.APPROVE,
                           version=rev.version)
    return rev


def distributed_to(session, w, *, dept_clerk, dept: str, doc: str, name: str, districts=()):
    """A pilot of 万州区 (plus `districts`) supervised by `dept`, distributed by its clerk."""
    from services import pilots
    from tests.factories import get_org
    from tests.services.pilot_helpers import submitted
    p = submitted(session, w, dept_id=get_org(session, dept).id, doc_number=doc, name=name,
                  districts=set(districts))
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)
    return pilots.confirm_and_distribute(session, actor=dept_clerk, pilot_id=p.id,
                                         version=p.version)
