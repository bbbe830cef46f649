"""In-app notifications (SPEC §2): listing, unread counts, marking read."""
from typing import Iterable

from sqlalchemy import false, func, select, update
from sqlmodel import Session

from models import Notification, Org, User, UserRole, utcnow
from services import limits
from services.errors import PermissionDenied
from services.identity import CurrentUser


def active_user_ids(session: Session, *, roles: Iterable[str] | None,
                    org_ids: Iterable[int] | None = None, org_kind: str | None = None,
                    user_ids: Iterable[int] | None = None) -> list[int]:
    """Enabled users holding one of `roles` (None: any role), in `org_ids` or in orgs of
    `org_kind`, among `user_ids` when given."""
    query = select(User.id).where(User.disabled == false())
    if roles is not None:
        query = query.join(UserRole, UserRole.user_id == User.id).where(
            UserRole.role.in_([str(r) for r in roles]))
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    if org_ids is not None:
        query = query.where(User.org_id.in_(list(org_ids)))
    if org_kind is not None:
        query = query.join(Org, Org.id == User.org_id).where(Org.kind == org_kind)
    return sorted(set(session.execute(query).scalars()))


def send(session: Session, *, user_ids: Iterable[int], title: str, body: str,
         record_type: str, record_id: int | None) -> None:
    """One message per recipient, added to the caller's transaction.

    Titles and bodies are generated (they quote user text such as a 200-character pilot name),
    so they are shortened to their columns rather than refused.
    """
    title = limits.shorten(title, limits.max_length(Notification, "title"))
    body = limits.shorten(body, limits.max_length(Notification, "body"))
    for uid in sorted(set(user_ids)):
        session.add(Notification(user_id=uid, title=title, body=body,
                                 record_type=record_type, record_id=record_id))


def settle(session: Session, *, record_type: str, record_id: int,
           user_ids: Iterable[int] | None = None, title_prefix: str = "") -> None:
    """The record moved on: earlier messages about it (to `user_ids`, with titles starting
    with `title_prefix`) are handled, so they count as read."""
    query = update(Notification).where(Notification.record_type == record_type,
                                       Notification.record_id == record_id,
                                       Notification.is_read == false())
    if user_ids is not None:
        query = query.where(Notification.user_id.in_(list(user_ids)))
    if title_prefix:
        query = query.where(Notification.title.startswith(title_prefix, autoescape=True))
    session.execute(query.values(is_read=True, read_at=utcnow())
                    .execution_options(synchronize_session=False))


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
    if not note.is_read:
        note.read_at = utcnow()
    note.is_read = True
    session.add(note)
    session.commit()


def mark_all_read(session: Session, *, actor: CurrentUser) -> None:
    session.execute(update(Notification).where(Notification.user_id == actor.id,
                                               Notification.is_read == false())
                    .values(is_read=True, read_at=utcnow()))
    session.commit()
