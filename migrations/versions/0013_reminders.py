"""督办提醒: reminders, and when each recipient read a message; review steps by kind and time

Revision ID: 0013
Revises: 0012

A reminder reaches a district's clerks and reviewers as notifications; `notification.read_at`
records when each recipient read it (messages read before this migration keep no time). The
cockpit's 驳回率 reads one kind of review step over a period: an index on (action, created_at).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('sender_id', sa.Integer(), nullable=False),
        sa.Column('sender_org_id', sa.Integer(), nullable=False),
        sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('indicator', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
        sa.ForeignKeyConstraint(['sender_id'], ['user.id'], ),
        sa.ForeignKeyConstraint(['sender_org_id'], ['org.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_created_at'), ['created_at'], unique=False)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.create_index('ix_notification_record', ['record_type', 'record_id'],
                              unique=False)
    # Not through batch mode: SQLite would rebuild the append-only audit table.
    op.create_index('ix_audit_event_action_created', 'audit_event', ['action', 'created_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_event_action_created', table_name='audit_event')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_record')
        batch_op.drop_column('read_at')
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_created_at'))
        batch_op.drop_index(batch_op.f('ix_reminder_org_id'))
    op.drop_table('reminder')
