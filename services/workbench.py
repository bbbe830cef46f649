"""业务工作台 (SPEC §7): what needs the user now, across every module's flow."""
from sqlalchemy import or_, select
from sqlmodel import Session

from models import AuditEvent, Org
from services import registry
from services.identity import CurrentUser, require_active
from services.review import DRAFT, EDIT_ACTIONS, OWNER_ACTIONS, RETURNED, Action, Todo


def todos(session: Session, *, actor: CurrentUser, limit: int = 200) -> list[Todo]:
    """Drafts and returned items of the actor's org, and items waiting for the actor's review."""
    require_active(session, actor)
    items: list[Todo] = []
    for flow in registry.flows():
        model = flow.model
        clauses = flow.actionable_filter(actor, exclude=(Action.WITHDRAW, Action.CANCEL))
        if not clauses:
            continue
        rows = session.execute(
            select(model, Org.name).join(Org, Org.id == model.org_id)
            .where(or_(*clauses)).order_by(model.updated_at.desc()).limit(limit)
        ).all()
        returned_ids = [r.id for r, _ in rows if r.status == RETURNED]
        reasons: dict[int, str] = {}
        if returned_ids:
            for rid, comment in session.execute(
                select(AuditEvent.record_id, AuditEvent.comment)
                .where(AuditEvent.record_type == flow.module,
                       AuditEvent.record_id.in_(returned_ids),
                       AuditEvent.action == Action.REJECT.value)
                .order_by(AuditEvent.id)
            ).all():
                reasons[rid] = comment  # the newest wins
        edit_page, review_page = flow.page_for("edit"), flow.page_for("review")
        for record, org_name in rows:
            editing = record.status in (DRAFT, RETURNED)
            page = edit_page if editing else review_page
            items.append(Todo(kind=record.status if editing else "待我审核", module=flow.module,
                              module_label=flow.label, record_id=record.id,
                              title=getattr(record, flow.title_field), status=record.status,
                              org_name=org_name, updated_at=record.updated_at,
                              reason=reasons.get(record.id, ""), version=record.version,
                              page=page.path if page else "", open_key=flow.open_key))
        if flow.workbench is not None:
            items.extend(flow.workbench(session, actor))
    # A module's own line replaces its generic one for the same record (e.g. 待上传国家文件).
    seen: dict[tuple[str, int], Todo] = {}
    for item in items:
        seen[(item.module, item.record_id)] = item
    items = list(seen.values())
    order = {RETURNED: 0, "待我审核": 1, "推进任务": 2, DRAFT: 3}
    items.sort(key=lambda t: (order.get(t.kind, 3), -t.updated_at.timestamp()))
    return items


def submitted(session: Session, *, actor: CurrentUser, limit: int = 200) -> list[Todo]:
    """已上报、审核中: the records of the actor's unit that it entered and that now wait in a
    review stage, with who acts next (for whoever enters a module's records)."""
    require_active(session, actor)
    items: list[Todo] = []
    for flow in registry.flows():
        model = flow.model
        owners = [t.actor.query_filter(model, actor, flow.dept_field)
                  for t in flow.transitions if t.action in EDIT_ACTIONS and t.actor.admits(actor)]
        if not owners or not flow.review_stages:
            continue
        rows = session.execute(
            select(model, Org.name).join(Org, Org.id == model.org_id)
            .where(or_(*owners), model.status.in_(flow.review_stages))
            .order_by(model.updated_at.desc()).limit(limit)
        ).all()
        page = flow.page_for("edit")
        items += [Todo(kind="审核中", module=flow.module, module_label=flow.label,
                       record_id=record.id, title=getattr(record, flow.title_field),
                       status=record.status, org_name=org_name, updated_at=record.updated_at,
                       version=record.version, page=page.path if page else "",
                       open_key=flow.open_key, waiting_for=flow.waiting_for(session, record))
                  for record, org_name in rows]
    items.sort(key=lambda t: -t.updated_at.timestamp())
    return items


def message_link(session: Session, *, actor: CurrentUser, record_type: str | None,
                 record_id: int | None) -> tuple[str, str] | None:
    """Where a message's record opens for this user, as (page, session key for the record):
    the page to act on it when the user has a step to take, else the module's entry page for
    its own unit's records, else the module's list; None when the user may not read it."""
    flow = registry.get(record_type or "")
    if flow is None or record_id is None:
        return None
    record = session.execute(select(flow.model).where(
        flow.model.id == record_id, flow.readable_filter(actor))).scalars().first()
    if record is None:
        return None
    actions = flow.available_actions(record, actor)
    audiences = []
    if any(a not in OWNER_ACTIONS for a in actions):
        audiences.append("review")
    if any(t.action in EDIT_ACTIONS and t.actor.allows(record, actor, flow.dept_field)
           for t in flow.transitions):  # its own unit's record: the entry page lists it
        audiences.append("edit")
    pages = [flow.page_for(audience) for audience in audiences]
    pages += [p for p in flow.pages if p.audience not in ("edit", "review")]  # the lists
    found = next(((p.path, flow.open_key) for p in pages
                  if p is not None and flow.may_open(p, actor)), None)
    host = registry.get(flow.opened_on) if flow.opened_on else None
    if found is None and host is not None:  # shown on another module's pages
        found = next(((p.path, flow.open_key) for p in host.pages if host.may_open(p, actor)),
                     None)
    return found
