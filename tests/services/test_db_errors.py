"""No user sees a raw database error: a held write lock gives a retry or the conflict message,
an unexpected constraint violation a Chinese message; nothing is written by a refused action.

Each test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL, with a second
connection holding the lock (SQLite: the database's write lock; PostgreSQL: the row's lock).
"""
import sqlite3

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from models import Org, Role, Setting
from services import db, seed, settings
from services.errors import CONFLICT_MESSAGE, Conflict, DomainError
from tests.factories import make_user

WAIT_MS = 200  # the lock wait of these tests' engines, instead of the production 15 s


class Holder:
    """A second connection that takes and releases the write lock on a Setting row."""

    def __init__(self, engine, dialect: str):
        self.engine, self.dialect, self.conn = engine, dialect, None

    def lock(self, key: str = "upload_max_mb") -> None:
        if self.dialect == "sqlite":
            self.conn = sqlite3.connect(self.engine.url.database, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")  # the single writer lock of the database
        else:
            self.conn = self.engine.connect()
            self.conn.execute(text("UPDATE setting SET value = value WHERE key = :k"), {"k": key})

    def release(self) -> None:
        if self.conn is not None:
            self.conn.rollback()
            self.conn.close()
            self.conn = None


@pytest.fixture(params=["sqlite", "postgresql"])
def dialect(request):
    return request.param


@pytest.fixture
def engine_and_holder(dialect, request, tmp_path, monkeypatch):
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", WAIT_MS)
    monkeypatch.setattr(db, "PG_LOCK_TIMEOUT_MS", WAIT_MS)
    if dialect == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path / 'locking.db'}")
        SQLModel.metadata.create_all(engine)
    else:
        url = request.getfixturevalue("pg_database_url")
        if not url:
            pytest.skip("TEST_DATABASE_URL not set")
        request.getfixturevalue("pg_engine")  # empties the PostgreSQL test database
        engine = db.make_engine(url)
    with Session(engine) as s:
        seed.seed_orgs(s)
        s.add_all([Setting(key="upload_max_mb", value="50"),
                   Setting(key="pilot_module_admin", value="张三")])
        s.commit()
    holder = Holder(engine, dialect)
    yield engine, holder
    holder.release()
    engine.dispose()


def setting(engine, key: str = "upload_max_mb") -> str:
    with Session(engine) as s:
        return s.get(Setting, key).value


@db.transactional
def set_value(session, *, key: str, value: str, during=None) -> None:
    """A minimal action: change one setting, with a hook while the write waits."""
    row = session.get(Setting, key)
    row.value = value
    session.add(row)
    if during is not None:
        during(session)
    session.commit()


def test_the_sqlite_busy_timeout_of_a_connection_is_the_configured_one(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 1234)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")

    with engine.connect() as conn:
        timeout = conn.execute(text("PRAGMA busy_timeout")).scalar()

    engine.dispose()
    assert timeout == 1234


def test_a_service_blocked_by_a_held_write_lock_gives_the_conflict_message(engine_and_holder):
    engine, holder = engine_and_holder
    with Session(engine, expire_on_commit=False) as s:
        admin = make_user(s, org="市委改革办", role=Role.ADMIN)
    holder.lock()

    with Session(engine) as s:
        with pytest.raises(Conflict) as refused:
            settings.update(s, actor=admin, values={"upload_max_mb": "60"})

    assert str(refused.value) == CONFLICT_MESSAGE
    assert "locked" not in str(refused.value) and isinstance(refused.value.__cause__,
                                                             OperationalError)
    holder.release()
    assert setting(engine) == "50"


def test_a_lock_released_before_the_retry_lets_the_action_succeed(engine_and_holder):
    engine, holder = engine_and_holder
    attempts = []

    def release_when_blocked(session):
        attempts.append(1)
        try:
            session.flush()
        except OperationalError:
            holder.release()  # the other writer finishes while this action waits to retry
            raise

    holder.lock()
    with Session(engine) as s:
        set_value(s, key="upload_max_mb", value="60", during=release_when_blocked)

    assert len(attempts) == 2
    assert setting(engine) == "60"


def test_an_action_that_already_committed_is_not_run_twice(engine_and_holder):
    engine, holder = engine_and_holder
    attempts = []

    @db.transactional
    def two_steps(session):
        attempts.append(1)
        first = session.get(Setting, "pilot_module_admin")
        first.value += "甲"
        session.commit()
        holder.lock()  # another writer arrives between the two commits
        session.get(Setting, "upload_max_mb").value = "60"
        session.commit()

    with Session(engine) as s:
        with pytest.raises(Conflict, match=CONFLICT_MESSAGE):
            two_steps(s)

    holder.release()
    assert len(attempts) == 1
    assert setting(engine, "pilot_module_admin") == "张三甲"
    assert setting(engine) == "50"


def test_a_session_scope_blocked_by_a_held_write_lock_gives_the_conflict_message(
        engine_and_holder):
    engine, holder = engine_and_holder
    holder.lock()

    with pytest.raises(Conflict, match=CONFLICT_MESSAGE):
        with db.session_scope(engine) as s:
            s.get(Setting, "upload_max_mb").value = "60"
            s.commit()

    holder.release()
    assert setting(engine) == "50"


def org_count(engine) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(Org)).scalar_one()


def test_an_unexpected_constraint_violation_in_an_action_is_a_chinese_conflict(
        engine_and_holder):
    engine, _ = engine_and_holder
    before = org_count(engine)

    @db.transactional
    def add_orgs(session):
        session.add(Org(name="新设部门", kind="department", sort_order=900))
        session.flush()
        session.add(Org(name="万州区", kind="district", sort_order=901))  # the name is taken
        session.commit()

    with Session(engine) as s:
        with pytest.raises(Conflict) as refused:
            add_orgs(s)

    assert str(refused.value) == db.INTEGRITY_MESSAGE
    assert org_count(engine) == before


def test_an_unexpected_constraint_violation_in_a_session_scope_is_a_chinese_conflict(
        engine_and_holder):
    engine, _ = engine_and_holder
    before = org_count(engine)

    with pytest.raises(Conflict, match=db.INTEGRITY_MESSAGE):
        with db.session_scope(engine) as s:
            s.add(Org(name="万州区", kind="district", sort_order=901))
            s.commit()

    assert org_count(engine) == before


def test_another_operational_error_is_a_chinese_message_not_a_raw_error(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables at all

    with pytest.raises(DomainError, match="数据库暂时无法完成操作") as refused:
        with db.session_scope(engine) as s:
            s.execute(select(Setting))

    engine.dispose()
    assert isinstance(refused.value.__cause__, OperationalError)


def test_domain_errors_pass_through_unchanged(engine_and_holder):
    engine, _ = engine_and_holder

    with pytest.raises(DomainError, match="仅系统管理员"):
        with Session(engine, expire_on_commit=False) as s:
            clerk = make_user(s)
            settings.update(s, actor=clerk, values={"upload_max_mb": "60"})

    assert setting(engine) == "50"
