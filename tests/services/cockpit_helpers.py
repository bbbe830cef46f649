"""A small dataset for the cockpit, built through the services, with what must not count.

Dates are placed where each rule reads them: 推进任务 pushed (确认分发), 审核确认 of a revision,
验收时间, 获评日期. The expected figures for 2025 are written out in `EXPECTED` by hand.
"""
from datetime import date, datetime, timezone
from types import SimpleNamespace
from unittest.mock import patch

from sqlalchemy import select, update

from models import Achievement, BrandEntry, ProgressRevision, ProgressTask
from services import brand, clock, pilots, progress
from services.progress import AchievementInput
from services import review
from services.review import Action
from tests.services import brand_helpers
from tests.services.pilot_helpers import NATIONAL, good_input
from tests.services.progress_helpers import TODAY, good, walk


def beijing(*args) -> datetime:
    """A Beijing wall-clock time as the aware UTC instant the database stores."""
    return datetime(*args, tzinfo=clock.LOCAL_TZ).astimezone(timezone.utc)


def pushed(session, pilot_id, org_id, when: datetime) -> None:
    """Date a 推进任务 (確认分发 to that district)."""
    session.execute(update(ProgressTask).where(ProgressTask.pilot_id == pilot_id,
                                               ProgressTask.org_id == org_id)
                    .values(created_at=when))
    session.commit()


def confirmed_on(session, revision_id, when: datetime) -> None:
    session.execute(update(ProgressRevision).where(ProgressRevision.id == revision_id)
                    .values(confirmed_at=when))
    session.commit()


def task(session, pilot_id, org_id) -> ProgressTask:
    return session.execute(select(ProgressTask).where(ProgressTask.pilot_id == pilot_id,
                                                      ProgressTask.org_id == org_id)).scalar_one()


def row(name):
    return AchievementInput(name, f"针对{name}问题，建立制度，实现闭环")


def report(session, w, pilot_id, org_id, *, rows, status="推进中", accepted=None, reject_at=None,
           clerk=None, reviewer=None, confirmed=None, keep=()):
    """One revision of a district's progress, walked through review (and dated)."""
    clerk = clerk or w.clerk
    rev = progress.start_revision(session, actor=clerk, task_id=task(session, pilot_id, org_id).id)
    kept = [AchievementInput(a.name, a.measures, a.effects, row_id=a.id)
            for a in progress.achievements_of(session, rev.id) if a.name in keep]
    data = good(progress_status=status, acceptance_date=accepted,
                achievements=kept + [row(n) for n in rows])
    rev = walk(session, w, rev, data=data, reject_at=reject_at, clerk=clerk, reviewer=reviewer)
    if confirmed is not None:
        confirmed_on(session, rev.id, confirmed)
    return rev


def distributed(session, w, doc, *, districts=(), clerk=None, reviewer=None, name="数字乡村改革试点"):
    p = pilots.create(session, actor=clerk or w.clerk, uploads=NATIONAL, submit=True,
                      data=good_input(w, doc_number=doc, name=name, districts=set(districts)))
    p = pilots.act(session, actor=reviewer or w.reviewer, pilot_id=p.id, action=Action.APPROVE,
                   version=p.version)
    return pilots.confirm_and_distribute(session, actor=w.dept_clerk, pilot_id=p.id,
                                         version=p.version)


def brand_entry(session, w, *, clerk, reviewer, category, awarded, until="已通过"):
    entry = brand_helpers.submitted(session, w, clerk=clerk, category_id=category,
                                    awarded_on=awarded, item=f"建立{awarded}机制")
    if until == "待区县审核":
        return entry
    entry = brand_helpers.act(session, entry, Action.APPROVE, reviewer)
    if until == "待市委改革办审核":
        return entry
    entry = brand_helpers.act(session, entry, Action.APPROVE, w.office)
    if until == "撤销通过":
        entry = brand.revoke_approval(session, actor=w.office, entry_id=entry.id,
                                      version=entry.version, reason="不满足报表计分条件")
    return entry


REVIEWED_AT = (2025, 9, 30, 12)  # every review step of the dataset (驳回率 counts it in 2025)


def build(session, w) -> SimpleNamespace:
    """The dataset; comments say what each part is for (2025 is the period under test)."""
    with patch.object(review, "utcnow", lambda: beijing(*REVIEWED_AT)):
        return _build(session, w)


def _build(session, w) -> SimpleNamespace:
    brand.seed_categories(session)
    national, citywide = [c.id for c in brand.categories(session)]
    w.national, w.citywide = national, citywide  # what brand_helpers.good_input reads
    wz, qj = w.wanzhou, w.qianjiang
    qj_people = dict(clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    d = SimpleNamespace()

    # P1: 万州区 and 黔江区, pushed 2025-03-10.
    d.p1 = distributed(session, w, "国办发〔2025〕1号", districts={qj}, name="一号改革试点")
    pushed(session, d.p1.id, wz, beijing(2025, 3, 10, 9))
    pushed(session, d.p1.id, qj, beijing(2025, 3, 10, 9))
    # P2: pushed 2024-12-31 23:30 in Beijing — 2024, though it is 2024-12-31 15:30 UTC.
    d.p2 = distributed(session, w, "国办发〔2024〕2号", name="二号改革试点")
    pushed(session, d.p2.id, wz, beijing(2024, 12, 31, 23, 30))
    # P3: pushed 2025-01-01 00:30 in Beijing — 2025, though it is still 2024 in UTC.
    d.p3 = distributed(session, w, "国办发〔2025〕3号", name="三号改革试点")
    pushed(session, d.p3.id, wz, beijing(2025, 1, 1, 0, 30))
    # P4 waits for 确认分发, P5 is a draft: neither is undertaken.
    d.p4 = pilots.create(session, actor=w.clerk, uploads=NATIONAL, submit=True,
                         data=good_input(w, doc_number="国办发〔2025〕4号", name="四号改革试点"))
    d.p4 = pilots.act(session, actor=w.reviewer, pilot_id=d.p4.id, action=Action.APPROVE,
                      version=d.p4.version)
    d.p5 = pilots.create(session, actor=w.clerk, uploads=NATIONAL,
                         data=good_input(w, doc_number="国办发〔2025〕5号", name="五号改革试点"))
    # P6: 黔江区's, pushed 2025-06-01; 万州区 added by the department on 2026-01-05.
    d.p6 = distributed(session, w, "国办发〔2025〕6号", name="六号改革试点", **qj_people)
    pushed(session, d.p6.id, qj, beijing(2025, 6, 1, 10))
    pilots.add_district(session, actor=w.dept_clerk, pilot_id=d.p6.id, district_id=wz)
    pushed(session, d.p6.id, wz, beijing(2026, 1, 5, 10))

    # 万州区 on P1: 已完成 (验收 2025-05-20), results A and B confirmed 2025-05-25; a second
    # revision (under review) adds C2 and says 推进中: not confirmed, so nothing of it counts.
    d.r1 = report(session, w, d.p1.id, wz, rows=["成果A", "成果B"], status="已完成",
                  accepted=date(2025, 5, 20), confirmed=beijing(2025, 5, 25, 10))
    rev = progress.start_revision(session, actor=w.clerk,
                                  task_id=task(session, d.p1.id, wz).id)
    progress.save(session, actor=w.clerk, revision_id=rev.id, version=rev.version, submit=True,
                  today=TODAY, data=good(achievements=[row("成果C2")]))
    # 黔江区 on P1: result C confirmed 2025-04-01, then a revision confirmed 2025-08-01 keeps C
    # and adds D: C keeps its first confirmation (April), D counts in August.
    report(session, w, d.p1.id, qj, rows=["成果C"], confirmed=beijing(2025, 4, 1, 10),
           **qj_people)
    report(session, w, d.p1.id, qj, rows=["成果D"], keep=("成果C",),
           confirmed=beijing(2025, 8, 1, 10), **qj_people)
    # 万州区 on P2 (undertaken in 2024): 已完成 with 验收 2025-02-10, result F on 2025-02-12.
    report(session, w, d.p2.id, wz, rows=["成果F"], status="已完成", accepted=date(2025, 2, 10),
           confirmed=beijing(2025, 2, 12, 10))
    # 万州区 on P3: returned by 市委改革办 — its results never count.
    report(session, w, d.p3.id, wz, rows=["成果G"], status="已完成", accepted=date(2025, 7, 1),
           reject_at="待市委改革办确认")
    # 黔江区 on P6: 已完成 in 2024 (验收 2024-12-15, result E confirmed 2024-12-20).
    report(session, w, d.p6.id, qj, rows=["成果E"], status="已完成", accepted=date(2024, 12, 15),
           confirmed=beijing(2024, 12, 20, 10), **qj_people)

    # Brand: 万州区 获全市推广 2025-03-01 (counts); 获全国肯定性评价 2024-11-01 (other period);
    # one waiting for 市委改革办 and one draft (never). 黔江区 获全国肯定性评价 2025-07-07 (counts)
    # and one approved then revoked (撤销通过: back to the clerk, never).
    wz_people = dict(clerk=w.clerk, reviewer=w.reviewer)
    d.b1 = brand_entry(session, w, category=citywide, awarded=date(2025, 3, 1), **wz_people)
    brand_entry(session, w, category=national, awarded=date(2024, 11, 1), **wz_people)
    brand_entry(session, w, category=citywide, awarded=date(2025, 4, 1),
                until="待市委改革办审核", **wz_people)
    brand.create(session, actor=w.clerk, data=brand_helpers.good_input(
        w, awarded_on=date(2025, 5, 1)))
    d.b2 = brand_entry(session, w, category=national, awarded=date(2025, 7, 7), **qj_people)
    brand_entry(session, w, category=citywide, awarded=date(2025, 8, 8), until="撤销通过",
                **qj_people)
    d.national, d.citywide = "获全国肯定性评价", "获全市推广"
    return d


def achievement_id(session, name) -> int:
    """The id of the row named `name` in the revision in force (the newest confirmed)."""
    ids = session.execute(select(Achievement.id, ProgressRevision.status)
                          .join(ProgressRevision, ProgressRevision.id == Achievement.revision_id)
                          .where(Achievement.name == name)
                          .order_by(ProgressRevision.revision_no.desc())).all()
    return next(i for i, status in ids if status == "已确认")


def approved_brand_ids(session) -> set[int]:
    return set(session.execute(select(BrandEntry.id).where(BrandEntry.status == "已通过"))
               .scalars())
