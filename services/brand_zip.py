"""批量下载 (SPEC §4): the reform office's ZIP of the filtered brand entries and their files.

One folder per district and item (`万州区/001_建立…机制/`) holding the item's files under their
original names, plus `清单.xlsx` listing exactly the folders of that archive. Unless a status is
chosen, the selection is what has reached 市委改革办 (待市委改革办审核 and 已通过).

A large selection is split into parts of whole districts (a district larger than a part is split
by item), each at most `PART_LIMIT` of stored files, so that one download stays of a size an
office connection and disk handle. Each part is written to a temporary file on disk, file by
file in chunks, and streamed from there (ui/downloads.py) against a one-time ticket: the server
never holds an archive in memory. The file is deleted once downloaded, when the session that
built it ends, or an hour later (stale ones also when the server starts). Names are made safe for
Windows (Explorer shows the UTF-8 names zipfile flags).
"""
import os
import re
import secrets
import shutil
import threading
import tempfile
import time
import unicodedata
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select
from sqlmodel import Session

from models import Attachment
from services import brand, config, exports, files
from services.errors import PermissionDenied, ValidationError
from services.identity import CurrentUser, require_active

INDEX_NAME = "清单.xlsx"
INDEX_HEADERS = ["序号", "区县", "文件夹", "改革事项", "获评类别", "获评日期", "状态", "涉密", "材料文件"]
CHUNK = 1024 * 1024
COMPONENT_LIMIT = 80       # characters per path component (folders and file names)
ITEM_FOLDER_LIMIT = 50     # the item's part of `001_…`, so paths stay far below 260
STALE_SECONDS = 3600
PART_LIMIT = 100 * 1024 * 1024  # stored bytes per part (the archive is about as large)
REACHED_OFFICE = (brand.OFFICE_REVIEW, brand.APPROVED)
# Windows device names, whatever the extension; the superscript digits count too.
RESERVED = ({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
            | {f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789¹²³"})
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
# Kinds that are compressed already: stored as they are, which is faster and no bigger.
_STORED_KINDS = {"pdf", "png", "jpg", "docx"}

Progress = Callable[[int, int], None]


def safe_component(name: str, *, limit: int = COMPONENT_LIMIT, fallback: str = "未命名") -> str:
    """One path component Windows accepts: no <>:"/\\|?* or control characters, no trailing dot
    or space, not a reserved device name, at most `limit` characters (the extension kept)."""
    name = _FORBIDDEN.sub("", _visible(name or "")).strip().rstrip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        stem, ext = name, ""
    if len(name) > limit:
        keep = limit - (len(ext) + 1 if ext else 0)
        name = stem[:max(1, keep)].rstrip(". ") + (f".{ext}" if ext else "")
    if not name:
        return fallback
    if name.split(".", 1)[0].strip().upper() in RESERVED:
        name = f"_{name}"
    return name


def _visible(name: str) -> str:
    """Drop control, format (bidi, zero-width) and unassigned characters: a folder named with a
    right-to-left override shows its name reversed, and Windows refuses control characters."""
    return "".join(ch for ch in name
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name(2).ext`, `name(3).ext`, … when already taken (Windows ignores case)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem}({n})" + (f".{ext}" if ext else "")
    taken.add(candidate.casefold())
    return candidate


@dataclass(frozen=True)
class Part:
    """One archive of a split download: whole districts (or items of one large district)."""

    number: int
    of: int
    districts: tuple[str, ...]
    entry_ids: tuple[int, ...]
    files: int
    size: int  # bytes of stored files

    @property
    def label(self) -> str:
        shown = "、".join(self.districts[:3]) + ("等" if len(self.districts) > 3 else "")
        return f"第{self.number}部分（{shown}）" if self.of > 1 else shown

    @property
    def filename(self) -> str:
        if self.of == 1:
            return "改革品牌佐证材料.zip"
        return f"改革品牌佐证材料_第{self.number}部分_共{self.of}部分.zip"


@dataclass
class ZipResult:
    path: Path
    items: int
    files: int
    part: Part | None = None

    @property
    def filename(self) -> str:
        return self.part.filename if self.part else "改革品牌佐证材料.zip"


def _selected(session: Session, actor: CurrentUser, filters: brand.Filters) -> list:
    require_active(session, actor)
    if not actor.is_reform_office:
        raise PermissionDenied("批量下载仅限市委改革办使用")
    selected = [found for found in brand.selected(session, actor=actor, filters=filters)
                if filters.status or found[0].status in REACHED_OFFICE]
    if not selected:
        raise ValidationError("没有符合筛选条件的改革品牌，请调整筛选条件")
    return selected


def _sizes(session: Session, entry_ids: list[int]) -> dict[int, tuple[int, int]]:
    """entry id → (number of files, bytes stored)."""
    found: dict[int, tuple[int, int]] = {}
    for start in range(0, len(entry_ids), 500):
        chunk = entry_ids[start:start + 500]
        for record_id, count, size in session.execute(
                select(Attachment.record_id, func.count(), func.sum(Attachment.size))
                .where(Attachment.record_type == brand.MODULE, Attachment.record_id.in_(chunk))
                .group_by(Attachment.record_id)).all():
            found[record_id] = (count, int(size or 0))
    return found


def plan(session: Session, *, actor: CurrentUser, filters: brand.Filters,
         limit: int = PART_LIMIT) -> list[Part]:
    """The parts a download of `filters` is split into: districts kept whole and together while
    their files fit in `limit`; a district that alone exceeds it is split by item."""
    selected = _selected(session, actor, filters)
    sizes = _sizes(session, [entry.id for entry, _, _ in selected])
    parts: list[dict] = []
    current = None
    for district in dict.fromkeys(d for _, d, _ in selected):
        entries = [e.id for e, d, _ in selected if d == district]
        district_size = sum(sizes.get(i, (0, 0))[1] for i in entries)
        if current is None or (current["size"] + district_size > limit and current["ids"]):
            current = {"districts": [], "ids": [], "files": 0, "size": 0}
            parts.append(current)
        for entry_id in entries:
            count, size = sizes.get(entry_id, (0, 0))
            if current["ids"] and current["size"] + size > limit:
                current = {"districts": [], "ids": [], "files": 0, "size": 0}
                parts.append(current)
            if district not in current["districts"]:
                current["districts"].append(district)
            current["ids"].append(entry_id)
            current["files"] += count
            current["size"] += size
    return [Part(number=n, of=len(parts), districts=tuple(p["districts"]),
                 entry_ids=tuple(p["ids"]), files=p["files"], size=p["size"])
            for n, p in enumerate(parts, 1)]


def _attachments(session: Session, entry_ids: list[int]) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {}
    for start in range(0, len(entry_ids), 500):
        chunk = entry_ids[start:start + 500]
        for att in session.execute(
                select(Attachment).where(Attachment.record_type == brand.MODULE,
                                         Attachment.record_id.in_(chunk))
                .order_by(Attachment.record_id, Attachment.id)).scalars():
            found.setdefault(att.record_id, []).append(att)
    return found


def _temp_dir() -> Path:
    path = config.data_dir() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_stale(max_age: float = STALE_SECONDS) -> int:
    """Delete built archives older than `max_age` seconds (a download never collected, a server
    stopped before its sessions ended); returns how many."""
    removed, now = 0, time.time()
    for old in _temp_dir().glob("brand-*.zip"):
        try:
            if now - old.stat().st_mtime > max_age:
                old.unlink()
                removed += 1
        except OSError:
            pass
    return removed


_TICKETS: dict[str, tuple[str, str, float]] = {}  # ticket → (archive, file name, expiry)
_TICKETS_LOCK = threading.Lock()


def ticket(result: "ZipResult") -> str:
    """A one-time, unguessable ticket for downloading `result` (valid until it goes stale)."""
    token = secrets.token_urlsafe(32)
    with _TICKETS_LOCK:
        _TICKETS[token] = (str(result.path), result.filename, time.time() + STALE_SECONDS)
    return token


def claim(token: str) -> tuple[str, str] | None:
    """The archive and file name a ticket stands for, once; None when used, revoked or stale."""
    with _TICKETS_LOCK:
        found = _TICKETS.pop(token, None)
    if found is None or found[2] < time.time() or not os.path.exists(found[0]):
        return None
    return found[0], found[1]


def remove(path: str) -> None:
    """Delete a built archive (after its download) and revoke tickets for it."""
    with _TICKETS_LOCK:
        for token in [t for t, found in _TICKETS.items() if found[0] == path]:
            del _TICKETS[token]
    try:
        os.unlink(path)
    except OSError:
        pass


class Built:
    """The archives one session built, each with its download ticket. They are deleted when the
    session builds again or discards them, and when the holder is garbage-collected, i.e. when
    the session ends."""

    def __init__(self, results: list[ZipResult]):
        self.results = results
        self.tickets = {r.path: ticket(r) for r in results}
        self._finalizer = weakref.finalize(self, _remove_all, [str(r.path) for r in results])

    def discard(self) -> None:
        self._finalizer()


def _remove_all(paths: list[str]) -> None:
    for path in paths:
        remove(path)


def _copy_blob(archive: zipfile.ZipFile, att: Attachment, arcname: str) -> None:
    info = zipfile.ZipInfo(arcname, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_STORED if att.kind in _STORED_KINDS else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.file_size = att.size  # lets zipfile choose Zip64 only for files that need it
    source = files._blob_path(att.sha256)
    if not source.exists():
        raise ValidationError(f"文件“{att.original_name}”的存储内容缺失，请联系系统管理员")
    with source.open("rb") as src, archive.open(info, "w") as dst:
        shutil.copyfileobj(src, dst, CHUNK)


def build(session: Session, *, actor: CurrentUser, filters: brand.Filters,
          progress: Progress | None = None, part: Part | None = None) -> ZipResult:
    """批量下载 for 市委改革办: the ZIP of the entries matching `filters` (of `part` only, when
    given: see `plan`), on disk; served once against a `ticket`, then deleted."""
    selected = _selected(session, actor, filters)
    if part is not None:
        wanted = set(part.entry_ids)
        numbered = _numbered(selected)
        selected = [found for found in numbered if found[0].id in wanted]
    else:
        selected = _numbered(selected)
    attachments = _attachments(session, [entry.id for entry, _, _, _ in selected])
    total = sum(len(attachments.get(e.id, [])) for e, _, _, _ in selected) + 1
    done = 0
    rows = []
    remove_stale()
    fd, tmp = tempfile.mkstemp(prefix="brand-", suffix=".zip", dir=_temp_dir())
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED,
                             allowZip64=True) as archive:
            for entry, district, category, folder in selected:
                archive.writestr(zipfile.ZipInfo(folder + "/", date_time=time.localtime()[:6]),
                                 b"")  # every folder 清单.xlsx names is in the archive
                taken: set[str] = set()
                names = []
                for att in attachments.get(entry.id, []):
                    name = unique_name(safe_component(att.original_name), taken)
                    _copy_blob(archive, att, f"{folder}/{name}")
                    names.append(f"{att.purpose}：{name}")
                    done += 1
                    if progress:
                        progress(done, total)
                if entry.is_secret:
                    names = [brand.OFFLINE_NOTE]
                rows.append({"序号": len(rows) + 1, "区县": district, "文件夹": folder,
                             "改革事项": entry.item, "获评类别": category,
                             "获评日期": entry.awarded_on, "状态": entry.status,
                             "涉密": "是" if entry.is_secret else "否",
                             "材料文件": "；".join(names) or "（无）"})
            archive.writestr(INDEX_NAME, exports.to_xlsx(rows, headers=INDEX_HEADERS,
                                                         sheet="清单"))
        if progress:
            progress(total, total)
    except BaseException:
        os.unlink(tmp)
        raise
    return ZipResult(Path(tmp), items=len(selected), files=total - 1, part=part)


def build_all(session: Session, *, actor: CurrentUser, filters: brand.Filters,
              progress: Callable[[int, int, Part], None] | None = None,
              limit: int = PART_LIMIT) -> Built:
    """Every part of a download, built one after another; progress counts files over all."""
    parts = plan(session, actor=actor, filters=filters, limit=limit)
    total = sum(p.files + 1 for p in parts)
    results: list[ZipResult] = []
    offset = 0
    try:
        for p in parts:
            results.append(build(session, actor=actor, filters=filters, part=p, progress=(
                (lambda done, _t, p=p, base=offset: progress(base + done, total, p))
                if progress else None)))
            offset += p.files + 1
    except BaseException:
        _remove_all([str(r.path) for r in results])
        raise
    return Built(results)


def _numbered(selected: list) -> list[tuple]:
    """(entry, district, category, folder): `万州区/001_…`, numbered within each district."""
    numbers: dict[str, int] = {}
    out = []
    for entry, district, category in selected:
        numbers[district] = numbers.get(district, 0) + 1
        item = safe_component(entry.item, limit=ITEM_FOLDER_LIMIT, fallback="未命名事项")
        folder = f"{safe_component(district, fallback='未知区县')}/{numbers[district]:03d}_{item}"
        out.append((entry, district, category, folder))
    return out
