"""Upgrades: a database made by the first release (migration 0001), filled the way that release
wrote it, keeps every row when migrated to head, and the app reads it."""
from alembic import command
from sqlalchemy import create_engine, select, text

from models import User
from services import accounts, db, pilots

# Rows in the 0001 schema, written with plain SQL as that release's database held them.
ROWS_0001 = [
    "INSERT INTO org (id, name, kind, sort_order) VALUES (1, '万州区', 'district', 1), "
    "(2, '市发展改革委', 'department', 2), (3, '市委改革办', 'reform_office', 3)",
    "INSERT INTO setting (key, value) VALUES ('upload_limit_mb', '20')",
    'INSERT INTO "user" (id, phone, name, org_id, password_hash, must_change_password, '
    "password_changed_at, failed_logins, locked_until, disabled, created_at) VALUES "
    "(1, '13800000101', '万州录入员', 1, 'hash-1', FALSE, '2025-03-01 08:00:00', 0, NULL, FALSE, "
    "'2025-03-01 08:00:00'), (2, '13800000102', '万州审核员', 1, 'hash-2', TRUE, "
    "'2025-03-01 08:00:00', 2, NULL, FALSE, '2025-03-01 08:00:00')",
    "INSERT INTO user_role (user_id, role) VALUES (1, 'clerk'), (2, 'reviewer')",
    "INSERT INTO pilot (id, org_id, status, created_by, updated_by, created_at, updated_at, "
    "version, name, deploy_level, doc_title, doc_number, doc_number_norm, scope_basis, content, "
    "due_date, dept_id, batch, is_secret, sent_offline) VALUES (1, 1, '待区县审核', 1, 1, "
    "'2025-03-02 09:00:00', '2025-03-02 09:30:00', 2, '数字乡村改革试点', '中办国办', "
    "'关于开展数字乡村试点的通知', '国办发〔2023〕12号', '国办发(2023)12号', '国家文件明确区县', "
    "'开展数字乡村改革', '2026-12-31', 2, '第一批', FALSE, FALSE)",
    "INSERT INTO pilot_district (pilot_id, org_id) VALUES (1, 1)",
    "INSERT INTO audit_event (id, record_type, record_id, org_id, actor_id, actor_org_id, "
    "actor_role, action, from_status, to_status, comment, changes, created_at) VALUES "
    "(1, 'pilot', 1, 1, 1, 1, 'clerk', 'submit', '草稿', '待区县审核', '', '{}', "
    "'2025-03-02 09:30:00')",
    "INSERT INTO notification (id, user_id, title, body, record_type, record_id, is_read, "
    "created_at) VALUES (1, 2, '【待审核】数字乡村改革试点', '', 'pilot', 1, FALSE, "
    "'2025-03-02 09:30:00')",
    "INSERT INTO attachment (id, sha256, size, kind, original_name, record_type, record_id, "
    "purpose, uploaded_by, uploaded_at) VALUES (1, '" + "a" * 64 + "', 10, 'pdf', "
    "'国家文件.pdf', 'pilot', 1, '国家文件', 1, '2025-03-02 09:00:00')",
]


def _counts(conn, tables):
    return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}


def test_a_database_from_migration_0001_keeps_its_rows_and_gets_defaults_after_upgrading(
        new_site, monkeypatch):
    site = new_site()
    site.activate(monkeypatch)
    command.upgrade(db.alembic_config(site.url), "0001")
    engine = create_engine(site.url)
    with engine.begin() as conn:
        for statement in ROWS_0001:
            conn.execute(text(statement))
    tables = ["org", "setting", "user", "user_role", "pilot", "pilot_district", "audit_event",
              "notification", "attachment"]
    with engine.connect() as conn:
        before = _counts(conn, tables)
        old_rows = {t: conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1')).all()
                    for t in ("org", "user_role", "pilot_district", "setting")}

    db.migrate(site.url)  # what `make run` does on start

    with engine.connect() as conn:
        assert _counts(conn, tables) == before
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == \
            db_head()
        for t, rows in old_rows.items():
            assert conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1')).all() == rows
        assert conn.execute(text("SELECT evidence_by_dept FROM pilot")).scalar_one() in (False, 0)
        assert conn.execute(text('SELECT count(*) FROM "user" WHERE sessions_valid_after IS NULL')
                            ).scalar_one() == 0
        assert _counts(conn, ["progress_task", "progress_revision", "achievement",
                              "pilot_join_request"]) == dict.fromkeys(
            ["progress_task", "progress_revision", "achievement", "pilot_join_request"], 0)
    assert db.schema_drift(engine) == []
    with db.session_scope(engine) as s:
        clerk = accounts.current_user(s, s.execute(select(User).where(User.id == 1)).scalar_one())
        found = pilots.search(s, actor=clerk)
        pilot = pilots.get(s, actor=clerk, pilot_id=1)
        assert [(p["试点名称"], p["批次"], p["涉及区县"]) for p in found] == \
            [("数字乡村改革试点", "第一批", "万州区")]
        assert pilot.evidence_by_dept is False and pilot.updated_at.year == 2025
    refused = False
    try:
        with engine.begin() as conn:  # 0004: the audit trail is append-only from now on
            conn.execute(text("UPDATE audit_event SET comment = 'x'"))
    except Exception as exc:  # noqa: BLE001 - either driver's error type
        refused = "审核记录不可修改或删除" in str(exc)
    assert refused
    engine.dispose()


def db_head() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_current_head()
