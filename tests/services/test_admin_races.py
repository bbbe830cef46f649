"""The last of something cannot be removed by two people at once: eight administrators acting
on each other, on the 获评类别 list or on one category at the same moment leave at least one
active administrator and one category in use, and one rename — on SQLite and PostgreSQL."""
import threading

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from models import AuditEvent, BrandCategory, Role, User, UserRole
from services import accounts, brand
from services.errors import Conflict, ValidationError
from tests.factories import make_user
from tests.services.test_pilot_races import PARALLEL, assert_clear_chinese_refusals


def race_each(engine, actions) -> tuple[list[int], list[Exception]]:
    """Run each `action(session)` in its own thread and session, all at once; the indexes of
    the actions that went through, and the refusals."""
    barrier = threading.Barrier(len(actions))
    wins, errors, lock = [], [], threading.Lock()

    def worker(i, action):
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                action(s)
            except Exception as exc:  # noqa: BLE001 - every outcome is inspected
                with lock:
                    errors.append(exc)
            else:
                with lock:
                    wins.append(i)

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(wins), errors


def active_admins(session) -> set[int]:
    session.expire_all()
    return set(session.execute(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value, User.disabled.is_(False))).scalars())


@pytest.fixture
def admins(session):
    return [make_user(session, org="市委改革办", role=Role.ADMIN) for _ in range(PARALLEL)]


def ring(admins):
    """Each administrator acts on the next one, the last on the first."""
    return [(a, admins[(i + 1) % len(admins)]) for i, a in enumerate(admins)]


def replay(session, action: str, admins) -> set[int]:
    """The administrators left by the audited actions taken in their order, each checked to
    come from an administrator nobody had yet removed."""
    left = {a.id for a in admins}
    for actor_id, target_id in session.execute(
            select(AuditEvent.actor_id, AuditEvent.record_id)
            .where(AuditEvent.action == action).order_by(AuditEvent.id)).all():
        assert actor_id in left, "an administrator acted after being removed"
        left.discard(target_id)
    return left


def test_administrators_disabling_each_other_at_once_leave_an_active_administrator(
        engine, session, admins):
    wins, errors = race_each(engine, [
        lambda s, a=a, t=t: accounts.set_disabled(s, actor=a, user_id=t.id, disabled=True)
        for a, t in ring(admins)])

    assert_clear_chinese_refusals(errors)
    assert len(wins) + len(errors) == PARALLEL
    assert active_admins(session) == replay(session, "disable", admins) != set()


def test_administrators_demoting_each_other_at_once_leave_an_active_administrator(
        engine, session, admins):
    forms = {t.id: accounts.user_detail(session, actor=a, user_id=t.id) for a, t in ring(admins)}

    wins, errors = race_each(engine, [
        lambda s, a=a, t=t: accounts.update_user(
            s, actor=a, user_id=t.id, name=t.name, org_id=t.org_id, roles={"reviewer"},
            seen=forms[t.id])
        for a, t in ring(admins)])

    assert_clear_chinese_refusals(errors)
    assert active_admins(session) == replay(session, "edit_user", admins) != set()
    assert len(wins) == PARALLEL - len(active_admins(session))


def in_use(session) -> list[str]:
    session.expire_all()
    return [c.name for c in brand.categories(session)]


def test_retiring_the_last_two_categories_at_once_keeps_one_in_use(engine, session, admins):
    brand.seed_categories(session)
    first, second = [c.id for c in brand.categories(session)]

    wins, errors = race_each(engine, [
        lambda s, a=a, i=i: brand.retire_category(s, actor=a,
                                                  category_id=first if i % 2 else second)
        for i, a in enumerate(admins)])

    assert_clear_chinese_refusals(errors)
    assert len(wins) == 1 and len(in_use(session)) == 1
    assert all(isinstance(e, ValidationError) for e in errors)
    retirements = session.execute(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "retire")).scalar_one()
    assert retirements == 1


def test_eight_renames_of_one_category_from_one_list_keep_exactly_one(engine, session, admins):
    brand.seed_categories(session)
    category = brand.categories(session)[1]

    wins, errors = race_each(engine, [
        lambda s, a=a, i=i: brand.rename_category(s, actor=a, category_id=category.id,
                                                  name=f"获全市推广（第{i}稿）",
                                                  version=category.version)
        for i, a in enumerate(admins)])

    assert len(wins) == 1 and all(isinstance(e, Conflict) for e in errors), errors
    assert_clear_chinese_refusals(errors)
    assert f"获全市推广（第{wins[0]}稿）" in in_use(session)
    renames = session.execute(select(AuditEvent.changes).where(
        AuditEvent.action == "rename")).scalars().all()
    assert len(renames) == 1 and f"第{wins[0]}稿" in renames[0]


def test_a_rename_from_a_list_shown_before_another_change_is_refused(session, admins):
    brand.seed_categories(session)
    category = brand.categories(session)[1]
    shown = category.version  # both administrators opened the list now
    brand.rename_category(session, actor=admins[0], category_id=category.id, name="获全市推广A",
                          version=shown)

    with pytest.raises(Conflict, match="获全市推广A"):
        brand.rename_category(session, actor=admins[1], category_id=category.id,
                              name="获全市推广B", version=shown)

    assert "获全市推广A" in in_use(session)


def test_eight_adds_of_one_name_spelled_differently_add_it_once(engine, session, admins):
    brand.seed_categories(session)
    spellings = ["国家层面推广", "国家层面推广\u200b", " 国家层面推广", "国家层面\u2060推广",
                 "国家层面推广\ufeff", "\u200d国家层面推广", "国家层面推广 ", "国家\u200b层面推广"]

    wins, errors = race_each(engine, [
        lambda s, a=a, n=n: brand.add_category(s, actor=a, name=n)
        for a, n in zip(admins, spellings)])

    assert len(wins) == 1 and all(isinstance(e, ValidationError) for e in errors), errors
    assert len(in_use(session)) == 3


@pytest.mark.parametrize("name", ["获全市推广\u200b", "获全市推广\u2060", "获全市推广\ufeff",
                                  "获\u00a0全市推广", "\u200b获全市推广"])
def test_a_category_name_that_differs_only_by_invisible_characters_is_the_same_name(
        session, admins, name):
    brand.seed_categories(session)
    national = brand.categories(session)[0]

    with pytest.raises(ValidationError, match="获全市推广”已存在"):
        brand.add_category(session, actor=admins[0], name=name)
    with pytest.raises(ValidationError, match="获全市推广”已存在"):
        brand.rename_category(session, actor=admins[0], category_id=national.id, name=name)

    assert in_use(session) == ["获全国肯定性评价", "获全市推广"]
    assert session.execute(select(func.count()).select_from(BrandCategory)).scalar_one() == 2
