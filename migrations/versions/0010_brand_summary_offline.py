"""brand summary sent offline: a 涉密 special case records that its 总结材料 went offline too

Revision ID: 0010
Revises: 0009

A 涉密 entry uploads nothing; in a special case (特殊情形) its signed and sealed 总结材料 must
reach 市委改革办 offline as well, and 保存并上报 asks the clerk to confirm it.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('brand_entry', sa.Column('summary_sent_offline', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('brand_entry', schema=None) as batch_op:
        batch_op.drop_column('summary_sent_offline')
