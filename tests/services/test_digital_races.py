"""Eight 市委改革办 reviewers giving verdicts on one 一件事 at once, or eight clocks ticking at once:
one outcome and one audit event — on SQLite and PostgreSQL."""
import threading
from datetime import date, datetime, time

from sqlalchemy import select
from sqlmodel import Session

from models import AuditEvent, Role
from services import clock
from services.digital import deadlines, verdicts
from services.digital.items import INCLUDED, PENDING_ORIGINAL, REMOVED
from services.errors import DomainError
from tests.factories import make_user
from tests.services.digital_helpers import add_item, cast, item, pass_form, verdict


def run_at_once(engine, jobs):
    start, outcomes = threading.Barrier(len(jobs)), []

    def run(job):
        with Session(engine, expire_on_commit=False) as s:
            start.wait()
            try:
                outcomes.append(("ok", job(s)))
            except DomainError as exc:
                outcomes.append((type(exc).__name__, str(exc)))

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def events_after(session, item_id, source):
    session.expire_all()
    return [e.action for e in session.execute(select(AuditEvent).where(
        AuditEvent.record_type == "digital_item", AuditEvent.record_id == item_id,
        AuditEvent.from_status == source).order_by(AuditEvent.id)).scalars()]


def test_eight_verdicts_at_once_leave_one_outcome_and_one_event(engine, session):
    w = cast(session)
    row = add_item(session, w)
    pass_form(session, w)
    it = item(session, row.id)
    assert it.status == PENDING_ORIGINAL
    version = it.version
    office = [make_user(session, org="市委改革办", role=Role.REVIEWER) for _ in range(8)]
    choices = ["include", "deepen", "duplicate", "include", "deepen", "proceed", "include",
               "duplicate"]

    def give(actor, choice):
        return lambda s: verdicts.give(
            s, actor=actor, item_id=it.id, version=version, verdict=choice,
            comment="梳理深度不够，请细化", duplicate_city="市级层面已策划").status

    outcomes = run_at_once(engine, [give(a, c) for a, c in zip(office, choices)])

    winners = [o for o in outcomes if o[0] == "ok"]
    assert len(outcomes) == 8 and len(winners) == 1, outcomes
    stored = item(session, it.id)
    assert stored.version == version + 1 and stored.status == winners[0][1]
    assert len(events_after(session, it.id, PENDING_ORIGINAL)) == 1


def test_eight_clocks_ticking_at_once_remove_the_item_once(engine, session, monkeypatch):
    w = cast(session)
    day = date(2027, 1, 31)
    monkeypatch.setattr(clock, "today", lambda: day)
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(day, time(12), clock.LOCAL_TZ))
    row = add_item(session, w)
    pass_form(session, w)
    verdict(session, w, row.id, "include")
    assert item(session, row.id).status == INCLUDED
    day = date(2027, 3, 1)
    monkeypatch.setattr(clock, "today", lambda: day)

    outcomes = run_at_once(engine, [deadlines.tick] * 8)

    assert len(outcomes) == 8, outcomes
    assert sum(n for result, n in outcomes if result == "ok") == 1, outcomes
    assert item(session, row.id).status == REMOVED
    assert events_after(session, row.id, INCLUDED) == ["remove"]
