"""督办提醒: who may remind which district, who receives it, its audit and read state; and a
leader reaches no write action but this one."""
import importlib
import pkgutil
from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlmodel import SQLModel

import services
from models import AuditEvent, Notification, Role, User
from services import (
    accounts, brand, db, notifications, orgs, pilots, progress, records, settings, user_import,
)
from services.digital import catalog, rows, survey, verdicts
from services.cockpit import reminders
from services.errors import DomainError, PermissionDenied, ValidationError
from services.pilots import PILOT_FLOW
from services.progress import PROGRESS_FLOW
from services.review import Action
from tests.factories import get_org, make_user
from tests.services import brand_helpers
from tests.services.pilot_helpers import NATIONAL, at_department, distributed, good_input
from tests.services.progress_helpers import good, task_of


def everything(session) -> tuple:
    """The row count of every table and every row of the tables a refusal could touch."""
    session.expire_all()
    counts = tuple(session.execute(select(func.count()).select_from(t)).scalar_one()
                   for t in SQLModel.metadata.sorted_tables)
    notes = tuple(session.execute(select(Notification.id, Notification.is_read)
                                  .order_by(Notification.id)).all())
    return counts, notes


def test_a_district_leader_reminds_its_own_district_clerks_and_reviewers_only(session, w):
    qj_leader = make_user(session, org="黔江区", role=Role.LEADER)
    other_clerk = make_user(session, org="万州区", role=Role.CLERK)
    disabled = make_user(session, org="万州区", role=Role.REVIEWER)
    session.execute(update(User).where(User.id == disabled.id).values(disabled=True))
    session.commit()

    sent = reminders.send(session, actor=w.leader, district_id=w.wanzhou,
                          message="请于本周内完成试点推进情况更新", indicator="pilots",
                          period="2025年")

    to = set(session.execute(select(Notification.user_id).where(
        Notification.record_type == "reminder", Notification.record_id == sent.id)).scalars())
    assert to == {w.clerk.id, w.reviewer.id, other_clerk.id}   # not leaders, 黔江区, disabled
    note = session.execute(select(Notification).where(
        Notification.user_id == w.clerk.id)).scalars().one()
    assert note.title == "【督办提醒】万州区测试leader督办万州区（承接试点数，2025年）"
    assert note.body == "请于本周内完成试点推进情况更新"
    event = session.execute(select(AuditEvent).where(AuditEvent.record_type == "reminder")
                            ).scalars().one()
    assert (event.actor_id, event.org_id, event.action, event.comment) == (
        w.leader.id, w.wanzhou, "remind", "请于本周内完成试点推进情况更新")
    assert qj_leader.id not in to


def test_a_district_leader_cannot_remind_another_district_and_nothing_is_written(session, w):
    before = everything(session)

    with pytest.raises(PermissionDenied, match="只能向本区县（万州区）发送督办提醒"):
        reminders.send(session, actor=w.leader, district_id=w.qianjiang, message="请尽快报送改革品牌")

    assert everything(session) == before


def test_a_reform_office_leader_reminds_any_district(session, w):
    sent = reminders.send(session, actor=w.office_leader, district_id=w.qianjiang,
                          message="请核实驳回原因并及时修改")

    to = set(session.execute(select(Notification.user_id).where(
        Notification.record_id == sent.id, Notification.record_type == "reminder")).scalars())
    assert to == {w.qj_clerk.id, w.qj_reviewer.id}


@pytest.mark.parametrize("who", ["clerk", "reviewer", "office", "admin", "dept_clerk"])
def test_only_leaders_send_reminders(session, w, who):
    before = everything(session)

    with pytest.raises(PermissionDenied, match="只有领导可以发送督办提醒"):
        reminders.send(session, actor=getattr(w, who), district_id=w.wanzhou,
                       message="请尽快报送改革品牌")

    assert everything(session) == before


def test_a_department_leader_cannot_remind(session, w):
    dept_leader = make_user(session, org="市发展改革委", role=Role.LEADER)
    before = everything(session)

    with pytest.raises(PermissionDenied, match="区县领导和市委改革办领导"):
        reminders.send(session, actor=dept_leader, district_id=w.wanzhou, message="请尽快报送改革品牌")

    assert everything(session) == before


@pytest.mark.parametrize("kwargs, message", [
    (dict(message="  快 "), "不少于5个字"),
    (dict(message="督" * 501), "督办内容"),
    (dict(message="请按期报送\x00材料"), "督办内容"),
    (dict(message="请尽快报送改革品牌", indicator="unknown"), "请从列表中选择督办的指标"),
    (dict(message="请尽快报送改革品牌", district_id=-1), "请选择要督办的区县"),
])
def test_a_bad_reminder_is_refused_and_nothing_is_written(session, w, kwargs, message):
    before = everything(session)
    kwargs = {"district_id": w.wanzhou, **kwargs}

    with pytest.raises(ValidationError, match=message):
        reminders.send(session, actor=w.office_leader, **kwargs)

    assert everything(session) == before


def test_a_district_without_clerks_or_reviewers_is_told_it_cannot_be_reached(session, w):
    before = everything(session)

    with pytest.raises(ValidationError, match="荣昌区暂无在用的录入员或审核员"):
        reminders.send(session, actor=w.office_leader,
                       district_id=get_org(session, "荣昌区").id,
                       message="请尽快报送改革品牌")

    assert everything(session) == before


def test_the_cockpit_shows_who_read_a_reminder_and_when(session, w):
    sent = reminders.send(session, actor=w.office_leader, district_id=w.wanzhou,
                          message="请核实驳回原因并及时修改", indicator="rejection")
    note = session.execute(select(Notification).where(
        Notification.user_id == w.reviewer.id, Notification.record_id == sent.id)).scalars().one()

    (view,) = reminders.sent(session, actor=w.leader)
    assert (view.indicator, view.unread, [r.read for r in view.receipts]) == (
        "驳回率", 2, [False, False])
    notifications.mark_read(session, actor=w.reviewer, notification_id=note.id)
    (view,) = reminders.sent(session, actor=w.office_leader, district_id=w.wanzhou)

    by_user = {r.user_id: r for r in view.receipts}
    assert view.unread == 1
    assert by_user[w.reviewer.id].read and by_user[w.reviewer.id].read_at is not None
    assert not by_user[w.clerk.id].read and by_user[w.clerk.id].read_at is None
    assert by_user[w.reviewer.id].roles == "审核员"
    assert reminders.sent(session, actor=w.leader, unread_only=True)[0].id == sent.id
    notifications.mark_all_read(session, actor=w.clerk)
    assert reminders.sent(session, actor=w.leader, unread_only=True) == []
    assert view.as_row()["阅读情况"] == "测试clerk（录入员）未读；测试reviewer（审核员）已读"


def test_reminder_read_state_is_shown_to_leaders_of_that_district_only(session, w):
    reminders.send(session, actor=w.office_leader, district_id=w.qianjiang,
                   message="请尽快报送改革品牌")
    reminders.send(session, actor=w.leader, district_id=w.wanzhou, message="请尽快报送改革品牌")

    assert [v.district for v in reminders.sent(session, actor=w.leader)] == ["万州区"]
    assert {v.district for v in reminders.sent(session, actor=w.office_leader)} == {
        "万州区", "黔江区"}
    with pytest.raises(PermissionDenied):
        reminders.sent(session, actor=w.leader, district_id=w.qianjiang)
    for who in (w.clerk, w.reviewer, w.office, w.admin):
        with pytest.raises(PermissionDenied):
            reminders.sent(session, actor=who)


# --- a leader reaches no write action but 督办提醒 ---------------------------------------------

@pytest.fixture
def world(session, w):
    """A record in each place a write service acts on."""
    brand.seed_categories(session)
    w.national, w.citywide = [c.id for c in brand.categories(session)]
    p = distributed(session, w)
    waiting = at_department(session, w, doc_number="国办发〔2023〕99号")
    draft = pilots.create(session, actor=w.clerk, uploads=NATIONAL,
                          data=good_input(w, doc_number="国办发〔2023〕98号"))
    rev = progress.start_revision(session, actor=w.clerk, task_id=task_of(session, w.wanzhou, p.id).id)
    rev = progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version,
                        data=good(), submit=True, today=date(2026, 11, 27))
    second = distributed(session, w, doc_number="国办发〔2023〕96号")
    draft_rev = progress.start_revision(session, actor=w.clerk,
                                        task_id=task_of(session, w.wanzhou, second.id).id)
    other = pilots.create(session, actor=w.qj_clerk, uploads=NATIONAL, submit=True,
                          data=good_input(w, doc_number="国办发〔2023〕97号"))
    entry = brand_helpers.at_office(session, w)
    approved = brand_helpers.act(session, brand_helpers.at_office(session, w, item="建立二号机制"),
                                 Action.APPROVE, w.office)
    brand_draft = brand.create(session, actor=w.clerk, data=brand_helpers.good_input(w),
                               uploads=[brand_helpers.evidence()])
    joined = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)
    return dict(p=p, waiting=waiting, draft=draft, rev=rev, draft_rev=draft_rev, other=other, entry=entry,
                approved=approved, brand_draft=brand_draft, join=joined)


def _attachment(session, record_type, record_id):
    from models import Attachment
    return session.execute(select(Attachment.id).where(
        Attachment.record_type == record_type, Attachment.record_id == record_id)).scalars().first()


def write_calls(session, w, d):
    """Every write service, called as a leader would call it on the records of `d`."""
    p, rev = d.get("p"), d.get("rev")
    pdf = NATIONAL
    return {
        "accounts.create_user": lambda a: accounts.create_user(
            session, actor=a, phone="13912345678", name="新用户", org_id=w.wanzhou,
            roles={Role.CLERK}),
        "accounts.update_user": lambda a: accounts.update_user(
            session, actor=a, user_id=w.clerk.id, name="改名", org_id=w.wanzhou,
            roles={Role.CLERK}, seen={}),
        "accounts.set_disabled": lambda a: accounts.set_disabled(
            session, actor=a, user_id=w.clerk.id, disabled=True),
        "accounts.reset_password": lambda a: accounts.reset_password(
            session, actor=a, user_id=w.clerk.id),
        "accounts.unlock": lambda a: accounts.unlock(session, actor=a, user_id=w.clerk.id),
        "brand.add_category": lambda a: brand.add_category(session, actor=a, name="国家层面推广"),
        "brand.rename_category": lambda a: brand.rename_category(
            session, actor=a, category_id=w.citywide, name="改名类别"),
        "brand.retire_category": lambda a: brand.retire_category(
            session, actor=a, category_id=w.citywide),
        "brand.create": lambda a: brand.create(session, actor=a,
                                               data=brand_helpers.good_input(w), submit=True),
        "brand.update": lambda a: brand.update(
            session, actor=a, entry_id=d["brand_draft"].id, version=d["brand_draft"].version,
            data=brand_helpers.good_input(w), submit=True),
        "brand.revoke_approval": lambda a: brand.revoke_approval(
            session, actor=a, entry_id=d["approved"].id, version=d["approved"].version,
            reason="不满足报表计分条件"),
        "brand.remove_file": lambda a: brand.remove_file(
            session, actor=a, entry_id=d["brand_draft"].id, version=d["brand_draft"].version,
            attachment_id=_attachment(session, "brand", d["brand_draft"].id)),
        "orgs.create_department": lambda a: orgs.create_department(session, actor=a,
                                                                   name="市新设局"),
        "orgs.rename": lambda a: orgs.rename(session, actor=a, org_id=w.dept_id, name="市改名委"),
        "pilots.create": lambda a: pilots.create(
            session, actor=a, uploads=pdf, submit=True,
            data=good_input(w, doc_number="国办发〔2023〕50号")),
        "pilots.update": lambda a: pilots.update(
            session, actor=a, pilot_id=d["draft"].id, version=d["draft"].version,
            data=good_input(w, doc_number="国办发〔2023〕98号"), submit=True),
        "pilots.act": lambda a: pilots.act(session, actor=a, pilot_id=d["other"].id,
                                           action=Action.APPROVE, version=d["other"].version),
        "pilots.remove_evidence": lambda a: pilots.remove_evidence(
            session, actor=a, pilot_id=d["draft"].id, version=d["draft"].version,
            attachment_id=_attachment(session, "pilot", d["draft"].id)),
        "pilots.confirm_and_distribute": lambda a: pilots.confirm_and_distribute(
            session, actor=a, pilot_id=d["waiting"].id, version=d["waiting"].version),
        "pilots.add_evidence": lambda a: pilots.add_evidence(
            session, actor=a, pilot_id=d["waiting"].id, version=d["waiting"].version,
            uploads=pdf),
        "pilots.add_district": lambda a: pilots.add_district(
            session, actor=a, pilot_id=p.id, district_id=w.qianjiang),
        "pilots.correct": lambda a: pilots.correct(
            session, actor=a, pilot_id=p.id, version=p.version,
            corrections=good_input(w, name="更正后的试点")),
        "pilots.request_join": lambda a: pilots.request_join(session, actor=a,
                                                             pilot_id=d["other"].id),
        "pilots.decide_join": lambda a: pilots.decide_join(session, actor=a,
                                                           request_id=d["join"].id, grant=True),
        "progress.start_revision": lambda a: progress.start_revision(
            session, actor=a, task_id=task_of(session, w.wanzhou, p.id).id),
        "progress.first_revision": lambda a: progress.first_revision(
            session, actor=a, task_id=task_of(session, w.wanzhou, p.id).id),
        "progress.save": lambda a: progress.save(
            session, actor=a, revision_id=d["draft_rev"].id, version=d["draft_rev"].version,
            data=good(), submit=True),
        "progress.act": lambda a: progress.act(session, actor=a, revision_id=rev.id,
                                               action=Action.APPROVE, version=rev.version),
        "records.act": lambda a: records.act(
            session, flow=brand.BRAND_FLOW, actor=a, record_id=d["entry"].id,
            action=Action.APPROVE, version=d["entry"].version),
        "records.remove_file": lambda a: records.remove_file(
            session, flow=brand.BRAND_FLOW, actor=a, record_id=d["brand_draft"].id,
            version=d["brand_draft"].version,
            attachment_id=_attachment(session, "brand", d["brand_draft"].id)),
        "review.Flow.apply": lambda a: PILOT_FLOW.apply(
            session, record_id=d["other"].id, action=Action.REJECT, actor=a,
            version=d["other"].version, comment="请补充国家文件"),
        "progress.Flow.apply": lambda a: PROGRESS_FLOW.apply(
            session, record_id=rev.id, action=Action.REJECT, actor=a, version=rev.version,
            comment="请补充具体成效"),
        "settings.update": lambda a: settings.update(session, actor=a,
                                                     values={"brand_module_admin": "某人"}),
        "user_import.import_users": lambda a: user_import.import_users(session, actor=a,
                                                                       data=b"PK"),
        # 数字重庆建设: the district's tables, the office's verdicts, 重点领域 and the survey
        "rows.save_row": lambda a: rows.save_row(
            session, actor=a, kind="digital_item", form_version=0,
            values={"name": "企业开办一件事"}),
        "rows.remove_row": lambda a: rows.remove_row(
            session, actor=a, kind="digital_item", row_id=1, form_version=0),
        "rows.undo_row": lambda a: rows.undo_row(
            session, actor=a, kind="digital_item", row_id=1, form_version=0),
        "rows.remove_file": lambda a: rows.remove_file(
            session, actor=a, kind="digital_item", row_id=1, attachment_id=1, form_version=0),
        "survey.import_workbook": lambda a: survey.import_workbook(
            session, actor=a, data=b"PK", form_version=0),
        "verdicts.give": lambda a: verdicts.give(
            session, actor=a, item_id=1, version=1, verdict="include"),
        "verdicts.decide_group": lambda a: verdicts.decide_group(
            session, actor=a, chosen=(1, 1), verdict="include", others=[(2, 1)]),
        "catalog.add_domain": lambda a: catalog.add_domain(session, actor=a, name="新领域"),
        "catalog.retire_domain": lambda a: catalog.retire_domain(
            session, actor=a, domain_id=1, version=1),
    }


# Writes every account may make on its own account or messages, not on reported data.
OWN_ACCOUNT = {"accounts.change_password"}
LEADERS_OWN = {"reminders.send"}


def _write_services() -> set[str]:
    """Every public @transactional service (module.function), found by walking services/."""
    marker = db.transactional(lambda session: None).__code__
    found = set()
    for info in pkgutil.walk_packages(services.__path__, "services."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or getattr(fn, "__module__", None) != module.__name__:
                continue
            layer = fn
            while layer is not None:
                if getattr(layer, "__code__", None) is marker:
                    found.add(f"{info.name.rsplit('.', 1)[-1]}.{name}")
                    break
                layer = getattr(layer, "__wrapped__", None)
    return found


def test_every_write_service_is_in_the_leader_refusal_table(session, w):
    covered = set(write_calls(session, w, {})) | OWN_ACCOUNT | LEADERS_OWN

    missing = _write_services() - covered

    assert not missing, f"add these write services to write_calls: {sorted(missing)}"
    assert "pilots.create" in _write_services() and "reminders.send" in _write_services()


@pytest.mark.parametrize("leader", ["leader", "office_leader"])
def test_a_leader_calling_any_write_service_is_refused_and_nothing_changes(session, w, world,
                                                                          leader):
    actor = getattr(w, leader)
    refused = {}
    for name, call in write_calls(session, w, world).items():
        before = everything(session)
        with pytest.raises(DomainError) as caught:
            call(actor)
        refused[name] = type(caught.value).__name__
        assert everything(session) == before, name
    # The refusal is the leader's lack of permission, not a side effect of bad input.
    assert set(refused.values()) == {"PermissionDenied"}, {
        n: kind for n, kind in refused.items() if kind != "PermissionDenied"}

