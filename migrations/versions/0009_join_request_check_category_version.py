"""join request status CHECK; brand category version

Revision ID: 0009
Revises: 0008

`pilot_join_request.status` holds only the states of a 申请纳入涉及区县 (as written when this
migration was, a migration is history). `brand_category.version` is bumped by every change of a
获评类别, so a rename made from a list shown before another administrator's change is refused.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

JOIN_STATES = ["待处理", "已同意", "未同意", "试点已作废"]


def upgrade() -> None:
    with op.batch_alter_table("pilot_join_request") as batch:
        batch.create_check_constraint(
            "ck_pilot_join_request_status",
            "status IN (" + ", ".join(f"'{s}'" for s in JOIN_STATES) + ")")
    op.add_column("brand_category", sa.Column("version", sa.Integer(), nullable=False,
                                              server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("brand_category") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("pilot_join_request") as batch:
        batch.drop_constraint("ck_pilot_join_request_status", type_="check")
