"""改革品牌显示度 — reform brand highlights (SPEC §4, the manual's part 三).

The module's flow is declared and registered here; the generic record services
(`services.records`) do reading, saving, evidence and file removal. What stays in this file is the
module's own rules: the 获评类别 list, the date window, commendations and special cases that need a
总结材料, the self-check, 驳回率 as the manual counts it and the cockpit's counts.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable

from sqlalchemy import false, func, select, true
from sqlmodel import Session

from models import (
    Attachment, AuditEvent, BrandCategory, BrandEntry, Org, OrgKind, Role, utcnow,
)
from services import clock, docnumbers, files, guidance as manual, limits, records, review, settings
from services.db import lock_rows, transactional
from services.errors import (
    CONFLICT_MESSAGE, Conflict, PermissionDenied, TransitionNotAllowed, ValidationError,
)
from services.identity import CurrentUser, require_active
from services.progress import achievement_warning
from services.records import Upload
from services.registry import register
from services.review import (
    DRAFT, RETURNED, Action, Flow, PageSpec, Transition, district, reform_office,
)

MODULE = "brand"
SECTION = "改革品牌显示度"
DISTRICT_REVIEW = "待区县审核"
OFFICE_REVIEW = "待市委改革办审核"
APPROVED = "已通过"
CANCELLED = "作废"
STATUSES = [DRAFT, DISTRICT_REVIEW, RETURNED, OFFICE_REVIEW, APPROVED, CANCELLED]

DEFAULT_CATEGORIES = ["获全国肯定性评价", "获全市推广"]
DEFAULT_START = date(2023, 1, 1)

NO_COMMENDATION = "否"
BUSINESS_COMMENDATION = "是，表彰一般业务工作"
REFORM_COMMENDATION = "是，明确肯定改革工作领域的个人或集体"
COMMENDATIONS = [NO_COMMENDATION, BUSINESS_COMMENDATION, REFORM_COMMENDATION]
BUSINESS_REFUSAL = ("凡属对个人、集体工作予以肯定的通报表彰类文件、领导批示等，属于一般业务性工作的均不纳入"
                    "审核统计")

EVIDENCE = "佐证材料"
SUMMARY = "总结材料"
PURPOSES = {EVIDENCE: files.DOCUMENT | files.IMAGE, SUMMARY: frozenset({"pdf"}) | files.IMAGE}
SUMMARY_HEADINGS = ["启动时间", "推进情况", "成效成果", "困难问题", "下一步打算"]
SIGNATURE_NOTE = "单位负责审核改革报表的领导签字、加盖公章"
SELF_CHECK = "已自查，满足报表计分条件"
NOTICE_WARNING = "印发通知、试点方案不属于制度性成果"
OFFLINE_NOTE = "涉密，线下报送"
REVOKE = "撤销通过"
SUMMARY_OFFLINE = "签字盖章的总结材料已一并线下报送"

# The manual's part 三 and the field help live in services.guidance.
HELP = manual.BRAND_HELP

LABELS = {
    "item": "改革事项", "category_id": "获评类别", "situation": "具体情形", "awarded_on": "获评日期",
    "problems": "解决问题", "results": "主要成果", "commendation": "通报表彰/领导批示",
    "brief_mention": "点名推广文件介绍不足一个自然段（特殊情形）", "summary_signed": "总结材料已签字盖章",
    "self_checked": SELF_CHECK, "is_secret": "涉密", "sent_offline": "涉密材料已线下报送",
    "summary_sent_offline": SUMMARY_OFFLINE,
}
# Columns kept by the system, never shown in 审核记录; the category shows by name instead of id.
INTERNAL = frozenset({"id", "org_id", "status", "version", "created_by", "created_at",
                      "updated_by", "updated_at", "approved_at", "category_id"})


# --- hints (warnings, never blocks) -------------------------------------------------------------

ITEM_PATTERNS = (("建立", "机制"), ("健全", "体系"), ("开展", "改革"), ("探索建立", "制度"))
PROBLEM_VERBS = ("出台", "上线", "建立", "召开")


def _has_in_order(text: str, first: str, then: str) -> bool:
    at = text.find(first)
    return at >= 0 and then in text[at + len(first):]


def item_warning(item: str) -> str | None:
    """The manual's naming hint for 改革事项."""
    text = item.strip()
    if text and not any(_has_in_order(text, a, b) for a, b in ITEM_PATTERNS):
        return ("“改革事项”要高度总结凝练，有改革味，如：建立×××机制、健全×××体系、"
                "开展×××改革、探索建立×××制度")
    return None


def problems_warning(text: str) -> str | None:
    """The 试点成果 structure: 针对…问题 + 出台/上线/建立/召开 + 实现…"""
    text = text.strip()
    if text and not (_has_in_order(text, "针对", "问题") and any(v in text for v in PROBLEM_VERBS)
                     and "实现" in text):
        return ("“解决问题”一般按“针对×××问题+出台《××》/上线×××应用/建立×××制度/召开×××会议+"
                "实现×××”的结构填写")
    return None


def results_warning(text: str) -> str | None:
    """A result that is only a notice or a plan is not an institutional achievement."""
    for part in text.replace("；", "\n").replace("。", "\n").replace(";", "\n").splitlines():
        part = part.strip().lstrip("0123456789.、）) ")
        if part and achievement_warning(part):
            return NOTICE_WARNING
    return None


def warnings(item: str, problems: str, results: str) -> list[str]:
    return [w for w in (item_warning(item), problems_warning(problems), results_warning(results))
            if w]


# --- dates and the contact ----------------------------------------------------------------------

def start_date(session: Session) -> date:
    """The earliest 获评日期 accepted (setting brand_start_date, default 2023-01-01). A stored
    value that makes no sense (unreadable, or after today: no date could be entered) counts as
    the default; 系统设置 refuses such values."""
    try:
        start = date.fromisoformat(settings.get(session, "brand_start_date"))
    except ValueError:
        return DEFAULT_START
    return start if start <= clock.today() else DEFAULT_START


def start_text(start: date) -> str:
    return f"{start.year}年{start.month}月{start.day}日0时之后"


def date_rule(start: date) -> str:
    """The manual's sentence on 获评日期 with the configured start."""
    return f"只填报今年以来（{start_text(start)}）改革经验获肯定、推广的情形"


def contact(session: Session) -> str:
    """Whom 涉密 material is sent to offline (setting brand_module_admin)."""
    return settings.get(session, "brand_module_admin")


def guidance(session: Session, *, quote: Callable[[str], str] = str) -> str:
    """Part 三 of the manual with the start date and the contact filled in (`quote` makes the
    admin-entered contact literal where the text is rendered as Markdown)."""
    return manual.BRAND.format(start_text=start_text(start_date(session)),
                               brand_admin=quote(contact(session)))


def awarded_problem(awarded_on: date | None, *, start: date, today: date) -> str | None:
    """Why a 获评日期 is refused (before the start, or after today), in the manual's words."""
    if awarded_on is None:
        return None
    if awarded_on < start:
        return f"“获评日期”{awarded_on:%Y-%m-%d} 早于{start:%Y-%m-%d}：{date_rule(start)}"
    if awarded_on > today:
        return f"“获评日期”{awarded_on:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}），请按实际获评日期填写"
    return None


def date_problem(session: Session, awarded_on: date | None) -> str | None:
    return awarded_problem(awarded_on, start=start_date(session), today=clock.today())


# --- the 获评类别 list (系统管理员) ---------------------------------------------------------------

def seed_categories(session: Session) -> None:
    """The manual's categories, when the list is empty (the migration seeds them too)."""
    if session.execute(select(func.count()).select_from(BrandCategory)).scalar_one():
        return
    for i, name in enumerate(DEFAULT_CATEGORIES, start=1):
        session.add(BrandCategory(name=name, sort_order=i))
    session.commit()


def categories(session: Session, *, include_retired: bool = False) -> list[BrandCategory]:
    query = select(BrandCategory).order_by(BrandCategory.sort_order, BrandCategory.id)
    if not include_retired:
        query = query.where(BrandCategory.retired == false())
    return list(session.execute(query).scalars())


def _category_name(session: Session, name: str, *, exclude_id: int | None = None) -> str:
    """A category name as stored, refused when empty, too long or the same as another's once
    folded like a 文号 (`获全市推广` and `获全市推广` + U+200B are one name)."""
    name = (name or "").strip()
    if not docnumbers.fold(name):
        raise ValidationError("请填写获评类别名称")
    limits.check_text("获评类别", name, limits.max_length(BrandCategory, "name"))
    key = docnumbers.fold(name)
    for other_id, other in session.execute(select(BrandCategory.id, BrandCategory.name)).all():
        if other_id != exclude_id and docnumbers.fold(other) == key:
            raise ValidationError(f"获评类别“{other}”已存在")
    return name


def _claim_categories(session: Session, actor: CurrentUser) -> None:
    """Hold the category list for this action, then check the actor: of two administrators
    changing it at once, the second waits and decides on what the first left."""
    if not actor.has(Role.ADMIN):
        raise PermissionDenied("只有系统管理员可以维护获评类别")
    lock_rows(session, BrandCategory, true())
    _require_admin(session, actor)


def _require_admin(session: Session, actor: CurrentUser) -> None:
    require_active(session, actor)
    if not actor.has(Role.ADMIN):
        raise PermissionDenied("只有系统管理员可以维护获评类别")


def _audit_category(session: Session, actor: CurrentUser, category: BrandCategory, action: str,
                    changes: dict) -> None:
    session.add(AuditEvent(
        record_type="brand_category", record_id=category.id, org_id=actor.org_id,
        actor_id=actor.id, actor_org_id=actor.org_id, actor_role=Role.ADMIN.value, action=action,
        from_status="", to_status="停用" if category.retired else "启用",
        changes=json.dumps(changes, ensure_ascii=False)))


@transactional
def add_category(session: Session, *, actor: CurrentUser, name: str) -> BrandCategory:
    """系统管理员 adds a category (e.g. 国家层面推广) at the end of the list."""
    _claim_categories(session, actor)
    name = _category_name(session, name)
    last = session.execute(select(func.max(BrandCategory.sort_order))).scalar_one() or 0
    category = BrandCategory(name=name, sort_order=last + 1)
    session.add(category)
    session.flush()
    _audit_category(session, actor, category, "create", {"获评类别": [None, name]})
    session.commit()
    return category


def _category(session: Session, category_id: int, version: int | None = None) -> BrandCategory:
    """The category as stored now; Conflict when it changed since the list showed `version`."""
    category = session.get(BrandCategory, category_id, populate_existing=True)
    if category is None:
        raise ValidationError("该获评类别不存在，请刷新后重试")
    if version is not None and category.version != version:
        raise Conflict(f"获评类别已被其他管理员修改（现为“{category.name}”，"
                       f"{'已停用' if category.retired else '在用'}），本次未保存；"
                       "请核对后再次操作")
    return category


def _bump(session: Session, category: BrandCategory) -> None:
    category.version += 1
    session.add(category)


@transactional
def rename_category(session: Session, *, actor: CurrentUser, category_id: int,
                    name: str, version: int | None = None) -> BrandCategory:
    """Renaming shows the new name on every entry of that category, old ones included.

    `version` is the category's as the list showed it: a rename made after another
    administrator changed the category is refused (not silently overwritten)."""
    _claim_categories(session, actor)
    category = _category(session, category_id, version)
    name = _category_name(session, name, exclude_id=category_id)
    old, category.name = category.name, name
    _bump(session, category)
    _audit_category(session, actor, category, "rename", {"获评类别": [old, name]})
    session.commit()
    return category


@transactional
def retire_category(session: Session, *, actor: CurrentUser, category_id: int,
                    retired: bool = True, version: int | None = None) -> BrandCategory:
    """A retired category is no longer offered; entries that have it keep it. At least one
    stays in use, also when two administrators retire the last two at once."""
    _claim_categories(session, actor)
    category = _category(session, category_id, version)
    if category.retired == retired:
        raise ValidationError(f"获评类别“{category.name}”已{'停用' if retired else '启用'}")
    in_use = select(func.count()).select_from(BrandCategory).where(
        BrandCategory.retired == false())
    if retired and session.execute(in_use).scalar_one() <= 1:
        raise ValidationError("至少保留一个在用的获评类别")
    category.retired = retired
    _bump(session, category)
    _audit_category(session, actor, category, "retire" if retired else "restore",
                    {"停用": [not retired, retired]})
    session.commit()
    return category


# --- conditions of 保存并上报 --------------------------------------------------------------------

REQUIRED = (("item", "改革事项"), ("category_id", "获评类别"), ("situation", "具体情形"),
            ("awarded_on", "获评日期"), ("problems", "解决问题"), ("results", "主要成果"))


def _purposes_attached(session: Session, record: BrandEntry) -> set[str]:
    return {a.purpose for a in files.attachments_of(session, record_type=MODULE,
                                                    record_id=record.id)}


def needs_summary(record) -> bool:
    """特殊情形 a (brief mention) or b (a commendation of reform work) need a 总结材料."""
    return bool(record.brief_mention) or record.commendation == REFORM_COMMENDATION


def required_fields(_session: Session, record: BrandEntry, _user) -> str | None:
    missing = [label for name, label in REQUIRED
               if getattr(record, name) in (None, "") or (isinstance(getattr(record, name), str)
                                                          and not getattr(record, name).strip())]
    return f"请填写：{'、'.join(missing)}" if missing else None


def awarded_in_window(session: Session, record: BrandEntry, _user) -> str | None:
    return date_problem(session, record.awarded_on)


def category_in_use(session: Session, record: BrandEntry, _user) -> str | None:
    if record.category_id is None:
        return None
    category = session.get(BrandCategory, record.category_id)
    if category is None or category.retired:
        name = category.name if category else ""
        return f"获评类别“{name}”已停用，请重新选择获评类别"
    return None


def not_business_work(_session: Session, record: BrandEntry, _user) -> str | None:
    return BUSINESS_REFUSAL if record.commendation == BUSINESS_COMMENDATION else None


def evidence_or_offline(session: Session, record: BrandEntry, _user) -> str | None:
    if record.is_secret:
        if not record.sent_offline:
            return (f"涉密佐证材料请通过电子政务内网邮箱传{contact(session)}，"
                    "报送后勾选“已通过电子政务内网邮箱线下报送”")
        return None
    if EVIDENCE not in _purposes_attached(session, record):
        return "请上传佐证材料（如召开全市推广会，则需上传会议通知、新闻报道等）"
    return None


def summary_for_special_cases(session: Session, record: BrandEntry, _user) -> str | None:
    """A special case needs a signed 总结材料: uploaded, or when 涉密 sent offline as well."""
    if not needs_summary(record):
        return None
    if not record.is_secret and SUMMARY not in _purposes_attached(session, record):
        return ("该情形须另附改革事项总结材料（PDF 或图片），介绍启动时间、推进情况、成效成果、困难问题、"
                "下一步打算")
    if not record.summary_signed:
        return f"请确认总结材料已经{SIGNATURE_NOTE}，并勾选确认"
    if record.is_secret and not record.summary_sent_offline:
        return (f"涉密的特殊情形：签字盖章的总结材料也须通过电子政务内网邮箱传{contact(session)}，"
                f"报送后勾选“{SUMMARY_OFFLINE}”")
    return None


def self_checked(_session: Session, record: BrandEntry, _user) -> str | None:
    return None if record.self_checked else f"请先自查，并勾选“{SELF_CHECK}”后再上报"


SUBMIT_CONDITIONS = (required_fields, awarded_in_window, category_in_use, not_business_work,
                     evidence_or_offline, summary_for_special_cases, self_checked)


def _stamp_approved(session: Session, record: BrandEntry, _user) -> None:
    record.approved_at = utcnow()
    session.add(record)


def _clear_approval(session: Session, record: BrandEntry, _user) -> None:
    """A revoked approval no longer counts as approved anywhere."""
    record.approved_at = None
    session.add(record)


def _clear_self_check(session: Session, record: BrandEntry, _user) -> None:
    """Each 上报 asks for its own self-check: a returned or withdrawn entry loses the tick."""
    record.self_checked = False
    session.add(record)


# --- the flow --------------------------------------------------------------------------------

def _readable(user: CurrentUser):
    """A district reads its own entries; 市委改革办 reads every entry once submitted."""
    if user.is_district:
        return BrandEntry.org_id == user.org_id
    if user.is_reform_office:
        return BrandEntry.status != DRAFT
    return false()


def _reads_the_list(user: CurrentUser) -> bool:
    return user.is_district or user.is_reform_office


_clerk = district(Role.CLERK)
_district_reviewer = district(Role.REVIEWER)
_office_reviewer = reform_office(Role.REVIEWER)


def _clerk_editing() -> list[Transition]:
    rows = []
    for state in (DRAFT, RETURNED):
        rows += [Transition(state, Action.SAVE, state, _clerk),
                 Transition(state, Action.SUBMIT, DISTRICT_REVIEW, _clerk,
                            conditions=SUBMIT_CONDITIONS),
                 Transition(state, Action.CANCEL, CANCELLED, _clerk)]
    rows.append(Transition(DISTRICT_REVIEW, Action.WITHDRAW, DRAFT, _clerk,
                           on_enter=(_clear_self_check,)))
    return rows


BRAND_FLOW = register(Flow(
    module=MODULE,
    label="改革品牌",
    model=BrandEntry,
    title_field="item",
    labels=LABELS,
    hidden=INTERNAL,
    section=SECTION,
    pages=(PageSpec("pages/brand_entry.py", "改革品牌录入", "edit"),
           PageSpec("pages/brand_review.py", "改革品牌审核", "review"),
           PageSpec("pages/brand_list.py", "改革品牌清单", _reads_the_list),
           PageSpec("pages/brand_categories.py", "获评类别管理", lambda u: u.has(Role.ADMIN),
                    section="系统管理")),
    open_key="open_brand",
    readable=_readable,
    # Every labelled field: 获评类别, hidden from 审核记录 as an id, prints by its name.
    print_fields=tuple(LABELS),
    transitions=_clerk_editing() + [
        Transition(DISTRICT_REVIEW, Action.APPROVE, OFFICE_REVIEW, _district_reviewer),
        Transition(DISTRICT_REVIEW, Action.REJECT, RETURNED, _district_reviewer,
                   on_enter=(_clear_self_check,)),
        Transition(OFFICE_REVIEW, Action.APPROVE, APPROVED, _office_reviewer,
                   on_enter=(_stamp_approved,)),
        Transition(OFFICE_REVIEW, Action.REJECT, RETURNED, _office_reviewer,
                   on_enter=(_clear_self_check,)),
        # An approval made by mistake: back to the clerk, and a rejection in 驳回率 (the entry
        # did not meet the conditions).
        Transition(APPROVED, Action.REJECT, RETURNED, _office_reviewer, label=REVOKE,
                   corrects=OFFICE_REVIEW, on_enter=(_clear_self_check, _clear_approval)),
    ],
))


# --- entering ------------------------------------------------------------------------------

@dataclass
class BrandInput:
    item: str = ""
    category_id: int | None = None
    situation: str = ""
    awarded_on: date | None = None
    problems: str = ""
    results: str = ""
    commendation: str = NO_COMMENDATION
    brief_mention: bool = False
    summary_signed: bool = False
    self_checked: bool = False
    is_secret: bool = False
    sent_offline: bool = False
    summary_sent_offline: bool = False

    def values(self) -> dict:
        return {
            "item": self.item.strip(), "category_id": self.category_id,
            "situation": self.situation.strip(), "awarded_on": self.awarded_on,
            "problems": self.problems.strip(), "results": self.results.strip(),
            "commendation": self.commendation, "brief_mention": bool(self.brief_mention),
            "summary_signed": bool(self.summary_signed), "self_checked": bool(self.self_checked),
            "is_secret": bool(self.is_secret),
            "sent_offline": bool(self.is_secret and self.sent_offline),
            "summary_sent_offline": bool(self.is_secret and needs_summary(self)
                                         and self.summary_sent_offline),
        }


def _require_clerk(session: Session, actor: CurrentUser) -> None:
    require_active(session, actor)
    if not (actor.is_district and actor.has(Role.CLERK)):
        raise PermissionDenied("只有区县录入员可以录入改革品牌（市级部门和市委改革办不录入）")


def _validated(session: Session, data: BrandInput, uploads: list[Upload],
               current: BrandEntry | None) -> dict:
    """What can never be saved is refused here, before anything is written."""
    values = data.values()
    if not values["item"]:
        raise ValidationError("请填写“改革事项”后再保存")
    records.check_lengths(BRAND_FLOW, values)
    if values["commendation"] not in COMMENDATIONS:
        raise ValidationError("请选择佐证材料是否属于通报表彰、领导批示")
    if values["commendation"] == BUSINESS_COMMENDATION:
        raise ValidationError(BUSINESS_REFUSAL)
    if (why := date_problem(session, values["awarded_on"])) is not None:
        raise ValidationError(why)
    if values["category_id"] is not None:
        category = session.get(BrandCategory, values["category_id"])
        if category is None:
            raise ValidationError("请选择获评类别")
        kept = current is not None and current.category_id == category.id
        if category.retired and not kept:
            raise ValidationError(f"获评类别“{category.name}”已停用，请选择其他类别")
    if values["is_secret"] and uploads:
        raise ValidationError(f"涉密材料不得上传，请通过电子政务内网邮箱传{contact(session)}")
    for up in uploads:
        if up.purpose not in PURPOSES:
            raise ValidationError(f"未知的材料类别“{up.purpose}”")
        limits.check_text("文件名", up.filename, limits.FILENAME_LIMIT)
    return values


def _category_change(session: Session, old: int | None, new: int | None) -> dict:
    if old == new:
        return {}
    names = dict(session.execute(select(BrandCategory.id, BrandCategory.name)).all())
    return {"获评类别": [names.get(old), names.get(new)]}


def _files(session: Session, actor: CurrentUser, record: BrandEntry, uploads: list[Upload],
           secret: bool) -> dict:
    """Store new files, or, when 涉密, detach the earlier ones (the change is audited)."""
    if secret:
        return records.drop_evidence(session, flow=BRAND_FLOW, record=record)
    return records.attach(session, flow=BRAND_FLOW, actor=actor, record=record, uploads=uploads,
                          purposes=PURPOSES, secret=False)


@transactional
def create(session: Session, *, actor: CurrentUser, data: BrandInput,
           uploads: Iterable[Upload] = (), submit: bool = False) -> BrandEntry:
    """保存 (or 保存并上报) a new entry of the actor's district."""
    _require_clerk(session, actor)
    uploads = list(uploads)
    values = _validated(session, data, uploads, None)
    record = records.create(session, flow=BRAND_FLOW, actor=actor, values=values)
    if changes := _files(session, actor, record, uploads, values["is_secret"]):
        record = BRAND_FLOW.apply(session, record_id=record.id, action=Action.SAVE, actor=actor,
                                  version=record.version, extra_changes=changes, commit=False)
    if submit:
        record = BRAND_FLOW.apply(session, record_id=record.id, action=Action.SUBMIT,
                                  actor=actor, version=record.version, commit=False)
    session.commit()
    return record


@transactional
def update(session: Session, *, actor: CurrentUser, entry_id: int, version: int,
           data: BrandInput, uploads: Iterable[Upload] = (), submit: bool = False) -> BrandEntry:
    """保存 (or 保存并上报) a draft or returned entry; every change audited old→new."""
    require_active(session, actor)
    record = records.get(session, flow=BRAND_FLOW, actor=actor, record_id=entry_id)
    BRAND_FLOW.check(Action.SAVE, record, actor, version)
    uploads = list(uploads)
    values = _validated(session, data, uploads, record)
    extra = _category_change(session, record.category_id, values["category_id"])
    extra.update(_files(session, actor, record, uploads, values["is_secret"]))
    record = records.save(session, flow=BRAND_FLOW, actor=actor, record_id=entry_id,
                          version=version, values=values, extra_changes=extra, submit=submit)
    session.commit()
    return record


def may_revoke(user: CurrentUser) -> bool:
    """Whether the user is of the kind that may 撤销通过 (市委改革办's reviewers)."""
    return BRAND_FLOW.transition(APPROVED, Action.REJECT).actor.admits(user)


def revoke_approval(session: Session, *, actor: CurrentUser, entry_id: int, version: int,
                    reason: str) -> BrandEntry:
    """撤销通过: 市委改革办's reviewer takes back an approval made by mistake, with a reason; the
    entry goes back to the clerks (notified) and counts as a rejection in 驳回率."""
    record = records.get(session, flow=BRAND_FLOW, actor=actor, record_id=entry_id)
    if record.version != version:  # another reviewer acted since this one opened it
        raise Conflict(CONFLICT_MESSAGE)
    if record.status != APPROVED:
        raise TransitionNotAllowed(f"当前状态为“{record.status}”，只有已通过的改革品牌可以{REVOKE}")
    return records.act(session, flow=BRAND_FLOW, actor=actor, record_id=entry_id,
                       action=Action.REJECT, version=version, comment=reason)


def remove_file(session: Session, *, actor: CurrentUser, entry_id: int, version: int,
                attachment_id: int) -> BrandEntry:
    """Remove a wrongly uploaded file from a draft or returned entry (audited)."""
    return records.remove_file(session, flow=BRAND_FLOW, actor=actor, record_id=entry_id,
                               version=version, attachment_id=attachment_id)


def shortcomings(session: Session, *, actor: CurrentUser, entry_id: int) -> list[str]:
    """What an entry still lacks before 保存并上报 (shown after 保存 of a draft)."""
    record = records.get(session, flow=BRAND_FLOW, actor=actor, record_id=entry_id)
    return [why for condition in SUBMIT_CONDITIONS
            if (why := condition(session, record, actor)) is not None]


# --- reading -------------------------------------------------------------------------------------

def districts(session: Session) -> list[Org]:
    return list(session.execute(select(Org).where(Org.kind == OrgKind.DISTRICT)
                                .order_by(Org.sort_order)).scalars())


def get(session: Session, *, actor: CurrentUser, entry_id: int) -> BrandEntry:
    return records.get(session, flow=BRAND_FLOW, actor=actor, record_id=entry_id)


def evidence(session: Session, *, actor: CurrentUser, entry_id: int) -> list[Attachment]:
    return records.evidence(session, flow=BRAND_FLOW, actor=actor, record_id=entry_id)


def review_queue(session: Session, *, actor: CurrentUser) -> list[BrandEntry]:
    return BRAND_FLOW.review_queue(session, actor)


@dataclass
class Filters:
    """The list's and 批量下载's filters (获评日期 range inclusive)."""

    district_id: int | None = None
    category_id: int | None = None
    start: date | None = None
    end: date | None = None
    status: str | None = None

    def clauses(self) -> list:
        out = []
        if self.district_id:
            out.append(BrandEntry.org_id == self.district_id)
        if self.category_id:
            out.append(BrandEntry.category_id == self.category_id)
        if self.start:
            out.append(BrandEntry.awarded_on >= self.start)
        if self.end:
            out.append(BrandEntry.awarded_on <= self.end)
        if self.status:
            out.append(BrandEntry.status == self.status)
        return out


def selected(session: Session, *, actor: CurrentUser, filters: Filters,
             limit: int | None = None) -> list[tuple[BrandEntry, str, str]]:
    """(entry, district, category) the user may read, by district then 获评日期."""
    require_active(session, actor)
    BRAND_FLOW.check_status_filter(filters.status)
    query = (select(BrandEntry, Org.name, BrandCategory.name)
             .join(Org, Org.id == BrandEntry.org_id)
             .outerjoin(BrandCategory, BrandCategory.id == BrandEntry.category_id)
             .where(BRAND_FLOW.readable_filter(actor), *filters.clauses())
             .order_by(Org.sort_order, BrandEntry.awarded_on, BrandEntry.id))
    if limit:
        query = query.limit(limit)
    return [(e, org or "", cat or "") for e, org, cat in session.execute(query).all()]


def row(entry: BrandEntry, district_name: str, category: str) -> dict:
    return {"id": entry.id, "区县": district_name, "改革事项": entry.item, "获评类别": category,
            "获评日期": entry.awarded_on, "具体情形": entry.situation, "解决问题": entry.problems,
            "主要成果": entry.results, "通报表彰/领导批示": entry.commendation,
            "涉密": "是" if entry.is_secret else "否", "状态": entry.status,
            "更新时间": entry.updated_at}


EXPORT_HEADERS = ["区县", "改革事项", "获评类别", "获评日期", "具体情形", "解决问题", "主要成果",
                  "通报表彰/领导批示", "涉密", "状态", "更新时间"]


def search(session: Session, *, actor: CurrentUser, filters: Filters | None = None,
           limit: int = 5000) -> list[dict]:
    """The list page's rows (filters: district, category, 获评日期 range, status)."""
    return [row(*found) for found in selected(session, actor=actor, filters=filters or Filters(),
                                               limit=limit)]


def export(session: Session, *, actor: CurrentUser, filters: Filters | None = None) -> bytes:
    return records.export(search(session, actor=actor, filters=filters),
                          headers=EXPORT_HEADERS, sheet="改革品牌清单")


# --- 驳回率 and the cockpit's counts ---------------------------------------------------------------

@dataclass
class RejectionRate:
    """One district's 驳回率 (the manual's 数据被驳回次数: 市委改革办's rejections ÷ the times entries
    reached 市委改革办), with the district reviewer's rejections shown apart."""

    org_id: int
    district: str
    office_submissions: int = 0
    office_rejections: int = 0
    district_submissions: int = 0
    district_rejections: int = 0

    @property
    def rate(self) -> float | None:
        return self.office_rejections / self.office_submissions if self.office_submissions else None

    def as_row(self) -> dict:
        return {"区县": self.district, "报送市委改革办次数": self.office_submissions,
                "市委改革办驳回次数": self.office_rejections,
                "驳回率": "—" if self.rate is None else f"{self.rate:.1%}",
                "上报区县审核次数": self.district_submissions,
                "区县审核驳回次数": self.district_rejections}


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """The instants [from, until) of the Beijing dates start … end."""
    return (datetime.combine(start, time.min, clock.LOCAL_TZ) if start else None,
            datetime.combine(end + timedelta(days=1), time.min, clock.LOCAL_TZ) if end else None)


def _period(start: date | None, end: date | None) -> list:
    """Audit events whose Beijing date lies in [start, end]."""
    since, until = _bounds(start, end)
    clauses = []
    if since is not None:
        clauses.append(AuditEvent.created_at >= since)
    if until is not None:
        clauses.append(AuditEvent.created_at < until)
    return clauses


def rejection_rates(session: Session, actor: CurrentUser, start: date | None = None,
                    end: date | None = None) -> list[RejectionRate]:
    """驳回率 per district over a period (each event by its Beijing date): a district sees its
    own, 市委改革办 every district."""
    if actor.is_district:
        orgs = [(actor.org_id, actor.org_name)]
    elif actor.is_reform_office:
        orgs = session.execute(select(Org.id, Org.name).where(Org.kind == OrgKind.DISTRICT)
                               .order_by(Org.sort_order)).all()
    else:
        raise PermissionDenied("改革品牌驳回率仅区县和市委改革办可以查看")
    rates = {org_id: RejectionRate(org_id, name) for org_id, name in orgs}
    counted = session.execute(
        select(AuditEvent.org_id, AuditEvent.action, AuditEvent.from_status,
               AuditEvent.to_status, func.count())
        .where(AuditEvent.record_type == MODULE, AuditEvent.org_id.in_(list(rates)),
               AuditEvent.action.in_([Action.SUBMIT.value, Action.APPROVE.value,
                                      Action.REJECT.value]), *_period(start, end))
        .group_by(AuditEvent.org_id, AuditEvent.action, AuditEvent.from_status,
                  AuditEvent.to_status)).all()
    for org_id, action, source, target, n in counted:
        r = rates[org_id]
        if action == Action.SUBMIT.value:
            r.district_submissions += n
        elif action == Action.APPROVE.value and target == OFFICE_REVIEW:
            r.office_submissions += n
        elif action == Action.REJECT.value and source == OFFICE_REVIEW:
            r.office_rejections += n
        elif action == Action.REJECT.value and source == DISTRICT_REVIEW:
            r.district_rejections += n
    # 撤销通过 counts as the office's rejection, in the period the entry reached the office.
    since, until = _bounds(start, end)
    for org_id, _, _, n in review.corrections(session, module=MODULE, start=since, end=until):
        if org_id in rates:
            rates[org_id].office_rejections += n
    return list(rates.values())


def rejection_export(rates: list[RejectionRate]) -> bytes:
    rows = [r.as_row() for r in rates]
    return records.export(rows, headers=list(RejectionRate(0, "").as_row()), sheet="改革品牌驳回率")


@dataclass(frozen=True)
class ApprovedCount:
    org_id: int
    district: str
    category_id: int | None
    category: str
    month: str   # YYYY-MM of 获评日期
    count: int


def approved_counts(session: Session, *, start: date | None = None, end: date | None = None,
                    district_id: int | None = None) -> list[ApprovedCount]:
    """Approved highlights per district, 获评类别 and month of 获评日期 (for the cockpit)."""
    query = (select(BrandEntry.org_id, Org.name, BrandEntry.category_id, BrandCategory.name,
                    BrandEntry.awarded_on, func.count())
             .join(Org, Org.id == BrandEntry.org_id)
             .outerjoin(BrandCategory, BrandCategory.id == BrandEntry.category_id)
             .where(BrandEntry.status == APPROVED, BrandEntry.awarded_on.is_not(None))
             .group_by(BrandEntry.org_id, Org.name, BrandEntry.category_id, BrandCategory.name,
                       BrandEntry.awarded_on))
    if start:
        query = query.where(BrandEntry.awarded_on >= start)
    if end:
        query = query.where(BrandEntry.awarded_on <= end)
    if district_id:
        query = query.where(BrandEntry.org_id == district_id)
    totals: dict[tuple, int] = {}
    for org_id, org_name, cat_id, cat_name, awarded, n in session.execute(query).all():
        key = (org_id, org_name, cat_id, cat_name or "", f"{awarded:%Y-%m}")
        totals[key] = totals.get(key, 0) + n
    return [ApprovedCount(*key, count=n) for key, n in sorted(
        totals.items(), key=lambda kv: (kv[0][4], kv[0][0], kv[0][2] or 0))]
