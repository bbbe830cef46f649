"""Organisations: look-ups, and the admin adding and renaming municipal departments.

The 41 districts and the one 市委改革办 are fixed (seed data); admins add departments and may
rename them.
"""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models import ORG_KIND_LABELS, Org, OrgKind, User
from services import accounts, limits
from services.db import transactional
from services.errors import ValidationError
from services.identity import CurrentUser


def all_orgs(session: Session, kind: OrgKind | None = None) -> list[Org]:
    query = select(Org).order_by(Org.sort_order)
    if kind is not None:
        query = query.where(Org.kind == kind)
    return list(session.execute(query).scalars())


def _clean_name(name: str | None) -> str:
    # Spaces inside a name are never meant (“市 教委”), and would make look-alike duplicates.
    name = "".join((name or "").split())
    if not name:
        raise ValidationError("请填写单位名称")
    limits.check_text("单位名称", name, limits.max_length(Org, "name"))
    return name


def _refuse_taken(session: Session, name: str, org_id: int | None = None) -> None:
    query = select(Org.id).where(Org.name == name)
    if org_id is not None:
        query = query.where(Org.id != org_id)
    if session.execute(query).first() is not None:
        raise ValidationError(f"单位“{name}”已存在，请勿重复添加")


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
