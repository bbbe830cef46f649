"""批量下载 (SPEC §4): the reform office's ZIP of the filtered brand entries and their files.

One folder per district and item (`万州区/001_建立…机制/`) holding the item's files under their
original names, plus `清单.xlsx`. The archive is written to a temporary file on disk and each
stored file is copied into it in chunks, so memory does not grow with the number or size of
files. Names are made safe for Windows (Explorer shows the UTF-8 names zipfile flags).
"""
import os
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import select
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
RESERVED = ({"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)}
            | {f"LPT{i}" for i in range(1, 10)})
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
# Kinds that are compressed already: stored as they are, which is faster and no bigger.
_STORED_KINDS = {"pdf", "png", "jpg", "docx"}

Progress = Callable[[int, int], None]


def safe_component(name: str, *, limit: int = COMPONENT_LIMIT, fallback: str = "未命名") -> str:
    """One path component Windows accepts: no <>:"/\\|?* or control characters, no trailing dot
    or space, not a reserved device name, at most `limit` characters (the extension kept)."""
    name = _FORBIDDEN.sub("", name or "").strip().rstrip(". ")
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


@dataclass
class ZipResult:
    path: Path
    items: int
    files: int

    @property
    def filename(self) -> str:
        return "改革品牌佐证材料.zip"


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
    now = time.time()
    for old in path.glob("brand-*.zip"):  # archives whose download was never collected
        try:
            if now - old.stat().st_mtime > STALE_SECONDS:
                old.unlink()
        except OSError:
            pass
    return path


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
          progress: Progress | None = None) -> ZipResult:
    """批量下载 for 市委改革办: the ZIP of every entry matching `filters`, on disk.

    The caller removes `result.path` once served (stale archives are removed an hour later).
    """
    require_active(session, actor)
    if not actor.is_reform_office:
        raise PermissionDenied("批量下载仅限市委改革办使用")
    selected = brand.selected(session, actor=actor, filters=filters)
    if not selected:
        raise ValidationError("没有符合筛选条件的改革品牌，请调整筛选条件")
    attachments = _attachments(session, [entry.id for entry, _, _ in selected])
    total = sum(len(attachments.get(e.id, [])) for e, _, _ in selected) + 1
    done = 0
    rows, numbers = [], {}
    fd, tmp = tempfile.mkstemp(prefix="brand-", suffix=".zip", dir=_temp_dir())
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED,
                             allowZip64=True) as archive:
            for entry, district, category in selected:
                numbers[district] = numbers.get(district, 0) + 1
                item = safe_component(entry.item, limit=ITEM_FOLDER_LIMIT, fallback="未命名事项")
                folder = (f"{safe_component(district, fallback='未知区县')}/"
                          f"{numbers[district]:03d}_{item}")
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
    return ZipResult(Path(tmp), items=len(selected), files=total - 1)
