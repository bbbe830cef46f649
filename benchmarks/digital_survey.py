"""Benchmark of the first full survey's import (数字重庆建设 首次全量摸排导入): a workbook of
N rows per table (4·N rows, 2,000 at most) imported into a fresh district form.

Usage: python benchmarks/digital_survey.py [N]   (N=500 by default: the 2,000-row cap)
       SURVEY_BENCH_URL=postgresql+psycopg://… python benchmarks/digital_survey.py   (an empty,
       throwaway PostgreSQL database; SQLite in a temporary directory otherwise)

Reports the time to check the file (no lock held) and the whole import (rows added through
`rows.save_row` in one transaction: on SQLite the database's write lock is held that long).
"""
import os
import sys
import tempfile
import time
from datetime import date
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("REFORM_DATA_DIR", tempfile.mkdtemp(prefix="survey-bench-"))

from openpyxl import load_workbook  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from models import Org, Role, User, UserRole  # noqa: E402
from services import accounts, db, seed  # noqa: E402
from services.digital import catalog, survey  # noqa: E402
from services.digital.plans import DRAFTING  # noqa: E402


def workbook(session, n: int) -> bytes:
    wb = load_workbook(BytesIO(survey.template(session)))
    domain = catalog.domains(session)[0].name
    sheets = {
        "一件事": [[i, f"一件事{i}", domain, "简介" * 50, f"原图{i}.pdf"] for i in range(1, n + 1)],
        "应用“三张清单”": [[i, f"应用{i}", f"{i}", DRAFTING] for i in range(1, n + 1)],
        "开发上线特色应用": [[i, f"特色应用{i}", i, date(2025, 1, 1), "主要功能" * 20, "跨部门", 100, 10,
                       f"截图{i}.png"] for i in range(1, n + 1)],
        "一地创新、全市共享": [[i, i, "全市推广" * 20, date(2025, 6, 1), f"依据{i}.pdf"]
                      for i in range(1, n + 1)],
    }
    for title, data in sheets.items():
        for number, values in enumerate(data, start=2):
            for column, value in enumerate(values, start=1):
                wb[title].cell(row=number, column=column, value=value)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else survey.MAX_ROWS // 4
    url = (os.environ.get("SURVEY_BENCH_URL")
           or f"sqlite:///{os.environ['REFORM_DATA_DIR']}/bench.db")
    db.migrate(url)
    with Session(db.get_engine(url), expire_on_commit=False) as session:
        seed.seed_orgs(session)
        catalog.seed_domains(session)
        org = session.execute(select(Org).where(Org.name == "万州区")).scalars().one()
        user = User(phone="15299990001", name="录入员", org_id=org.id, password_hash="x")
        session.add(user)
        session.flush()
        session.add(UserRole(user_id=user.id, role=Role.CLERK.value))
        session.commit()
        clerk = accounts.current_user(session, user)
        data = workbook(session, n)

        start = time.perf_counter()
        reader = survey.Reader(session, clerk)
        reader.read(data)
        reader.check()
        checked = time.perf_counter() - start
        session.rollback()
        assert not reader.problems, reader.problems[:3]

        start = time.perf_counter()
        counts = survey.import_workbook(session, actor=clerk, data=data, form_version=0)
        total = time.perf_counter() - start
    print(f"数据库：{url.split(':')[0]}；{sum(counts.values())} 行（每表 {n} 行），文件 {len(data) // 1024} KB")
    print(f"读取并校验：{checked:.2f} s；整个导入（含校验）：{total:.2f} s")


if __name__ == "__main__":
    main()
