"""Organisation look-ups."""
from sqlalchemy import select
from sqlmodel import Session

from models import Org, OrgKind


def all_orgs(session: Session, kind: OrgKind | None = None) -> list[Org]:
    query = select(Org).order_by(Org.sort_order)
    if kind is not None:
        query = query.where(Org.kind == kind)
    return list(session.execute(query).scalars())

