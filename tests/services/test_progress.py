"""Progress revisions: validation, four-stage review, revision in force, achievements, diff."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Achievement, AuditEvent, ProgressRevision, ProgressTask
from services import pilots, progress, workbench
from services.errors import Conflict, PermissionDenied, ValidationError
from services.progress import AchievementInput, ProgressInput
from services.review import Action
from tests.services.pilot_helpers import distributed

TODAY = date(2026, 11, 27)


def task_of(session, org_id):
    return session.execute(select(ProgressTask).where(ProgressTask.org_id == org_id)
                           ).scalars().one()


def state(session):
    session.expire_all()
    return (tuple(session.execute(select(ProgressRevision.id, ProgressRevision.status,
                                         ProgressRevision.version, ProgressRevision.work_items)
                                  .order_by(ProgressRevision.id)).all()),
            session.execute(select(func.count()).select_from(Achievement)).scalar_one(),
            session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def good(**overrides) -> ProgressInput:
    values = dict(progress_status="推进中", work_items=["召开专题会议，审议实施方案", "开展专项调研"],
                  problems="数据共享存在体制机制障碍",
                  achievements=[AchievementInput("搭建数字乡村服务平台", "针对数据分散问题，上线平台，实现一网通办",
                                                 "被国家部委肯定"),
                                AchievementInput("建立数据共享机制", "针对部门壁垒问题，建立机制")])
    values.update(overrides)
    return ProgressInput(**values)


@pytest.fixture
def rev(session, w):
    distributed(session, w)
    return progress.start_revision(session, actor=w.clerk, task_id=task_of(session, w.wanzhou).id)


def walk(session, w, rev, *, reject_at=None):
    """Submit and review a revision through all stages (optionally rejecting at one)."""
    rev = progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                        data=good(), submit=True, today=TODAY)
    for stage, actor in (("待区县审核", w.reviewer), ("待市级部门审核", w.dept_clerk),
                         ("待市委改革办确认", w.office)):
        assert rev.status == stage
        if reject_at == stage:
            return progress.act(session, actor=actor, revision_id=rev.id, action=Action.REJECT,
                                version=rev.version, comment=f"{stage}：请补充具体成效")
        rev = progress.act(session, actor=actor, revision_id=rev.id, action=Action.APPROVE,
                           version=rev.version)
    return rev


def test_distributed_pilot_shows_as_a_pushed_task_until_reporting_starts(session, w):
    distributed(session, w)

    assert [t.kind for t in workbench.todos(session, actor=w.clerk)] == ["推进任务"]
    progress.start_revision(session, actor=w.clerk, task_id=task_of(session, w.wanzhou).id)
    assert [t.kind for t in workbench.todos(session, actor=w.clerk)] == ["草稿"]


@pytest.mark.parametrize("data, message", [
    (good(progress_status="已完成"), "必须填写“验收时间”"),
    (good(progress_status="已完成", acceptance_date=TODAY + timedelta(days=1)), "晚于今天"),
    (good(work_items=["", "  "]), "至少填写一项"),
    (good(achievements=[AchievementInput("", "有举措")]), "缺少“成果名称”"),
    (good(achievements=[AchievementInput("建立机制", "")]), "缺少“具体举措及解决问题”"),
])
def test_bad_progress_is_refused_on_submit_and_nothing_changes(session, w, rev, data, message):
    before = state(session)

    with pytest.raises(ValidationError, match=message):
        progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                      data=data, submit=True, today=TODAY)

    assert state(session) == before


def test_full_chain_with_a_reject_at_every_stage_then_confirmed_with_two_achievements(session, w,
                                                                                      rev):
    for stage in ("待区县审核", "待市级部门审核", "待市委改革办确认"):
        rev = walk(session, w, rev, reject_at=stage)
        assert rev.status == "退回修改"
        returned = workbench.todos(session, actor=w.clerk)[0]
        assert (returned.kind, returned.reason) == ("退回修改", f"{stage}：请补充具体成效")

    rev = walk(session, w, rev)

    assert rev.status == "已确认" and rev.confirmed_at is not None
    assert progress.confirmed_achievements(session) == 2
    assert progress.numbered(progress.work_items(rev)) == "1. 召开专题会议，审议实施方案\n2. 开展专项调研"


def test_confirmed_revision_stays_in_force_until_the_next_is_confirmed(session, w, rev):
    first = walk(session, w, rev)
    second = progress.start_revision(session, actor=w.clerk, task_id=first.task_id)
    data = good(achievements=good().achievements + [AchievementInput("完善考核机制", "针对考核问题，完善机制")])

    second = progress.save(session, actor=w.clerk, revision_id=second.id, version=second.version,
                           data=data, submit=True, today=TODAY)

    assert progress.confirmed_revision(session, first.task_id).id == first.id
    assert progress.confirmed_achievements(session) == 2
    for actor in (w.reviewer, w.dept_clerk, w.office):
        second = progress.act(session, actor=actor, revision_id=second.id, action=Action.APPROVE,
                              version=second.version)
    assert progress.confirmed_revision(session, first.task_id).id == second.id
    assert progress.confirmed_achievements(session) == 3


def test_new_revision_starts_from_the_one_in_force(session, w, rev):
    first = walk(session, w, rev)

    second = progress.start_revision(session, actor=w.clerk, task_id=first.task_id)

    assert second.revision_no == 2 and progress.work_items(second) == progress.work_items(first)
    assert [a.name for a in progress.achievements_of(session, second.id)] == \
        ["搭建数字乡村服务平台", "建立数据共享机制"]


def test_only_one_revision_can_be_open_per_task(session, w, rev):
    before = state(session)

    with pytest.raises(ValidationError, match="正在办理的第1版"):
        progress.start_revision(session, actor=w.clerk, task_id=rev.task_id)

    assert state(session) == before


def test_reviewer_sees_what_changed_against_the_revision_in_force(session, w, rev):
    first = walk(session, w, rev)
    second = progress.start_revision(session, actor=w.clerk, task_id=first.task_id)
    data = good(progress_status="已完成", acceptance_date=TODAY,
                work_items=["召开专题会议，审议实施方案", "举办现场推进会"],
                achievements=[AchievementInput("搭建数字乡村服务平台", "针对数据分散问题，上线平台，实现一网通办",
                                               "在全市推广"),
                              AchievementInput("形成地方标准", "针对标准缺失问题，制定标准")])
    second = progress.save(session, actor=w.clerk, revision_id=second.id, version=second.version,
                           data=data, submit=True, today=TODAY)

    diff = progress.compare(session, actor=w.reviewer, revision_id=second.id)

    changed = {f["字段"] for f in diff["fields"] if f["changed"]}
    assert changed == {"推进状态", "验收时间"} and diff["base_revision_no"] == 1
    assert diff["work_added"] == ["举办现场推进会"] and diff["work_removed"] == ["开展专项调研"]
    assert diff["achievements_added"] == ["形成地方标准"]
    assert diff["achievements_removed"] == ["建立数据共享机制"]
    assert diff["achievements_changed"] == ["搭建数字乡村服务平台"]


def test_saving_achievements_is_audited(session, w, rev):
    progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version, data=good(),
                  today=TODAY)

    event = session.execute(select(AuditEvent).where(AuditEvent.record_type == "progress",
                                                     AuditEvent.action == "save")).scalars().one()
    changes = json.loads(event.changes)
    assert [row["成果名称"] for row in changes["试点成果"][1]] == ["搭建数字乡村服务平台", "建立数据共享机制"]


def test_achievement_name_that_is_a_notice_gets_a_warning():
    assert progress.achievement_warning("印发实施方案") == progress.NOTICE_WARNING
    assert progress.achievement_warning("关于开展试点的通知") == progress.NOTICE_WARNING
    assert progress.achievement_warning("建立数据共享机制") is None


@pytest.mark.parametrize("who", ["qj_clerk", "reviewer", "dept_clerk", "office", "leader"])
def test_only_the_district_clerk_may_edit_its_progress(session, w, rev, who):
    before = state(session)

    with pytest.raises(PermissionDenied):
        progress.save(session, actor=getattr(w, who), revision_id=rev.id, version=rev.version,
                      data=good(), today=TODAY)

    assert state(session) == before


def test_other_district_cannot_start_a_revision_on_our_task(session, w, rev):
    before = state(session)

    with pytest.raises(PermissionDenied):
        progress.start_revision(session, actor=w.qj_clerk, task_id=rev.task_id)

    assert state(session) == before


@pytest.mark.parametrize("who", ["qj_reviewer", "edu_clerk", "office", "leader"])
def test_wrong_reviewer_cannot_approve_at_district_stage(session, w, rev, who):
    rev = progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                        data=good(), submit=True, today=TODAY)
    before = state(session)

    with pytest.raises(PermissionDenied):
        progress.act(session, actor=getattr(w, who), revision_id=rev.id, action=Action.APPROVE,
                     version=rev.version)

    assert state(session) == before


def test_department_cannot_act_twice_on_a_stale_page(session, w, rev):
    rev = progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                        data=good(), submit=True, today=TODAY)
    rev = progress.act(session, actor=w.reviewer, revision_id=rev.id, action=Action.APPROVE,
                       version=rev.version)
    seen = rev.version
    progress.act(session, actor=w.dept_clerk, revision_id=rev.id, action=Action.APPROVE,
                 version=seen)
    before = state(session)

    with pytest.raises(Conflict):
        progress.act(session, actor=w.dept_reviewer, revision_id=rev.id, action=Action.REJECT,
                     version=seen, comment="重复处理的驳回意见")

    assert state(session) == before


def test_review_queues_per_stage(session, w, rev):
    rev = progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                        data=good(), submit=True, today=TODAY)

    assert [r.id for r in progress.review_queue(session, actor=w.reviewer)] == [rev.id]
    assert progress.review_queue(session, actor=w.dept_clerk) == []
    assert progress.review_queue(session, actor=w.qj_reviewer) == []
    assert progress.review_queue(session, actor=w.office) == []


def test_in_force_revisions_are_visible_per_reader(session, w, rev):
    confirmed = walk(session, w, rev)

    office = progress.in_force_for_pilot(session, actor=w.office, pilot_id=confirmed.pilot_id)
    other = progress.in_force_for_pilot(session, actor=w.qj_clerk, pilot_id=confirmed.pilot_id)

    assert [(org, r.id, len(a)) for org, r, a in office] == [(w.wanzhou, confirmed.id, 2)]
    assert other == []


def test_whole_chain_from_creation_to_confirmed_progress_with_a_reject_at_every_stage(session, w):
    from services.pilots import NATIONAL_DOC, Upload
    from tests.services.pilot_helpers import PDF, good_input
    p = pilots.create(session, actor=w.clerk, data=good_input(w, districts={w.qianjiang}),
                      uploads=[Upload(NATIONAL_DOC, "国家文件.pdf", PDF)], submit=True)
    for reviewer in (w.reviewer, w.dept_clerk):  # 驳回 at both creation stages
        if reviewer is w.dept_clerk:
            pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                       version=p.version)
        pilots.act(session, actor=reviewer, pilot_id=p.id, action=Action.REJECT,
                   version=p.version, comment="请核对文件依据与涉及区县")
        assert p.status == "退回修改"
        p = pilots.update(session, actor=w.clerk, pilot_id=p.id, version=p.version,
                          data=good_input(w, districts={w.qianjiang}), submit=True)
    pilots.act(session, actor=w.reviewer, pilot_id=p.id, action=Action.APPROVE, version=p.version)
    pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id, version=p.version)
    rev = progress.start_revision(session, actor=w.qj_clerk,
                                  task_id=task_of(session, w.qianjiang).id)
    actors = {"待区县审核": w.qj_reviewer, "待市级部门审核": w.dept_reviewer,
              "待市委改革办确认": w.office}
    for stage in actors:  # 驳回 at every progress stage
        rev = progress.save(session, actor=w.qj_clerk, revision_id=rev.id, version=rev.version,
                            data=good(), submit=True, today=TODAY)
        for passing in list(actors)[:list(actors).index(stage)]:
            rev = progress.act(session, actor=actors[passing], revision_id=rev.id,
                               action=Action.APPROVE, version=rev.version)
        rev = progress.act(session, actor=actors[stage], revision_id=rev.id,
                           action=Action.REJECT, version=rev.version, comment="请补充具体成效")
        assert rev.status == "退回修改"

    rev = progress.save(session, actor=w.qj_clerk, revision_id=rev.id, version=rev.version,
                        data=good(), submit=True, today=TODAY)
    for actor in actors.values():
        rev = progress.act(session, actor=actor, revision_id=rev.id, action=Action.APPROVE,
                           version=rev.version)

    assert rev.status == "已确认"
    assert progress.confirmed_achievements(session, org_id=w.qianjiang) == 2
    rejects = session.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "reject")).scalar_one()
    assert rejects == 5


def test_revision_list_shows_every_version_newest_first(session, w, rev):
    first = walk(session, w, rev)
    progress.start_revision(session, actor=w.clerk, task_id=first.task_id)

    versions = progress.revision_list(session, actor=w.clerk, task_id=first.task_id)

    assert [(v["版本"], v["状态"]) for v in versions] == [("第2版", "草稿"), ("第1版", "已确认")]
    assert [v["版本"] for v in progress.revision_list(session, actor=w.office,
                                                      task_id=first.task_id)] == ["第1版"]
