"""打印 benchmark: 打印所选记录 of a 100-record list (target ≤ 5 s), built in a temporary SQLite
database through the services: 改革品牌 entries with long text, a file each and a five-step
审核记录, printed as 市委改革办 reads them. Usage: python benchmarks/print_bench.py (also run by
`make bench`)."""
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from models import Role, User, UserRole  # noqa: E402
from services import accounts, brand, db, printing, records, seed  # noqa: E402
from services.records import Upload  # noqa: E402
from services.review import Action  # noqa: E402

RECORDS = 100
TARGET_S = 5.0
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _user(session, phone: str, org_id: int, role: Role):
    user = User(phone=phone, name=f"用户{phone[-4:]}", org_id=org_id, password_hash="x")
    session.add(user)
    session.flush()
    session.add(UserRole(user_id=user.id, role=role.value))
    session.commit()
    return accounts.current_user(session, user)


def build(session) -> tuple[list[int], object]:
    """RECORDS entries of 万州区, each created with a file, 保存并上报, 通过 by the district and
    通过 by 市委改革办; returns their ids and another 市委改革办 reviewer, who prints them."""
    seed.seed_all(session)
    brand.seed_categories(session)
    office = accounts.current_user(session, session.execute(
        select(User).where(User.phone == "13700000101")).scalars().one())
    clerk_user = session.execute(select(User).where(User.phone == "13800000101")).scalars().one()
    clerk = accounts.current_user(session, clerk_user)
    reviewer = _user(session, "15299990001", clerk_user.org_id, Role.REVIEWER)
    office_2 = accounts.current_user(session, session.execute(
        select(User).where(User.phone == "13700000102")).scalars().one())
    category = brand.categories(session)[0].id
    ids = []
    for n in range(RECORDS):
        entry = brand.create(session, actor=clerk, submit=True, uploads=[
            Upload(brand.EVIDENCE, f"第{n}号推广会通知.pdf", PDF + str(n).encode())],
            data=brand.BrandInput(
                item=f"建立第{n}项基层治理协同机制", category_id=category,
                situation="全市召开推广会推广经验。" * 40, awarded_on=date(2024, 5, 10),
                problems="针对基层事项多头交办问题，上线一网统管应用，实现事项一口受理。" * 20,
                results="建立事项分级处置制度；" * 30, self_checked=True))
        entry = records.act(session, flow=brand.BRAND_FLOW, actor=reviewer, record_id=entry.id,
                            action=Action.APPROVE, version=entry.version)
        entry = records.act(session, flow=brand.BRAND_FLOW, actor=office, record_id=entry.id,
                            action=Action.APPROVE, version=entry.version)
        ids.append(entry.id)
    return ids, office_2


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REFORM_DATA_DIR"] = tmp
        url = f"sqlite:///{tmp}/print-bench.db"
        db.migrate(url)
        with db.session_scope(db.get_engine(url)) as s:
            ids, reader = build(s)
            samples = []
            for _ in range(5):
                start = time.perf_counter()
                data = printing.records_docx(s, flow=brand.BRAND_FLOW, actor=reader,
                                             record_ids=ids)
                samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    print(f"打印所选记录（{RECORDS} 项改革品牌，一项一页，{len(data) // 1024} KB）中位数："
          f"{median * 1000:.0f} ms（目标 ≤ {TARGET_S * 1000:.0f} ms）")


if __name__ == "__main__":
    main()
