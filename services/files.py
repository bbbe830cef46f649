"""Uploads (SPEC §8): content checked against the extension, size-limited, stored by sha256.

A new file is written to a staging area during the action and linked into the content store
just before its transaction commits; a refused or failed action deletes what it staged, so it
leaves no file behind (SPEC §10). Content is deleted from the store only by `discard`, once the
last attachment that refers to it is gone (涉密 material must not stay on the machine).
"""
import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from io import BytesIO
from pathlib import Path

import filetype
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import object_session
from sqlmodel import Session

from models import Attachment
from services import config, settings
from services.errors import CONFLICT_MESSAGE, Conflict, ValidationError
from services.identity import CurrentUser, require_active
from services.limits import FILENAME_LIMIT, check_text

DOCUMENT = frozenset({"pdf", "doc", "docx"})
IMAGE = frozenset({"png", "jpg", "jpeg"})
# Charts and lists (数字重庆建设's 一图两清单, 三张清单) also come as Excel, WPS or OFD files.
SPREADSHEET = frozenset({"xls", "xlsx", "et"})
WPS = frozenset({"wps", "et"})
OFD = frozenset({"ofd"})
CHART = DOCUMENT | IMAGE | SPREADSHEET | WPS | OFD
# Old binary formats share one container (OLE2): a WPS text file is a Word file inside, a WPS
# spreadsheet an Excel one; the container's streams tell which family the bytes belong to.
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_OLE_FAMILIES = (("WordDocument", frozenset({"doc", "wps"})),
                 ("Workbook", frozenset({"xls", "et"})), ("Book", frozenset({"xls", "et"})))
SAME_CONTENT = {"wps": "doc", "et": "xls"}
MIME = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "png": "image/png",
    "jpg": "image/jpeg",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ofd": "application/ofd",
}


_STAGED = "staged_uploads"  # session.info key: {sha256: staged file} of the open transaction
# The audited change naming files whose content left the system (names only, never content).
PURGED = "已从系统删除的文件"
_DISCARDED = "discarded_blobs"  # session.info key: sha256 of content the transaction let go
_DIRECTORY = re.compile(r"[\\/]")
# Bidirectional controls make `文件\u202efdp.exe` look like `文件exe.pdf`.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")


def _extension(name: str) -> str:
    return Path(name).suffix.lower().lstrip(".")


def clean_filename(filename: str) -> str:
    """The name to keep for an upload: directory parts removed; refused when unusable."""
    name = _DIRECTORY.split(filename or "")[-1].strip()
    if not name or name in (".", ".."):
        raise ValidationError("文件名为空，请给文件命名后重新上传")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI_CONTROLS
           for ch in name):
        shown = "".join("?" if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")
                        or ch in _BIDI_CONTROLS else ch for ch in name[:60])
        raise ValidationError(f"文件名“{shown}”含有控制字符（不可见字符），请重命名后重新上传")
    if len(name) > FILENAME_LIMIT:
        raise ValidationError(f"文件名过长（{len(name)}个字符，最多{FILENAME_LIMIT}个），"
                              "请重命名后重新上传")
    check_text("文件名", name, FILENAME_LIMIT, multiline=False)
    return name


def detect_kind(data: bytes) -> str | None:
    """What the bytes really are (pdf, doc, docx, png, jpg), whatever the name says."""
    if data.startswith(_OLE_MAGIC):
        for stream, family in _OLE_FAMILIES:
            if stream.encode("utf-16-le") in data:
                return "doc" if "doc" in family else "xls"
        return None
    guess = filetype.guess(data)
    kind = guess.extension if guess else None
    if kind == "jpeg":
        kind = "jpg"
    if kind in ("zip", "docx", "xlsx"):
        # Office files and OFD are zips: check what the zip holds rather than trust the name.
        try:
            with zipfile.ZipFile(BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            kind = "docx"
        elif "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "OFD.xml" in names:
            kind = "ofd"
        else:
            kind = "zip"
    return kind


def validate(session: Session, *, filename: str, data: bytes, allowed: frozenset[str]) -> str:
    """Return the canonical kind of an acceptable upload, or raise a Chinese ValidationError."""
    filename = clean_filename(filename)
    ext = _extension(filename)
    ext = "jpg" if ext == "jpeg" else ext
    allowed_text = "、".join(sorted({"." + a for a in allowed}))
    if ext not in allowed:
        raise ValidationError(f"文件“{filename}”类型不支持，仅接受 {allowed_text} 格式")
    if not data:
        raise ValidationError(f"文件“{filename}”为空，请重新选择")
    limit = settings.upload_limit_bytes(session)
    if len(data) > limit:
        raise ValidationError(f"文件“{filename}”大小 {len(data) / 1048576:.1f} MB，"
                              f"超过上限 {limit / 1048576:.0f} MB")
    kind = detect_kind(data)
    if kind is not None and SAME_CONTENT.get(ext) == kind:
        kind = ext  # a WPS file is an Office file inside
    if kind != ext:
        raise ValidationError(f"文件“{filename}”的内容与扩展名“.{ext}”不符，"
                              "请上传真实的文件（不要只修改扩展名）")
    return kind


def _blob_path(sha256: str) -> Path:
    return config.upload_dir() / sha256[:2] / sha256


def _staging_dir() -> Path:
    path = config.upload_dir() / ".staging"  # same file system: the move is atomic
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stage(session: Session, sha256: str, data: bytes) -> None:
    """Write new content to a staging file owned by the session's transaction.

    Content already in the store is staged too: if a concurrent `discard` purges it before this
    transaction commits, the staged copy puts it back."""
    staged: dict[str, Path] = session.info.setdefault(_STAGED, {})
    if sha256 in staged:
        return  # identical content is stored once
    fd, tmp = tempfile.mkstemp(dir=_staging_dir(), prefix=f"{sha256[:16]}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    staged[sha256] = Path(tmp)


def _publish(tmp: Path, path: Path) -> None:
    """Make `path` hold the staged content, atomically (a blob is complete or absent)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return
    try:
        os.link(tmp, path)  # the staged copy stays until the commit is through
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links
        copy = tmp.with_suffix(".copy")
        copy.write_bytes(tmp.read_bytes())
        os.replace(copy, path)


@event.listens_for(OrmSession, "before_commit")
def _publish_staged(session) -> None:
    """Put staged files into the store once every row of the transaction is flushed."""
    staged: dict[str, Path] = session.info.get(_STAGED) or {}
    if not staged:
        return
    session.flush()  # a failing insert fails here, before any file is published
    for sha256, tmp in staged.items():
        _publish(tmp, _blob_path(sha256))


@event.listens_for(OrmSession, "after_commit")
def _settle(session) -> None:
    """After commit: content a concurrent purge took is put back, staged copies go, and content
    this transaction let go is purged unless an attachment still refers to it."""
    for sha256, tmp in (session.info.pop(_STAGED, None) or {}).items():
        try:
            if _blob_path(sha256).exists():
                tmp.unlink()
            else:
                os.replace(tmp, _blob_path(sha256))
        except OSError:
            pass
    if discarded := session.info.pop(_DISCARDED, None):
        _purge(session.get_bind().engine, discarded)


def _purge(engine, shas: set[str]) -> None:
    """Delete content no attachment refers to. The blob is moved aside before the count, so an
    upload of the same content committing meanwhile either is counted or restores its copy."""
    with engine.connect() as conn:
        for sha256 in sorted(shas):
            path = _blob_path(sha256)
            aside = path.with_name(path.name + ".purging")
            try:
                os.replace(path, aside)
            except OSError:
                continue
            used = conn.execute(select(func.count()).select_from(Attachment)
                                .where(Attachment.sha256 == sha256)).scalar_one()
            conn.rollback()  # the next count sees what committed since
            try:
                if used:
                    os.replace(aside, path)
                else:
                    aside.unlink()
            except OSError:  # the records are already right; a leftover is only disk space
                pass


@event.listens_for(OrmSession, "after_transaction_end")
def _discard_staged(session, transaction) -> None:
    """A transaction that ended without committing (rollback, close) leaves no file behind."""
    if transaction.parent is not None:
        return  # a savepoint or subtransaction: the outer transaction decides
    session.info.pop(_DISCARDED, None)
    for tmp in (session.info.pop(_STAGED, None) or {}).values():
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass


def store(session: Session, *, actor: CurrentUser, filename: str, data: bytes,
          allowed: frozenset[str], record_type: str = "", record_id: int | None = None,
          purpose: str = "") -> Attachment:
    """Validate and keep an upload; the row is added to the caller's transaction.

    The file reaches the content store only when that transaction commits.
    """
    require_active(session, actor)
    kind = validate(session, filename=filename, data=data, allowed=allowed)
    sha = hashlib.sha256(data).hexdigest()
    _stage(session, sha, data)
    att = Attachment(sha256=sha, size=len(data), kind=kind,
                     original_name=clean_filename(filename), record_type=record_type,
                     record_id=record_id, purpose=purpose, uploaded_by=actor.id)
    session.add(att)
    session.flush()
    return att


def discard(session: Session, attachments: list[Attachment]) -> list[str]:
    """Remove attachments in the caller's transaction; once it commits, their content is deleted
    from the store unless another attachment refers to it. Returns the names of the files whose
    content goes (for the audit trail: names only, never content)."""
    if not attachments:
        return []
    ids = [a.id for a in attachments]
    if session.execute(delete(Attachment).where(Attachment.id.in_(ids))).rowcount != len(ids):
        raise Conflict(CONFLICT_MESSAGE)
    shas = {a.sha256 for a in attachments}
    kept = set(session.execute(select(Attachment.sha256).where(Attachment.sha256.in_(shas))
                               ).scalars())
    session.info.setdefault(_DISCARDED, set()).update(shas)
    return [a.original_name for a in attachments if a.sha256 not in kept]


def attachments_of(session: Session, *, record_type: str, record_id: int) -> list[Attachment]:
    return list(session.execute(
        select(Attachment).where(Attachment.record_type == record_type,
                                 Attachment.record_id == record_id).order_by(Attachment.id)
    ).scalars())


def content(attachment: Attachment) -> bytes:
    """The stored bytes (served as a download under the original name, never rendered)."""
    path = _blob_path(attachment.sha256)
    if not path.exists():  # stored earlier in the still-open transaction
        session = object_session(attachment)
        staged = session.info.get(_STAGED, {}) if session is not None else {}
        path = staged.get(attachment.sha256, path)
    return path.read_bytes()


def mime_of(attachment: Attachment) -> str:
    return MIME.get(attachment.kind, "application/octet-stream")
