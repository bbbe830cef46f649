"""In-app notifications (SPEC §2): listing, unread counts, marking read."""
from sqlalchemy import false, func, select, update
from sqlmodel import Session

from models import Notification
from services.errors import PermissionDenied
from services.identity import CurrentUser


def unread_count(session: Session, *, actor: CurrentUser) -> int:
    return session.execute(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == actor.id, Notification.is_read == false())
    ).scalar_one()


def recent(session: Session, *, actor: CurrentUser, limit: int = 50,
           unread_only: bool = False) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        query = query.where(Notification.is_read == false())
    return list(session.execute(query.order_by(Notification.id.desc()).limit(limit)).scalars())


def mark_read(session: Session, *, actor: CurrentUser, notification_id: int) -> None:
    """Mark one of the actor's own messages as read."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != actor.id:
        raise PermissionDenied("只能处理发给自己的消息")
    note.is_read = True
    session.add(note)
    session.commit()


def mark_all_read(session: Session, *, actor: CurrentUser) -> None:
    session.execute(update(Notification).where(Notification.user_id == actor.id)
                    .values(is_read=True))
    session.commit()
