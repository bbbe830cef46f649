"""Concurrent department and district actions: exactly one wins, the others get a Chinese
message, and the audit trail and join requests stay single (SQLite and PostgreSQL)."""
import threading

from sqlalchemy import func, select
from sqlmodel import Session

from models import AuditEvent, JoinRequest, PilotDistrict, ProgressTask
from services import pilots
from services.errors import DomainError
from tests.services.pilot_helpers import distributed

PARALLEL = 8


def race(engine, action) -> tuple[int, list[Exception]]:
    """Run `action(session)` in PARALLEL threads, each with its own session, all at once."""
    barrier = threading.Barrier(PARALLEL)
    wins, errors, lock = [], [], threading.Lock()

    def worker():
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                action(s)
            except Exception as exc:  # noqa: BLE001 - every outcome is inspected below
                with lock:
                    errors.append(exc)
            else:
                with lock:
                    wins.append(True)

    threads = [threading.Thread(target=worker) for _ in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return len(wins), errors


def count(session, model, *where):
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def assert_clear_chinese_refusals(errors):
    for exc in errors:
        assert isinstance(exc, DomainError), repr(exc)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc)), repr(exc)


def test_parallel_add_district_adds_once_with_one_audit_event_and_one_task(engine, session, w):
    p = distributed(session, w)

    wins, errors = race(engine, lambda s: pilots.add_district(
        s, actor=w.dept_clerk, pilot_id=p.id, district_id=w.qianjiang))

    assert wins == 1 and len(errors) == PARALLEL - 1
    assert_clear_chinese_refusals(errors)
    assert count(session, AuditEvent, AuditEvent.action == "add_district") == 1
    assert count(session, PilotDistrict, PilotDistrict.org_id == w.qianjiang) == 1
    assert count(session, ProgressTask, ProgressTask.org_id == w.qianjiang) == 1


def test_parallel_join_requests_leave_one_pending_request_and_one_audit_event(
        engine, session, w):
    p = distributed(session, w)

    wins, errors = race(engine, lambda s: pilots.request_join(s, actor=w.qj_clerk,
                                                              pilot_id=p.id))

    assert wins == 1 and len(errors) == PARALLEL - 1
    assert_clear_chinese_refusals(errors)
    assert count(session, JoinRequest, JoinRequest.status == "待处理") == 1
    assert count(session, AuditEvent, AuditEvent.action == "request_join") == 1


def test_parallel_grants_of_one_request_add_the_district_once(engine, session, w):
    p = distributed(session, w)
    req = pilots.request_join(session, actor=w.qj_clerk, pilot_id=p.id)

    wins, errors = race(engine, lambda s: pilots.decide_join(
        s, actor=w.dept_clerk, request_id=req.id, grant=True))

    assert wins == 1
    assert_clear_chinese_refusals(errors)
    assert count(session, AuditEvent, AuditEvent.action == "add_district") == 1
    assert count(session, ProgressTask, ProgressTask.org_id == w.qianjiang) == 1
