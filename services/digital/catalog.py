"""名录库 (SPEC §5.1): the items included and not removed, readable by every user, searchable by
name, filtered by district and 重点领域 (an admin-kept list), exported to Excel; and, while a
clerk types a new 事项名称, the most similar catalog and pending items of every district."""
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, func, select, true
from sqlmodel import Session

from models import AuditEvent, DigitalDomain, DigitalItem, Org, Role
from services import docnumbers, limits, records
from services.db import lock_rows, transactional
from services.digital import deadlines, similarity
from services.digital.items import CATALOG, INCLUDED, PROCEED, WAITING
from services.errors import Conflict, PermissionDenied, ValidationError
from services.identity import CurrentUser, require_active

DEFAULT_DOMAINS = ["党建统领", "数字政府", "数字经济", "数字社会", "数字文化", "数字法治",
                   "基层智治"]
MAX_QUERY = 100
# While typing, show the closest names even below “near-identical” (similarity.SIMILAR).
TYPING_CUTOFF = 60.0


# --- 重点领域 (系统管理员) ----------------------------------------------------------------------

def domains(session: Session, *, include_retired: bool = False) -> list[DigitalDomain]:
    query = select(DigitalDomain).order_by(DigitalDomain.sort_order, DigitalDomain.id)
    if not include_retired:
        query = query.where(DigitalDomain.retired == false())
    return list(session.execute(query).scalars())


def _claim(session: Session, actor: CurrentUser) -> None:
    require_active(session, actor)
    if not actor.has(Role.ADMIN):
        raise PermissionDenied("只有系统管理员可以维护重点领域")
    lock_rows(session, DigitalDomain, true())


def _name(session: Session, name: str, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not docnumbers.fold(name):
        raise ValidationError("请填写重点领域名称")
    limits.check_text("重点领域", name, limits.max_length(DigitalDomain, "name"))
    for other_id, other in session.execute(select(DigitalDomain.id, DigitalDomain.name)).all():
        if other_id != exclude_id and docnumbers.fold(other) == docnumbers.fold(name):
            raise ValidationError(f"重点领域“{other}”已存在")
    return name


def _audit(session: Session, actor: CurrentUser, domain: DigitalDomain, action: str,
           changes: dict) -> None:
    session.add(AuditEvent(
        record_type="digital_domain", record_id=domain.id, org_id=actor.org_id,
        actor_id=actor.id, actor_org_id=actor.org_id, actor_role=Role.ADMIN.value,
        action=action, from_status="", to_status="停用" if domain.retired else "启用",
        changes=json.dumps(changes, ensure_ascii=False)))


@transactional
def add_domain(session: Session, *, actor: CurrentUser, name: str) -> DigitalDomain:
    _claim(session, actor)
    name = _name(session, name)
    last = session.execute(select(func.max(DigitalDomain.sort_order))).scalar_one() or 0
    domain = DigitalDomain(name=name, sort_order=last + 1)
    session.add(domain)
    session.flush()
    _audit(session, actor, domain, "create", {"重点领域": [None, name]})
    return domain


@transactional
def retire_domain(session: Session, *, actor: CurrentUser, domain_id: int, version: int,
                  retired: bool = True) -> DigitalDomain:
    """A retired domain is no longer offered; items that have it keep it. One stays in use."""
    _claim(session, actor)
    domain = (session.get(DigitalDomain, domain_id, populate_existing=True)
              if records.is_id(domain_id) else None)
    if domain is None:
        raise ValidationError("该重点领域不存在，请刷新后重试")
    if domain.version != version:
        raise Conflict("重点领域已被其他管理员修改，本次未保存；请刷新后再操作")
    if domain.retired == retired:
        raise ValidationError(f"重点领域“{domain.name}”已{'停用' if retired else '启用'}")
    in_use = session.execute(select(func.count()).select_from(DigitalDomain)
                             .where(DigitalDomain.retired == false())).scalar_one()
    if retired and in_use <= 1:
        raise ValidationError("至少保留一个在用的重点领域")
    domain.retired, domain.version = retired, domain.version + 1
    session.add(domain)
    _audit(session, actor, domain, "retire" if retired else "restore", {"停用": [not retired, retired]})
    return domain


def seed_domains(session: Session) -> None:
    if session.execute(select(func.count()).select_from(DigitalDomain)).scalar_one():
        return
    for i, name in enumerate(DEFAULT_DOMAINS, start=1):
        session.add(DigitalDomain(name=name, sort_order=i))
    session.commit()


# --- the catalog --------------------------------------------------------------------------------

@dataclass
class CatalogRow:
    id: int
    name: str
    district: str
    org_id: int
    domain: str
    intro: str
    status: str
    included_on: Any

    def as_row(self) -> dict:
        return {"事项名称": self.name, "区县": self.district, "重点领域": self.domain,
                "核准情况": self.status, "纳入名录库日期": self.included_on, "简介": self.intro}


EXPORT_HEADERS = ["事项名称", "区县", "重点领域", "核准情况", "纳入名录库日期", "简介"]


def search(session: Session, *, actor: CurrentUser, text: str = "", district_id: int | None = None,
           domain_id: int | None = None, limit: int = records.MAX_PAGE_SIZE) -> list[CatalogRow]:
    """Items in the catalog (every user reads it), by district then name."""
    require_active(session, actor)
    deadlines.tick(session)
    text = (text or "").strip()
    limits.check_text("查询内容", text, MAX_QUERY, multiline=False)
    query = (select(DigitalItem, Org.name, DigitalDomain.name)
             .join(Org, Org.id == DigitalItem.org_id)
             .outerjoin(DigitalDomain, DigitalDomain.id == DigitalItem.domain_id)
             .where(DigitalItem.status.in_(CATALOG)))
    if text:
        query = query.where(DigitalItem.name.contains(text, autoescape=True))
    if any(value is not None and not records.is_id(value) for value in (district_id, domain_id)):
        return []  # a filter naming no district or domain finds nothing
    if district_id:
        query = query.where(DigitalItem.org_id == district_id)
    if domain_id:
        query = query.where(DigitalItem.domain_id == domain_id)
    rows = session.execute(query.order_by(Org.sort_order, DigitalItem.name, DigitalItem.id)
                           .limit(max(1, min(limit, records.MAX_PAGE_SIZE)))).all()
    return [CatalogRow(item.id, item.name, org or "", item.org_id, dom or "", item.intro,
                       item.status, item.included_on) for item, org, dom in rows]


def export(rows: list[CatalogRow]) -> bytes:
    return records.export([r.as_row() for r in rows], headers=EXPORT_HEADERS, sheet="一件事名录库")


def catalog_names(session: Session) -> list[tuple[int, str]]:
    return [(i, n) for i, n in session.execute(
        select(DigitalItem.id, DigitalItem.name).where(DigitalItem.status.in_(CATALOG)))]


@dataclass
class Similar:
    id: int
    name: str
    district: str
    status: str
    score: float


def similar(session: Session, *, actor: CurrentUser, name: str, exclude_id: int | None = None,
            limit: int = 6) -> list[Similar]:
    """The most similar catalog and pending (待核准) items of every district, with their
    district and 核准情况 — shown while a clerk types a new 事项名称."""
    require_active(session, actor)
    name = (name or "").strip()
    if not name:
        return []
    limits.check_text("事项名称", name, limits.max_length(DigitalItem, "name"), multiline=False)
    rows = session.execute(
        select(DigitalItem.id, DigitalItem.name, Org.name, DigitalItem.status)
        .join(Org, Org.id == DigitalItem.org_id)
        .where(DigitalItem.status.in_(list(CATALOG) + list(WAITING)))).all()
    info = {i: (n, org, status) for i, n, org, status in rows if i != exclude_id}
    index = similarity.NameIndex([(i, n) for i, (n, _, _) in info.items()])
    return [Similar(m.key, info[m.key][0], info[m.key][1], info[m.key][2], m.score)
            for m in index.best(name, limit=limit, cutoff=TYPING_CUTOFF)]


__all__ = ["INCLUDED", "PROCEED"]
