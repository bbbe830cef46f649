"""status CHECK constraints from the flows; system steps in the audit trail

Revision ID: 0005
Revises: 0004

The state lists below are the flows' states when this migration was written (a migration is
history); `tests/services/test_schema_and_seed.py` checks that the database's constraints match
every registered flow, so a flow that gains a state needs a migration like this one.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

STATES = {
    "pilot": ["草稿", "待区县审核", "退回修改", "作废", "待市级部门确认", "已分发"],
    "progress_revision": ["草稿", "待区县审核", "退回修改", "作废", "待市级部门审核",
                          "待市委改革办确认", "已确认"],
}
AUDIT_MESSAGE = "审核记录不可修改或删除"


def status_check(states: list[str]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def _audit_triggers(sqlite: bool, create: bool) -> None:
    """The append-only triggers of 0004: SQLite drops them when batch mode rebuilds the table."""
    if not sqlite:
        return
    for verb in ("UPDATE", "DELETE"):
        if create:
            op.execute(f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                       f"BEGIN SELECT RAISE(ABORT, '{AUDIT_MESSAGE}'); END;")
        else:
            op.execute(f"DROP TRIGGER audit_event_no_{verb.lower()}")


def upgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    for table, states in STATES.items():
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(f"ck_{table}_status", status_check(states))
    # System steps (deadlines, automatic removals) have no acting user or org.
    _audit_triggers(sqlite, create=False)
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("actor_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("actor_org_id", existing_type=sa.Integer(), nullable=True)
    _audit_triggers(sqlite, create=True)


def downgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    _audit_triggers(sqlite, create=False)
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("actor_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("actor_org_id", existing_type=sa.Integer(), nullable=False)
    _audit_triggers(sqlite, create=True)
    for table in STATES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"ck_{table}_status", type_="check")
