"""Benchmarks (SPEC §10): builds pilot data at scale S in a temporary SQLite database and
reports median timings of the queries the pages run. Usage: make bench  (S=1 by default;
BENCH_SCALE=10 for the ten-year target)."""
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from models import Org, OrgKind, Pilot, PilotDistrict, Role, User, UserRole  # noqa: E402
from services import accounts, db, exports, pilots, seed, workbench  # noqa: E402
from services.docnumbers import normalize  # noqa: E402
import similarity_bench  # noqa: E402  (this folder is on the path when run as a script)

SCALE = int(os.environ.get("BENCH_SCALE", "1"))
STATES = ["草稿", "待区县审核", "退回修改", "待市级部门确认", "已分发"]


def median_ms(fn, runs: int = 15) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def build(session) -> None:
    seed.seed_all(session)
    districts = [o.id for o in session.execute(select(Org).where(Org.kind == OrgKind.DISTRICT))
                 .scalars()]
    depts = [o.id for o in session.execute(select(Org).where(Org.kind == OrgKind.DEPARTMENT))
             .scalars()]
    clerks = {}
    for i, org_id in enumerate(districts):
        user = User(phone=f"1520000{i:04d}", name=f"录入员{i}", org_id=org_id, password_hash="x")
        session.add(user)
        session.flush()
        session.add(UserRole(user_id=user.id, role=Role.CLERK.value))
        clerks[org_id] = user.id
    rng = random.Random(7)
    for n in range(300 * SCALE):
        org_id = rng.choice(districts)
        number = f"国办发〔{2015 + n % 10}〕{n}号"
        p = Pilot(org_id=org_id, status=rng.choice(STATES), created_by=clerks[org_id],
                  updated_by=clerks[org_id], name=f"第{n}号改革试点", deploy_level="中办国办",
                  doc_title="关于开展改革试点的通知", doc_number=number,
                  doc_number_norm=normalize(number), scope_basis="国家文件明确区县",
                  content="开展改革", dept_id=rng.choice(depts))
        session.add(p)
        session.flush()
        for d in {org_id, *rng.sample(districts, 2)}:
            session.add(PilotDistrict(pilot_id=p.id, org_id=d))
    session.commit()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        db.migrate(url)
        engine = db.get_engine(url)
        with db.session_scope(engine) as s:
            build(s)
            reviewer = User(phone="13811112222", name="审核员", org_id=1, password_hash="x")
            s.add(reviewer)
            s.flush()
            s.add(UserRole(user_id=reviewer.id, role=Role.REVIEWER.value))
            s.commit()
            actor = accounts.current_user(s, reviewer)
            office = accounts.current_user(s, s.execute(select(User).where(
                User.phone == "13700000101")).scalars().one())
            todo = median_ms(lambda: workbench.todos(s, actor=actor))
            listing = median_ms(lambda: pilots.search(s, actor=office))
            rows = [{"试点名称": f"第{i}号改革试点", "文号": f"国办发〔2023〕{i}号", "状态": "已分发",
                     "涉及区县": "万州区、黔江区", "更新时间": None} for i in range(10_000)]
            xlsx = median_ms(lambda: exports.to_xlsx(rows), runs=3)
    print(f"机器：{platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}；"
          f"规模 S={SCALE}（{300 * SCALE} 个试点）")
    print(f"工作台待办查询（区县审核员）中位数：{todo:.1f} ms（目标 ≤ 20 ms）")
    print(f"试点清单查询（市委改革办，全部）中位数：{listing:.1f} ms")
    print(f"导出 10,000 行 Excel 中位数：{xlsx:.0f} ms（目标 ≤ 3000 ms）")
    similarity_bench.report()
    __import__("brief_bench").main()  # 区县改革报表驾驶舱 and 简报: benchmarks/brief_bench.py


if __name__ == "__main__":
    main()
    __import__("print_bench").main()  # 打印所选记录 of 100 records (benchmarks/print_bench.py)
