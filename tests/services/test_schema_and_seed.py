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


def _check_constraints(engine) -> dict[str, str]:
    """{table: text of its status CHECK} as the database holds it."""
    from sqlalchemy import inspect
    found = {}
    inspector = inspect(engine)
    for table in inspector.get_table_names():
        for ck in inspector.get_check_constraints(table):
            if ck["name"] == f"ck_{table}_status":
                found[table] = ck["sqltext"]
    return found


def _states_in(sqltext: str) -> set[str]:
    import re
    return set(re.findall(r"'([^']+)'", sqltext))


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_registered_flow_has_a_status_check_with_exactly_its_states(
        tmp_path, pg_database_url, dialect):
    from services import registry
    if dialect == "postgresql" and not pg_database_url:
        pytest.skip("TEST_DATABASE_URL not set")
    url = pg_database_url if dialect == "postgresql" else f"sqlite:///{tmp_path / 'ck.db'}"
    db.migrate(url)

    checks = _check_constraints(db.get_engine(url))

    for flow in registry.flows():
        table = flow.model.__tablename__
        assert table in checks, f"{flow.module}: no CHECK on {table}.status (add a migration)"
        assert _states_in(checks[table]) == set(flow.states), flow.module


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_join_requests_have_a_status_check_with_exactly_their_states(
        tmp_path, pg_database_url, dialect):
    from services import pilots
    if dialect == "postgresql" and not pg_database_url:
        pytest.skip("TEST_DATABASE_URL not set")
    url = pg_database_url if dialect == "postgresql" else f"sqlite:///{tmp_path / 'jr.db'}"
    db.migrate(url)

    checks = _check_constraints(db.get_engine(url))

    assert _states_in(checks["pilot_join_request"]) == {
        pilots.JOIN_PENDING, pilots.JOIN_GRANTED, pilots.JOIN_DECLINED, pilots.JOIN_VOID}


def test_join_request_check_refuses_an_unknown_state(session):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError
    from tests.factories import make_pilot, make_user
    from models import JoinRequest, Role
    clerk = make_user(session, role=Role.CLERK)
    pilot = make_pilot(session, creator=clerk)
    request = JoinRequest(pilot_id=pilot.id, org_id=clerk.org_id, requested_by=clerk.id)
    session.add(request)
    session.commit()

    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE pilot_join_request SET status = '已删除' WHERE id = :id"),
                        {"id": request.id})
    session.rollback()


def test_status_check_refuses_a_state_outside_the_flow(session):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError
    from tests.factories import make_pilot, make_user
    from models import Role
    pilot = make_pilot(session, creator=make_user(session, role=Role.CLERK))

    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE pilot SET status = '已删除' WHERE id = :id"), {"id": pilot.id})
    session.rollback()


def _partial_indexes(engine) -> dict[str, str]:
    """{index name: WHERE condition} of the migrated database, normalised for comparison."""
    from sqlalchemy import text
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type='index' "
                                     "AND sql LIKE '%WHERE%'")).all()
            return {name: _norm_where(sql.split("WHERE", 1)[1]) for name, sql in rows}
        rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes "
                                 "WHERE indexdef LIKE '%WHERE%'")).all()
        return {name: _norm_where(sql.split("WHERE", 1)[1]) for name, sql in rows}


def _norm_where(text_: str) -> str:
    """Strip casts, brackets and spacing so SQLite's and PostgreSQL's renderings compare."""
    import re
    text_ = re.sub(r"::[a-z ]+(\[\])?", "", text_.lower())
    text_ = re.sub(r"array\[(.*?)\]", r"\1", text_)
    text_ = text_.replace("<> all", "not in").replace("= any", "in")
    return re.sub(r"[\s()]", "", text_.replace("<>", "!="))


def _model_partial_indexes(dialect: str) -> dict[str, str]:
    from sqlmodel import SQLModel
    found = {}
    for table in SQLModel.metadata.tables.values():
        for index in table.indexes:
            where = index.dialect_options[dialect].get("where")
            if where is not None:
                found[index.name] = _norm_where(str(where))
    return found


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_partial_index_conditions_match_the_models(tmp_path, pg_database_url, dialect):
    if dialect == "postgresql" and not pg_database_url:
        pytest.skip("TEST_DATABASE_URL not set")
    url = pg_database_url if dialect == "postgresql" else f"sqlite:///{tmp_path / 'pi.db'}"
    db.migrate(url)

    assert _partial_indexes(db.get_engine(url)) == _model_partial_indexes(dialect)


def test_upgrade_renormalises_stored_document_numbers(tmp_path):
    from alembic import command
    from sqlalchemy import text
    url = f"sqlite:///{tmp_path / 'norm.db'}"
    command.upgrade(db.alembic_config(url), "0006")
    engine = db.get_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO org (id, name, kind, sort_order) VALUES "
                          "(1, '万州区', 'district', 1), (2, '市发展改革委', 'department', 2)"))
        conn.execute(text(
            "INSERT INTO user (id, phone, name, org_id, password_hash, must_change_password, "
            "password_changed_at, sessions_valid_after, failed_logins, disabled, created_at) "
            "VALUES (1, '13800000101', '甲', 1, 'x', 0, '2026-01-01', '2026-01-01', 0, 0, "
            "'2026-01-01')"))
        # Stored by the old rules: the zero-width space survived normalisation.
        conn.execute(text(
            "INSERT INTO pilot (org_id, status, created_by, updated_by, created_at, updated_at, "
            "version, name, deploy_level, doc_title, doc_number, doc_number_norm, scope_basis, "
            "content, dept_id, batch, is_secret, sent_offline, evidence_by_dept) VALUES "
            "(1, '草稿', 1, 1, '2026-01-01', '2026-01-01', 1, '试点', '中办国办', '通知', "
            "'国办发〔2023〕1\u200b2号', '国办发[2023]1\u200b2号', '国家文件明确区县', '内容', 2, '', "
            "0, 0, 0)"))

    db.migrate(url)

    with engine.connect() as conn:
        stored = conn.execute(text("SELECT doc_number_norm FROM pilot")).scalar_one()
    from services.docnumbers import normalize
    assert stored == normalize("国办发（2023）12号")
