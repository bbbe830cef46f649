"""Organisations: look-ups, and the admin adding and renaming municipal departments.

The 41 districts and the one 市委改革办 are fixed (seed data); admins add departments and may
rename them. Names are unique as a 文号 is: `市教委` and `市教委` with a zero-width space, or with
a full-width bracket, are one name.
"""
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models import ORG_KIND_LABELS, Org, OrgKind, User
from services import accounts, docnumbers, limits
from services.db import transactional
from services.errors import ValidationError
from services.identity import CurrentUser


def all_orgs(session: Session, kind: OrgKind | None = None) -> list[Org]:
    query = select(Org).order_by(Org.sort_order)
    if kind is not None:
        query = query.where(Org.kind == kind)
    return list(session.execute(query).scalars())


def _clean_name(name: str | None) -> str:
    """The name as stored: refused by the text rule, else without spaces or invisible
    characters, which are never meant in a name (“市 教委”) and make look-alike duplicates."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写单位名称")
    limits.check_text("单位名称", name, limits.max_length(Org, "name"))
    return "".join(ch for ch in name if docnumbers.fold(ch))


def _refuse_taken(session: Session, name: str, org_id: int | None = None) -> None:
    """Refuse a name that folds to an existing org's name. Org writes take turns (table lock on
    PostgreSQL; SQLite has one writer), so two admins cannot add look-alikes at once."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE org IN SHARE ROW EXCLUSIVE MODE"))
    else:  # a write statement takes SQLite's write lock before the names are read
        session.execute(text("UPDATE org SET name = name WHERE 1 = 0"))
    folded = docnumbers.fold(name)
    query = select(Org.id, Org.name)
    if org_id is not None:
        query = query.where(Org.id != org_id)
    for _, existing in session.execute(query).all():
        if docnumbers.fold(existing) == folded:
            raise ValidationError(f"单位“{existing}”已存在，请勿重复添加")


@transactional
def create_department(session: Session, *, actor: CurrentUser, name: str) -> Org:
    """Add a 市级部门 (districts and 市委改革办 are fixed); the name must be new."""
    accounts.require_active_admin(session, actor)
    name = _clean_name(name)
    _refuse_taken(session, name)
    last = session.execute(select(func.max(Org.sort_order))).scalar_one() or 0
    org = Org(name=name, kind=OrgKind.DEPARTMENT, sort_order=last + 1)
    try:
        session.add(org)
        session.flush()
        accounts.audit(session, actor, record_type="org", record_id=org.id, org_id=org.id,
                       action="create_org", changes={"单位名称": [None, name],
                                                     "类型": [None, "市级部门"]})
        session.commit()
    except IntegrityError:  # added by another admin in the meantime
        session.rollback()
        raise ValidationError(f"单位“{name}”已存在，请勿重复添加") from None
    return org


@transactional
def rename(session: Session, *, actor: CurrentUser, org_id: int, name: str) -> Org:
    """Rename a 市级部门; records keep pointing at it, the old name stays in the log."""
    accounts.require_active_admin(session, actor)
    org = session.get(Org, org_id)
    if org is None:
        raise ValidationError("单位不存在")
    if org.kind != OrgKind.DEPARTMENT:
        raise ValidationError(f"“{org.name}”是{ORG_KIND_LABELS[OrgKind(org.kind)]}，"
                              f"区县和市委改革办的名称固定，不能修改")
    name = _clean_name(name)
    if name == org.name:
        raise ValidationError("新名称与原名称相同")
    _refuse_taken(session, name, org.id)
    old = org.name
    org.name = name
    try:
        session.add(org)
        accounts.audit(session, actor, record_type="org", record_id=org.id, org_id=org.id,
                       action="rename_org", changes={"单位名称": [old, name]})
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ValidationError(f"单位“{name}”已存在，请换一个名称") from None
    return org


def org_rows(session: Session, *, actor: CurrentUser) -> list[dict]:
    """Every org with its kind and number of users, for 用户管理 and its Excel export."""
    accounts.require_admin(actor)
    counts = dict(session.execute(select(User.org_id, func.count()).group_by(User.org_id)).all())
    return [{"id": o.id, "单位名称": o.name, "类型": ORG_KIND_LABELS[OrgKind(o.kind)],
             "用户数": counts.get(o.id, 0)} for o in all_orgs(session)]
