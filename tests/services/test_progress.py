"""Progress revisions: validation, four-stage review, revision in force, achievements, diff."""
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from models import AuditEvent, Notification, ProgressRevision, Role, User
from services import pilots, progress, workbench
from services.errors import Conflict, PermissionDenied, ValidationError
from services.progress import AchievementInput
from services.review import Action
from tests.factories import make_user
from tests.services.pilot_helpers import distributed
from tests.services.progress_helpers import TODAY, as_inputs, good, state, task_of, walk


@pytest.fixture
def rev(session, w):
    distributed(session, w)
    return progress.start_revision(session, actor=w.clerk, task_id=task_of(session, w.wanzhou).id)


def test_distributed_pilot_shows_as_a_pushed_task_until_reporting_starts(session, w):
    distributed(session, w)

    assert [t.kind for t in workbench.todos(session, actor=w.clerk)] == ["推进任务"]
    progress.start_revision(session, actor=w.clerk, task_id=task_of(session, w.wanzhou).id)
    assert [t.kind for t in workbench.todos(session, actor=w.clerk)] == ["草稿"]


def test_an_incomplete_submission_names_every_gap_at_once(session, w, rev):
    data = good(progress_status="已完成", work_items=[],
                achievements=[AchievementInput("建立机制", "")])

    with pytest.raises(ValidationError) as refused:
        progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                      data=data, submit=True, today=TODAY)

    assert str(refused.value) == ("推进状态为“已完成”时必须填写“验收时间”；“已开展工作”至少填写一项"
                                  "（条目式列举具体工作）；第1条试点成果“建立机制”缺少“具体举措及解决问题”")


def test_a_clerks_own_item_numbers_are_dropped_so_the_list_is_numbered_once(session, w, rev):
    items = ["1.召开专题会议", "2、开展专项调研", "（3）投入1.5亿元", "四、建立台账"]

    saved = progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                          data=good(work_items=items), today=TODAY)

    assert progress.work_items(saved) == ["召开专题会议", "开展专项调研", "投入1.5亿元", "建立台账"]
    assert progress.numbered(["1. 召开专题会议"]) == "1. 召开专题会议"


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
    platform, _mechanism = as_inputs(progress.achievements_of(session, second.id))
    platform.effects = "在全市推广"
    data = good(progress_status="已完成", acceptance_date=TODAY,
                work_items=["召开专题会议，审议实施方案", "举办现场推进会"],
                achievements=[platform, AchievementInput("形成地方标准", "针对标准缺失问题，制定标准")])
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

    assert [(v["填报"], v["状态"]) for v in versions] == [("第2次", "草稿"), ("第1次", "已确认")]
    assert [v["填报"] for v in progress.revision_list(session, actor=w.office,
                                                      task_id=first.task_id)] == ["第1次"]


# --- achievement identity in the reviewer's comparison ----------------------------------------

TWIN = "建立数据共享机制"


def confirmed_with(session, w, rev, rows):
    return walk(session, w, rev, data=good(achievements=rows))


def resubmit(session, w, first, edit):
    """Start the next revision, let `edit` change its rows (as the form would), submit it."""
    second = progress.start_revision(session, actor=w.clerk, task_id=first.task_id)
    rows = edit(as_inputs(progress.achievements_of(session, second.id)))
    return progress.save(session, actor=w.clerk, revision_id=second.id, version=second.version,
                         data=good(achievements=rows), submit=True, today=TODAY)


def test_two_achievements_with_the_same_name_are_compared_separately(session, w, rev):
    first = confirmed_with(session, w, rev, [AchievementInput(TWIN, "针对部门壁垒问题，建立机制"),
                                             AchievementInput(TWIN, "针对数据回流问题，建立机制")])

    second = resubmit(session, w, first, lambda rows: rows[1:])  # the first twin is deleted

    diff = progress.compare(session, actor=w.reviewer, revision_id=second.id)
    assert diff["achievements_removed"] == [TWIN]
    assert diff["achievements_added"] == [] and diff["achievements_changed"] == []
    assert [r["变化"] for r in diff["achievements"]] == ["删除"]


def test_changing_the_second_of_two_same_named_achievements_shows_that_row_only(session, w, rev):
    first = confirmed_with(session, w, rev, [AchievementInput(TWIN, "针对部门壁垒问题，建立机制"),
                                             AchievementInput(TWIN, "针对数据回流问题，建立机制")])

    def edit(rows):
        rows[1].effects = "在全市推广"
        return rows
    second = resubmit(session, w, first, edit)

    diff = progress.compare(session, actor=w.reviewer, revision_id=second.id)
    assert [(r["变化"], r["序号"], r["修改字段"]) for r in diff["achievements"]] == \
        [("修改", 2, ["具体成效"])]


def test_a_renamed_achievement_shows_as_changed_not_as_removed_and_added(session, w, rev):
    first = walk(session, w, rev)

    def edit(rows):
        rows[1].name = "建立健全数据共享机制"
        return rows
    second = resubmit(session, w, first, edit)

    diff = progress.compare(session, actor=w.reviewer, revision_id=second.id)
    assert diff["achievements_added"] == [] and diff["achievements_removed"] == []
    assert [(r["变化"], r["原成果名称"], r["成果名称"], r["修改字段"]) for r in diff["achievements"]] == \
        [("修改", "建立数据共享机制", "建立健全数据共享机制", ["成果名称"])]


def test_a_row_added_after_one_was_deleted_is_new_not_a_change_of_the_deleted_one(session, w,
                                                                                  rev):
    first = walk(session, w, rev)
    second = progress.start_revision(session, actor=w.clerk, task_id=first.task_id)
    platform, _ = as_inputs(progress.achievements_of(session, second.id))
    second = progress.save(session, actor=w.clerk, revision_id=second.id, version=second.version,
                           data=good(achievements=[platform]), today=TODAY)
    kept = as_inputs(progress.achievements_of(session, second.id))

    progress.save(session, actor=w.clerk, revision_id=second.id, version=second.version,
                  data=good(achievements=kept + [AchievementInput("完善考核机制", "针对考核问题，完善机制")]),
                  today=TODAY)

    diff = progress.compare(session, actor=w.clerk, revision_id=second.id)
    assert [(r["变化"], r["成果名称"] or r["原成果名称"]) for r in diff["achievements"]] == \
        [("新增", "完善考核机制"), ("删除", "建立数据共享机制")]
    assert kept[0].row_id == platform.row_id  # the kept row is edited in place


# --- notifications --------------------------------------------------------------------------

def test_confirmation_notifies_the_districts_clerks_and_reviewers_once_each(session, w, rev):
    confirmed = walk(session, w, rev)

    notes = session.execute(select(Notification).where(
        Notification.record_type == "progress", Notification.record_id == confirmed.id,
        Notification.title.contains("已确认"))).scalars().all()
    assert sorted(n.user_id for n in notes) == sorted([w.clerk.id, w.reviewer.id])


# --- races ----------------------------------------------------------------------------------

def test_eight_clerks_starting_a_revision_at_once_create_exactly_one(session, engine, w,
                                                                   monkeypatch):
    distributed(session, w)
    task_id = task_of(session, w.wanzhou).id
    clerks = [w.clerk] + [make_user(session, org="万州区", role=Role.CLERK) for _ in range(7)]
    barrier = threading.Barrier(len(clerks), timeout=20)
    original = progress.confirmed_revision

    def everyone_past_the_check(s, task):  # all eight have seen "no open revision"
        barrier.wait()
        return original(s, task)
    monkeypatch.setattr(progress, "confirmed_revision", everyone_past_the_check)
    results: list = []

    def start(clerk):
        with Session(engine, expire_on_commit=False) as own:
            try:
                results.append(progress.start_revision(own, actor=clerk, task_id=task_id))
            except Exception as exc:  # noqa: BLE001 — every outcome is asserted below
                results.append(exc)
    threads = [threading.Thread(target=start, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    won = [r for r in results if isinstance(r, ProgressRevision)]
    refused = [r for r in results if not isinstance(r, ProgressRevision)]
    assert len(won) == 1 and len(refused) == 7
    assert all(isinstance(r, ValidationError) and "已有正在办理的第1版" in str(r)
               for r in refused), refused
    session.expire_all()
    assert session.execute(select(func.count()).select_from(ProgressRevision)).scalar_one() == 1
    assert session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.record_type == "progress", AuditEvent.action == "create")).scalar_one() == 1


# --- lengths --------------------------------------------------------------------------------

LONG_ROW = "针" * 5001


@pytest.mark.parametrize("data, message", [
    (good(work_items=["召开专题会议", "调" * 2001]), "“已开展工作第2项”最多2000个字"),
    (good(work_items=[f"第{n}项工作" for n in range(101)]), "“已开展工作”最多100项"),
    (good(problems="问" * 5001), "“存在问题”最多5000个字"),
    (good(achievements=[AchievementInput("建" * 201, "针对问题")]), "“第1条试点成果的成果名称”最多200个字"),
    (good(achievements=[AchievementInput("建立机制", "针对问题"),
                        AchievementInput("完善机制", LONG_ROW)]),
     "“第2条试点成果的具体举措及解决问题”最多5000个字"),
    (good(achievements=[AchievementInput("建立机制", "针对问题", LONG_ROW)]),
     "“第1条试点成果的具体成效”最多5000个字"),
])
def test_overlong_progress_text_is_refused_and_nothing_is_stored(session, w, rev, data, message):
    before = state(session)

    with pytest.raises(ValidationError, match=message):
        progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version, data=data,
                      today=TODAY)

    assert state(session) == before


def test_progress_text_at_its_limit_is_stored(session, w, rev):
    data = good(work_items=["调" * 2000], problems="问" * 5000,
                achievements=[AchievementInput("建" * 200, "针" * 5000, "效" * 5000)])

    progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version, data=data,
                  today=TODAY)

    session.expire_all()
    stored = progress.achievements_of(session, rev.id)
    assert [len(a.name) for a in stored] == [200]
    assert len(progress.work_items(progress.get(session, actor=w.clerk, revision_id=rev.id))[0]) \
        == 2000


# --- accounts disabled while a page is open ---------------------------------------------------

def test_a_disabled_clerk_cannot_save_progress_and_nothing_changes(session, w, rev):
    session.execute(update(User).where(User.id == w.clerk.id).values(disabled=True))
    session.commit()
    before = state(session)

    with pytest.raises(PermissionDenied, match="已停用"):
        progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                      data=good(), today=TODAY)

    assert state(session) == before


def test_a_locked_reviewer_cannot_approve_progress_and_nothing_changes(session, w, rev):
    rev = progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                        data=good(), submit=True, today=TODAY)
    session.execute(update(User).where(User.id == w.reviewer.id)
                    .values(locked_until=datetime.now(timezone.utc) + timedelta(minutes=10)))
    session.commit()
    before = state(session)

    with pytest.raises(PermissionDenied, match="已被锁定"):
        progress.act(session, actor=w.reviewer, revision_id=rev.id, action=Action.APPROVE,
                     version=rev.version)

    assert state(session) == before


# --- 驳回率 ---------------------------------------------------------------------------------

def test_district_sees_its_progress_rejection_rate_per_stage(session, w, rev):
    rejected = walk(session, w, rev, reject_at="待市级部门审核")
    walk(session, w, rejected)
    distributed(session, w, doc_number="国办发〔2023〕99号", districts={w.qianjiang})
    qj = progress.start_revision(session, actor=w.qj_clerk,
                                 task_id=task_of(session, w.qianjiang).id)
    walk(session, w, qj, reject_at="待区县审核", clerk=w.qj_clerk, reviewer=w.qj_reviewer)

    rates = progress.rejection_rates(session, actor=w.leader)

    assert [(r["审核环节"], r["上报次数"], r["驳回次数"], r["驳回率"]) for r in rates] == [
        ("区县审核", 2, 0, "0.0%"), ("市级部门审核", 2, 1, "50.0%"), ("市委改革办确认", 1, 0, "0.0%")]
    assert progress.rejection_rates(session, actor=w.office, org_id=w.wanzhou) == rates
    assert progress.rejection_rates(session, actor=w.qj_clerk)[0]["驳回率"] == "100.0%"


@pytest.mark.parametrize("who, org", [("qj_clerk", "wanzhou"), ("dept_clerk", "wanzhou"),
                                      ("dept_clerk", None)])
def test_progress_rejection_rate_of_a_district_is_not_readable_by_others(session, w, who, org):
    with pytest.raises(PermissionDenied):
        progress.rejection_rates(session, actor=getattr(w, who),
                                 org_id=getattr(w, org) if org else None)
