"""改革品牌显示度: brand entries and the 获评类别 list

Revision ID: 0006
Revises: 0005

The status CHECK lists the brand flow's states when this migration was written; the category
list starts with the manual's two kinds (获全国肯定性评价, 获全市推广), which admins extend.
"""
from datetime import datetime, timezone
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel

revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

STATES = ["草稿", "待区县审核", "退回修改", "作废", "待市委改革办审核", "已通过"]
CATEGORIES = ["获全国肯定性评价", "获全市推广"]


def upgrade() -> None:
    category = op.create_table(
        'brand_category',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('retired', sa.Boolean(), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'brand_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('item', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('situation', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column('awarded_on', sa.Date(), nullable=True),
        sa.Column('problems', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column('results', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column('commendation', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('brief_mention', sa.Boolean(), nullable=False),
        sa.Column('summary_signed', sa.Boolean(), nullable=False),
        sa.Column('self_checked', sa.Boolean(), nullable=False),
        sa.Column('is_secret', sa.Boolean(), nullable=False),
        sa.Column('sent_offline', sa.Boolean(), nullable=False),
        sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['category_id'], ['brand_category.id'], ),
        sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
        sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
        sa.ForeignKeyConstraint(['updated_by'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATES) + ")",
                           name='ck_brand_entry_status'),
    )
    with op.batch_alter_table('brand_entry', schema=None) as batch_op:
        for column in ('org_id', 'status', 'category_id', 'awarded_on', 'approved_at'):
            batch_op.create_index(batch_op.f(f'ix_brand_entry_{column}'), [column], unique=False)

    now = datetime.now(timezone.utc)
    op.bulk_insert(category, [{"name": name, "retired": False, "sort_order": i + 1,
                               "created_at": now} for i, name in enumerate(CATEGORIES)])


def downgrade() -> None:
    with op.batch_alter_table('brand_entry', schema=None) as batch_op:
        for column in ('approved_at', 'awarded_on', 'category_id', 'status', 'org_id'):
            batch_op.drop_index(batch_op.f(f'ix_brand_entry_{column}'))
    op.drop_table('brand_entry')
    op.drop_table('brand_category')
