"""Deadlines that act by themselves (SPEC §5.1), from stored dates and `clock`:

- 继续深化完善原一图两清单: re-upload within 7 days; days left / overdue shown, no state change;
- 纳入名录库并晾晒: one calendar month to 保存并上报 the 新一图两清单 (31 January → 28/29 February);
- 移除名录库 when that month passes without an upload, or at once on the second
  继续完善新一图两清单: a `system()` step, taken whenever the records are read and by
  `python manage.py tick`; running it twice changes nothing.
"""
import calendar
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session

from models import DigitalApp, DigitalItem, DigitalPlan, DigitalPlanItem, DigitalShare, Org, Role
from services import clock, notifications
from services.errors import Conflict
from services.identity import CurrentUser
from services.review import Todo

DEEPEN_DAYS = 7
TODO_KIND = "一件事期限"  # 业务工作台's line for an item with a deadline running


def add_month(day: date) -> date:
    """The same day a calendar month later, or that month's last day."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def new_chart_due(item: DigitalItem) -> date | None:
    """The last day to 保存并上报 the 新一图两清单 (one calendar month from 纳入名录库)."""
    return add_month(item.included_on) if item.included_on else None


def deepen_due(item: DigitalItem) -> date | None:
    return item.verdict_on + timedelta(days=DEEPEN_DAYS) if item.verdict_on else None


def deadline_of(item: DigitalItem) -> tuple[str, date] | None:
    """(what is due, by when) for an item with a deadline running now."""
    from services.digital.items import DEEPEN, INCLUDED

    if item.status == DEEPEN and item.verdict_on:
        return "重新上传原一图两清单", deepen_due(item)
    if item.status == INCLUDED and item.new_chart_submitted_at is None and item.included_on:
        return "上传新一图两清单", new_chart_due(item)
    return None


def deadline_text(item: DigitalItem, today: date | None = None) -> str:
    """剩余N天 / 已逾期N天 (empty when no deadline runs)."""
    found = deadline_of(item)
    if found is None:
        return ""
    what, due = found
    left = (due - (today or clock.today())).days
    if left >= 0:
        return f"{what}：截止 {due:%Y-%m-%d}，剩余{left}天"
    return f"{what}：截止 {due:%Y-%m-%d}，已逾期{-left}天"


# --- the clock's step ---------------------------------------------------------------------------

def _dependents(session: Session, item: DigitalItem) -> list[str]:
    """Plans, apps and shares that rely on the item: none of them can be displayed (晾晒) once
    it has left the catalog (a 三张清单 needs every item at 进入三张清单编制等后续环节)."""
    from services.digital.common import DELETED

    plans = list(session.execute(
        select(DigitalPlan).join(DigitalPlanItem, DigitalPlanItem.plan_id == DigitalPlan.id)
        .where(DigitalPlanItem.item_id == item.id, DigitalPlan.status != DELETED)).scalars())
    names = [f"应用“三张清单”：{p.name}" for p in plans]
    if plans:
        apps = list(session.execute(select(DigitalApp).where(
            DigitalApp.plan_id.in_([p.id for p in plans]), DigitalApp.status != DELETED)).scalars())
        names += [f"开发上线特色应用：{a.name}" for a in apps]
        app_names = {a.id: a.name for a in apps}
        if app_names:
            names += [f"一地创新、全市共享：{app_names[s.app_id]}" for s in session.execute(
                select(DigitalShare).where(DigitalShare.app_id.in_(list(app_names)),
                                           DigitalShare.status != DELETED)).scalars()]
    return names


def remove_from_catalog(session: Session, item: DigitalItem, *, reason: str) -> bool:
    """移除名录库 (once): the district's clerks and reviewers are told, with the records that
    relied on the item. False when another step took it first."""
    from services.digital.items import ITEM_FLOW

    relying = _dependents(session, item)
    try:
        done = ITEM_FLOW.apply_system(session, record_id=item.id, action="remove",
                                      comment=reason)
    except Conflict:
        return False
    if done is None:
        return False
    if relying:
        notifications.send(
            session,
            user_ids=notifications.active_user_ids(session, roles=[Role.CLERK, Role.REVIEWER],
                                                   org_ids=[item.org_id]),
            title=f"【一件事】“{item.name}”移除名录库，关联的记录不能晾晒",
            body="以下记录关联该事项，不能晾晒，也不得继续开展后续工作：" + "；".join(relying),
            record_type=ITEM_FLOW.module, record_id=item.id)
    return True


def due_for_removal(session: Session, today: date | None = None) -> list[tuple[int, str]]:
    """(item id, reason) of the removals due now."""
    from services.digital.items import IMPROVE_NEW, INCLUDED

    today = today or clock.today()
    due = []
    for item in session.execute(select(DigitalItem).where(
            DigitalItem.status == INCLUDED, DigitalItem.new_chart_submitted_at.is_(None),
            DigitalItem.included_on.is_not(None),
            DigitalItem.included_on < today - timedelta(days=27))).scalars():
        if add_month(item.included_on) < today:
            due.append((item.id, f"纳入名录库（{item.included_on:%Y-%m-%d}）后 1 个月内未上传新一图两清单"))
    due += [(item_id, "新一图两清单被市委改革办 2 次驳回") for item_id in session.execute(
        select(DigitalItem.id).where(DigitalItem.status == IMPROVE_NEW,
                                     DigitalItem.new_chart_rejections >= 2)).scalars()]
    return due


def tick(session: Session) -> int:
    """Take every removal due now, each in its own transaction; returns how many were taken
    (0 when another run took them: it changes nothing twice)."""
    taken = 0
    for item_id, reason in due_for_removal(session):
        try:
            item = session.get(DigitalItem, item_id, populate_existing=True)
            if item is not None and remove_from_catalog(session, item, reason=reason):
                session.commit()
                taken += 1
            else:
                session.rollback()
        except Exception:
            session.rollback()
            raise
    return taken


# --- 业务工作台 --------------------------------------------------------------------------------

def todos(session: Session, user: CurrentUser) -> list[Todo]:
    """Days left / overdue of the district's items, for its clerks and reviewers."""
    from services.digital.items import DEEPEN, INCLUDED, ITEM_FLOW

    if not (user.is_district and user.has(Role.CLERK, Role.REVIEWER)):
        return []
    rows = session.execute(select(DigitalItem, Org.name).join(Org, Org.id == DigitalItem.org_id)
                           .where(DigitalItem.org_id == user.org_id,
                                  DigitalItem.status.in_([DEEPEN, INCLUDED]))).all()
    page = "pages/digital_update.py"
    out = []
    for item, org_name in rows:
        text = deadline_text(item)
        if not text:
            continue
        out.append(Todo(kind=TODO_KIND, module=ITEM_FLOW.module, module_label="一件事",
                        record_id=item.id, title=item.name, status=item.status,
                        org_name=org_name, updated_at=item.updated_at,
                        reason=text + (f"（核准意见：{item.verdict_comment}）"
                                       if item.verdict_comment else ""),
                        version=item.version, page=page, open_key="open_digital_item"))
    return out
