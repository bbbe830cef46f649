"""Record services written once for every registered module (SPEC §2): the read-checked get,
create / save / submit / act through the module's flow, evidence with the 涉密 offline path,
filtered lists with paging, and export. A module's own file keeps only its own rules.
"""
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import func, select
from sqlmodel import Session

from models import Attachment, Role
from services import files, limits
from services.db import transactional
from services.errors import PermissionDenied, ValidationError
from services.exports import to_xlsx
from services.identity import CurrentUser, require_active
from services.review import DRAFT, RETURNED, Action, Flow

EDITABLE = (DRAFT, RETURNED)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 5000  # an export or a full list on screen


@dataclass
class Upload:
    """A file as the user sent it, with what it is for (e.g. 国家文件, 总结材料)."""

    purpose: str
    filename: str
    data: bytes


# --- reading -------------------------------------------------------------------------------------

def is_id(value: Any) -> bool:
    """Whether `value` can be a record's id (an int the databases hold; never a bool or text)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def get(session: Session, *, flow: Flow, actor: CurrentUser, record_id: int) -> Any:
    """The record, if this user may read it; otherwise the same refusal whether or not it exists
    (so ids of other districts' records reveal nothing). A disabled user reads nothing."""
    require_active(session, actor)
    record = session.execute(
        select(flow.model).where(flow.model.id == record_id, flow.readable_filter(actor))
    ).scalars().first() if is_id(record_id) else None
    if record is None:
        raise PermissionDenied(f"该{flow.label}不存在或您无权查看")
    return record


def page(session: Session, *, flow: Flow, actor: CurrentUser, where: Iterable = (),
         order_by=None, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> tuple[list, int]:
    """One page of the records this user may read, newest first, and the total count."""
    require_active(session, actor)
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    query = select(flow.model).where(flow.readable_filter(actor), *where)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    order = order_by if order_by is not None else flow.model.updated_at.desc()
    rows = session.execute(query.order_by(order, flow.model.id.desc())
                           .offset(max(0, offset)).limit(limit)).scalars().all()
    return list(rows), total


def export(rows: list[dict], *, headers: list[str], sheet: str) -> bytes:
    """A list as an .xlsx workbook with Chinese headers (user text written as text)."""
    return to_xlsx(rows, headers=headers, sheet=sheet)


# --- writing -------------------------------------------------------------------------------------

def check_lengths(flow: Flow, values: dict) -> None:
    """Every text value within its column's length, named by the module's label."""
    limits.check_model(flow.model, values, flow.labels)


def create(session: Session, *, flow: Flow, actor: CurrentUser, values: dict,
           role: Role = Role.CLERK) -> Any:
    """A new draft of the actor's own org, audited as 创建 (in the caller's transaction)."""
    require_active(session, actor)
    if not flow.may_edit(actor):
        raise PermissionDenied(f"您无权录入{flow.label}")
    flow.refuse_engine_columns(values)
    check_lengths(flow, values)
    record = flow.model(org_id=actor.org_id, status=DRAFT, created_by=actor.id,
                        updated_by=actor.id, **values)
    session.add(record)
    session.flush()
    flow.record_event(session, record, actor, role=role, action="create")
    return record


def save(session: Session, *, flow: Flow, actor: CurrentUser, record_id: int, version: int,
         values: dict, extra_changes: dict | None = None, submit: bool = False) -> Any:
    """保存 (and with submit, 保存并上报) an editable record; changes audited old→new
    (in the caller's transaction)."""
    get(session, flow=flow, actor=actor, record_id=record_id)
    flow.refuse_engine_columns(values)
    check_lengths(flow, values)
    record = flow.apply(session, record_id=record_id, action=Action.SAVE, actor=actor,
                        version=version, values=values, extra_changes=extra_changes,
                        commit=False)
    if submit:
        record = flow.apply(session, record_id=record_id, action=Action.SUBMIT, actor=actor,
                            version=record.version, commit=False)
    return record


@transactional
def act(session: Session, *, flow: Flow, actor: CurrentUser, record_id: int, action: str,
        version: int, comment: str = "") -> Any:
    """A step without edits (通过, 驳回, 撤回, 作废, a module's verdicts, 保存并上报 of an unchanged
    draft): read check, then the flow decides."""
    get(session, flow=flow, actor=actor, record_id=record_id)
    record = flow.apply(session, record_id=record_id, action=action, actor=actor,
                        version=version, comment=comment, commit=False)
    session.commit()
    return record


# --- evidence ------------------------------------------------------------------------------------

def evidence(session: Session, *, flow: Flow, actor: CurrentUser, record_id: int
             ) -> list[Attachment]:
    get(session, flow=flow, actor=actor, record_id=record_id)
    return files.attachments_of(session, record_type=flow.module, record_id=record_id)


def attach(session: Session, *, flow: Flow, actor: CurrentUser, record: Any,
           uploads: Iterable[Upload], purposes: dict[str, frozenset[str]],
           secret: bool | None = None) -> dict[str, list]:
    """Store uploads on the record (in the caller's transaction); returns the audited change.

    `purposes` maps each accepted purpose to the file kinds it takes. A 涉密 record takes no
    upload at all: its material goes offline. `secret` is the 涉密 flag as the record is being
    saved (default: as stored), for a save that changes the flag and uploads in one step.
    """
    uploads = list(uploads)
    if not uploads:
        return {}
    if getattr(record, "is_secret", False) if secret is None else secret:
        raise ValidationError("涉密材料不得上传，请按提示通过电子政务内网邮箱线下报送")
    names = []
    for up in uploads:
        if up.purpose not in purposes:
            raise ValidationError(f"未知的材料类别“{up.purpose}”")
        files.store(session, actor=actor, filename=up.filename, data=up.data,
                    allowed=purposes[up.purpose], record_type=flow.module, record_id=record.id,
                    purpose=up.purpose)
        names.append(f"{up.purpose}：{up.filename}")
    return {"佐证材料": [None, names]}


def drop_evidence(session: Session, *, flow: Flow, record: Any,
                  only: Callable[[Attachment], bool] | None = None) -> dict[str, list]:
    """Remove the record's files; their content is deleted from the system once no attachment
    refers to it (涉密 material must not stay on the machine). Used when 涉密 is ticked and when
    a clerk removes a wrong file. Returns the audited change (file names only)."""
    dropped = [att for att in files.attachments_of(session, record_type=flow.module,
                                                   record_id=record.id)
               if only is None or only(att)]
    if not dropped:
        return {}
    changes = {"移除佐证材料": [[f"{att.purpose}：{att.original_name}" for att in dropped], None]}
    if purged := files.discard(session, dropped):
        changes[files.PURGED] = [purged, None]
    return changes


@transactional
def remove_file(session: Session, *, flow: Flow, actor: CurrentUser, record_id: int,
                version: int, attachment_id: int) -> Any:
    """Remove a wrongly uploaded file from an editable record (audited; the version moves on so a
    stale form gets the conflict message)."""
    record = get(session, flow=flow, actor=actor, record_id=record_id)
    if record.status not in EDITABLE:
        raise ValidationError(f"当前状态为“{record.status}”，不能移除附件")
    changes = drop_evidence(session, flow=flow, record=record,
                            only=lambda att: att.id == attachment_id)
    if not changes:
        raise ValidationError("该附件不存在或已移除，请刷新后重试")
    record = flow.apply(session, record_id=record_id, action=Action.SAVE, actor=actor,
                        version=version, extra_changes=changes, commit=False)
    session.commit()
    return record
