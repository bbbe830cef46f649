"""Backup and restore (SPEC §10): archive, checksums, restore into an empty site only."""
import io
import json
import os
import subprocess
import sys
import tarfile
import threading

import pytest
from sqlalchemy import create_engine, text

from services import backup, db
from services.config import ROOT
from tests.ops.helpers import populate
from tests.ops.test_upgrade import db_head


def _archive_members(path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def _rewrite(path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def archived_site(new_site, monkeypatch, tmp_path):
    """A populated site (the active one) and its archive, tmp_path/b.tar.gz."""
    source = new_site()
    source.activate(monkeypatch)
    populate(source.url)
    return source, backup.create(destination=tmp_path / "b.tar.gz").path


def test_backup_then_restore_into_a_fresh_site_gives_every_row_and_every_file_back(
        new_site, monkeypatch, tmp_path):
    source = new_site()
    source.activate(monkeypatch)
    populate(source.url)
    shown = io.StringIO()

    result = backup.create(destination=tmp_path / "out", progress=backup.TextProgress(shown))
    target = new_site()
    target.activate(monkeypatch)
    manifest = backup.restore(result.path)

    assert target.tables() == source.tables()
    assert target.files() == source.files() and len(source.files()) == 2
    assert manifest["tables"] == {name: len(rows) for name, rows in source.tables().items()}
    assert manifest["tables"]["achievement"] == 2 and manifest["missing_uploads"] == []
    assert result.path.parent == tmp_path / "out" and result.path.name.endswith(".tar.gz")
    assert "备份上传文件 [##############################] 2/2" in shown.getvalue()


def test_manifest_holds_the_checksum_and_size_of_every_member(new_site, monkeypatch, tmp_path):
    import hashlib
    source = new_site()
    source.activate(monkeypatch)
    populate(source.url)

    result = backup.create(destination=tmp_path / "b.tar.gz")

    members = _archive_members(result.path)
    manifest = json.loads(members.pop("manifest.json"))
    assert set(members) == set(manifest["members"])
    for name, data in members.items():
        assert manifest["members"][name] == {"sha256": hashlib.sha256(data).hexdigest(),
                                             "size": len(data)}
    assert manifest["dialect"] in ("sqlite", "postgresql")
    assert manifest["alembic_revision"] == db_head()


def test_archive_with_a_flipped_byte_in_a_member_is_refused_and_nothing_is_written(
        new_site, monkeypatch, tmp_path):
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    members = _archive_members(path)
    upload = next(n for n in members if n.startswith("uploads/"))
    data = bytearray(members[upload])
    data[len(data) // 2] ^= 0x01
    members[upload] = bytes(data)
    _rewrite(path, members)
    target = new_site()
    target.activate(monkeypatch)

    with pytest.raises(backup.BackupError, match="校验和不符"):
        backup.restore(path)

    assert target.tables() == {} and target.files() == {}
    assert [p.name for p in target.data_dir.iterdir() if p.name != "uploads"] in ([], ["reform.db"])


def test_archive_whose_compressed_bytes_are_damaged_is_refused_and_nothing_is_written(
        new_site, monkeypatch, tmp_path):
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    target = new_site()
    target.activate(monkeypatch)

    with pytest.raises(backup.BackupError, match="备份文件已损坏"):
        backup.restore(path)

    assert target.tables() == {} and target.files() == {}


def test_restore_refuses_a_site_that_already_has_data_and_changes_nothing(
        new_site, monkeypatch, tmp_path):
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    busy = new_site()
    busy.activate(monkeypatch)
    db.migrate(busy.url)
    before = busy.tables()

    with pytest.raises(backup.BackupError, match="只能恢复到空"):
        backup.restore(path)

    assert busy.tables() == before and busy.files() == {}


def test_restore_refuses_a_data_dir_that_already_has_uploads(new_site, monkeypatch, tmp_path):
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    target = new_site()
    target.activate(monkeypatch)
    (target.data_dir / "uploads" / "ab").mkdir(parents=True)
    (target.data_dir / "uploads" / "ab" / "abc").write_bytes(b"left over")

    with pytest.raises(backup.BackupError, match="上传目录"):
        backup.restore(path)

    assert target.tables() == {} and target.files() == {"ab/abc": b"left over"}


def test_backup_taken_while_another_thread_writes_matches_its_manifest(
        new_site, monkeypatch, tmp_path):
    source = new_site()
    source.activate(monkeypatch)
    populate(source.url)
    engine = create_engine(source.url, connect_args={"timeout": 30}
                           if source.url.startswith("sqlite") else {})
    written, stop, started = [0], threading.Event(), threading.Event()

    def writer():
        # Each transaction adds one notification and one setting: a consistent copy has
        # exactly as many of one as of the other.
        while not stop.is_set():
            with engine.begin() as conn:
                n = written[0]
                conn.execute(text("INSERT INTO notification (user_id, title, body, record_type, "
                                  "is_read, created_at) VALUES (1, :t, '', 'load', false, "
                                  "CURRENT_TIMESTAMP)"), {"t": f"写入{n}"})
                conn.execute(text("INSERT INTO setting (key, value) VALUES (:k, 'x')"),
                             {"k": f"load-{n}"})
            written[0] += 1
            if written[0] >= 5:
                started.set()

    thread = threading.Thread(target=writer)
    thread.start()
    started.wait(30)
    try:
        result = backup.create(destination=tmp_path / "b.tar.gz")
        during = written[0]
        stop.wait(0.5)
    finally:
        stop.set()
        thread.join(30)
        engine.dispose()
    target = new_site()
    target.activate(monkeypatch)
    backup.restore(result.path)

    restored = target.tables()
    assert {t: len(rows) for t, rows in restored.items()} == result.manifest["tables"]
    loads = [r for r in restored["notification"] if "'load'" in r]
    keys = [r for r in restored["setting"] if r[0].startswith("'load-")]
    assert 5 <= len(loads) == len(keys) <= written[0]
    assert during >= 5


def test_backup_and_restore_commands_work_from_the_command_line(tmp_path):
    source, target = tmp_path / "src", tmp_path / "dst"
    env = {**os.environ, "REFORM_DATA_DIR": str(source)}
    env.pop("DATABASE_URL", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "init"], cwd=ROOT, env=env, check=True,
                   capture_output=True)

    made = subprocess.run([python, "manage.py", "backup"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    archive = next((source / "backups").glob("reform-backup-*.tar.gz"))
    env["REFORM_DATA_DIR"] = str(target)
    restored = subprocess.run([python, "manage.py", "restore", str(archive)], cwd=ROOT, env=env,
                              capture_output=True, text=True)
    again = subprocess.run([python, "manage.py", "restore", str(archive)], cwd=ROOT, env=env,
                           capture_output=True, text=True)

    assert made.returncode == 0 and "备份已写入" in made.stdout and "导出数据库 [" in made.stderr
    assert restored.returncode == 0 and "已恢复" in restored.stdout
    assert again.returncode == 1 and "只能恢复到空的数据目录" in again.stderr
    assert (target / "reform.db").read_bytes()[:16] == b"SQLite format 3\x00"


# --------------------------------------------------------------------------- SQLite → PostgreSQL

def typed_rows(url: str) -> dict[str, list]:
    """Every row of every model table, read through the models' column types (so SQLite's and
    PostgreSQL's storage of dates and booleans compare equal)."""
    from sqlalchemy import select
    from sqlmodel import SQLModel

    import models  # noqa: F401
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
                    for t in SQLModel.metadata.sorted_tables}
    finally:
        engine.dispose()


def revision(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


def sqlite_archive_and_empty_pg(tmp_path, monkeypatch, pg_databases):
    """A populated SQLite site's archive, and an empty PostgreSQL site made the active one."""
    from tests.ops.conftest import Site
    (tmp_path / "old").mkdir()
    source = Site(tmp_path / "old", f"sqlite:///{tmp_path / 'old' / 'reform.db'}")
    source.activate(monkeypatch)
    populate(source.url)
    archive = backup.create(destination=tmp_path / "b.tar.gz").path
    (tmp_path / "new").mkdir()
    target = Site(tmp_path / "new", pg_databases())
    target.activate(monkeypatch)
    return source, archive, target


def test_a_sqlite_archive_moves_into_an_empty_postgresql_database_and_the_app_goes_on_there(
        pg_databases, monkeypatch, tmp_path):
    from tests.services.pilot_helpers import cast, submitted
    source, archive, target = sqlite_archive_and_empty_pg(tmp_path, monkeypatch, pg_databases)
    shown = io.StringIO()

    backup.restore(archive, progress=backup.TextProgress(shown))

    assert typed_rows(target.url) == typed_rows(source.url)
    assert sum(len(rows) for rows in typed_rows(target.url).values()) > 50
    assert revision(target.url) == revision(source.url) == db_head()
    assert target.files() == source.files() and len(source.files()) == 2
    assert "迁移数据到 PostgreSQL [##############################]" in shown.getvalue()
    # New rows continue after the copied ids, and the migrated schema's rules hold.
    with db.session_scope(db.get_engine(target.url)) as s:
        made = submitted(s, cast(s), doc_number="渝改发〔2026〕99号", name="迁移后新建的试点")
        assert made.id > max(r[0] for r in typed_rows(source.url)["pilot"])
    engine = create_engine(target.url)
    with pytest.raises(Exception, match="审核记录不可修改或删除"):
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET comment = 'x'"))
    with pytest.raises(Exception, match="审核记录不可修改或删除"):
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event"))
    engine.dispose()


def test_a_move_into_postgresql_that_fails_midway_leaves_the_database_and_uploads_empty(
        pg_databases, monkeypatch, tmp_path):
    source, archive, target = sqlite_archive_and_empty_pg(tmp_path, monkeypatch, pg_databases)
    monkeypatch.setattr(backup, "COPY_BATCH", 1)

    def fail_midway(stage, done, total):
        if stage == "迁移数据到 PostgreSQL" and done == total // 2:
            raise OSError("磁盘已满")

    with pytest.raises(OSError):
        backup.restore(archive, progress=fail_midway)

    engine = create_engine(target.url)
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )).scalar_one() == 0
    engine.dispose()
    assert not any(p.is_file() for p in (tmp_path / "new").rglob("*"))
    backup.restore(archive)  # and the empty database takes the archive on a second try
    assert typed_rows(target.url) == typed_rows(source.url)


def test_a_postgresql_archive_is_not_restored_into_sqlite(pg_databases, monkeypatch, tmp_path):
    from tests.ops.conftest import Site
    (tmp_path / "pg").mkdir()
    source = Site(tmp_path / "pg", pg_databases())
    source.activate(monkeypatch)
    populate(source.url)
    archive = backup.create(destination=tmp_path / "b.tar.gz").path
    (tmp_path / "new").mkdir()
    monkeypatch.setenv("REFORM_DATA_DIR", str(tmp_path / "new"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new' / 'reform.db'}")

    with pytest.raises(backup.BackupError, match="备份来自 postgresql 数据库，当前配置的是 sqlite"):
        backup.restore(archive)

    assert not any(p.is_file() for p in (tmp_path / "new").rglob("*"))


def test_working_folders_left_by_a_killed_backup_or_restore_are_removed_by_the_next_run(
        new_site, monkeypatch, tmp_path):
    source = new_site()
    source.activate(monkeypatch)
    populate(source.url)
    out = tmp_path / "out"
    (out / ".backup-killed").mkdir(parents=True)
    (out / ".backup-killed" / "reform.db").write_bytes(b"a copy of the data")

    path = backup.create(destination=out).path
    target = new_site()
    target.activate(monkeypatch)
    (target.data_dir / ".restore-killed" / "uploads").mkdir(parents=True)
    (target.data_dir / ".restore-killed" / "reform.db").write_bytes(b"a copy of the data")
    backup.restore(path)

    assert [p.name for p in out.iterdir()] == [path.name]
    assert not list(target.data_dir.glob(".restore-*"))
    assert target.tables() == source.tables()


# --------------------------------------------------------------------------- refused up front

def _with_manifest(path, change) -> None:
    members = _archive_members(path)
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    _rewrite(path, members)


def _nothing_written(target) -> bool:
    return target.tables() == {} and not any(
        p.is_file() for p in target.data_dir.rglob("*") if p.name != "reform.db")


def test_restore_refuses_an_archive_that_does_not_fit_on_the_disk_and_writes_nothing(
        new_site, monkeypatch, tmp_path):
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    target = new_site()
    target.activate(monkeypatch)
    needed = sum(m["size"] for m in backup.verify(path)["members"].values())
    monkeypatch.setattr(backup.shutil, "disk_usage",
                        lambda _: backup.shutil._ntuple_diskusage(1 << 40, 1 << 40, needed))

    with pytest.raises(backup.BackupError, match="磁盘空间不足：恢复需要约 .* MB，.*只剩"):
        backup.restore(path)

    assert _nothing_written(target)


def test_a_disk_that_fills_up_during_restore_gives_a_message_and_leaves_nothing(
        new_site, monkeypatch, tmp_path):
    import errno
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    target = new_site()
    target.activate(monkeypatch)
    real = backup._stream

    def full_disk(tar, info, sink=None):
        if sink is not None:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(tar, info, sink)
    monkeypatch.setattr(backup, "_stream", full_disk)

    with pytest.raises(backup.BackupError, match="解压备份时无法写入.*No space left on device"):
        backup.restore(path)

    assert _nothing_written(target)
    assert not list(target.data_dir.glob(".restore-*"))


def test_an_archive_from_a_newer_release_is_refused_with_a_message(new_site, monkeypatch,
                                                                    tmp_path):
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    _with_manifest(path, lambda m: m.update(alembic_revision="0999"))
    target = new_site()
    target.activate(monkeypatch)

    with pytest.raises(backup.BackupError, match="备份来自更新版本的系统（数据库结构版本 0999"):
        backup.restore(path)

    assert _nothing_written(target)


@pytest.mark.parametrize("change, field", [
    (lambda m: m.pop("members"), "members"),
    (lambda m: m.update(members=["database/reform.db"]), "members"),
    (lambda m: m["members"][m["database"]].pop("sha256"), "members"),
    (lambda m: m.pop("dialect"), "dialect"),
    (lambda m: m.update(database=None), "database"),
    (lambda m: m.update(tables={"pilot": "many"}), "tables"),
    (lambda m: m.update(alembic_revision=8), "alembic_revision"),
])
def test_a_malformed_manifest_is_refused_with_a_chinese_message_naming_the_field(
        new_site, monkeypatch, tmp_path, change, field):
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    _with_manifest(path, change)
    target = new_site()
    target.activate(monkeypatch)

    with pytest.raises(backup.BackupError, match=f"manifest.json 格式不正确（字段 {field}"):
        backup.restore(path)

    assert _nothing_written(target)


def test_a_manifest_that_is_not_an_object_is_refused(new_site, monkeypatch, tmp_path):
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    members = _archive_members(path)
    members["manifest.json"] = b"[1, 2]"
    _rewrite(path, members)

    with pytest.raises(backup.BackupError, match="manifest.json 格式不正确"):
        backup.verify(path)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_restored_files_are_readable_by_the_service_account_only(new_site, monkeypatch,
                                                                 tmp_path):
    import stat
    source, path = archived_site(new_site, monkeypatch, tmp_path)
    target = new_site()
    target.activate(monkeypatch)
    umask = os.umask(0o022)  # a usual umask would leave new files readable by everyone
    try:
        backup.restore(path)
    finally:
        os.umask(umask)

    restored = [p for p in (target.data_dir / "uploads").rglob("*") if p.is_file()]
    if target.url.startswith("sqlite"):
        restored.append(target.data_dir / "reform.db")
    assert len(restored) >= 2
    assert {stat.S_IMODE(p.stat().st_mode) for p in restored} == {0o600}


def test_truncating_the_audit_trail_is_refused_on_postgresql(pg_databases):
    url = pg_databases()
    db.migrate(url)
    engine = create_engine(url)
    try:
        with pytest.raises(Exception, match="审核记录不可修改或删除"):
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE audit_event"))
        with pytest.raises(Exception, match="审核记录不可修改或删除"):
            with engine.begin() as conn:
                conn.execute(text('TRUNCATE "user" CASCADE'))
    finally:
        engine.dispose()
