"""业务工作台 (SPEC §7): what needs the user now, across every module's flow."""
from sqlalchemy import or_, select
from sqlmodel import Session

from models import AuditEvent, Org, Role
from services import pilots, registry
from services.identity import CurrentUser
from services.review import DRAFT, RETURNED, Action, Todo


def todos(session: Session, *, actor: CurrentUser, limit: int = 200) -> list[Todo]:
    """Drafts and returned items of the actor's org, and items waiting for the actor's review."""
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
    if actor.is_department and actor.has(Role.CLERK, Role.REVIEWER):
        # A district asked the department to upload the national document: the pilot's
        # confirmation entry says so instead of a plain "待市级部门确认".
        for row in pilots.awaiting_national_document(session, actor=actor):
            items = [t for t in items if (t.module, t.record_id) != ("pilot", row["id"])]
            items.append(Todo(kind="待我审核", module="pilot", module_label="试点项目",
                              record_id=row["id"], title=row["试点名称"], status="待上传国家文件",
                              org_name=row["创建区县"], updated_at=row["更新时间"],
                              version=row["version"]))
        for req in pilots.pending_join_requests(session, actor=actor):
            items.append(Todo(kind="待我审核", module="join", module_label="申请纳入涉及区县",
                              record_id=req["id"], title=req["试点名称"], status="待处理",
                              org_name=req["申请区县"], updated_at=req["申请时间"],
                              page="pages/pilot_review.py", open_key="open_join"))
    order = {RETURNED: 0, "待我审核": 1, "推进任务": 2, DRAFT: 3}
    items.sort(key=lambda t: (order.get(t.kind, 3), -t.updated_at.timestamp()))
    return items
