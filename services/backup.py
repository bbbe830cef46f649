"""Backup and restore (SPEC §10): one archive of a consistent database dump, the uploads and a
manifest (rows per table, sha256 and size of every member).

Consistency while the app runs: SQLite is copied with the online backup API in one step (one
read transaction, so writers keep going and the copy is one moment); PostgreSQL rows are counted
and dumped in one exported snapshot (`pg_dump --snapshot`). Uploads are copied after the
database: they are content-addressed and written before the row that names them commits, and
never deleted, so every file the dumped rows name is already on disk.

Restore goes only into an empty data dir / empty database, and checks every checksum before it
writes anything. These are operator commands (manage.py), not user actions: there is no actor.
"""
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable

from sqlalchemy import text
from sqlalchemy.engine import make_url

from services import clock, config
from services.db import make_engine
from services.errors import DomainError

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/reform.db"
PG_MEMBER = "database/reform.pgdump"
UPLOADS = "uploads"
CHUNK = 1 << 20

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class BackupError(DomainError):
    """A backup or restore refused or failed; nothing was written."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict


class TextProgress:
    """A text progress bar on stderr: `备份上传文件 [########------] 12/30`."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total <= 0:  # total not known yet: a running count
            self.stream.write(f"\r{stage} {done}")
            self.stream.flush()
            return
        filled = self.width * done // total
        self.stream.write(f"\r{stage} [{'#' * filled}{'-' * (self.width - filled)}] "
                          f"{done}/{total}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    pass


# ---------------------------------------------------------------- database dumps

def _dialect(url: str) -> str:
    return make_url(url).get_backend_name()


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "").resolve()


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def _sqlite_revision(conn: sqlite3.Connection) -> str:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return ""
    return row[0] if row else ""


def _sqlite_dump(url: str, target: Path) -> tuple[dict[str, int], str, set[str]]:
    """Copy the live database in one read transaction; counts come from the copy itself."""
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"数据库文件 {source_path} 不存在，无法备份")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: the whole database in one step, one consistent moment
        copy.execute("PRAGMA journal_mode=DELETE")  # self-contained file, no -wal beside it
        counts = _sqlite_counts(copy)
        revision = _sqlite_revision(copy)
        shas = {r[0] for r in copy.execute("SELECT sha256 FROM attachment")} \
            if "attachment" in counts else set()
    finally:
        copy.close()
        source.close()
    return counts, revision, shas


def _major(version_text: str) -> int:
    """14 from `pg_dump (PostgreSQL) 14.11 (Debian …)`."""
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text) or re.search(r"(\d+)", version_text)
    return int(found.group(1)) if found else 0


def _pg_tool(name: str) -> tuple[str, int]:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"未找到 {name}：请安装与数据库服务器版本一致的 PostgreSQL 客户端"
                          f"（如 apt-get install postgresql-client），并确保 {name} 在 PATH 中")
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    return path, _major(out)


def _pg_target(url: str) -> tuple[str, dict]:
    """A libpq URL without the password (that goes in PGPASSWORD, not on the command line)."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tables(conn) -> list[str]:
    return list(conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name")).scalars())


def _pg_counts(conn) -> dict[str, int]:
    return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
            for t in _pg_tables(conn)}


def _pg_dump(url: str, target: Path) -> tuple[dict[str, int], str, set[str], int]:
    """Count rows and dump them in one exported snapshot, so the manifest matches the dump."""
    pg_dump, tool_major = _pg_tool("pg_dump")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            server_major = conn.execute(text("SHOW server_version_num")).scalar_one()
            server_major = int(server_major) // 10000
            if tool_major < server_major:
                raise BackupError(f"pg_dump 版本（{tool_major}）低于数据库服务器版本"
                                  f"（{server_major}）：请安装 PostgreSQL {server_major} 的客户端")
            conn.rollback()
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                counts = _pg_counts(conn)
                revision = ""
                if "alembic_version" in counts:
                    revision = conn.execute(text(
                        "SELECT version_num FROM alembic_version")).scalar() or ""
                shas = set(conn.execute(text("SELECT sha256 FROM attachment")).scalars()) \
                    if "attachment" in counts else set()
                libpq_url, env = _pg_target(url)
                done = subprocess.run(
                    [pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                     f"--snapshot={snapshot}", f"--file={target}", f"--dbname={libpq_url}"],
                    env=env, capture_output=True, text=True)
                if done.returncode != 0:
                    raise BackupError(f"pg_dump 执行失败：{done.stderr.strip()[:500]}")
    finally:
        engine.dispose()
    return counts, revision, shas, tool_major


# ---------------------------------------------------------------- archive

class _HashingReader:
    """Reads a file for tarfile while computing its sha256 (each byte read once)."""

    def __init__(self, fh):
        self.fh = fh
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, source: Path, member: str) -> dict:
    info = tar.gettarinfo(str(source), arcname=member)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(source, "rb") as fh:
        reader = _HashingReader(fh)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": info.size}


def _upload_files(upload_dir: Path) -> list[Path]:
    if not upload_dir.is_dir():
        return []
    return sorted(p for p in upload_dir.rglob("*")
                  if p.is_file() and not p.name.startswith(".part-"))


def _target_path(destination: Path | None, stamp: str) -> Path:
    name = f"reform-backup-{stamp}.tar.gz"
    if destination is None:
        return config.data_dir() / "backups" / name
    destination = Path(destination)
    if destination.name.endswith((".tar.gz", ".tgz")) and not destination.is_dir():
        return destination
    return destination / name  # a folder, existing or not


def _remove_leftovers(folder: Path, prefix: str) -> None:
    """A backup or restore killed outright (no `finally`) leaves its working folder behind,
    with a copy of the data in it: the next run removes it."""
    for leftover in folder.glob(prefix + "*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def create(*, destination: Path | None = None, progress: Progress | None = None,
           url: str | None = None) -> BackupResult:
    """Write one archive: database dump, uploads, manifest.json (written last)."""
    progress = progress or _no_progress
    url = url or config.database_url()
    dialect = _dialect(url)
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持备份 {dialect} 数据库")
    now = clock.now()
    target = _target_path(destination, now.strftime("%Y%m%d-%H%M%S"))
    if target.exists():
        raise BackupError(f"备份文件 {target} 已存在，请换一个文件名")
    target.parent.mkdir(parents=True, exist_ok=True)
    uploads = config.upload_dir()

    _remove_leftovers(target.parent, ".backup-")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as tmp:
        progress("导出数据库", 0, 1)
        pg_dump_major = None
        if dialect == "sqlite":
            dump, member = Path(tmp) / "reform.db", SQLITE_MEMBER
            counts, revision, referenced = _sqlite_dump(url, dump)
        else:
            dump, member = Path(tmp) / "reform.pgdump", PG_MEMBER
            counts, revision, referenced, pg_dump_major = _pg_dump(url, dump)
        progress("导出数据库", 1, 1)

        files = _upload_files(uploads)  # listed after the dump: every file it names is there
        members: dict[str, dict] = {}
        partial = Path(tmp) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            members[member] = _add_file(tar, dump, member)
            for i, path in enumerate(files, 1):
                name = f"{UPLOADS}/{path.relative_to(uploads).as_posix()}"
                members[name] = _add_file(tar, path, name)
                progress("备份上传文件", i, len(files))
            stored = {PurePosixPath(n).name for n in members if n.startswith(UPLOADS + "/")}
            manifest = {
                "format": FORMAT,
                "app": "区县改革报表填报系统",
                "created_at": now.isoformat(timespec="seconds"),
                "dialect": dialect,
                "pg_dump_major": pg_dump_major,
                "alembic_revision": revision,
                "database": member,
                "tables": counts,
                "members": members,
                "missing_uploads": sorted(referenced - stored),
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(now.timestamp())
            tar.addfile(info, _BytesReader(data))
        os.replace(partial, target)  # the archive appears whole or not at all
    return BackupResult(path=target, manifest=manifest)


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.pos + size
        chunk, self.pos = self.data[self.pos:end], min(end, len(self.data))
        return chunk


# ---------------------------------------------------------------- restore

def _safe_member(info: tarfile.TarInfo) -> bool:
    path = PurePosixPath(info.name)
    return info.isfile() and not path.is_absolute() and ".." not in path.parts


def _stream(tar: tarfile.TarFile, info: tarfile.TarInfo, sink=None) -> str:
    digest = hashlib.sha256()
    src = tar.extractfile(info)
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)
    return digest.hexdigest()


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:*")
    except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        raise BackupError(f"无法读取备份文件 {archive}：{exc}") from exc


def _check_shape(manifest) -> None:
    """Every field restore reads is there and of the right kind (a hand-edited or foreign
    manifest is refused with what is wrong, not with a KeyError)."""
    if not isinstance(manifest, dict):
        raise BackupError("备份文件的 manifest.json 格式不正确（应为一个对象），未写入任何数据")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')}")
    members = manifest.get("members")
    wrong = [field for field, ok in (
        ("dialect", manifest.get("dialect") in ("sqlite", "postgresql")),
        ("database", isinstance(manifest.get("database"), str)),
        ("alembic_revision", isinstance(manifest.get("alembic_revision", ""), str)),
        ("tables", isinstance(manifest.get("tables"), dict) and all(
            isinstance(k, str) and type(v) is int and v >= 0
            for k, v in manifest["tables"].items())),
        ("members", isinstance(members, dict) and all(
            isinstance(m, dict) and isinstance(m.get("sha256"), str)
            and type(m.get("size")) is int and m["size"] >= 0 for m in members.values())),
        ("pg_dump_major", manifest.get("pg_dump_major") is None
         or type(manifest.get("pg_dump_major")) is int),
    ) if not ok]
    if wrong:
        raise BackupError(f"备份文件的 manifest.json 格式不正确（字段 {'、'.join(wrong)} 缺失或有误），"
                          "未写入任何数据")


def verify(archive: Path, progress: Progress | None = None) -> dict:
    """Read the whole archive and check every member against the manifest; return it."""
    progress = progress or _no_progress
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"备份文件 {archive} 不存在")
    seen: dict[str, dict] = {}
    manifest_bytes = None
    try:
        with _open(archive) as tar:
            for info in tar:
                if not _safe_member(info):
                    if info.isdir():
                        continue
                    raise BackupError(f"备份文件含有不允许的条目“{info.name}”，已拒绝恢复")
                if info.name == MANIFEST:
                    manifest_bytes = tar.extractfile(info).read()
                    continue
                seen[info.name] = {"sha256": _stream(tar, info), "size": info.size}
                progress("校验备份", len(seen), 0)
            # tarfile takes a damaged header for the end of the archive: read the compressed
            # stream to its end as well, so that its own checksum tells damage apart.
            while tar.fileobj.read(CHUNK):
                pass
    except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        raise BackupError(f"备份文件已损坏，无法读取：{exc}") from exc
    progress("校验备份", len(seen), len(seen))
    if manifest_bytes is None:
        if seen:
            raise BackupError(f"备份文件不完整：读到 {len(seen)} 个成员后没有找到清单 manifest.json"
                              "（文件可能被截断或损坏），未写入任何数据")
        raise BackupError("备份文件缺少 manifest.json，不是本系统的备份")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError("备份文件的 manifest.json 已损坏") from exc
    _check_shape(manifest)
    expected = manifest["members"]
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    bad = sorted(n for n in set(expected) & set(seen) if expected[n] != seen[n])
    if missing or extra or bad:
        detail = "；".join(part for part in (
            f"缺少 {'、'.join(missing[:5])}" if missing else "",
            f"多出 {'、'.join(extra[:5])}" if extra else "",
            f"校验和不符 {'、'.join(bad[:5])}" if bad else "") if part)
        raise BackupError(f"备份文件校验失败（{detail}），未写入任何数据")
    if manifest.get("database") not in expected:
        raise BackupError("备份文件中没有数据库导出")
    return manifest


def _files_in(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else []


def _check_empty_target(url: str, dialect: str) -> None:
    uploads = config.data_dir() / UPLOADS
    if _files_in(uploads):
        raise BackupError(f"上传目录 {uploads} 不是空的：只能恢复到空的数据目录，未写入任何数据")
    if dialect == "sqlite":
        path = _sqlite_path(url)
        if path.exists() and path.stat().st_size > 0:
            conn = sqlite3.connect(path)
            try:
                tables = _sqlite_counts(conn)
            finally:
                conn.close()
            if tables:
                raise BackupError(f"数据库 {path} 已有数据表：只能恢复到空的数据目录，"
                                  "未写入任何数据")
    else:
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                count = conn.execute(text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema "
                    "NOT IN ('pg_catalog', 'information_schema')")).scalar_one()
        finally:
            engine.dispose()
        if count:
            raise BackupError(f"目标数据库已有 {count} 张表：只能恢复到空数据库，"
                              "请新建一个空数据库后重试，未写入任何数据")


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from services import db
    script = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def _check_known_revision(manifest: dict) -> None:
    """An archive from a newer release would restore, and then the site could not start."""
    revision = manifest.get("alembic_revision") or ""
    if revision and revision not in _known_revisions():
        raise BackupError(f"备份来自更新版本的系统（数据库结构版本 {revision}，本系统不认识）："
                          "请先把系统升级到不低于备份时的版本，再恢复，未写入任何数据")


SPACE_MARGIN = 64 << 20  # room the database and the system need beside the restored files


def _check_free_space(folder: Path, manifest: dict) -> None:
    """The archive's members, unpacked, must fit with room to spare before anything is written
    (a small archive can unpack to gigabytes)."""
    needed = sum(m["size"] for m in manifest["members"].values())
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if needed + SPACE_MARGIN > free:
        raise BackupError(f"磁盘空间不足：恢复需要约 {_mb(needed + SPACE_MARGIN)}，"
                          f"{folder} 所在磁盘只剩 {_mb(free)}，请清理磁盘后重试，未写入任何数据")


def _mb(size: int) -> str:
    return f"{size / 1048576:.0f} MB" if size >= 1048576 else f"{size / 1024:.0f} KB"


def _extract(tar: tarfile.TarFile, info: tarfile.TarInfo, target: Path, expected: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Uploads and the database are readable by the service account only, as when first written.
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as sink:
        os.chmod(target, 0o600)
        if _stream(tar, info, sink) != expected:
            raise BackupError(f"备份文件在恢复过程中发生变化（{info.name}），未写入任何数据")


def _pg_restore(url: str, dump: Path, manifest: dict) -> None:
    pg_restore, tool_major = _pg_tool("pg_restore")
    if manifest.get("pg_dump_major") and tool_major < manifest["pg_dump_major"]:
        raise BackupError(f"pg_restore 版本（{tool_major}）低于生成备份的 pg_dump 版本"
                          f"（{manifest['pg_dump_major']}），请安装新版本的 PostgreSQL 客户端")
    libpq_url, env = _pg_target(url)
    # One transaction: a failure leaves the target database as it was (empty).
    done = subprocess.run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
                           "--single-transaction", f"--dbname={libpq_url}", str(dump)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore 执行失败（目标数据库未改变）：{done.stderr.strip()[:500]}")


COPY_BATCH = 1000
AUDIT_NO_TRUNCATE = "audit_event_no_truncate"  # the trigger of migration 0009


def _sqlite_to_pg(url: str, dump: Path, progress: Progress) -> None:
    """Move a SQLite archive's rows into an empty PostgreSQL database (a site outgrowing its
    one machine, SPEC §10). The copy is first brought to this program's schema; then, in one
    PostgreSQL transaction, the target is migrated to the same schema, every row is copied,
    parents first, and the id sequences continue after the copied ids. A failure anywhere
    rolls all of it back: the target stays an empty database."""
    from alembic import command
    from sqlalchemy import func, insert, select
    from sqlmodel import SQLModel

    import models  # noqa: F401  (registers every table)
    from services import db

    sqlite_url = f"sqlite:///{dump}"
    db.migrate(sqlite_url)  # an archive from an older release is upgraded first, in staging
    source, target = make_engine(sqlite_url), make_engine(url)
    tables = SQLModel.metadata.sorted_tables  # parents before children
    try:
        with source.connect() as src, target.begin() as dst:
            migrating = db.alembic_config(url)
            migrating.attributes["connection"] = dst
            command.upgrade(migrating, "head")
            counts = {t.name: src.execute(select(func.count()).select_from(t)).scalar_one()
                      for t in tables}
            total, done = sum(counts.values()), 0
            # Rows the migrations themselves seed (e.g. 获评类别) come from the archive instead.
            # The audit trail refuses TRUNCATE; this new, still empty database is the one
            # exception, and only inside this transaction.
            dst.execute(text(f"ALTER TABLE audit_event DISABLE TRIGGER {AUDIT_NO_TRUNCATE}"))
            dst.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables)))
            dst.execute(text(f"ALTER TABLE audit_event ENABLE TRIGGER {AUDIT_NO_TRUNCATE}"))
            for table in tables:
                rows = src.execute(select(table)).mappings()
                while batch := rows.fetchmany(COPY_BATCH):
                    dst.execute(insert(table), [dict(r) for r in batch])
                    done += len(batch)
                    progress("迁移数据到 PostgreSQL", done, total)
                if "id" in table.c and counts[table.name]:
                    dst.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'(SELECT max(id) FROM "{table.name}"))'))
            copied = {t.name: dst.execute(select(func.count()).select_from(t)).scalar_one()
                      for t in tables}
            if copied != counts:
                raise BackupError("迁移到 PostgreSQL 后的行数与备份不符，目标数据库未改变")
    finally:
        source.dispose()
        target.dispose()


def _check_sqlite_counts(dump: Path, manifest: dict) -> None:
    conn = sqlite3.connect(dump)
    try:
        counts = _sqlite_counts(conn)
    finally:
        conn.close()
    if counts != manifest["tables"]:
        raise BackupError("备份中的数据库行数与清单不符，未写入任何数据")


def restore(archive: Path, *, progress: Progress | None = None, url: str | None = None) -> dict:
    """Restore an archive into the configured, empty data dir and database; return the manifest.

    The database kind must be the archive's, except that a SQLite archive may go into
    PostgreSQL (moving a site to PostgreSQL and several instances)."""
    progress = progress or _no_progress
    url = url or config.database_url()
    dialect = _dialect(url)
    manifest = verify(archive, progress)
    to_pg = manifest["dialect"] == "sqlite" and dialect == "postgresql"
    if manifest["dialect"] != dialect and not to_pg:
        raise BackupError(f"备份来自 {manifest['dialect']} 数据库，当前配置的是 {dialect}："
                          "请按备份时的数据库类型配置 DATABASE_URL（SQLite 的备份也可以恢复到 "
                          "PostgreSQL）")
    _check_known_revision(manifest)
    _check_empty_target(url, dialect)

    data = config.data_dir()
    members = manifest["members"]
    _check_free_space(data, manifest)
    _remove_leftovers(data, ".restore-")
    staging = Path(tempfile.mkdtemp(dir=data, prefix=".restore-"))
    try:
        staged: list[tuple[Path, str]] = []
        try:
            with _open(archive) as tar:
                for info in tar:
                    if info.name not in members:
                        continue
                    target = staging / info.name
                    _extract(tar, info, target, members[info.name]["sha256"])
                    staged.append((target, info.name))
                    progress("解压备份", len(staged), len(members))
        except OSError as exc:  # e.g. the disk filled up meanwhile
            raise BackupError(f"解压备份时无法写入 {data}（{exc.strerror or exc}），"
                              "未写入任何数据") from exc
        dump = staging / manifest["database"]
        if to_pg:
            _check_sqlite_counts(dump, manifest)
            _sqlite_to_pg(url, dump, progress)
        elif dialect == "sqlite":
            _check_sqlite_counts(dump, manifest)
            db_path = _sqlite_path(url)
            db_path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
            shutil.move(str(dump), db_path)  # the database may live outside the data dir
        else:
            _pg_restore(url, dump, manifest)
            engine = make_engine(url)
            try:
                with engine.connect() as conn:
                    counts = _pg_counts(conn)
            finally:
                engine.dispose()
            if counts != manifest["tables"]:
                raise BackupError("恢复后的数据库行数与备份清单不符，请检查目标数据库")
        uploads = config.upload_dir()
        moving = [(p, n) for p, n in staged if n.startswith(UPLOADS + "/")]
        for i, (path, name) in enumerate(moving, 1):
            final = uploads / PurePosixPath(name).relative_to(UPLOADS)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, final)
            progress("恢复上传文件", i, len(moving))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def upload_members(manifest: dict) -> Iterable[str]:
    return [n for n in manifest["members"] if n.startswith(UPLOADS + "/")]
