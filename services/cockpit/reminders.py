"""督办提醒 (SPEC §6 调度): a leader reminds a district; its clerks and reviewers get it on
业务工作台, it is audited, and the cockpit shows who has read it and when.

A district's leader reminds their own district only; a 市委改革办 leader any district. It is the
one write action a leader has.
"""
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from models import (
    ROLE_LABELS, AuditEvent, Notification, Org, OrgKind, Reminder, Role, User, UserRole,
)
from services import limits, notifications
from services.cockpit import indicators
from services.db import transactional
from services.errors import PermissionDenied, ValidationError
from services.identity import CurrentUser, require_active

RECORD_TYPE = "reminder"
TITLE = "【督办提醒】"
RECIPIENT_ROLES = (Role.CLERK, Role.REVIEWER)
MESSAGE_LIMIT = limits.max_length(Reminder, "message")
MIN_MESSAGE = 5
SENT = "已发送"


@dataclass
class Receipt:
    user_id: int
    name: str
    roles: str
    read: bool
    read_at: datetime | None


@dataclass
class SentReminder:
    id: int
    district: str
    sender: str
    sent_at: datetime
    message: str
    indicator: str          # the indicator's label, or ""
    period: str
    receipts: list[Receipt] = field(default_factory=list)

    @property
    def unread(self) -> int:
        return sum(1 for r in self.receipts if not r.read)

    def as_row(self) -> dict:
        return {"id": self.id, "发送时间": self.sent_at, "区县": self.district, "督办人": self.sender,
                "督办事项": self.indicator or "改革报表工作", "期间": self.period,
                "督办内容": self.message, "接收人数": len(self.receipts),
                "未读人数": self.unread,
                "阅读情况": "；".join(f"{r.name}（{r.roles}）"
                                  f"{'已读' if r.read else '未读'}" for r in self.receipts)}


def may_remind(actor: CurrentUser, district_id: int | None = None) -> bool:
    """Whether the actor is a leader who may remind `district_id` (None: any district at all)."""
    if not actor.has(Role.LEADER):
        return False
    if actor.is_reform_office:
        return True
    return actor.is_district and district_id in (None, actor.org_id)


def _check_sender(session: Session, actor: CurrentUser, district_id: int) -> Org:
    require_active(session, actor)
    if not actor.has(Role.LEADER):
        raise PermissionDenied("只有领导可以发送督办提醒")
    district = session.get(Org, district_id)
    if district is None or district.kind != OrgKind.DISTRICT:
        raise ValidationError("请选择要督办的区县")
    if actor.is_reform_office:
        return district
    if actor.is_district and district_id == actor.org_id:
        return district
    if actor.is_district:
        raise PermissionDenied(f"区县领导只能向本区县（{actor.org_name}）发送督办提醒，"
                               f"不能督办{district.name}")
    raise PermissionDenied("只有区县领导和市委改革办领导可以发送督办提醒")


def recipients(session: Session, district_id: int) -> list[int]:
    """The district's enabled clerks and reviewers."""
    return notifications.active_user_ids(session, roles=RECIPIENT_ROLES, org_ids=[district_id])


@transactional
def send(session: Session, *, actor: CurrentUser, district_id: int, message: str,
         indicator: str = "", period: str = "") -> Reminder:
    """督办提醒: a message (optionally about one cockpit indicator) to the district's clerks and
    reviewers, as a notification each, audited."""
    district = _check_sender(session, actor, district_id)
    message = (message or "").strip()
    if limits.visible_length(message) < MIN_MESSAGE:
        raise ValidationError(f"请填写督办内容（不少于{MIN_MESSAGE}个字）")
    limits.check_text("督办内容", message, MESSAGE_LIMIT)
    label = ""
    if indicator:
        found = indicators.get(indicator)
        if found is None and indicator != "rejection":
            raise ValidationError("请从列表中选择督办的指标")
        label = found.label if found is not None else "驳回率"
    limits.check_text("期间", period, limits.max_length(Reminder, "period"), multiline=False)
    to = recipients(session, district.id)
    if not to:
        raise ValidationError(f"{district.name}暂无在用的录入员或审核员，督办提醒无法送达；"
                              "请联系系统管理员开通账号")
    reminder = Reminder(org_id=district.id, sender_id=actor.id, sender_org_id=actor.org_id,
                        message=message, indicator=indicator or "", period=period)
    session.add(reminder)
    session.flush()
    about = f"（{label}{'，' + period if period else ''}）" if label else (
        f"（{period}）" if period else "")
    notifications.send(session, user_ids=to, record_type=RECORD_TYPE, record_id=reminder.id,
                       title=f"{TITLE}{actor.org_name}{actor.name}督办{district.name}{about}",
                       body=message)
    session.add(AuditEvent(
        record_type=RECORD_TYPE, record_id=reminder.id, org_id=district.id, actor_id=actor.id,
        actor_org_id=actor.org_id, actor_role=Role.LEADER.value, action="remind",
        from_status="", to_status=SENT, comment=message,
        changes=json.dumps({"督办事项": [None, label or "改革报表工作"], "期间": [None, period],
                            "接收人数": [None, len(to)]}, ensure_ascii=False)))
    return reminder


def sent(session: Session, *, actor: CurrentUser, district_id: int | None = None,
         unread_only: bool = False, limit: int = 200) -> list[SentReminder]:
    """督办提醒 with each recipient's read state: a district's leader sees its own district's,
    a 市委改革办 leader every district's (or one, by `district_id`)."""
    require_active(session, actor)
    if not actor.has(Role.LEADER) or not (actor.is_reform_office or actor.is_district):
        raise PermissionDenied("督办提醒的阅读情况仅向领导展示")
    if actor.is_district:
        if district_id not in (None, actor.org_id):
            raise PermissionDenied("区县领导只能查看本区县的督办提醒")
        district_id = actor.org_id
    sender = User.__table__.alias("sender")
    query = (select(Reminder, Org.name, sender.c.name).join(Org, Org.id == Reminder.org_id)
             .join(sender, sender.c.id == Reminder.sender_id)
             .order_by(Reminder.created_at.desc(), Reminder.id.desc()).limit(limit))
    if district_id is not None:
        query = query.where(Reminder.org_id == district_id)
    found = session.execute(query).all()
    orgs = dict(session.execute(select(Org.id, Org.name).where(
        Org.id.in_({r.sender_org_id for r, _, _ in found}))).all()) if found else {}
    views = {r.id: SentReminder(r.id, district, f"{orgs.get(r.sender_org_id, '')}{who}",
                                r.created_at, r.message, _indicator_label(r.indicator), r.period)
             for r, district, who in found}
    notes = session.execute(
        select(Notification, User.name).join(User, User.id == Notification.user_id)
        .where(Notification.record_type == RECORD_TYPE, Notification.record_id.in_(list(views)))
        .order_by(Notification.record_id, User.id)).all() if views else []
    roles: dict[int, list[str]] = {}
    for uid, role in session.execute(select(UserRole.user_id, UserRole.role).where(
            UserRole.user_id.in_({n.user_id for n, _ in notes})).order_by(UserRole.role)):
        roles.setdefault(uid, []).append(ROLE_LABELS[Role(role)])
    for note, name in notes:
        views[note.record_id].receipts.append(
            Receipt(note.user_id, name, "、".join(roles.get(note.user_id, [])), note.is_read,
                    note.read_at if note.is_read else None))
    out = list(views.values())
    return [v for v in out if v.unread] if unread_only else out


def _indicator_label(key: str) -> str:
    if not key:
        return ""
    found = indicators.get(key)
    return found.label if found is not None else ("驳回率" if key == "rejection" else key)
