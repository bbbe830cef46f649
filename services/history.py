"""审核记录 shaped for people: field labels and action names read from the module registry."""
from sqlmodel import Session

from models import ROLE_LABELS, Role
from services import records, registry, review
from services.clock import local_time
from services.errors import PermissionDenied
from services.identity import CurrentUser

PREVIEW_LENGTH = 60


def _short(value) -> str:
    if isinstance(value, list):
        value = "、".join(str(v) for v in value)
    text = "" if value is None else str(value)
    return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH - 1] + "…"


def _role(role: str) -> str:
    if role == review.SYSTEM_ROLE:
        return "系统"
    return ROLE_LABELS[Role(role)] if role in set(Role) else role


def rows(session: Session, *, actor: CurrentUser, record_type: str, record_id: int) -> list[dict]:
    """The record's audit events, oldest first, as table rows with Chinese headers, for a reader
    who may read the record itself (the same refusal as reading it otherwise).

    Every changed field is listed by its label; only the module's declared internal columns are
    left out, so a field without a label still shows (by its name) rather than vanishing.
    """
    flow = registry.get(record_type)
    if flow is None:
        raise PermissionDenied("该记录不存在或您无权查看")
    records.get(session, flow=flow, actor=actor, record_id=record_id)
    out = []
    for e in review.history(session, record_type=record_type, record_id=record_id):
        changes = []
        for name, (old, new) in e["changes"].items():
            label = flow.field_label(name)
            if label is not None:
                changes.append(f"{label}：{_short(old)} → {_short(new)}")
        out.append({
            "时间": local_time(e["time"]), "单位": e["org"], "操作人": e["actor"],
            "角色": _role(e["role"]),
            "操作": flow.event_label(e["action"], e["from"]),
            "状态变化": f"{e['from'] or '—'} → {e['to']}", "意见": e["comment"],
            "修改内容": "；".join(changes),
        })
    return out
