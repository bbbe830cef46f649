"""user version: optimistic check on an administrator's edit of a user

Revision ID: 0008
Revises: 0007

Two administrators editing one user from forms opened at the same time: the later save must be
refused (and told what changed), not silently overwrite the earlier one.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('user', sa.Column('version', sa.Integer(), nullable=False,
                                    server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('version')
