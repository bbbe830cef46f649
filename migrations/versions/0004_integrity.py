"""integrity: append-only audit trail, one pending join request, 批次 in de-duplication

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

AUDIT_MESSAGE = "审核记录不可修改或删除"
LIVE = sa.text("status != '作废'")
PENDING = sa.text("status = '待处理'")


def upgrade() -> None:
    # The audit trail refuses UPDATE and DELETE in the database itself, whatever the client.
    if op.get_context().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                       f"BEGIN SELECT RAISE(ABORT, '{AUDIT_MESSAGE}'); END;")
    else:
        op.execute(f"""
            CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{AUDIT_MESSAGE}'; END; $$ LANGUAGE plpgsql;""")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();")

    op.create_index("uq_pilot_join_request_pending", "pilot_join_request", ["pilot_id", "org_id"],
                    unique=True, sqlite_where=PENDING, postgresql_where=PENDING)
    # Different batches of one document are separate pilots (SPEC §3.1).
    op.drop_index("uq_pilot_doc_number_live", table_name="pilot")
    op.create_index("uq_pilot_doc_number_live", "pilot", ["doc_number_norm", "batch"],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade() -> None:
    op.drop_index("uq_pilot_doc_number_live", table_name="pilot")
    op.create_index("uq_pilot_doc_number_live", "pilot", ["doc_number_norm"],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)
    op.drop_index("uq_pilot_join_request_pending", table_name="pilot_join_request")
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
    else:
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
