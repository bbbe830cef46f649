"""Uploads (SPEC §8): content checked against the extension, size-limited, stored by sha256."""
import hashlib
import os
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

import filetype
from sqlalchemy import select
from sqlmodel import Session

from models import Attachment
from services import config, settings
from services.errors import ValidationError
from services.identity import CurrentUser

DOCUMENT = frozenset({"pdf", "doc", "docx"})
IMAGE = frozenset({"png", "jpg", "jpeg"})
MIME = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "png": "image/png",
    "jpg": "image/jpeg",
}


def _extension(name: str) -> str:
    return Path(name).suffix.lower().lstrip(".")


def detect_kind(data: bytes) -> str | None:
    """What the bytes really are (pdf, doc, docx, png, jpg), whatever the name says."""
    guess = filetype.guess(data)
    kind = guess.extension if guess else None
    if kind == "jpeg":
        kind = "jpg"
    if kind == "zip" or kind == "docx":
        # A .docx is a zip holding word/document.xml; check it rather than trust the container.
        try:
            with zipfile.ZipFile(BytesIO(data)) as zf:
                kind = "docx" if "word/document.xml" in zf.namelist() else "zip"
        except zipfile.BadZipFile:
            kind = None
    return kind


def validate(session: Session, *, filename: str, data: bytes, allowed: frozenset[str]) -> str:
    """Return the canonical kind of an acceptable upload, or raise a Chinese ValidationError."""
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
    if kind != ext:
        raise ValidationError(f"文件“{filename}”的内容与扩展名“.{ext}”不符，"
                              "请上传真实的文件（不要只修改扩展名）")
    return kind


def _blob_path(sha256: str) -> Path:
    return config.upload_dir() / sha256[:2] / sha256


def _write_blob(sha256: str, data: bytes) -> None:
    path = _blob_path(sha256)
    if path.exists():
        return  # identical content is stored once
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic: a crash never leaves a half-written blob
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def store(session: Session, *, actor: CurrentUser, filename: str, data: bytes,
          allowed: frozenset[str], record_type: str = "", record_id: int | None = None,
          purpose: str = "") -> Attachment:
    """Validate and keep an upload; the row is added to the caller's transaction."""
    kind = validate(session, filename=filename, data=data, allowed=allowed)
    sha = hashlib.sha256(data).hexdigest()
    _write_blob(sha, data)
    att = Attachment(sha256=sha, size=len(data), kind=kind, original_name=Path(filename).name,
                     record_type=record_type, record_id=record_id, purpose=purpose,
                     uploaded_by=actor.id)
    session.add(att)
    session.flush()
    return att


def attachments_of(session: Session, *, record_type: str, record_id: int) -> list[Attachment]:
    return list(session.execute(
        select(Attachment).where(Attachment.record_type == record_type,
                                 Attachment.record_id == record_id).order_by(Attachment.id)
    ).scalars())


def content(attachment: Attachment) -> bytes:
    """The stored bytes (served as a download under the original name, never rendered)."""
    return _blob_path(attachment.sha256).read_bytes()


def mime_of(attachment: Attachment) -> str:
    return MIME.get(attachment.kind, "application/octet-stream")
