"""Eight people act at once on the same record of every module (通过, 驳回, 撤回, and an edit),
each from the version they loaded: one action wins, every other gets a clear refusal (the
conflict message, or the state's refusal), nothing is lost, and the audit trail matches the
final state — on SQLite and PostgreSQL."""
import threading

import pytest
from sqlalchemy import select
from sqlmodel import Session

from models import AuditEvent, Role, User
from services import accounts, brand, pilots, progress, records, registry, seed
from services.errors import DomainError
from services.review import Action
from tests.factories import make_pilot, make_user
from tests.services.brand_helpers import cast, good_input, submitted

WAITING = "待区县审核"


def _demo(session, phone):
    return accounts.current_user(session, session.execute(
        select(User).where(User.phone == phone)).scalars().one())


def _pilot(session):
    clerk = make_user(session, org="万州区", role=Role.CLERK)
    pilot = make_pilot(session, creator=clerk)
    pilot = pilots.PILOT_FLOW.apply(session, record_id=pilot.id, action=Action.SUBMIT,
                                    actor=clerk, version=pilot.version)
    return pilot, clerk, lambda s, actor, version: pilots.update(
        s, actor=actor, pilot_id=pilot.id, version=version,
        data=pilots.PilotInput(name="改名后的试点", doc_number=pilot.doc_number,
                               dept_id=pilot.dept_id))


def _progress(session):
    from tests.pages.progress_setup import CLERK, draft
    seed.seed_all(session)
    rev = draft(session)
    clerk = _demo(session, CLERK)
    rev = progress.act(session, actor=clerk, revision_id=rev.id, action=Action.SUBMIT,
                       version=rev.version)
    return rev, clerk, lambda s, actor, version: progress.save(
        s, actor=actor, revision_id=rev.id, version=version,
        data=progress.ProgressInput(work_items=["召开专题会议"], problems="改写"))


def _brand(session):
    w = cast(session)
    entry = submitted(session, w)
    return entry, w.clerk, lambda s, actor, version: brand.update(
        s, actor=actor, entry_id=entry.id, version=version, data=good_input(w, item="健全改写体系"))


def _digital_form(session):
    from services.digital import forms, rows
    from tests.services import digital_helpers as dh
    w = dh.cast(session)
    dh.add_item(session, w)
    form = rows.open_form(session, w.clerk.org_id)
    form = forms.submit(session, actor=w.clerk, form_id=form.id, version=form.version)
    return form, w.clerk, lambda s, actor, version: rows.save_row(
        s, actor=actor, kind="digital_item", form_version=version,
        values={"name": "改名后的一件事", "domain_id": w.domain})


SETUPS = {"pilot": _pilot, "progress": _progress, "brand": _brand, "digital_form": _digital_form}
# Rows of the district's form change state only with the form (raced above as digital_form);
# the reform office's verdicts and the clock's removals are raced in test_digital_races.py.
RACED_ELSEWHERE = {"digital_item", "digital_plan", "digital_app", "digital_share"}


def test_every_registered_module_is_raced_here():
    assert set(SETUPS) | RACED_ELSEWHERE == {f.module for f in registry.flows()}


@pytest.mark.parametrize("module", sorted(SETUPS))
def test_eight_simultaneous_actions_on_one_record_leave_one_winner_and_a_true_audit_trail(
        engine, session, module):
    flow = registry.get(module)
    record, clerk, edit = SETUPS[module](session)
    assert record.status == WAITING
    reviewers = [make_user(session, org="万州区", role=Role.REVIEWER) for _ in range(4)]
    version = record.version
    steps = [("approve", reviewers[0]), ("approve", reviewers[1]),
             ("reject", reviewers[2]), ("reject", reviewers[3]),
             ("withdraw", clerk), ("withdraw", clerk), ("edit", clerk), ("edit", clerk)]
    start, outcomes = threading.Barrier(len(steps)), []

    def run(step, actor):
        with Session(engine, expire_on_commit=False) as s:
            start.wait()
            try:
                if step == "edit":
                    edit(s, actor, version)
                else:
                    records.act(s, flow=flow, actor=actor, record_id=record.id,
                                action=Action(step), version=version,
                                comment="材料不全，请补充完善" if step == "reject" else "")
                outcomes.append((step, "ok"))
            except DomainError as exc:
                outcomes.append((step, type(exc).__name__))

    threads = [threading.Thread(target=run, args=step) for step in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    winners = [step for step, result in outcomes if result == "ok"]
    assert len(outcomes) == len(steps)
    assert len(winners) == 1 and winners[0] != "edit", outcomes
    session.expire_all()
    stored = session.get(flow.model, record.id)
    assert stored.version == version + 1
    events = session.execute(select(AuditEvent).where(
        AuditEvent.record_type == module, AuditEvent.record_id == record.id)
        .order_by(AuditEvent.id)).scalars().all()
    after = [e for e in events if e.from_status == WAITING]
    assert [e.action for e in after] == [winners[0]]
    assert events[-1].to_status == stored.status
