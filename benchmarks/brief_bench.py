"""Benchmark (SPEC §10): the 区县改革报表驾驶舱 and its 简报 for a year of the whole city.

Builds S years of data in a temporary SQLite database (each year ~300 pilots, ~1,300 progress
revisions, ~2,000 achievements, ~800 brand entries and their review events; S=1 is SPEC §10's
one year of the whole city, S=10 its ten), then reports for the last year the median of: the
cockpit's aggregation (city and one district) beside the same figures by hand-written SQL, and
the 简报 for the whole city (target ≤ 5 s).
Usage: .venv/bin/python benchmarks/brief_bench.py  (BENCH_SCALE=10 for ten times the data);
`make bench` runs it after its own sections.
"""
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

SCALE = int(os.environ.get("BENCH_SCALE", "1"))
YEAR = 2025
BRIEF_TARGET_S = 5.0


def _median(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _instant(rng: random.Random, after: datetime | None = None, year: int = YEAR) -> datetime:
    """A moment of `year`, or later in the year of `after`."""
    start = after or datetime(year, 1, 1, tzinfo=timezone.utc)
    end = datetime(start.year, 12, 31, 12, tzinfo=timezone.utc)
    if start >= end:
        return end
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def build(session, scale: int = SCALE, seed: int = 7) -> dict:
    """`scale` years of the whole city up to YEAR (S=1: one year), written straight into the
    tables (the review trail as audit events), deterministic for a seed. Returns what was
    written, by table."""
    from models import (
        Achievement, AuditEvent, BrandEntry, Org, OrgKind, Pilot, PilotDistrict,
        ProgressRevision, ProgressTask, Role, User, UserRole,
    )
    from services import brand, seed as seeding

    seeding.seed_all(session)
    brand.seed_categories(session)
    rng = random.Random(seed)
    districts = list(session.execute(select(Org.id).where(Org.kind == OrgKind.DISTRICT)).scalars())
    depts = list(session.execute(select(Org.id).where(Org.kind == OrgKind.DEPARTMENT)).scalars())
    categories = [c.id for c in brand.categories(session)]
    clerk = {}
    for i, org_id in enumerate(districts):
        user = User(phone=f"1530000{i:04d}", name=f"录入员{i}", org_id=org_id, password_hash="x",
                    must_change_password=False)
        session.add(user)
        session.flush()
        session.add(UserRole(user_id=user.id, role=Role.CLERK.value))
        clerk[org_id] = user.id
    session.commit()
    events: list[dict] = []

    def event(kind, record_id, org_id, action, source, target, when):
        events.append(dict(record_type=kind, record_id=record_id, org_id=org_id,
                           actor_id=clerk[org_id], actor_org_id=org_id, actor_role="clerk",
                           action=action, from_status=source, to_status=target, comment="",
                           changes="{}", created_at=when))

    def reviewed(kind, record_id, org_id, stages, final, when, reject_rate=0.2):
        """submit → each stage (sometimes 驳回 and resubmitted) → final; returns the time."""
        event(kind, record_id, org_id, "submit", "草稿", stages[0], when)
        i = 0
        while i < len(stages):
            when = _instant(rng, when)
            if rng.random() < reject_rate:
                event(kind, record_id, org_id, "reject", stages[i], "退回修改", when)
                when = _instant(rng, when)
                event(kind, record_id, org_id, "submit", "退回修改", stages[0], when)
                i = 0
                continue
            target = stages[i + 1] if i + 1 < len(stages) else final
            event(kind, record_id, org_id, "approve", stages[i], target, when)
            i += 1
        return when

    counts = {"pilots": 0, "tasks": 0, "revisions": 0, "achievements": 0, "brand": 0}
    for n in range(300 * scale):
        org_id = rng.choice(districts)
        involved = {org_id, *rng.sample(districts, rng.choice([0, 0, 1, 2]))}
        distributed = rng.random() < 0.85
        year = YEAR - n // 300   # 300 pilots a year
        number = f"国办发〔{year}〕{n}号"
        pilot = Pilot(org_id=org_id, status="已分发" if distributed else "待市级部门确认",
                      created_by=clerk[org_id], updated_by=clerk[org_id], name=f"第{n}号改革试点",
                      deploy_level="中办国办", doc_title="关于开展改革试点的通知", doc_number=number,
                      doc_number_norm=number, scope_basis="国家文件明确区县", content="开展改革",
                      dept_id=rng.choice(depts))
        session.add(pilot)
        session.flush()
        counts["pilots"] += 1
        session.execute(insert(PilotDistrict), [{"pilot_id": pilot.id, "org_id": d}
                                                for d in involved])
        when = reviewed("pilot", pilot.id, org_id, ["待区县审核", "待市级部门确认"],
                        "已分发", _instant(rng, year=year))
        if not distributed:
            continue
        for d in sorted(involved):
            task = ProgressTask(pilot_id=pilot.id, org_id=d, created_at=when)
            session.add(task)
            session.flush()
            counts["tasks"] += 1
            at, positions = when, []
            for number_ in range(1, rng.choice([2, 3, 4, 5, 6]) + 1):
                at = _instant(rng, at)
                confirmed = rng.random() < 0.8
                done = rng.random() < 0.3
                rev = ProgressRevision(
                    org_id=d, status="已确认" if confirmed else "待区县审核",
                    created_by=clerk[d], updated_by=clerk[d], task_id=task.id,
                    pilot_id=pilot.id, dept_id=pilot.dept_id, title=pilot.name,
                    revision_no=number_, progress_status="已完成" if done else "推进中",
                    acceptance_date=at.date() if done else None,
                    confirmed_at=at if confirmed else None)
                session.add(rev)
                session.flush()
                counts["revisions"] += 1
                positions = positions + ([len(positions)] if rng.random() < 0.7 else [])
                if positions:
                    session.execute(insert(Achievement), [
                        {"revision_id": rev.id, "position": p, "name": f"建立第{p}项制度",
                         "measures": "针对问题，建立制度，实现闭环", "effects": ""}
                        for p in positions])
                counts["achievements"] += len(positions)
                reviewed("progress", rev.id, d, ["待区县审核", "待市级部门审核", "待市委改革办确认"],
                         "已确认", at)
                if not confirmed:
                    break
    for n in range(800 * scale):
        org_id = rng.choice(districts)
        approved = rng.random() < 0.75
        year = YEAR - n // 800   # 800 brand entries a year
        awarded = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        entry = BrandEntry(org_id=org_id, status="已通过" if approved else "待市委改革办审核",
                           created_by=clerk[org_id], updated_by=clerk[org_id],
                           item=f"建立第{n}项改革机制", category_id=rng.choice(categories),
                           situation="全市推广", awarded_on=awarded, problems="针对问题",
                           results="建立制度", self_checked=True)
        session.add(entry)
        session.flush()
        counts["brand"] += 1
        reviewed("brand", entry.id, org_id, ["待区县审核", "待市委改革办审核"], "已通过",
                 _instant(rng, year=year))
    for start in range(0, len(events), 5000):
        session.execute(insert(AuditEvent), events[start:start + 5000])
    session.commit()
    counts["audit events"] = len(events)
    return counts


# The cockpit's city figures written by hand, for SQLite (the benchmark's database).
HAND_SQL = [
    # 承接试点数 per district and month (by 确认分发), and city-wide once per pilot
    """SELECT t.org_id, strftime('%Y-%m', t.created_at, '+8 hours'), count(*)
       FROM progress_task t JOIN pilot p ON p.id = t.pilot_id AND p.status = '已分发'
       WHERE t.created_at >= :since AND t.created_at < :until GROUP BY 1, 2""",
    """SELECT strftime('%Y-%m', f, '+8 hours'), count(*) FROM (
         SELECT min(t.created_at) AS f FROM progress_task t
         JOIN pilot p ON p.id = t.pilot_id AND p.status = '已分发' GROUP BY t.pilot_id)
       WHERE f >= :since AND f < :until GROUP BY 1""",
    # 已完成试点数 by 验收时间 of the revision in force
    """SELECT r.org_id, strftime('%Y-%m', r.acceptance_date), count(*)
       FROM progress_revision r JOIN (SELECT task_id, max(revision_no) n FROM progress_revision
                                      WHERE status = '已确认' GROUP BY task_id) l
         ON l.task_id = r.task_id AND l.n = r.revision_no
       WHERE r.progress_status = '已完成' AND r.acceptance_date BETWEEN :start AND :end
       GROUP BY 1, 2""",
    # 试点成果数: rows of revisions in force by their first confirmation
    """SELECT org_id, strftime('%Y-%m', f, '+8 hours'), count(*) FROM (
         SELECT r.org_id, (SELECT min(c.confirmed_at) FROM progress_revision c
                           WHERE c.task_id = r.task_id AND c.status = '已确认'
                             AND c.revision_no > (SELECT coalesce(max(g.revision_no), 0)
                               FROM progress_revision g WHERE g.task_id = r.task_id
                                 AND g.status = '已确认' AND NOT EXISTS (
                                   SELECT 1 FROM achievement b WHERE b.revision_id = g.id
                                     AND b.position = a.position))) AS f
         FROM achievement a JOIN progress_revision r ON r.id = a.revision_id
         JOIN (SELECT task_id, max(revision_no) n FROM progress_revision
               WHERE status = '已确认' GROUP BY task_id) l
           ON l.task_id = r.task_id AND l.n = r.revision_no)
       WHERE f >= :since AND f < :until GROUP BY 1, 2""",
    # 品牌亮点数 per district, category and month of 获评日期
    """SELECT org_id, category_id, strftime('%Y-%m', awarded_on), count(*) FROM brand_entry
       WHERE status = '已通过' AND awarded_on BETWEEN :start AND :end GROUP BY 1, 2, 3""",
    # 驳回率: arrivals and rejections per district, module and stage
    """SELECT org_id, record_type, to_status, count(*) FROM audit_event
       WHERE action IN ('submit', 'approve') AND created_at >= :since AND created_at < :until
       GROUP BY 1, 2, 3""",
    """SELECT org_id, record_type, from_status, count(*) FROM audit_event
       WHERE action = 'reject' AND created_at >= :since AND created_at < :until
       GROUP BY 1, 2, 3""",
    # 撤销通过 counted where the entry reached 市委改革办
    """SELECT fix.org_id, count(*) FROM audit_event fix JOIN audit_event arrived
         ON arrived.id = (SELECT max(a.id) FROM audit_event a WHERE a.record_type = 'brand'
                          AND a.record_id = fix.record_id AND a.to_status = '待市委改革办审核'
                          AND a.id < fix.id)
       WHERE fix.record_type = 'brand' AND fix.action = 'reject' AND fix.from_status = '已通过'
         AND arrived.created_at >= :since AND arrived.created_at < :until GROUP BY 1""",
    # 通过比例: records submitted in the period, and how many are approved now
    *[f"""SELECT e.org_id, count(*), sum(CASE WHEN m.status = '{done}' THEN 1 ELSE 0 END)
          FROM (SELECT DISTINCT record_id, org_id FROM audit_event WHERE record_type = '{kind}'
                AND action = 'submit' AND created_at >= :since AND created_at < :until) e
          JOIN {table} m ON m.id = e.record_id GROUP BY 1"""
      for kind, table, done in (("pilot", "pilot", "已分发"), ("progress", "progress_revision", "已确认"),
                                ("brand", "brand_entry", "已通过"))],
]


def measure(session, actor, period, district_id: int) -> dict:
    from services.cockpit import board, brief

    def stamp(value: datetime) -> str:  # as SQLite stores an instant (UTC text)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    params = {"since": stamp(period.since), "until": stamp(period.until),
              "start": period.start.isoformat(), "end": period.end.isoformat()}

    def hand():
        for sql in HAND_SQL:
            session.execute(text(sql), params).all()

    out = {
        "cockpit_city": _median(lambda: board.board(session, actor=actor, period=period), 5),
        "cockpit_district": _median(lambda: board.board(session, actor=actor, period=period,
                                                        district_id=district_id), 5),
        "hand_sql": _median(hand, 5),
    }
    brief.build(session, actor=actor, period=period)  # matplotlib's first font lookup
    out["brief"] = _median(lambda: brief.build(session, actor=actor, period=period), 3)
    out["brief_size"] = len(brief.build(session, actor=actor, period=period))
    return out


def main() -> None:
    from models import Org, User
    from services import accounts, db
    from services.cockpit import periods

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/brief.db"
        os.environ.setdefault("REFORM_DATA_DIR", tmp)
        db.migrate(url)
        engine = db.get_engine(url)
        with db.session_scope(engine) as s:
            started = time.perf_counter()
            counts = build(s)
            built = time.perf_counter() - started
        with db.session_scope(engine) as s:  # as a page run: a new session
            leader = accounts.current_user(s, s.execute(select(User).where(
                User.phone == "13700000103")).scalars().one())
            wanzhou = s.execute(select(Org.id).where(Org.name == "万州区")).scalar_one()
            result = measure(s, leader, periods.year(YEAR), wanzhou)
        engine.dispose()
    print(f"驾驶舱与简报基准（S={SCALE}，共{SCALE}年数据，统计{YEAR}年全市；数据构建 {built:.0f} s）："
          + "、".join(f"{k} {v}" for k, v in counts.items()))
    print(f"驾驶舱统计（全市）中位数：{result['cockpit_city'] * 1000:.0f} ms；"
          f"（万州区）{result['cockpit_district'] * 1000:.0f} ms；"
          f"同等手写SQL：{result['hand_sql'] * 1000:.0f} ms"
          f"（全市为手写SQL的 {result['cockpit_city'] / result['hand_sql']:.2f} 倍，目标 ≤ 1.5）")
    print(f"简报（{YEAR}年全市，Word）中位数：{result['brief']:.2f} s（目标 ≤ {BRIEF_TARGET_S:.0f} s），"
          f"文件 {result['brief_size'] / 1024:.0f} KB")


if __name__ == "__main__":
    main()
