"""The audit trail is append-only in the database itself (migration 0004), whatever the client.

The databases here are built by the migrations, as in production: `create_all` has no triggers.
"""
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from models import AuditEvent
from services import db, seed
from tests.factories import make_pilot, make_user

REFUSAL = "审核记录不可修改或删除"


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request, tmp_path):
    """An engine on a migrated database holding one pilot and its 创建 event."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
        db.migrate(url)
        engine = db.get_engine(url)
    else:
        if not request.getfixturevalue("pg_database_url"):
            pytest.skip("TEST_DATABASE_URL not set")
        engine = request.getfixturevalue("pg_engine")  # the migrated PostgreSQL test database
    with Session(engine, expire_on_commit=False) as session:
        seed.seed_orgs(session)
        clerk = make_user(session)
        make_pilot(session, creator=clerk)
        make_pilot(session, creator=clerk)
    yield engine
    if request.param == "sqlite":
        db._engines.pop(url, None)
        engine.dispose()


def audit_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(AuditEvent.__table__)
                                               .order_by(AuditEvent.id))]


STATEMENTS = {
    "raw UPDATE": text("UPDATE audit_event SET comment = '篡改', to_status = '已分发'"),
    "raw UPDATE of one row": text("UPDATE audit_event SET actor_id = actor_id WHERE id = 1"),
    "raw DELETE": text("DELETE FROM audit_event"),
    "raw DELETE of one row": text("DELETE FROM audit_event WHERE id = 1"),
    "bulk update()": update(AuditEvent).values(comment="篡改"),
    "bulk delete()": delete(AuditEvent).where(AuditEvent.id > 0),
}


@pytest.mark.parametrize("statement", STATEMENTS.values(), ids=STATEMENTS.keys())
def test_sql_that_changes_or_removes_audit_events_is_refused_and_rows_stay(migrated, statement):
    before = audit_rows(migrated)

    with pytest.raises(DBAPIError, match=REFUSAL):
        with migrated.begin() as conn:
            conn.execute(statement)

    assert len(before) == 2 and audit_rows(migrated) == before


@pytest.mark.parametrize("statement", [STATEMENTS["bulk update()"], STATEMENTS["bulk delete()"]],
                         ids=["update", "delete"])
def test_bulk_statements_through_an_orm_session_are_refused(migrated, statement):
    before = audit_rows(migrated)

    with Session(migrated) as session:
        with pytest.raises(DBAPIError, match=REFUSAL):
            session.execute(statement)
        session.rollback()

    assert audit_rows(migrated) == before


def test_new_audit_events_can_still_be_appended(migrated):
    before = audit_rows(migrated)

    with Session(migrated, expire_on_commit=False) as session:
        make_pilot(session, creator=make_user(session))

    assert audit_rows(migrated)[: len(before)] == before
    assert len(audit_rows(migrated)) == len(before) + 1
