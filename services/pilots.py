"""改革探索力 — reform pilots (SPEC §3.1–§3.4): entry, de-duplication, review, distribution."""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models import (
    Attachment, JoinRequest, Org, OrgKind, Pilot, PilotDistrict, ProgressTask, Role,
    utcnow,
)
from services import docnumbers, files, notifications
from services.clock import LOCAL_TZ
from services.db import transactional
from services.errors import DuplicateDocument, PermissionDenied, ValidationError
from services.flows import (
    CANCELLED, PILOT_DEPT_CONFIRM, PILOT_DISTRIBUTED, PILOT_DISTRICT_REVIEW, PILOT_FLOW,
)
from services.identity import CurrentUser
from services.review import DRAFT, RETURNED, Action

DEPLOY_LEVELS = ["党中央国务院", "中办国办", "中央和国家有关部委（含司局级）", "全国人大常委会授权"]
SCOPE_DISTRICT = "国家文件明确区县"
SCOPE_PROVINCE = "国家文件明确由省市自行确定"
SCOPE_CITY = "国家文件明确范围为“重庆市”"
SCOPE_BASES = [SCOPE_DISTRICT, SCOPE_PROVINCE, SCOPE_CITY]
NATIONAL_DOC = "国家文件"
MUNICIPAL_DOC = "市级文件"
STATUSES = [DRAFT, PILOT_DISTRICT_REVIEW, RETURNED, PILOT_DEPT_CONFIRM, PILOT_DISTRIBUTED,
            CANCELLED]

CITY_SCOPE_REFUSAL = ("国家文件中明确改革试点范围是“重庆市”的不纳入填报范围；"
                      "国家文件明确开展试点的区县才属于填报范围")
NAME_ENDINGS = ("试点", "改革试点", "示范区", "试验区")
CONTENT_PATTERNS = (("开展", "改革"), ("建立健全", "机制"), ("建立健全", "体系"), ("探索建立", "制度"))

FIELD_LABELS = {
    "name": "试点名称", "deploy_level": "部署层级", "doc_title": "文件依据", "doc_number": "文号",
    "scope_basis": "试点范围依据", "content": "试点内容及任务", "due_date": "完成时间",
    "dept_id": "主管市级部门", "batch": "批次", "is_secret": "涉密",
    "sent_offline": "涉密材料已线下报送", "evidence_by_dept": "请市级部门协助上传国家文件",
    "districts": "涉及区县",
}


@dataclass
class PilotInput:
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
            "name": self.name.strip(), "deploy_level": self.deploy_level,
            "doc_title": self.doc_title.strip(), "doc_number": self.doc_number.strip(),
            "doc_number_norm": docnumbers.normalize(self.doc_number),
            "scope_basis": self.scope_basis, "content": self.content.strip(),
            "due_date": self.due_date, "dept_id": self.dept_id, "batch": self.batch.strip(),
            "is_secret": self.is_secret, "sent_offline": self.is_secret and self.sent_offline,
            "evidence_by_dept": not self.is_secret and self.evidence_by_dept,
        }


@dataclass
class Upload:
    purpose: str  # NATIONAL_DOC or MUNICIPAL_DOC
    filename: str
    data: bytes


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


def _validate(session: Session, data: PilotInput, *, submitting: bool) -> None:
    """Refuse what can never be saved; on 保存并上报 also require every field."""
    if data.scope_basis == SCOPE_CITY:
        raise ValidationError(CITY_SCOPE_REFUSAL)
    if data.scope_basis not in SCOPE_BASES:
        raise ValidationError("请选择试点范围依据")
    if not data.name.strip():
        raise ValidationError("请填写“试点名称”")
    if not docnumbers.normalize(data.doc_number):
        raise ValidationError("请填写“文号”（部署该试点的国家文件文号），系统据此去重")
    dept = session.get(Org, data.dept_id) if data.dept_id else None
    if dept is None or dept.kind != OrgKind.DEPARTMENT:
        raise ValidationError("请选择“主管市级部门”")
    if not submitting:
        return
    missing = [label for key, label in (("deploy_level", "部署层级"), ("doc_title", "文件依据"),
                                        ("content", "试点内容及任务"))
               if not str(getattr(data, key)).strip()]
    if data.due_date is None:
        missing.append("完成时间")
    if missing:
        raise ValidationError(f"请填写：{'、'.join(missing)}")
    if data.deploy_level not in DEPLOY_LEVELS:
        raise ValidationError("请选择“部署层级”")


def _check_evidence(session: Session, pilot: Pilot, *, by_department: bool = False) -> None:
    """Word/PDF national document (and the municipal one when the province decides).

    A district without the national document may submit asking the department to upload it;
    the department cannot distribute until it is there.
    """
    if pilot.is_secret:
        if not pilot.sent_offline:
            raise ValidationError("涉密试点请先通过电子政务内网邮箱报送文件，并勾选“已线下报送”")
        return
    purposes = {a.purpose for a in files.attachments_of(session, record_type="pilot",
                                                        record_id=pilot.id)}
    if by_department and NATIONAL_DOC not in purposes:
        raise ValidationError("请上传部署该试点的国家文件（Word 或 PDF）后再确认分发")
    if NATIONAL_DOC not in purposes and not pilot.evidence_by_dept:
        raise ValidationError("请上传佐证材料：部署该试点的国家文件（Word 或 PDF）；"
                              "区县没有国家文件的，请联系主管市级部门协助上传")
    if pilot.scope_basis == SCOPE_PROVINCE and MUNICIPAL_DOC not in purposes:
        raise ValidationError("国家文件明确由省市自行确定范围的，须同时上传国家文件和相应市级文件")


def _duplicate_of(session: Session, norm: str, exclude_id: int | None = None) -> Pilot | None:
    query = select(Pilot).where(Pilot.doc_number_norm == norm, Pilot.status != CANCELLED)
    if exclude_id is not None:
        query = query.where(Pilot.id != exclude_id)
    return session.execute(query).scalars().first()


def _refuse_duplicate(session: Session, existing: Pilot) -> None:
    org = session.get(Org, existing.org_id)
    raise DuplicateDocument(
        f"文号“{existing.doc_number}”已由{org.name}创建（试点：{existing.name}，"
        f"状态：{existing.status}），不能重复创建。如本区县也承接了该试点，"
        "请“申请纳入涉及区县”，由主管市级部门确认", existing_id=existing.id)


# --- reading -----------------------------------------------------------------------------------

def _readable(actor: CurrentUser):
    """WHERE clause: pilots this user may read."""
    if actor.is_reform_office:
        return Pilot.status != DRAFT
    if actor.is_department:
        return and_(Pilot.dept_id == actor.org_id,
                    Pilot.status.in_([PILOT_DEPT_CONFIRM, PILOT_DISTRIBUTED]))
    involved = select(PilotDistrict.pilot_id).where(PilotDistrict.org_id == actor.org_id)
    return or_(Pilot.org_id == actor.org_id,
               and_(Pilot.status == PILOT_DISTRIBUTED, Pilot.id.in_(involved)))


def get(session: Session, *, actor: CurrentUser, pilot_id: int) -> Pilot:
    pilot = session.execute(select(Pilot).where(Pilot.id == pilot_id, _readable(actor))
                            ).scalars().first()
    if pilot is None:
        raise PermissionDenied("该试点不存在或您无权查看")
    return pilot


def district_ids(session: Session, pilot_id: int) -> set[int]:
    return set(session.execute(select(PilotDistrict.org_id)
                               .where(PilotDistrict.pilot_id == pilot_id)).scalars())


def search(session: Session, *, actor: CurrentUser, district_id: int | None = None,
           dept_id: int | None = None, status: str | None = None,
           year: int | None = None, limit: int = 5000) -> list[dict]:
    """The pilot list (filters: district, department, status, year), newest first."""
    dept = Org.__table__.alias("dept")
    query = (select(Pilot, Org.name, dept.c.name)
             .join(Org, Org.id == Pilot.org_id).join(dept, dept.c.id == Pilot.dept_id)
             .where(_readable(actor)))
    if district_id:
        query = query.where(or_(Pilot.org_id == district_id, Pilot.id.in_(
            select(PilotDistrict.pilot_id).where(PilotDistrict.org_id == district_id))))
    if dept_id:
        query = query.where(Pilot.dept_id == dept_id)
    if status:
        query = query.where(Pilot.status == status)
    if year:
        query = query.where(Pilot.created_at >= datetime(year, 1, 1, tzinfo=LOCAL_TZ),
                            Pilot.created_at < datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ))
    rows = session.execute(query.order_by(Pilot.updated_at.desc()).limit(limit)).all()
    names = dict(session.execute(select(Org.id, Org.name)).all())
    involved: dict[int, list[str]] = {}
    ids = [p.id for p, *_ in rows]
    if ids:
        for pid, oid in session.execute(select(PilotDistrict.pilot_id, PilotDistrict.org_id)
                                        .where(PilotDistrict.pilot_id.in_(ids))
                                        .order_by(PilotDistrict.org_id)).all():
            involved.setdefault(pid, []).append(names[oid])
    return [
        {"id": p.id, "试点名称": p.name, "文号": p.doc_number, "文件依据": p.doc_title,
         "部署层级": p.deploy_level, "试点范围依据": p.scope_basis, "主管市级部门": dept_name,
         "创建区县": org_name, "涉及区县": "、".join(involved.get(p.id, [])),
         "完成时间": p.due_date, "批次": p.batch, "涉密": "是" if p.is_secret else "否",
         "状态": p.status, "更新时间": p.updated_at}
        for p, org_name, dept_name in rows
    ]


# --- the creating district ---------------------------------------------------------------------

def _require_clerk(actor: CurrentUser) -> None:
    if not (actor.is_district and actor.has(Role.CLERK)):
        raise PermissionDenied("只有区县录入员可以录入试点项目")


def _store_uploads(session: Session, actor: CurrentUser, pilot: Pilot,
                   uploads: list[Upload]) -> dict[str, list]:
    names = []
    for up in uploads:
        if up.purpose not in (NATIONAL_DOC, MUNICIPAL_DOC):
            raise ValidationError("未知的佐证材料类别")
        files.store(session, actor=actor, filename=up.filename, data=up.data,
                    allowed=files.DOCUMENT, record_type="pilot", record_id=pilot.id,
                    purpose=up.purpose)
        names.append(f"{up.purpose}：{up.filename}")
    return {"佐证材料": [None, names]} if names else {}


def _set_districts(session: Session, pilot: Pilot, wanted: set[int]) -> dict[str, list]:
    wanted = set(wanted)
    orgs = dict(session.execute(select(Org.id, Org.name).where(Org.kind == OrgKind.DISTRICT))
                .all())
    unknown = wanted - set(orgs)
    if unknown:
        raise ValidationError("“涉及区县”只能选择区县")
    current = district_ids(session, pilot.id)
    if wanted == current:
        return {}
    for oid in wanted - current:
        session.add(PilotDistrict(pilot_id=pilot.id, org_id=oid))
    for row in session.execute(select(PilotDistrict).where(
            PilotDistrict.pilot_id == pilot.id,
            PilotDistrict.org_id.in_(current - wanted))).scalars():
        session.delete(row)
    session.flush()
    return {"涉及区县": ["、".join(sorted(orgs[i] for i in current)),
                      "、".join(sorted(orgs[i] for i in wanted))]}


@transactional
def create(session: Session, *, actor: CurrentUser, data: PilotInput,
           uploads: list[Upload] = (), submit: bool = False) -> Pilot:
    """保存 (or 保存并上报) a new pilot of the actor's district; refused if the 文号 exists."""
    _require_clerk(actor)
    _validate(session, data, submitting=submit)
    values = data.values()
    if (existing := _duplicate_of(session, values["doc_number_norm"])) is not None:
        _refuse_duplicate(session, existing)
    pilot = Pilot(org_id=actor.org_id, status=DRAFT, created_by=actor.id, updated_by=actor.id,
                  **values)
    session.add(pilot)
    try:
        session.flush()
    except IntegrityError:  # a concurrent creation took the number first
        session.rollback()
        if (existing := _duplicate_of(session, values["doc_number_norm"])) is None:
            raise
        _refuse_duplicate(session, existing)
    _set_districts(session, pilot, set(data.districts) | {actor.org_id})
    _store_uploads(session, actor, pilot, list(uploads))
    PILOT_FLOW.record_event(session, pilot, actor, role=Role.CLERK, action="create")
    if submit:
        _check_evidence(session, pilot)
        PILOT_FLOW.apply(session, record_id=pilot.id, action=Action.SUBMIT, actor=actor,
                         version=pilot.version, commit=False)
    session.commit()
    return pilot


@transactional
def update(session: Session, *, actor: CurrentUser, pilot_id: int, version: int,
           data: PilotInput, uploads: list[Upload] = (), submit: bool = False) -> Pilot:
    """保存 (or 保存并上报) a draft or returned pilot; changes are audited old→new."""
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    _validate(session, data, submitting=submit)
    values = data.values()
    if (existing := _duplicate_of(session, values["doc_number_norm"], pilot.id)) is not None:
        _refuse_duplicate(session, existing)
    PILOT_FLOW.check(Action.SAVE, pilot, actor, version)
    extra = _set_districts(session, pilot, set(data.districts) | {pilot.org_id})
    extra.update(_store_uploads(session, actor, pilot, list(uploads)))
    pilot = PILOT_FLOW.apply(session, record_id=pilot_id, action=Action.SAVE, actor=actor,
                             version=version, values=values, extra_changes=extra, commit=False)
    if submit:
        _check_evidence(session, pilot)
        PILOT_FLOW.apply(session, record_id=pilot_id, action=Action.SUBMIT, actor=actor,
                         version=pilot.version, commit=False)
    session.commit()
    return pilot


@transactional
def act(session: Session, *, actor: CurrentUser, pilot_id: int, action: Action, version: int,
        comment: str = "") -> Pilot:
    """通过 / 驳回 / 撤回 / 作废 (and 保存并上报 of an unchanged draft)."""
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    if action is Action.SUBMIT:
        _check_evidence(session, pilot)
    if action is Action.DISTRIBUTE:
        raise ValidationError("确认分发请使用“确认分发”功能")
    return PILOT_FLOW.apply(session, record_id=pilot.id, action=action, actor=actor,
                            version=version, comment=comment)


# --- the supervising department ----------------------------------------------------------------

def _create_tasks(session: Session, pilot: Pilot, org_ids: set[int]) -> list[int]:
    existing = set(session.execute(select(ProgressTask.org_id)
                                   .where(ProgressTask.pilot_id == pilot.id)).scalars())
    new = sorted(set(org_ids) - existing)
    for oid in new:
        session.add(ProgressTask(pilot_id=pilot.id, org_id=oid))
    session.flush()
    return new


def _notify_district_clerks(session: Session, pilot: Pilot, org_ids: list[int]) -> None:
    if not org_ids:
        return
    notifications.send(
        session, user_ids=notifications.active_user_ids(session, roles=[Role.CLERK],
                                                        org_ids=org_ids),
        record_type="pilot", record_id=pilot.id,
        title=f"【推进任务】试点“{pilot.name}”已分发，请更新推进状态",
        body="请在“试点推进状态更新”中填报推进情况、已开展工作、存在问题和试点成果。")


@transactional
def confirm_and_distribute(session: Session, *, actor: CurrentUser, pilot_id: int, version: int,
                           corrections: PilotInput | None = None,
                           districts: set[int] | None = None,
                           uploads: list[Upload] = ()) -> Pilot:
    """确认分发: the department checks (and may correct) the facts, then pushes the tasks."""
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    PILOT_FLOW.check(Action.DISTRIBUTE, pilot, actor, version)
    values = {}
    if corrections is not None:
        corrections.dept_id = pilot.dept_id  # the department is not changed by itself
        _validate(session, corrections, submitting=True)
        values = corrections.values()
        if (dup := _duplicate_of(session, values["doc_number_norm"], pilot.id)) is not None:
            _refuse_duplicate(session, dup)
    extra = {}
    if districts is not None:
        if not districts:
            raise ValidationError("“涉及区县”至少选择一个区县")
        extra.update(_set_districts(session, pilot, set(districts)))
    extra.update(_store_uploads(session, actor, pilot, list(uploads)))
    pilot = PILOT_FLOW.apply(session, record_id=pilot_id, action=Action.DISTRIBUTE, actor=actor,
                             version=version, values=values, extra_changes=extra, commit=False)
    _check_evidence(session, pilot, by_department=True)
    _create_tasks(session, pilot, district_ids(session, pilot.id))
    session.commit()
    return pilot


def _require_supervisor(actor: CurrentUser, pilot: Pilot) -> None:
    if not (actor.is_department and actor.org_id == pilot.dept_id
            and actor.has(Role.CLERK, Role.REVIEWER)):
        raise PermissionDenied("只有该试点的主管市级部门可以调整涉及区县")


@transactional
def add_district(session: Session, *, actor: CurrentUser, pilot_id: int,
                 district_id: int) -> Pilot:
    """The department adds a district later; a distributed pilot pushes it a task at once."""
    pilot = get(session, actor=actor, pilot_id=pilot_id)
    _add_district(session, actor, pilot, district_id)
    session.commit()
    return pilot


def _add_district(session: Session, actor: CurrentUser, pilot: Pilot, district_id: int) -> None:
    _require_supervisor(actor, pilot)
    if pilot.status not in (PILOT_DEPT_CONFIRM, PILOT_DISTRIBUTED):
        raise ValidationError(f"当前状态为“{pilot.status}”，不能调整涉及区县")
    current = district_ids(session, pilot.id)
    if district_id in current:
        raise ValidationError("该区县已在涉及区县中")
    changes = _set_districts(session, pilot, current | {district_id})
    PILOT_FLOW.record_event(session, pilot, actor, role=Role.CLERK if actor.has(Role.CLERK)
                            else Role.REVIEWER, action="add_district", changes=changes)
    if pilot.status == PILOT_DISTRIBUTED:
        _notify_district_clerks(session, pilot, _create_tasks(session, pilot, {district_id}))


@transactional
def request_join(session: Session, *, actor: CurrentUser, pilot_id: int) -> JoinRequest:
    """申请纳入涉及区县: asked by a district whose pilot already exists under another district."""
    if not (actor.is_district and actor.has(Role.CLERK)):
        raise PermissionDenied("只有区县录入员可以申请纳入涉及区县")
    pilot = session.get(Pilot, pilot_id)
    if pilot is None or pilot.status == CANCELLED:
        raise ValidationError("该试点不存在或已作废")
    if actor.org_id in district_ids(session, pilot_id):
        raise ValidationError("本区县已在该试点的涉及区县中")
    pending = session.execute(select(JoinRequest).where(
        JoinRequest.pilot_id == pilot_id, JoinRequest.org_id == actor.org_id,
        JoinRequest.status == "待处理")).scalars().first()
    if pending is not None:
        raise ValidationError("已提交过申请，请等待主管市级部门处理")
    req = JoinRequest(pilot_id=pilot_id, org_id=actor.org_id, requested_by=actor.id)
    session.add(req)
    notifications.send(
        session, user_ids=notifications.active_user_ids(
            session, roles=[Role.CLERK, Role.REVIEWER], org_ids=[pilot.dept_id]),
        record_type="pilot", record_id=pilot.id,
        title=f"【申请纳入涉及区县】{actor.org_name}申请纳入试点“{pilot.name}”",
        body=f"文号：{pilot.doc_number}。请在“试点项目审核”中处理。")
    session.commit()
    return req


def pending_join_requests(session: Session, *, actor: CurrentUser) -> list[dict]:
    if not actor.is_department:
        return []
    rows = session.execute(
        select(JoinRequest, Pilot, Org.name)
        .join(Pilot, Pilot.id == JoinRequest.pilot_id).join(Org, Org.id == JoinRequest.org_id)
        .where(Pilot.dept_id == actor.org_id, JoinRequest.status == "待处理")
        .order_by(JoinRequest.id)).all()
    return [{"id": r.id, "试点名称": p.name, "文号": p.doc_number, "申请区县": org,
             "试点状态": p.status, "申请时间": r.created_at} for r, p, org in rows]


@transactional
def decide_join(session: Session, *, actor: CurrentUser, request_id: int, grant: bool
                ) -> JoinRequest:
    """The department grants (adds the district, in one click) or declines a join request."""
    req = session.get(JoinRequest, request_id)
    if req is None or req.status != "待处理":
        raise ValidationError("该申请不存在或已处理")
    pilot = session.get(Pilot, req.pilot_id)
    _require_supervisor(actor, pilot)
    req.status = "已同意" if grant else "未同意"
    req.decided_by, req.decided_at = actor.id, utcnow()
    session.add(req)
    if grant and req.org_id not in district_ids(session, pilot.id):
        _add_district(session, actor, pilot, req.org_id)
    notifications.send(
        session, user_ids=[req.requested_by], record_type="pilot", record_id=pilot.id,
        title=f"【申请纳入涉及区县】试点“{pilot.name}”：{actor.org_name}{req.status}您的申请",
        body="已纳入涉及区县，推进任务将推送到业务工作台。" if grant else "如有疑问请联系主管市级部门。")
    session.commit()
    return req


def evidence(session: Session, *, actor: CurrentUser, pilot_id: int) -> list[Attachment]:
    get(session, actor=actor, pilot_id=pilot_id)
    return files.attachments_of(session, record_type="pilot", record_id=pilot_id)


def dept_queue(session: Session, *, actor: CurrentUser) -> list[Pilot]:
    """Pilots waiting for this reviewer's district review or this department's confirmation."""
    return PILOT_FLOW.review_queue(session, actor)


EXPORT_HEADERS = ["试点名称", "文号", "文件依据", "部署层级", "试点范围依据", "主管市级部门", "创建区县",
                  "涉及区县", "完成时间", "批次", "涉密", "状态", "更新时间"]


def export(session: Session, *, actor: CurrentUser, **filters) -> bytes:
    """The filtered pilot list as an .xlsx workbook (Chinese headers)."""
    from services.exports import to_xlsx
    return to_xlsx(search(session, actor=actor, **filters), headers=EXPORT_HEADERS,
                   sheet="试点项目清单")
