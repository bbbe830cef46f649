"""A throwaway two-stage module, declared only through the registry, gets everything the
system gives a module: navigation, 业务工作台 lines that open its pages, 审核记录 with labels,
notifications, 驳回率, conditions, effects and clock-driven steps — with no edit elsewhere."""
import json
from datetime import datetime
from typing import Optional

import pytest
from sqlalchemy import select
from sqlalchemy.orm import registry as orm_registry
from sqlmodel import Field, SQLModel

from models import AuditEvent, Notification, Role, utcnow
from services import history, registry, review, workbench
from services.errors import PermissionDenied, ValidationError
from services.review import (
    DRAFT, RETURNED, Action, Flow, PageSpec, Transition, district, reform_office, system,
)
from tests.factories import make_user
from ui import menu as navigation


class KitBase(SQLModel, registry=orm_registry()):
    """Its own metadata: the throwaway table never enters the application's schema."""


class KitRecord(KitBase, table=True):
    __tablename__ = "kit_record"

    id: Optional[int] = Field(default=None, primary_key=True)
    org_id: int = Field(index=True)
    status: str = Field(max_length=32)
    created_by: int
    updated_by: int
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1)
    item: str = Field(default="", max_length=100)
    evidence: str = Field(default="", max_length=100)
    stamped: bool = Field(default=False)


def _needs_evidence(_session, record, _user):
    return None if record.evidence else "请上传佐证材料后再上报"


def _stamp(session, record, _user):
    record.stamped = True
    session.add(record)


WAITING, OFFICE, DONE, EXPIRED = "待区县审核", "待市委改革办审核", "已通过", "已过期"
KIT = Flow(
    module="kit", label="测试模块", model=KitRecord, title_field="item",
    labels={"item": "改革事项", "evidence": "佐证材料"}, hidden=frozenset({"stamped"}),
    action_labels={"expire": "逾期关闭", "praise": "表扬"},
    section="测试模块组", open_key="open_kit",
    pages=(PageSpec("pages/kit_entry.py", "测试录入", "edit"),
           PageSpec("pages/kit_review.py", "测试审核", "review")),
    transitions=[
        Transition(DRAFT, Action.SAVE, DRAFT, district(Role.CLERK)),
        Transition(DRAFT, Action.SUBMIT, WAITING, district(Role.CLERK),
                   conditions=(_needs_evidence,)),
        Transition(RETURNED, Action.SAVE, RETURNED, district(Role.CLERK)),
        Transition(RETURNED, Action.SUBMIT, WAITING, district(Role.CLERK)),
        Transition(WAITING, Action.APPROVE, OFFICE, district(Role.REVIEWER)),
        Transition(WAITING, Action.REJECT, RETURNED, district(Role.REVIEWER)),
        Transition(OFFICE, Action.APPROVE, DONE, reform_office(Role.REVIEWER), on_enter=(_stamp,)),
        Transition(OFFICE, Action.REJECT, RETURNED, reform_office(Role.REVIEWER)),
        Transition(OFFICE, "praise", OFFICE, reform_office(Role.REVIEWER), reason=True,
                   segregate=False),
        Transition(OFFICE, "expire", EXPIRED, system()),
    ],
)


@pytest.fixture
def kit(engine, session):
    KitBase.metadata.create_all(engine)
    registry.register(KIT)
    yield KIT
    registry.unregister("kit")
    session.rollback()
    KitBase.metadata.drop_all(engine)


@pytest.fixture
def people(session):
    return {
        "clerk": make_user(session, org="万州区", role=Role.CLERK),
        "reviewer": make_user(session, org="万州区", role=Role.REVIEWER),
        "other_reviewer": make_user(session, org="黔江区", role=Role.REVIEWER),
        "office": make_user(session, org="市委改革办", role=Role.REVIEWER),
        "leader": make_user(session, org="万州区", role=Role.LEADER),
        "dept": make_user(session, org="市发展改革委", role=Role.REVIEWER),
    }


def new_record(session, clerk, **values) -> KitRecord:
    record = KitRecord(org_id=clerk.org_id, status=DRAFT, created_by=clerk.id,
                       updated_by=clerk.id, **values)
    session.add(record)
    session.commit()
    return record


def act(session, record, action, actor, **kw):
    return KIT.apply(session, record_id=record.id, action=action, actor=actor,
                     version=kw.pop("version", record.version), **kw)


def test_module_pages_appear_in_navigation_for_the_roles_its_table_names(kit, people):
    entry, review_page = "pages/kit_entry.py", "pages/kit_review.py"

    assert navigation.may_open(people["clerk"], entry)
    assert not navigation.may_open(people["clerk"], review_page)
    assert navigation.may_open(people["reviewer"], review_page)
    assert navigation.may_open(people["office"], review_page)
    assert not navigation.may_open(people["office"], entry)
    assert not navigation.may_open(people["leader"], entry)
    assert not navigation.may_open(people["dept"], review_page)
    sections = {section for page, _, section in navigation._entries() if page.path == entry}
    assert sections == {"测试模块组"}


def test_module_todos_open_its_own_pages(kit, session, people):
    draft = new_record(session, people["clerk"], item="建立测试机制")
    waiting = new_record(session, people["clerk"], item="开展测试改革", evidence="通知.pdf")
    act(session, waiting, Action.SUBMIT, people["clerk"])

    clerk_items = [t for t in workbench.todos(session, actor=people["clerk"]) if t.module == "kit"]
    reviewer_items = [t for t in workbench.todos(session, actor=people["reviewer"])
                      if t.module == "kit"]

    assert [(t.kind, t.record_id, t.page, t.open_key) for t in clerk_items] == [
        ("草稿", draft.id, "pages/kit_entry.py", "open_kit")]
    assert [(t.kind, t.record_id, t.page, t.open_key) for t in reviewer_items] == [
        ("待我审核", waiting.id, "pages/kit_review.py", "open_kit")]


def test_module_history_uses_its_labels_and_hides_only_declared_internals(kit, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制")

    act(session, record, Action.SAVE, people["clerk"],
        values={"item": "健全测试体系", "evidence": "a.pdf"})
    rows = history.rows(session, actor=people["clerk"], record_type="kit", record_id=record.id)

    assert rows[-1]["操作"] == "保存"
    assert "改革事项：建立测试机制 → 健全测试体系" in rows[-1]["修改内容"]
    assert "佐证材料： → a.pdf" in rows[-1]["修改内容"]


def test_condition_refuses_the_step_with_its_message_and_changes_nothing(kit, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制")

    with pytest.raises(ValidationError, match="请上传佐证材料"):
        act(session, record, Action.SUBMIT, people["clerk"])

    session.expire_all()
    assert session.get(KitRecord, record.id).status == DRAFT
    assert session.execute(select(AuditEvent).where(AuditEvent.record_type == "kit")).first() is None


def test_on_enter_effect_runs_in_the_same_step(kit, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制", evidence="a.pdf")
    act(session, record, Action.SUBMIT, people["clerk"])
    act(session, record, Action.APPROVE, people["reviewer"])

    act(session, record, Action.APPROVE, people["office"])

    session.expire_all()
    assert session.get(KitRecord, record.id).stamped is True
    assert session.get(KitRecord, record.id).status == DONE


def test_module_notifications_reach_the_next_stage_and_return_to_the_clerk(kit, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制", evidence="a.pdf")
    act(session, record, Action.SUBMIT, people["clerk"])
    act(session, record, Action.APPROVE, people["reviewer"])

    act(session, record, Action.REJECT, people["office"], comment="佐证材料不能证明推广情况")

    notes = session.execute(select(Notification.user_id, Notification.title)
                            .where(Notification.record_type == "kit")
                            .order_by(Notification.id)).all()
    assert [uid for uid, _ in notes] == [people["reviewer"].id, people["office"].id,
                                         people["clerk"].id]
    assert notes[-1][1] == "【测试模块】“建立测试机制”被驳回，请修改后重新上报"


def test_module_rejection_rate_counts_every_office_rejection(kit, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制", evidence="a.pdf")
    for _ in range(2):
        act(session, record, Action.SUBMIT, people["clerk"])
        act(session, record, Action.APPROVE, people["reviewer"])
        act(session, record, Action.REJECT, people["office"], comment="材料不足，请补充完善")
    act(session, record, Action.SUBMIT, people["clerk"])
    act(session, record, Action.APPROVE, people["reviewer"])

    rates = {r["stage"]: r for r in review.rejection_rates(session, module="kit")}

    assert (rates[OFFICE]["rejections"], rates[OFFICE]["submissions"]) == (2, 3)


def test_custom_action_has_its_label_and_needs_a_reason(kit, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制", evidence="a.pdf")
    act(session, record, Action.SUBMIT, people["clerk"])
    act(session, record, Action.APPROVE, people["reviewer"])

    with pytest.raises(ValidationError, match="请填写表扬原因"):
        act(session, record, "praise", people["office"], comment="好")
    act(session, record, "praise", people["office"], comment="经验做法值得推广")

    assert "praise" in KIT.available_actions(record, people["office"])
    assert history.rows(session, actor=people["clerk"], record_type="kit", record_id=record.id)[-1]["操作"] == "表扬"


def test_system_step_is_taken_once_by_the_clock_and_never_by_a_person(kit, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制", evidence="a.pdf")
    act(session, record, Action.SUBMIT, people["clerk"])
    act(session, record, Action.APPROVE, people["reviewer"])

    with pytest.raises(PermissionDenied):
        act(session, record, "expire", people["office"])
    first = KIT.apply_system(session, record_id=record.id, action="expire", comment="逾期未处理")
    session.commit()
    second = KIT.apply_system(session, record_id=record.id, action="expire")
    session.commit()

    assert first is not None and first.status == EXPIRED and second is None
    events = session.execute(select(AuditEvent).where(AuditEvent.record_type == "kit",
                                                      AuditEvent.action == "expire")).scalars().all()
    assert [(e.actor_id, e.actor_role) for e in events] == [(None, "system")]
    assert history.rows(session, actor=people["clerk"], record_type="kit", record_id=record.id)[-1]["操作人"] == "系统"
    assert "expire" not in KIT.available_actions(record, people["office"])


@pytest.mark.parametrize("field, label", [
    ("status", "状态"), ("version", "版本号"), ("org_id", "所属单位"), ("created_by", "创建人"),
    ("id", "编号"), ("created_at", "创建时间")])
def test_apply_refuses_values_that_touch_the_engine_fields(kit, session, people, field, label):
    record = new_record(session, people["clerk"], item="建立测试机制")

    with pytest.raises(ValidationError, match=f"不能填写{label}：这些字段由审核流程维护"):
        act(session, record, Action.SAVE, people["clerk"], values={field: 99})

    session.expire_all()
    stored = session.get(KitRecord, record.id)
    assert (stored.status, stored.version, stored.org_id, stored.created_by) == (
        DRAFT, 1, people["clerk"].org_id, people["clerk"].id)


def test_registering_a_second_module_under_the_same_key_is_refused(kit):
    with pytest.raises(ValueError):
        registry.register(Flow(module="kit", label="重复", model=KitRecord, transitions=[]))


def test_audit_changes_of_the_module_are_recorded_old_to_new(kit, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制")

    act(session, record, Action.SAVE, people["clerk"], values={"item": "健全测试体系"})

    event = session.execute(select(AuditEvent).where(AuditEvent.record_type == "kit")).scalars().one()
    assert json.loads(event.changes) == {"item": ["建立测试机制", "健全测试体系"]}


# --- steps that follow another record's step; conditions judged on the edits made with a step --

FOLLOWED = Flow(
    module="kit_followed", label="测试从属记录", model=KitRecord, title_field="item",
    labels={"item": "改革事项", "evidence": "佐证材料"},
    transitions=[
        Transition(DRAFT, Action.SAVE, DRAFT, district(Role.CLERK)),
        # taken only as part of another record's 通过, by that step's reviewer
        Transition(DRAFT, "forward", WAITING, district(Role.REVIEWER), follows="测试表单通过"),
        Transition(WAITING, Action.APPROVE, DONE, reform_office(Role.REVIEWER)),
        Transition(WAITING, "fix", WAITING, reform_office(Role.REVIEWER),
                   conditions=(_needs_evidence,), segregate=False),
    ],
)


@pytest.fixture
def followed(engine, session):
    KitBase.metadata.create_all(engine)
    registry.register(FOLLOWED)
    yield FOLLOWED
    registry.unregister("kit_followed")
    session.rollback()
    KitBase.metadata.drop_all(engine)


def test_a_following_step_is_no_button_no_todo_and_no_stage_but_its_actor_is_checked(
        followed, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制")

    assert followed.available_actions(record, people["reviewer"]) == []
    assert not [t for t in workbench.todos(session, actor=people["reviewer"])
                if t.module == "kit_followed"]
    assert followed.review_stages == [WAITING]
    assert not followed.may_review(people["reviewer"])
    with pytest.raises(PermissionDenied):
        followed.apply(session, record_id=record.id, action="forward",
                       actor=people["other_reviewer"], version=record.version)
    followed.apply(session, record_id=record.id, action="forward", actor=people["reviewer"],
                   version=record.version)
    session.expire_all()
    assert session.get(KitRecord, record.id).status == WAITING


def test_a_steps_conditions_judge_the_record_as_its_edits_leave_it(followed, session, people):
    record = new_record(session, people["clerk"], item="建立测试机制")
    followed.apply(session, record_id=record.id, action="forward", actor=people["reviewer"],
                   version=record.version)
    session.expire_all()
    record = session.get(KitRecord, record.id)

    with pytest.raises(ValidationError, match="请上传佐证材料"):
        followed.apply(session, record_id=record.id, action="fix", actor=people["office"],
                       version=record.version)
    followed.apply(session, record_id=record.id, action="fix", actor=people["office"],
                   version=record.version, values={"evidence": "补充.pdf"})
    session.expire_all()
    assert session.get(KitRecord, record.id).evidence == "补充.pdf"


def test_records_without_pages_of_their_own_open_on_their_host_modules_pages(
        kit, session, people):
    from dataclasses import replace
    hosted = replace(FOLLOWED, module="kit_hosted", opened_on="kit", open_key="open_hosted")
    registry.register(hosted)
    try:
        record = new_record(session, people["clerk"], item="建立测试机制")
        assert workbench.message_link(session, actor=people["clerk"], record_type="kit_hosted",
                                      record_id=record.id) == ("pages/kit_entry.py", "open_hosted")
    finally:
        registry.unregister("kit_hosted")
