"""Database fixtures: a fresh SQLite database per test, or PostgreSQL when TEST_DATABASE_URL is set.

Both are built by the migrations (not `create_all`), so tests see the real schema: CHECK
constraints, partial indexes and the audit trail's triggers. SQLite: migrated once into a
template file, copied for each test. PostgreSQL: a throwaway database is created for the test
session, migrated once, and emptied between tests; it is dropped at the end.
"""
import os
import shutil
import uuid

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel

import models  # noqa: F401
from services import db, seed

PG_URL = os.environ.get("TEST_DATABASE_URL", "")

# Property tests check rules, not speed: a busy 2-core machine must not fail them on time.
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    """Every test gets its own data directory (uploads, cookie key, SQLite file)."""
    monkeypatch.setenv("REFORM_DATA_DIR", str(tmp_path / "data"))
    yield


@pytest.fixture(scope="session")
def pg_database_url():
    if not PG_URL:
        yield None
        return
    base, _, _name = PG_URL.rpartition("/")
    name = f"reform_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{base}/{name}"
    db.migrate(url)
    yield url
    db.get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "migrated.db"
    db.migrate(f"sqlite:///{path}")
    return path


# Every database test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL as well.
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture
def pg_engine(pg_database_url, monkeypatch):
    """The migrated PostgreSQL test database, emptied (skips without TEST_DATABASE_URL)."""
    if not pg_database_url:
        pytest.skip("TEST_DATABASE_URL not set")
    eng = db.get_engine(pg_database_url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with eng.begin() as conn:
        # The audit trail refuses TRUNCATE (its trigger); a test database is the exception.
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
    monkeypatch.setenv("DATABASE_URL", pg_database_url)
    return eng


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path, sqlite_template, monkeypatch):
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_engine")
        return
    shutil.copyfile(sqlite_template, tmp_path / "test.db")
    url = f"sqlite:///{tmp_path / 'test.db'}"
    eng = db.make_engine(url)
    monkeypatch.setenv("DATABASE_URL", url)
    db._engines[url] = eng
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        seed.seed_orgs(s)
        yield s
