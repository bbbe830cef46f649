"""audit trail: TRUNCATE refused on PostgreSQL as UPDATE and DELETE are

Revision ID: 0011
Revises: 0010

Row triggers do not fire on TRUNCATE, so `TRUNCATE audit_event` emptied the append-only audit
trail. SQLite has no TRUNCATE: its DELETE trigger (0004) already covers `DELETE FROM`.
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TRIGGER = "audit_event_no_truncate"


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"CREATE TRIGGER {TRIGGER} BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {TRIGGER} ON audit_event")
