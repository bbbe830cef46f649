"""renormalise stored 文号 with today's rules (invisible characters, every bracket kind)

Revision ID: 0007
Revises: 0006

Pilots saved before the stricter normalisation keep a form that new entries no longer produce,
so a duplicate spelled with a zero-width space or another bracket kind would slip past them.
Each live pilot gets the form of today's `normalize`; where two live pilots would now collide,
the later one keeps its old form (the database's unique index stays satisfied) and the
reform office can merge them by hand.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from services.docnumbers import normalize

revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, doc_number, doc_number_norm, batch, status FROM pilot ORDER BY id")).all()
    taken = {(r.doc_number_norm, r.batch) for r in rows if r.status != "作废"}
    for r in rows:
        new = normalize(r.doc_number)
        if new == r.doc_number_norm:
            continue
        if r.status != "作废":
            if (new, r.batch) in taken:
                continue  # another live pilot already has that number: leave both as they are
            taken.discard((r.doc_number_norm, r.batch))
            taken.add((new, r.batch))
        conn.execute(sa.text("UPDATE pilot SET doc_number_norm = :n WHERE id = :id"),
                     {"n": new, "id": r.id})


def downgrade() -> None:
    pass  # the older forms are not needed by older code: it compares what it stores itself
