"""Benchmark (SPEC §4 批量下载): builds the ZIP of 2,000 stored files and reports peak memory.

The archive is streamed to disk, so the peak must stay far below the files' total size and
under 200 MB whatever the number of files. Usage: .venv/bin/python benchmarks/brand_zip.py
(BRAND_ZIP_FILES and BRAND_ZIP_KB change the number and size of files)."""
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FILES = int(os.environ.get("BRAND_ZIP_FILES", "2000"))
SIZE_KB = int(os.environ.get("BRAND_ZIP_KB", "160"))
FILES_PER_ITEM = 5
LIMIT_MB = 200


def _peak_rss_mb() -> float:
    """VmHWM: the process's peak resident memory since the last reset."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def add_approved_entries(session, *, files: int, size_kb: int,
                         per_item: int = FILES_PER_ITEM) -> None:
    """`files` PDF evidence files of `size_kb` KB each, `per_item` to an approved brand entry,
    the entries spread over the districts (one clerk as their author)."""
    from sqlalchemy import select

    from models import BrandEntry, Org, OrgKind, Role, User, UserRole
    from services import accounts, brand, files as stored

    districts = session.execute(select(Org).where(Org.kind == OrgKind.DISTRICT)
                                .order_by(Org.sort_order)).scalars().all()
    category = brand.categories(session)[0].id
    clerk = User(phone="15200000001", name="录入员", org_id=districts[0].id, password_hash="x")
    session.add(clerk)
    session.flush()
    session.add(UserRole(user_id=clerk.id, role=Role.CLERK.value))
    clerk_user = accounts.current_user(session, clerk)
    for n in range(files // per_item):
        entry = BrandEntry(org_id=districts[n % len(districts)].id, status=brand.APPROVED,
                           created_by=clerk.id, updated_by=clerk.id,
                           item=f"建立第{n}项协同治理机制", category_id=category,
                           awarded_on=date(2024, 1 + n % 12, 1), situation="全市推广",
                           problems="针对…问题", results="建立…制度")
        session.add(entry)
        session.flush()
        for _ in range(per_item):
            stored.store(session, actor=clerk_user, filename="佐证材料.pdf",
                         data=b"%PDF-1.4\n" + os.urandom(size_kb * 1024),
                         allowed=stored.DOCUMENT, record_type="brand", record_id=entry.id,
                         purpose=brand.EVIDENCE)


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="brand-zip-bench-")
    os.environ["REFORM_DATA_DIR"] = data_dir
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir}/bench.db"

    from sqlalchemy import select

    from models import User
    from services import accounts, brand, brand_zip, db, seed

    db.migrate()
    with db.session_scope() as session:
        seed.seed_all(session)
        brand.seed_categories(session)
        office = session.execute(select(User).where(User.phone == "13700000101")).scalars().one()
        office_user = accounts.current_user(session, office)
        started = time.perf_counter()
        add_approved_entries(session, files=FILES, size_kb=SIZE_KB)
        session.commit()
        print(f"data: {FILES} files of {SIZE_KB} KB ({FILES * SIZE_KB / 1024:.0f} MB) "
              f"in {FILES // FILES_PER_ITEM} items, built in {time.perf_counter() - started:.1f} s")

    with db.session_scope() as session:
        rss_reset = _reset_peak_rss()
        rss_before = _peak_rss_mb()
        tracemalloc.start()
        started = time.perf_counter()
        result = brand_zip.build(session, actor=office_user, filters=brand.Filters())
        elapsed = time.perf_counter() - started
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_peak = _peak_rss_mb()
    size_mb = result.path.stat().st_size / 1048576
    result.path.unlink()
    print(f"zip: {result.files} files in {result.items} items, {size_mb:.0f} MB, {elapsed:.1f} s")
    print(f"peak Python allocations during the build (tracemalloc): "
          f"{traced_peak / 1048576:.1f} MB")
    print(f"peak resident memory of the process during the build: {rss_peak:.0f} MB "
          f"(before: {rss_before:.0f} MB{'' if rss_reset else ', peak not reset'})")
    ok = traced_peak / 1048576 < LIMIT_MB and rss_peak < LIMIT_MB
    print(f"{'OK' if ok else 'FAIL'}: limit {LIMIT_MB} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
