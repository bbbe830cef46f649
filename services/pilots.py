"""改革探索力 — reform pilots (SPEC §3.1–§3.4): entry, de-duplication, review, distribution,
join requests and the supervising department's corrections."""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import wraps
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from models import (
    Attachment, AuditEvent, JoinRequest, Org, OrgKind, Pilot, PilotDistrict, ProgressRevision,
    ProgressTask, Role, User, utcnow,
)
from services import docnumbers, files, limits, notifications, records, registry
from services.clock import LOCAL_TZ
from services.db import transactional
from services.errors import (
    CONFLICT_MESSAGE, Conflict, DuplicateDocument, PermissionDenied, ValidationError,
)
from services.flows import (
    CANCELLED, DEPT_STAFF, DISTRICT_REVIEWER, INTERNAL, PILOT_DEPT_CONFIRM, PILOT_DISTRIBUTED,
    PILOT_DISTRICT_REVIEW, SECTION, clerk_editing,
)
from services.identity import CurrentUser, require_active
from services.review import (
    DRAFT, RETURNED, Action, Flow, PageSpec, Todo, Transition, diff, rejection_rates,
)

DEPLOY_LEVELS = ["党中央国务院", "中办国办", "中央和国家有关部委（含司局级）", "全国人大常委会授权"]
SCOPE_DISTRICT = "国家文件明确区县"
SCOPE_PROVINCE = "国家文件明确由省市自行确定"
SCOPE_CITY = "国家文件明确范围为“重庆市”"
SCOPE_BASES = [SCOPE_DISTRICT, SCOPE_PROVINCE, SCOPE_CITY]
NATIONAL_DOC = "国家文件"
MUNICIPAL_DOC = "市级文件"
STATUSES = [DRAFT, PILOT_DISTRICT_REVIEW, RETURNED, PILOT_DEPT_CONFIRM, PILOT_DISTRIBUTED,
            CANCELLED]
# Where the supervising department reads the pilot and decides join requests.
AT_DEPARTMENT = (PILOT_DEPT_CONFIRM, PILOT_DISTRIBUTED)

CITY_SCOPE_REFUSAL = ("国家文件中明确改革试点范围是“重庆市”的不纳入填报范围；"
                      "国家文件明确开展试点的区县才属于填报范围")
SECRET_NO_UPLOAD = ("涉密试点的文件不得在系统上传，请通过电子政务内网邮箱线下报送；"
                    "如文件不涉密，请取消勾选“涉密”后再上传")
NAME_ENDINGS = ("试点", "改革试点", "示范区", "试验区")
CONTENT_PATTERNS = (("开展", "改革"), ("建立健全", "机制"), ("建立健全", "体系"), ("探索建立", "制度"))

FIELD_LABELS = {
    "name": "试点名称", "deploy_level": "部署层级", "doc_title": "文件依据", "doc_number": "文号",
    "scope_basis": "试点范围依据", "content": "试点内容及任务", "due_date": "完成时间",
    "dept_id": "主管市级部门", "batch": "批次", "is_secret": "涉密",
    "sent_offline": "涉密材料已线下报送", "evidence_by_dept": "请市级部门协助上传国家文件",
    "districts": "涉及区县",
}
# Length checks name the field the user typed, also for the derived normalised number.
_LENGTH_LABELS = {**FIELD_LABELS, "doc_number_norm": "文号"}

# Join request (申请纳入涉及区县) states.
JOIN_PENDING = "待处理"
JOIN_GRANTED = "已同意"
JOIN_DECLINED = "未同意"
JOIN_VOID = "试点已作废"

_SPACES = re.compile(r"\s+")


def normalize_batch(batch: str | None) -> str:
    """批次 as compared and stored: NFKC (full-width → half-width), no spaces or invisible marks."""
    text = unicodedata.normalize("NFKC", batch or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # zero-width marks
    return _SPACES.sub("", text)


@dataclass
class PilotInput:
    """What the pilot form sends (SPEC §3.1); `values()` is what is stored."""

    name: str = ""
    deploy_level: str = ""
    doc_title: str = ""
    doc_number: str = ""
    scope_basis: str = SCOPE_DISTRICT
    content: str = ""
    due_date: date | None = None
    dept_id: int | None = None
    batch: str = ""
    is_secret: bool = False
    sent_offline: bool = False
    evidence_by_dept: bool = False
    districts: set[int] = field(default_factory=set)

    def values(self) -> dict:
        return {
            "name": (self.name or "").strip(), "deploy_level": self.deploy_level or "",
            "doc_title": (self.doc_title or "").strip(),
            "doc_number": (self.doc_number or "").strip(),
            "doc_number_norm": docnumbers.normalize(self.doc_number),
            "scope_basis": self.scope_basis, "content": (self.content or "").strip(),
            "due_date": self.due_date, "dept_id": self.dept_id,
            "batch": normalize_batch(self.batch),
            "is_secret": self.is_secret, "sent_offline": self.is_secret and self.sent_offline,
            "evidence_by_dept": not self.is_secret and self.evidence_by_dept,
        }


@dataclass
class Upload:
    purpose: str  # NATIONAL_DOC or MUNICIPAL_DOC
    filename: str
    data: bytes


@dataclass(frozen=True)
class DuplicateInfo:
    """A live pilot that already holds a 文号 and 批次 (see `duplicate_check`)."""

    existing_id: int
    message: str
    can_request: bool  # the actor's district may still ask to be added
    note: str = ""     # the actor's own request on it, or why no request is possible


def _race_safe(fn):
    """A lost race (lock timeout, unique index, serialisation) is a conflict, never a raw error."""
    @wraps(fn)
    def wrapper(session, *args, **kwargs):
        try:
            return fn(session, *args, **kwargs)
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if isinstance(exc, OperationalError) and not _is_contention(exc):
                raise
            raise Conflict(CONFLICT_MESSAGE) from exc
    return wrapper


def _is_contention(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "locked" in str(exc.orig).lower() \
        or "busy" in str(exc.orig).lower()


# --- hints and validation ----------------------------------------------------------------------

def naming_warnings(name: str, content: str) -> list[str]:
    """The manual's naming hints (warnings, never blocks)."""
    warnings = []
    if name.strip() and not name.strip().endswith(NAME_ENDINGS):
        warnings.append("试点名称一般应为“×××试点”“×××改革试点”“×××示范区”“×××试验区”")
    text = content.strip()
    if text and not any(a in text and b in text[text.find(a):] for a, b in CONTENT_PATTERNS):
        warnings.append("试点内容或任务中应包含“开展×××改革”“建立健全×××机制”"
                        "“建立健全×××体系”“探索建立×××制度”等内容")
    return warnings


def _validate(session: Session, data: PilotInput, *, submitting: bool) -> dict:
    """The values to store, or a refusal. A draft needs only what identifies it in the city:
    试点名称, 文号 (the de-duplication key a draft already holds) and 主管市级部门 (who decides
    join requests on that number); 保存并上报 also needs every other field."""
    values = data.values()
    limits.check_text("批次", data.batch, limits.max_length(Pilot, "batch"))  # as typed
    limits.check_model(Pilot, values, _LENGTH_LABELS)
    if data.scope_basis == SCOPE_CITY:
        raise ValidationError(CITY_SCOPE_REFUSAL)
    if data.scope_basis not in SCOPE_BASES:
        raise ValidationError("请选择试点范围依据")
    if values["deploy_level"] and values["deploy_level"] not in DEPLOY_LEVELS:
        raise ValidationError("请从列表中选择“部署层级”")
    dept = session.get(Org, data.dept_id) if data.dept_id else None
    missing = [label for label, absent in (
        ("试点名称", not values["name"]), ("文号", not values["doc_number_norm"]),
        ("主管市级部门", dept is None or dept.kind != OrgKind.DEPARTMENT)) if absent]
    if submitting:
        missing += _field_gaps(values)
    if missing:  # every gap at once, so that one attempt shows all that is left to fill in
        raise ValidationError(f"请填写：{'、'.join(missing)}" + (
            "（文号为部署该试点的国家文件文号，系统据此去重）" if "文号" in missing else ""))
    return values


def _field_gaps(values: dict) -> list[str]:
    """Fields a draft may leave empty but 保存并上报 needs."""
    missing = [label for key, label in (("deploy_level", "部署层级"), ("doc_title", "文件依据"),
                                        ("content", "试点内容及任务"))
               if not str(values.get(key) or "").strip()]
    if values.get("due_date") is None:
        missing.append("完成时间")
    return missing


def _evidence_gaps(session: Session, pilot: Pilot, *, by_department: bool = False
                   ) -> list[tuple[str, str]]:
    """What the stored pilot's evidence lacks, as (short label, full instruction) pairs."""
    purposes = {a.purpose for a in files.attachments_of(session, record_type="pilot",
                                                        record_id=pilot.id)}
    return _gaps_with(pilot, purposes, by_department=by_department)


def _check_evidence(session: Session, pilot: Pilot, *, by_department: bool = False) -> None:
    if gaps := _evidence_gaps(session, pilot, by_department=by_department):
        raise ValidationError(gaps[0][1])


def missing_for_submit(session: Session, *, actor: CurrentUser, pilot_id: int) -> list[str]:
    """What a saved draft still lacks before 保存并上报 (named in the 保存 message)."""
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    values = {k: getattr(pilot, k) for k in ("deploy_level", "doc_title", "content", "due_date")}
    return _field_gaps(values) + [label for label, _ in _evidence_gaps(session, pilot)]


def _check_uploads(session: Session, uploads: list[Upload], *, secret: bool) -> None:
    """Refuse every bad upload before anything is written."""
    if uploads and secret:
        raise ValidationError(SECRET_NO_UPLOAD)
    for up in uploads:
        if up.purpose not in (NATIONAL_DOC, MUNICIPAL_DOC):
            raise ValidationError("未知的佐证材料类别")
        limits.check_text("文件名", Path(up.filename).name, limits.FILENAME_LIMIT)
        files.validate(session, filename=up.filename, data=up.data, allowed=files.DOCUMENT)


# --- de-duplication ----------------------------------------------------------------------------

def _duplicate_of(session: Session, norm: str, batch: str, exclude_id: int | None = None
                  ) -> Pilot | None:
    query = select(Pilot).where(Pilot.doc_number_norm == norm, Pilot.batch == batch,
                                Pilot.status != CANCELLED)
    if exclude_id is not None:
        query = query.where(Pilot.id != exclude_id)
    return session.execute(query).scalars().first()


def _duplicate_message(session: Session, existing: Pilot, *, next_step: str | None = None
                       ) -> str:
    """Who holds the number, and what the district does next (by default: ask to join)."""
    org = session.get(Org, existing.org_id)
    dept = session.get(Org, existing.dept_id)
    if next_step is None:
        next_step = (f"如本区县也承接了该试点，请“申请纳入涉及区县”，"
                     f"由主管市级部门（{dept.name}）确认")
    return (f"文号“{existing.doc_number}”（批次：{existing.batch or '未填写'}）已由{org.name}创建"
            f"（试点：{existing.name}，状态：{existing.status}），不能重复创建。{next_step}")


def _refuse_duplicate(session: Session, existing: Pilot) -> None:
    raise DuplicateDocument(_duplicate_message(session, existing), existing_id=existing.id)


def duplicate_check(session: Session, *, actor: CurrentUser, doc_number: str, batch: str = "",
                    exclude_id: int | None = None) -> DuplicateInfo | None:
    """The live pilot already holding this 文号 and 批次 (for the entry form, as it is typed)."""
    norm = docnumbers.normalize(doc_number)
    if not norm or limits.text_problem("批次", f"{doc_number}{batch}", multiline=False):
        return None  # 保存 refuses such text with its message
    existing = _duplicate_of(session, norm, normalize_batch(batch), exclude_id)
    if existing is None:
        return None
    if not (actor.is_district and actor.has(Role.CLERK)):
        return DuplicateInfo(existing.id, _duplicate_message(session, existing),
                             can_request=False)
    # One message: the join hint only where a request is still possible.
    if existing.org_id == actor.org_id:
        return DuplicateInfo(existing.id, _duplicate_message(
            session, existing, next_step="该试点已由本区县录入，请在“本区县试点”中查看或继续修改"),
            can_request=False)
    if actor.org_id in district_ids(session, existing.id):
        return DuplicateInfo(existing.id, _duplicate_message(
            session, existing, next_step="本区县已在该试点的涉及区县中，无需重复创建或申请"),
            can_request=False)
    pending = _pending_request(session, existing.id, actor.org_id)
    if pending is not None:
        return DuplicateInfo(existing.id, _duplicate_message(
            session, existing, next_step=f"本区县已申请纳入该试点（{JOIN_PENDING}）。"
                                         + _join_route(session, existing)), can_request=False)
    return DuplicateInfo(existing.id, _duplicate_message(session, existing), can_request=True)


def _join_route(session: Session, pilot: Pilot) -> str:
    """Who handles a join request on `pilot`, and when."""
    dept = session.get(Org, pilot.dept_id).name
    if pilot.status in AT_DEPARTMENT:
        return f"由主管市级部门（{dept}）处理，结果将通知到业务工作台"
    creator = session.get(Org, pilot.org_id).name
    return (f"该试点尚在{creator}（状态：{pilot.status}），未提交至主管市级部门；"
            f"申请已登记，试点提交至{dept}后由其处理，结果将通知到业务工作台")


# --- reading -----------------------------------------------------------------------------------

def _readable(actor: CurrentUser):
    """WHERE clause: pilots this user may read."""
    if actor.is_reform_office:
        return Pilot.status != DRAFT
    if actor.is_department:
        return and_(Pilot.dept_id == actor.org_id, Pilot.status.in_(AT_DEPARTMENT))
    involved = select(PilotDistrict.pilot_id).where(PilotDistrict.org_id == actor.org_id)
    return or_(Pilot.org_id == actor.org_id,
               and_(Pilot.status == PILOT_DISTRIBUTED, Pilot.id.in_(involved)))


def get(session: Session, *, actor: CurrentUser, pilot_id: int) -> Pilot:
    """The pilot, if `actor` may read it."""
    return records.get(session, flow=PILOT_FLOW, actor=actor, record_id=pilot_id)


def district_ids(session: Session, pilot_id: int) -> set[int]:
    """The pilot's 涉及区县."""
    return set(session.execute(select(PilotDistrict.org_id)
                               .where(PilotDistrict.pilot_id == pilot_id)).scalars())


def _filters(actor: CurrentUser, *, district_id: int | None, dept_id: int | None,
             status: str | None, year: int | None, own: bool) -> list:
    where = []
    if district_id:
        where.append(or_(Pilot.org_id == district_id, Pilot.id.in_(
            select(PilotDistrict.pilot_id).where(PilotDistrict.org_id == district_id))))
    if own:
        where.append(Pilot.org_id == actor.org_id)
    if dept_id:
        where.append(Pilot.dept_id == dept_id)
    if status:
        where.append(Pilot.status == status)
    if year:
        where += [Pilot.created_at >= datetime(year, 1, 1, tzinfo=LOCAL_TZ),
                  Pilot.created_at < datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)]
    return where


def search_page(session: Session, *, actor: CurrentUser, district_id: int | None = None,
                dept_id: int | None = None, status: str | None = None, year: int | None = None,
                own: bool = False, offset: int = 0, limit: int = records.DEFAULT_PAGE_SIZE
                ) -> tuple[list[dict], int]:
    """One page of the pilot list (filters: district, department, status, year; `own`: only
    those the actor's org created), newest first, and the number of matching pilots."""
    PILOT_FLOW.check_status_filter(status)
    if year is not None and not 1900 <= year <= 2999:
        raise ValidationError(f"年份{year}超出范围，请重新选择")
    found, total = records.page(
        session, flow=PILOT_FLOW, actor=actor, offset=offset, limit=limit,
        where=_filters(actor, district_id=district_id, dept_id=dept_id, status=status,
                       year=year, own=own))
    names = dict(session.execute(select(Org.id, Org.name)).all())
    involved = _involved_names(session, [p.id for p in found])
    return [
        {"id": p.id, "试点名称": p.name, "文号": p.doc_number, "文件依据": p.doc_title,
         "部署层级": p.deploy_level, "试点范围依据": p.scope_basis,
         "主管市级部门": names[p.dept_id], "创建区县": names[p.org_id],
         "涉及区县": "、".join(involved.get(p.id, [])), "完成时间": p.due_date,
         "批次": p.batch, "涉密": "是" if p.is_secret else "否", "状态": p.status,
         "更新时间": p.updated_at}
        for p in found
    ], total


def search(session: Session, *, actor: CurrentUser, limit: int = records.MAX_PAGE_SIZE,
           **filters) -> list[dict]:
    """The first `limit` rows of the pilot list (see `search_page`)."""
    return search_page(session, actor=actor, limit=limit, **filters)[0]


def _involved_names(session: Session, pilot_ids: list[int]) -> dict[int, list[str]]:
    involved: dict[int, list[str]] = {}
    if not pilot_ids:
        return involved
    for pid, name in session.execute(
            select(PilotDistrict.pilot_id, Org.name).join(Org, Org.id == PilotDistrict.org_id)
            .where(PilotDistrict.pilot_id.in_(pilot_ids)).order_by(PilotDistrict.org_id)).all():
        involved.setdefault(pid, []).append(name)
    return involved


def evidence(session: Session, *, actor: CurrentUser, pilot_id: int) -> list[Attachment]:
    """The pilot's 佐证材料, if `actor` may read the pilot."""
    get(session, actor=actor, pilot_id=pilot_id)
    return files.attachments_of(session, record_type="pilot", record_id=pilot_id)


def removable_evidence(session: Session, *, actor: CurrentUser, pilot_id: int) -> set[int]:
    """Ids of the attachments `actor` may remove now (drawn as 删除 buttons)."""
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    if pilot.status in (DRAFT, RETURNED) and PILOT_FLOW.can(Action.SAVE, pilot, actor):
        return {a.id for a in files.attachments_of(session, record_type="pilot",
                                                    record_id=pilot.id)}
    if pilot.status == PILOT_DEPT_CONFIRM and _is_supervisor(actor, pilot):
        return set(session.execute(
            select(Attachment.id).join(User, User.id == Attachment.uploaded_by)
            .where(Attachment.record_type == "pilot", Attachment.record_id == pilot.id,
                   User.org_id == actor.org_id)).scalars())
    return set()


# --- writing helpers ---------------------------------------------------------------------------

def _require_clerk(actor: CurrentUser) -> None:
    if not (actor.is_district and actor.has(Role.CLERK)):
        raise PermissionDenied("只有区县录入员可以录入试点项目")


def _is_supervisor(actor: CurrentUser, pilot: Pilot) -> bool:
    return (actor.is_department and actor.org_id == pilot.dept_id
            and actor.has(Role.CLERK, Role.REVIEWER))


def _require_supervisor(actor: CurrentUser, pilot: Pilot) -> None:
    if not _is_supervisor(actor, pilot):
        raise PermissionDenied("只有该试点的主管市级部门可以执行此操作")


def _role(actor: CurrentUser) -> Role:
    return Role.CLERK if actor.has(Role.CLERK) else Role.REVIEWER


def _bump(session: Session, pilot: Pilot, version: int,
          values: dict | None = None) -> None:
    """Compare-and-set: change the pilot only if nobody changed it since `version` was read.

    `updated_by` is left alone: the department adjusting 涉及区县 while it confirms is not an
    edit that would bar it from 确认分发 (segregation of duties is about the district's entry).
    """
    result = session.execute(
        sa.update(Pilot).where(Pilot.id == pilot.id, Pilot.version == version)
        .values(version=version + 1, updated_at=utcnow(), **(values or {}))
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(CONFLICT_MESSAGE)
    session.refresh(pilot)


def _district_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Org.id, Org.name).where(Org.kind == OrgKind.DISTRICT))
                .all())


@dataclass
class _DistrictPlan:
    add: set[int]
    remove: set[int]
    changes: dict


def _plan_districts(session: Session, pilot_org_id: int, current: set[int], wanted: set[int]
                    ) -> _DistrictPlan:
    """Check a new 涉及区县 list (nothing written): only districts, the creator always in."""
    wanted = set(wanted)
    names = _district_names(session)
    if not wanted:
        raise ValidationError("“涉及区县”至少选择一个区县")
    if wanted - set(names):
        raise ValidationError("“涉及区县”只能选择区县")
    if pilot_org_id not in wanted:
        raise ValidationError(f"创建区县“{names[pilot_org_id]}”始终属于涉及区县，不能移除")
    add, remove = wanted - current, current - wanted
    changes = {"涉及区县": ["、".join(sorted(names[i] for i in current)),
                         "、".join(sorted(names[i] for i in wanted))]} if add or remove else {}
    return _DistrictPlan(add, remove, changes)


def _write_districts(session: Session, pilot: Pilot, plan: _DistrictPlan) -> None:
    for oid in sorted(plan.add):
        session.add(PilotDistrict(pilot_id=pilot.id, org_id=oid))
    if plan.remove:
        session.execute(delete(PilotDistrict).where(PilotDistrict.pilot_id == pilot.id,
                                                    PilotDistrict.org_id.in_(plan.remove)))
    session.flush()


def _label(att: Attachment) -> str:
    return f"{att.purpose}：{att.original_name}"


def _store_uploads(session: Session, actor: CurrentUser, pilot: Pilot,
                   uploads: list[Upload]) -> list[str]:
    """Keep already checked uploads; returns their labels for the audit trail."""
    for up in uploads:
        files.store(session, actor=actor, filename=up.filename, data=up.data,
                    allowed=files.DOCUMENT, record_type="pilot", record_id=pilot.id,
                    purpose=up.purpose)
    return [f"{up.purpose}：{Path(up.filename).name}" for up in uploads]


def _detach(session: Session, attachments: list[Attachment]) -> tuple[list[str], list[str]]:
    """Remove attachments from their record; returns their labels and the names of the files
    whose content is deleted from the system with them, for the audit trail."""
    return [_label(a) for a in attachments], files.discard(session, attachments)


def _evidence_changes(removed: tuple[list[str], list[str]] | list[str], added: list[str]
                      ) -> dict:
    removed, purged = removed if isinstance(removed, tuple) else (removed, [])
    changes = {"佐证材料": [removed or None, added or None]} if removed or added else {}
    if purged:
        changes[files.PURGED] = [purged, None]
    return changes


def _facts(pilot: Pilot, values: dict | None = None) -> Pilot:
    """The pilot as it will be after `values` (a detached copy, for checks before writing)."""
    return Pilot(**{**pilot.model_dump(), **(values or {})})


def _purposes_after(session: Session, pilot: Pilot | None, uploads: list[Upload],
                    detaching: bool) -> set[str]:
    kept = set() if pilot is None or detaching else {
        a.purpose for a in files.attachments_of(session, record_type="pilot",
                                                record_id=pilot.id)}
    return kept | {u.purpose for u in uploads}


def _gaps_with(facts: Pilot, purposes: set[str], *, by_department: bool = False
               ) -> list[tuple[str, str]]:
    """What the evidence lacks when the pilot has `facts` and files of `purposes`.

    A district without the national document may submit asking the department to upload it;
    the department cannot distribute until it is there.
    """
    if facts.is_secret:
        return [] if facts.sent_offline else [(
            "涉密材料线下报送确认", "涉密试点请先通过电子政务内网邮箱报送文件，并勾选“已线下报送”")]
    gaps = []
    if NATIONAL_DOC not in purposes:
        if by_department:
            gaps.append(("佐证材料（国家文件）", "请上传部署该试点的国家文件（Word 或 PDF）后再确认分发"))
        elif not facts.evidence_by_dept:
            gaps.append(("佐证材料（国家文件）",
                         "请上传佐证材料：部署该试点的国家文件（Word 或 PDF）；"
                         "区县没有国家文件的，请联系主管市级部门协助上传"))
    if facts.scope_basis == SCOPE_PROVINCE and MUNICIPAL_DOC not in purposes:
        gaps.append(("佐证材料（市级文件）",
                     "国家文件明确由省市自行确定范围的，须同时上传国家文件和相应市级文件"))
    return gaps


# --- the creating district ---------------------------------------------------------------------

@_race_safe
@transactional
def create(session: Session, *, actor: CurrentUser, data: PilotInput,
           uploads: list[Upload] = (), submit: bool = False) -> Pilot:
    """保存 (or 保存并上报) a new pilot of the actor's district; refused if the 文号 exists."""
    require_active(session, actor)
    _require_clerk(actor)
    values = _validate(session, data, submitting=submit)
    uploads = list(uploads)
    _check_uploads(session, uploads, secret=values["is_secret"])
    if (existing := _duplicate_of(session, values["doc_number_norm"], values["batch"])):
        _refuse_duplicate(session, existing)
    plan = _plan_districts(session, actor.org_id, set(), set(data.districts) | {actor.org_id})
    facts = Pilot(org_id=actor.org_id, status=DRAFT, created_by=actor.id, updated_by=actor.id,
                  **values)
    if submit:
        if gaps := _gaps_with(facts, _purposes_after(session, None, uploads, False)):
            raise ValidationError(gaps[0][1])
    pilot = facts
    session.add(pilot)
    try:
        session.flush()
    except IntegrityError:  # a concurrent creation took the number first
        session.rollback()
        if (existing := _duplicate_of(session, values["doc_number_norm"], values["batch"])
                ) is None:
            raise
        _refuse_duplicate(session, existing)
    _write_districts(session, pilot, plan)
    _store_uploads(session, actor, pilot, uploads)
    PILOT_FLOW.record_event(session, pilot, actor, role=Role.CLERK, action="create")
    if submit:
        PILOT_FLOW.apply(session, record_id=pilot.id, action=Action.SUBMIT, actor=actor,
                         version=pilot.version, commit=False)
    session.commit()
    return pilot


@_race_safe
@transactional
def update(session: Session, *, actor: CurrentUser, pilot_id: int, version: int,
           data: PilotInput, uploads: list[Upload] = (), submit: bool = False) -> Pilot:
    """保存 (or 保存并上报) a draft or returned pilot; changes are audited old→new.

    Ticking 涉密 removes the evidence stored so far (涉密 material is never kept in the system).
    """
    require_active(session, actor)
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    PILOT_FLOW.check(Action.SAVE, pilot, actor, version)
    values = _validate(session, data, submitting=submit)
    uploads = list(uploads)
    _check_uploads(session, uploads, secret=values["is_secret"])
    if (existing := _duplicate_of(session, values["doc_number_norm"], values["batch"],
                                  pilot.id)) is not None:
        _refuse_duplicate(session, existing)
    plan = _plan_districts(session, pilot.org_id, district_ids(session, pilot.id),
                           set(data.districts) | {pilot.org_id})
    detached = files.attachments_of(session, record_type="pilot", record_id=pilot.id) \
        if values["is_secret"] else []
    if submit:
        purposes = _purposes_after(session, pilot, uploads, bool(detached))
        if gaps := _gaps_with(_facts(pilot, values), purposes):
            raise ValidationError(gaps[0][1])
    _write_districts(session, pilot, plan)
    removed = _detach(session, detached)
    added = _store_uploads(session, actor, pilot, uploads)
    pilot = PILOT_FLOW.apply(session, record_id=pilot_id, action=Action.SAVE, actor=actor,
                             version=version, values=values, commit=False,
                             extra_changes={**plan.changes, **_evidence_changes(removed, added)})
    if submit:
        PILOT_FLOW.apply(session, record_id=pilot_id, action=Action.SUBMIT, actor=actor,
                         version=pilot.version, commit=False)
    session.commit()
    return pilot


@_race_safe
@transactional
def act(session: Session, *, actor: CurrentUser, pilot_id: int, action: Action, version: int,
        comment: str = "") -> Pilot:
    """通过 / 驳回 / 撤回 / 作废 (and 保存并上报 of an unchanged draft)."""
    require_active(session, actor)
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    action = Action(action)
    if action is Action.DISTRIBUTE:
        raise ValidationError("确认分发请使用“确认分发”功能")
    limits.check_text("意见", comment, limits.max_length(AuditEvent, "comment"))
    return records.act(session, flow=PILOT_FLOW, actor=actor, record_id=pilot.id,
                       action=action, version=version, comment=comment)


@_race_safe
@transactional
def remove_evidence(session: Session, *, actor: CurrentUser, pilot_id: int,
                    attachment_id: int, version: int) -> Pilot:
    """Remove a wrongly uploaded file: the owning district's clerk from a draft or returned
    pilot; the supervising department, while it confirms, what it added itself. Audited."""
    require_active(session, actor)
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    if pilot.version != version:
        raise Conflict(CONFLICT_MESSAGE)
    att = session.get(Attachment, attachment_id)
    if att is None or att.record_type != "pilot" or att.record_id != pilot.id:
        raise ValidationError("该文件不存在或已被删除，请刷新后重试")
    if pilot.status in (DRAFT, RETURNED):
        PILOT_FLOW.check(Action.SAVE, pilot, actor, version)
        role = Role.CLERK
    elif pilot.status == PILOT_DEPT_CONFIRM:
        _require_supervisor(actor, pilot)
        if session.get(User, att.uploaded_by).org_id != actor.org_id:
            raise PermissionDenied("主管市级部门只能删除本部门上传的文件；区县上传的文件有误的，请驳回由区县修改")
        role = _role(actor)
    else:
        raise ValidationError(f"当前状态为“{pilot.status}”，不能删除佐证材料")
    PILOT_FLOW.record_event(session, pilot, actor, role=role, action="remove_file",
                            changes=_evidence_changes(_detach(session, [att]), []))
    session.commit()
    return pilot


# --- the supervising department ----------------------------------------------------------------

def _create_tasks(session: Session, pilot: Pilot, org_ids: set[int]) -> list[int]:
    existing = set(session.execute(select(ProgressTask.org_id)
                                   .where(ProgressTask.pilot_id == pilot.id)).scalars())
    new = sorted(set(org_ids) - existing)
    for oid in new:
        session.add(ProgressTask(pilot_id=pilot.id, org_id=oid))
    session.flush()
    return new


def _clerks(session: Session, org_ids) -> list[int]:
    return notifications.active_user_ids(session, roles=[Role.CLERK], org_ids=list(org_ids))


def _notify_district_clerks(session: Session, pilot: Pilot, org_ids: list[int]) -> None:
    if not org_ids:
        return
    notifications.send(
        session, user_ids=_clerks(session, org_ids), record_type="pilot", record_id=pilot.id,
        title=f"【推进任务】试点“{pilot.name}”已分发，请更新推进状态",
        body="请在“试点推进状态更新”中填报推进情况、已开展工作、存在问题和试点成果。")


def _dept_staff(session: Session, pilot: Pilot) -> list[int]:
    return notifications.active_user_ids(session, roles=[Role.CLERK, Role.REVIEWER],
                                         org_ids=[pilot.dept_id])


@_race_safe
@transactional
def confirm_and_distribute(session: Session, *, actor: CurrentUser, pilot_id: int, version: int,
                           corrections: PilotInput | None = None,
                           districts: set[int] | None = None,
                           uploads: list[Upload] = ()) -> Pilot:
    """确认分发: the department checks (and may correct) the facts, then pushes the tasks."""
    require_active(session, actor)
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    PILOT_FLOW.check(Action.DISTRIBUTE, pilot, actor, version)
    values = {}
    if corrections is not None:
        corrections.dept_id = pilot.dept_id  # the department is not changed by itself
        values = _validate(session, corrections, submitting=True)
        if (dup := _duplicate_of(session, values["doc_number_norm"], values["batch"],
                                 pilot.id)) is not None:
            _refuse_duplicate(session, dup)
    facts = _facts(pilot, values)
    uploads = list(uploads)
    _check_uploads(session, uploads, secret=facts.is_secret)
    current = district_ids(session, pilot.id)
    plan = _plan_districts(session, pilot.org_id, current,
                           current if districts is None else set(districts))
    detached = files.attachments_of(session, record_type="pilot", record_id=pilot.id) \
        if facts.is_secret else []
    if gaps := _gaps_with(facts, _purposes_after(session, pilot, uploads, bool(detached)),
                          by_department=True):
        raise ValidationError(gaps[0][1])
    _write_districts(session, pilot, plan)
    removed = _detach(session, detached)
    added = _store_uploads(session, actor, pilot, uploads)
    pilot = PILOT_FLOW.apply(session, record_id=pilot_id, action=Action.DISTRIBUTE, actor=actor,
                             version=version, values=values, commit=False,
                             extra_changes={**plan.changes, **_evidence_changes(removed, added)})
    _create_tasks(session, pilot, district_ids(session, pilot.id))
    session.commit()
    return pilot


@_race_safe
@transactional
def add_evidence(session: Session, *, actor: CurrentUser, pilot_id: int, version: int,
                 uploads: list[Upload]) -> Pilot:
    """The department uploads the national document (or more evidence) while it confirms."""
    require_active(session, actor)
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    _require_supervisor(actor, pilot)
    if pilot.status != PILOT_DEPT_CONFIRM:
        raise ValidationError(f"当前状态为“{pilot.status}”，不能上传佐证材料")
    if pilot.version != version:
        raise Conflict(CONFLICT_MESSAGE)
    uploads = list(uploads)
    if not uploads:
        raise ValidationError("请先选择要上传的文件（Word 或 PDF）")
    _check_uploads(session, uploads, secret=pilot.is_secret)
    added = _store_uploads(session, actor, pilot, uploads)
    PILOT_FLOW.record_event(session, pilot, actor, role=_role(actor), action="add_file",
                            changes=_evidence_changes([], added))
    session.commit()
    return pilot


@_race_safe
@transactional
def add_district(session: Session, *, actor: CurrentUser, pilot_id: int, district_id: int,
                 version: int | None = None) -> Pilot:
    """The department adds a district; a distributed pilot pushes it a task at once."""
    require_active(session, actor)
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    _add_district(session, actor, pilot, district_id,
                  pilot.version if version is None else version)
    session.commit()
    return pilot


def _add_district(session: Session, actor: CurrentUser, pilot: Pilot, district_id: int,
                  version: int) -> None:
    _require_supervisor(actor, pilot)
    if pilot.version != version:
        raise Conflict(CONFLICT_MESSAGE)
    if pilot.status not in AT_DEPARTMENT:
        raise ValidationError(f"当前状态为“{pilot.status}”，不能调整涉及区县")
    current = district_ids(session, pilot.id)
    if district_id in current:
        raise ValidationError("该区县已在涉及区县中")
    plan = _plan_districts(session, pilot.org_id, current, current | {district_id})
    _bump(session, pilot, version)  # first write: a concurrent change loses here
    _write_districts(session, pilot, plan)
    _close_requests(session, pilot, {district_id}, actor, JOIN_GRANTED)
    PILOT_FLOW.record_event(session, pilot, actor, role=_role(actor), action="add_district",
                            changes=plan.changes)
    if pilot.status == PILOT_DISTRIBUTED:
        _notify_district_clerks(session, pilot, _create_tasks(session, pilot, {district_id}))


@_race_safe
@transactional
def correct(session: Session, *, actor: CurrentUser, pilot_id: int, version: int,
            corrections: PilotInput, districts: set[int] | None = None,
            uploads: list[Upload] = ()) -> Pilot:
    """The supervising department corrects key facts and 涉及区县 of a distributed pilot.

    An added district gets its 推进任务; a district that has reported progress cannot be removed;
    one without progress loses its task. Audited old→new and told to the districts' clerks.
    """
    require_active(session, actor)
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    _require_supervisor(actor, pilot)
    if pilot.status != PILOT_DISTRIBUTED:
        raise ValidationError("只有已分发的试点可以更正；待确认的试点请在确认分发时修改")
    if pilot.version != version:
        raise Conflict(CONFLICT_MESSAGE)
    corrections.dept_id = pilot.dept_id
    values = _validate(session, corrections, submitting=True)
    if (dup := _duplicate_of(session, values["doc_number_norm"], values["batch"],
                             pilot.id)) is not None:
        _refuse_duplicate(session, dup)
    current = district_ids(session, pilot.id)
    plan = _plan_districts(session, pilot.org_id, current,
                           current if districts is None else set(districts))
    _refuse_removing_reported(session, pilot, plan.remove)
    facts = _facts(pilot, values)
    uploads = list(uploads)
    _check_uploads(session, uploads, secret=facts.is_secret)
    detached = files.attachments_of(session, record_type="pilot", record_id=pilot.id) \
        if facts.is_secret else []
    if gaps := _gaps_with(facts, _purposes_after(session, pilot, uploads, bool(detached)),
                          by_department=True):
        raise ValidationError(gaps[0][1])
    changed = diff(pilot, values)
    if not (changed or plan.changes or uploads or detached):
        raise ValidationError("没有需要更正的内容")
    _bump(session, pilot, version, {"updated_by": actor.id, **{k: values[k] for k in changed}})
    _write_districts(session, pilot, plan)
    removed = _detach(session, detached)
    added = _store_uploads(session, actor, pilot, uploads)
    if plan.remove:
        session.execute(delete(ProgressTask).where(ProgressTask.pilot_id == pilot.id,
                                                   ProgressTask.org_id.in_(plan.remove)))
    _close_requests(session, pilot, plan.add, actor, JOIN_GRANTED)
    PILOT_FLOW.record_event(session, pilot, actor, role=_role(actor), action="correct",
                            changes={**changed, **plan.changes,
                                     **_evidence_changes(removed, added)})
    _notify_district_clerks(session, pilot, _create_tasks(session, pilot, plan.add))
    labels = [FIELD_LABELS.get(k, k) for k in changed if k in FIELD_LABELS] + list(plan.changes) \
        + (["佐证材料"] if removed or added else [])
    notifications.send(
        session, user_ids=_clerks(session, current),
        record_type="pilot", record_id=pilot.id,
        title=f"【试点更正】{actor.org_name}更正了试点“{pilot.name}”",
        body=f"更正内容：{'、'.join(labels)}。详见试点项目清单中的审核记录。"
             + ("已从涉及区县中移除的区县不再填报该试点的推进情况。" if plan.remove else ""))
    session.commit()
    return pilot


def _refuse_removing_reported(session: Session, pilot: Pilot, remove: set[int]) -> None:
    if not remove:
        return
    reported = set(session.execute(
        select(ProgressTask.org_id).join(ProgressRevision,
                                         ProgressRevision.task_id == ProgressTask.id)
        .where(ProgressTask.pilot_id == pilot.id, ProgressTask.org_id.in_(remove))).scalars())
    if reported:
        names = _district_names(session)
        raise ValidationError(
            f"{'、'.join(sorted(names[i] for i in reported))}已填报该试点的推进情况，"
            "不能从涉及区县中移除；如确属误选，请联系市委改革办处理")


def awaiting_national_document(session: Session, *, actor: CurrentUser) -> list[dict]:
    """Pilots at this department whose district asked it to upload the national document."""
    if not (actor.is_department and actor.has(Role.CLERK, Role.REVIEWER)):
        return []
    has_national = select(Attachment.record_id).where(Attachment.record_type == "pilot",
                                                      Attachment.purpose == NATIONAL_DOC)
    rows = session.execute(
        select(Pilot, Org.name).join(Org, Org.id == Pilot.org_id)
        .where(Pilot.dept_id == actor.org_id, Pilot.status == PILOT_DEPT_CONFIRM,
               Pilot.evidence_by_dept, Pilot.is_secret == False,  # noqa: E712
               Pilot.id.not_in(has_national))
        .order_by(Pilot.updated_at)).all()
    return [{"id": p.id, "试点名称": p.name, "创建区县": org, "更新时间": p.updated_at,
             "version": p.version} for p, org in rows]


def dept_queue(session: Session, *, actor: CurrentUser) -> list[Pilot]:
    """Pilots waiting for this reviewer's district review or this department's confirmation."""
    return PILOT_FLOW.review_queue(session, actor)


def queue_rows(session: Session, *, actor: CurrentUser) -> list[dict]:
    """The review queue as table rows (shown and exported to Excel)."""
    queue = dept_queue(session, actor=actor)
    names = dict(session.execute(select(Org.id, Org.name)).all())
    involved = _involved_names(session, [p.id for p in queue])
    waiting = {r["id"] for r in awaiting_national_document(session, actor=actor)}
    return [{"id": p.id, "试点名称": p.name, "文号": p.doc_number, "批次": p.batch,
             "创建区县": names[p.org_id], "主管市级部门": names[p.dept_id],
             "涉及区县": "、".join(involved.get(p.id, [])), "状态": p.status,
             "说明": "待上传国家文件" if p.id in waiting else "", "更新时间": p.updated_at}
            for p in queue]


# --- 申请纳入涉及区县 ---------------------------------------------------------------------------

JOIN_TITLE = "【申请纳入涉及区县】"


def _pending_count(session: Session, pilot_id: int) -> int:
    return session.execute(select(func.count()).select_from(JoinRequest).where(
        JoinRequest.pilot_id == pilot_id, JoinRequest.status == JOIN_PENDING)).scalar_one()


def _pending_request(session: Session, pilot_id: int, org_id: int) -> JoinRequest | None:
    return session.execute(select(JoinRequest).where(
        JoinRequest.pilot_id == pilot_id, JoinRequest.org_id == org_id,
        JoinRequest.status == JOIN_PENDING)).scalars().first()


@_race_safe
@transactional
def request_join(session: Session, *, actor: CurrentUser, pilot_id: int) -> JoinRequest:
    """申请纳入涉及区县: asked by a district whose pilot already exists under another district.

    A pilot not yet at its department (草稿, 待区县审核, 退回修改) keeps the request until it
    arrives there; `join_request_notice` tells the requester so.
    """
    require_active(session, actor)
    if not (actor.is_district and actor.has(Role.CLERK)):
        raise PermissionDenied("只有区县录入员可以申请纳入涉及区县")
    pilot = session.get(Pilot, pilot_id)
    if pilot is None or pilot.status == CANCELLED:
        raise ValidationError("该试点不存在或已作废")
    if actor.org_id in district_ids(session, pilot_id):
        raise ValidationError("本区县已在该试点的涉及区县中")
    if _pending_request(session, pilot_id, actor.org_id) is not None:
        raise ValidationError("已提交过申请，请等待主管市级部门处理")
    req = JoinRequest(pilot_id=pilot_id, org_id=actor.org_id, requested_by=actor.id,
                      status=JOIN_PENDING)
    session.add(req)
    try:
        session.flush()  # the unique index keeps one pending request per district
    except IntegrityError:
        session.rollback()
        raise ValidationError("已提交过申请，请等待主管市级部门处理") from None
    PILOT_FLOW.record_event(session, pilot, actor, role=Role.CLERK, action="request_join",
                            changes={"申请纳入涉及区县": [None, actor.org_name]})
    if pilot.status in AT_DEPARTMENT:
        notifications.send(
            session, user_ids=_dept_staff(session, pilot), record_type="pilot",
            record_id=pilot.id,
            title=f"【申请纳入涉及区县】{actor.org_name}申请纳入试点“{pilot.name}”",
            body=f"文号：{pilot.doc_number}。请在“试点项目审核”中处理。")
    session.commit()
    return req


def join_request_notice(session: Session, *, actor: CurrentUser, request_id: int) -> str:
    """What happens next with the actor's district's request (shown after 申请纳入涉及区县)."""
    req = session.get(JoinRequest, request_id)
    if req is None or req.org_id != actor.org_id:
        raise PermissionDenied("该申请不存在或您无权查看")
    return f"已提交“申请纳入涉及区县”（{req.status}）。" + _join_route(
        session, session.get(Pilot, req.pilot_id))


def _announce_held_requests(session: Session, pilot: Pilot) -> None:
    """A pilot reaching its department brings the requests made while it was with the district."""
    names = list(session.execute(
        select(Org.name).join(JoinRequest, JoinRequest.org_id == Org.id)
        .where(JoinRequest.pilot_id == pilot.id, JoinRequest.status == JOIN_PENDING)
        .order_by(JoinRequest.id)).scalars())
    if names:
        notifications.send(
            session, user_ids=_dept_staff(session, pilot), record_type="pilot",
            record_id=pilot.id,
            title=f"【申请纳入涉及区县】{'、'.join(names)}申请纳入试点“{pilot.name}”",
            body="申请在试点创建期间提出，试点现已提交主管市级部门，请在“试点项目审核”中处理。")


def _close_requests(session: Session, pilot: Pilot, org_ids: set[int], actor: CurrentUser,
                    status: str) -> None:
    """Pending requests of districts that were just added are settled by that addition."""
    if org_ids:
        session.execute(sa.update(JoinRequest).where(
            JoinRequest.pilot_id == pilot.id, JoinRequest.org_id.in_(org_ids),
            JoinRequest.status == JOIN_PENDING)
            .values(status=status, decided_by=actor.id, decided_at=utcnow()))


def _void_requests(session: Session, pilot: Pilot) -> None:
    """作废 frees the number: requesters may now create the pilot themselves."""
    requesters = list(session.execute(select(JoinRequest.requested_by).where(
        JoinRequest.pilot_id == pilot.id, JoinRequest.status == JOIN_PENDING)).scalars())
    if not requesters:
        return
    session.execute(sa.update(JoinRequest).where(JoinRequest.pilot_id == pilot.id,
                                              JoinRequest.status == JOIN_PENDING)
                    .values(status=JOIN_VOID, decided_at=utcnow()))
    notifications.send(
        session, user_ids=requesters, record_type="", record_id=None,
        title=f"【申请纳入涉及区县】试点“{pilot.name}”已作废",
        body=f"文号“{pilot.doc_number}”已释放；如本区县承接该试点，可在“试点项目录入”中自行创建。")


def pending_join_requests(session: Session, *, actor: CurrentUser) -> list[dict]:
    """Requests this department can decide now (their pilots have reached it)."""
    if not (actor.is_department and actor.has(Role.CLERK, Role.REVIEWER)):
        return []
    requester = User.__table__.alias("requester")
    rows = session.execute(
        select(JoinRequest, Pilot, Org.name, requester.c.name)
        .join(Pilot, Pilot.id == JoinRequest.pilot_id).join(Org, Org.id == JoinRequest.org_id)
        .join(requester, requester.c.id == JoinRequest.requested_by)
        .where(Pilot.dept_id == actor.org_id, Pilot.status.in_(AT_DEPARTMENT),
               JoinRequest.status == JOIN_PENDING)
        .order_by(JoinRequest.id)).all()
    return [{"id": r.id, "pilot_id": p.id, "试点名称": p.name, "文号": p.doc_number,
             "批次": p.batch, "申请区县": org, "申请人": who, "试点状态": p.status,
             "申请时间": r.created_at} for r, p, org, who in rows]


@_race_safe
@transactional
def decide_join(session: Session, *, actor: CurrentUser, request_id: int, grant: bool
                ) -> JoinRequest:
    """The department grants (adds the district, in one click) or declines a join request."""
    require_active(session, actor)
    req = session.get(JoinRequest, request_id)
    if req is None or req.status != JOIN_PENDING:
        raise ValidationError("该申请不存在或已处理")
    pilot = session.get(Pilot, req.pilot_id)
    _require_supervisor(actor, pilot)
    if pilot.status not in AT_DEPARTMENT:
        raise ValidationError(f"该试点尚未提交至主管市级部门（状态：{pilot.status}），"
                              "申请将在试点提交后处理")
    status = JOIN_GRANTED if grant else JOIN_DECLINED
    if grant and req.org_id not in district_ids(session, pilot.id):
        _add_district(session, actor, pilot, req.org_id, pilot.version)  # settles the request
    else:
        done = session.execute(sa.update(JoinRequest).where(
            JoinRequest.id == req.id, JoinRequest.status == JOIN_PENDING)
            .values(status=status, decided_by=actor.id, decided_at=utcnow()))
        if done.rowcount != 1:
            raise Conflict(CONFLICT_MESSAGE)
        if not grant:
            PILOT_FLOW.record_event(session, pilot, actor, role=_role(actor),
                                    action="decline_join", changes={
                                        "申请纳入涉及区县": [session.get(Org, req.org_id).name,
                                                     None]})
    session.refresh(req)
    if _pending_count(session, pilot.id) == 0:  # every request on it is handled now
        notifications.settle(session, record_type="pilot", record_id=pilot.id,
                             user_ids=_dept_staff(session, pilot), title_prefix=JOIN_TITLE)
    notifications.send(
        session, user_ids=[req.requested_by], record_type="pilot", record_id=pilot.id,
        title=f"【申请纳入涉及区县】试点“{pilot.name}”：{actor.org_name}{status}您的申请",
        body="已纳入涉及区县，推进任务将推送到业务工作台。" if grant else "如有疑问请联系主管市级部门。")
    session.commit()
    return req


# --- 驳回率 and exports -------------------------------------------------------------------------

def rejection_summary(session: Session, *, actor: CurrentUser, year: int | None = None
                      ) -> list[dict]:
    """The pilots' 驳回率 per district and review stage (rejections ÷ submissions reaching the
    stage, counted in times). A district sees only its own rows; 市委改革办 sees every district."""
    if actor.is_district:
        own = actor.org_id
    elif actor.is_reform_office:
        own = None
    else:
        raise PermissionDenied("驳回率仅向区县和市委改革办展示")
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ) if year else None
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ) if year else None
    rates = [r for r in rejection_rates(session, module=PILOT_FLOW.module, start=start, end=end)
             if own is None or r["org_id"] == own]
    names = _district_names(session)
    order: dict[tuple[str, str], int] = {}  # modules as declared, stages in flow order
    for m, flow in enumerate(registry.flows()):
        for n, t in enumerate(flow.transitions):
            order.setdefault((flow.module, t.source), m * 100 + n)
    rates.sort(key=lambda r: (r["org_id"], order.get((r["module"], r["stage"]), 10_000)))
    return [{"区县": names.get(r["org_id"], ""),
             "模块": registry.get(r["module"]).label if registry.get(r["module"])
             else r["module"],
             "环节": r["stage"], "提交至该环节次数": r["submissions"], "驳回次数": r["rejections"],
             "驳回率": f"{r['rate']:.1%}"}
            for r in rates if r["org_id"] in names]


EXPORT_HEADERS = ["试点名称", "文号", "文件依据", "部署层级", "试点范围依据", "主管市级部门", "创建区县",
                  "涉及区县", "完成时间", "批次", "涉密", "状态", "更新时间"]


def export(session: Session, *, actor: CurrentUser, **filters) -> bytes:
    """The filtered pilot list as an .xlsx workbook (Chinese headers)."""
    from services.exports import to_xlsx
    return to_xlsx(search(session, actor=actor, **filters), headers=EXPORT_HEADERS,
                   sheet="试点项目清单")


# --- the module's declaration ------------------------------------------------------------------

def _submittable(session: Session, pilot: Pilot, _actor: CurrentUser) -> str | None:
    """保存并上报 needs every field and the evidence (or the offline / department route)."""
    if missing := _field_gaps({k: getattr(pilot, k) for k in
                               ("deploy_level", "doc_title", "content", "due_date")}):
        return f"请填写：{'、'.join(missing)}"
    gaps = _evidence_gaps(session, pilot)
    return gaps[0][1] if gaps else None


def _arrived_at_department(session: Session, pilot: Pilot, _actor: CurrentUser) -> None:
    _announce_held_requests(session, pilot)


def _cancelled(session: Session, pilot: Pilot, _actor: CurrentUser) -> None:
    _void_requests(session, pilot)


def _involved_district_clerks(session: Session, pilot: Pilot, target: str) -> list[int]:
    """On 确认分发 every involved district's clerks get the pushed progress task."""
    if target != PILOT_DISTRIBUTED:
        return []
    return _clerks(session, district_ids(session, pilot.id))


def _printed_districts(session: Session, pilot: Pilot) -> dict:
    """打印: the 涉及区县 by name, in the city's order."""
    names = session.execute(select(Org.name).join(PilotDistrict, PilotDistrict.org_id == Org.id)
                            .where(PilotDistrict.pilot_id == pilot.id)
                            .order_by(Org.sort_order, Org.id)).scalars().all()
    return {"districts": "、".join(names)}


def _workbench(session: Session, actor: CurrentUser) -> list[Todo]:
    """The department's join requests, and pilots waiting for it to upload the national
    document (shown with that status instead of a plain 待市级部门确认)."""
    lines = [Todo(kind="待我审核", module=PILOT_FLOW.module, module_label=PILOT_FLOW.label,
                  record_id=row["id"], title=row["试点名称"], status="待上传国家文件",
                  org_name=row["创建区县"], updated_at=row["更新时间"], version=row["version"],
                  page="pages/pilot_review.py", open_key=PILOT_FLOW.open_key)
             for row in awaiting_national_document(session, actor=actor)]
    lines += [Todo(kind="待我审核", module="join", module_label="申请纳入涉及区县",
                   record_id=req["id"], title=req["试点名称"], status="待处理",
                   org_name=req["申请区县"], updated_at=req["申请时间"],
                   page="pages/pilot_review.py", open_key="open_join")
              for req in pending_join_requests(session, actor=actor)]
    return lines


PILOT_FLOW = registry.register(Flow(
    module="pilot",
    label="试点项目",
    model=Pilot,
    labels=FIELD_LABELS,
    hidden=INTERNAL,
    event_labels={"add_district": "增加涉及区县", "remove_file": "删除佐证材料",
                  "add_file": "上传佐证材料", "correct": "更正", "request_join": "申请纳入涉及区县",
                  "decline_join": "不同意纳入"},
    section=SECTION,
    pages=(PageSpec("pages/pilot_entry.py", "试点项目录入", "edit"),
           PageSpec("pages/pilot_review.py", "试点项目审核", "review"),
           PageSpec("pages/pilot_list.py", "试点项目清单", "all")),
    open_key="open_pilot",
    readable=_readable,
    workbench=_workbench,
    extra_recipients=_involved_district_clerks,
    # The manual's order: 涉及区县 after 主管市级部门.
    print_fields=("name", "deploy_level", "doc_title", "doc_number", "scope_basis", "content",
                  "due_date", "dept_id", "districts", "batch", "is_secret", "sent_offline",
                  "evidence_by_dept"),
    print_extra=_printed_districts,
    transitions=[t if t.action != Action.CANCEL else Transition(
                     t.source, t.action, t.target, t.actor, on_enter=(_cancelled,))
                 for t in clerk_editing(cancel=True, submit_conditions=(_submittable,))] + [
        Transition(PILOT_DISTRICT_REVIEW, Action.APPROVE, PILOT_DEPT_CONFIRM, DISTRICT_REVIEWER,
                   on_enter=(_arrived_at_department,)),
        Transition(PILOT_DISTRICT_REVIEW, Action.REJECT, RETURNED, DISTRICT_REVIEWER),
        Transition(PILOT_DEPT_CONFIRM, Action.DISTRIBUTE, PILOT_DISTRIBUTED, DEPT_STAFF),
        Transition(PILOT_DEPT_CONFIRM, Action.REJECT, RETURNED, DEPT_STAFF),
    ],
))
