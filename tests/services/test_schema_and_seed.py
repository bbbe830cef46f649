"""Migrations match the models (on SQLite and, when configured, PostgreSQL); seeding."""
import pytest
from sqlalchemy import func, select

from models import Org, OrgKind, User
from services import db, seed


def test_migrations_build_exactly_the_models_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"

    db.migrate(url)

    assert db.schema_drift(db.get_engine(url)) == []


def test_migrations_build_exactly_the_models_on_postgresql(pg_database_url):
    if not pg_database_url:
        pytest.skip("TEST_DATABASE_URL not set")

    assert db.schema_drift(db.get_engine(pg_database_url)) == []


def test_seed_creates_41_districts_departments_one_reform_office_and_demo_accounts(session):
    seed.seed_all(session)
    seed.seed_all(session)  # idempotent

    kinds = dict(session.execute(select(Org.kind, func.count()).group_by(Org.kind)).all())
    assert kinds[OrgKind.DISTRICT] == 41
    assert kinds[OrgKind.REFORM_OFFICE] == 1
    assert kinds[OrgKind.DEPARTMENT] >= 25
    phones = set(session.execute(select(User.phone)).scalars())
    assert {"13800000000", "13800000101", "13900000201", "13700000103"} <= phones
    assert len(phones) == len(seed.DEMO_ACCOUNTS)


def test_upgrading_a_database_with_data_keeps_the_rows(tmp_path):
    from alembic import command
    from sqlalchemy import text
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(db.alembic_config(url), "0002")
    engine = db.get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO org (name, kind, sort_order) VALUES ('万州区', 'district', 1)"))
        conn.execute(text(
            "INSERT INTO user (phone, name, org_id, password_hash, must_change_password, "
            "password_changed_at, failed_logins, disabled, created_at) VALUES ('13800000101', "
            "'甲', 1, 'x', 1, '2026-01-01 00:00:00', 0, 0, '2026-01-01 00:00:00')"))

    db.migrate(url)

    assert db.schema_drift(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT phone FROM user")).scalars().all() == ["13800000101"]
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
