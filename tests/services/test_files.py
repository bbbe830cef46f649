"""Uploads: content must match the extension, size limit, content-addressed storage."""
import io
import zipfile

import pytest
from sqlalchemy import func, select

from models import Attachment, Setting
from services import config, files
from services.errors import ValidationError
from tests.factories import make_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def count(session):
    return session.execute(select(func.count()).select_from(Attachment)).scalar_one()


@pytest.fixture
def clerk(session):
    return make_user(session)


@pytest.mark.parametrize("name, data, kind", [
    ("国家文件.pdf", PDF, "pdf"),
    ("国家文件.DOCX", docx_bytes(), "docx"),
    ("截图.png", PNG, "png"),
    ("扫描件.jpeg", JPG, "jpg"),
])
def test_genuine_files_are_accepted(session, clerk, name, data, kind):
    allowed = files.DOCUMENT | files.IMAGE

    att = files.store(session, actor=clerk, filename=name, data=data, allowed=allowed)

    assert att.kind == kind and att.original_name == name
    assert files.content(att) == data


@pytest.mark.parametrize("name, data, message", [
    ("伪装.pdf", PNG, "内容与扩展名“.pdf”不符"),
    ("伪装.docx", b"PK\x03\x04" + b"\x00" * 40, "内容与扩展名“.docx”不符"),
    ("空文件.pdf", b"", "为空"),
    ("脚本.html", b"<script>alert(1)</script>", "类型不支持"),
    ("截图.png", PDF, "内容与扩展名“.png”不符"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(session, clerk, name, data, message):
    with pytest.raises(ValidationError, match=message):
        files.store(session, actor=clerk, filename=name, data=data,
                    allowed=files.DOCUMENT | files.IMAGE)

    assert count(session) == 0
    assert not any(config.upload_dir().rglob("*"))


def test_documents_only_field_refuses_images(session, clerk):
    with pytest.raises(ValidationError, match=r"仅接受 .doc、.docx、.pdf"):
        files.store(session, actor=clerk, filename="截图.png", data=PNG, allowed=files.DOCUMENT)


def test_size_limit_is_configurable(session, clerk):
    session.add(Setting(key="upload_max_mb", value="0.00001"))
    session.commit()

    with pytest.raises(ValidationError, match="超过上限"):
        files.store(session, actor=clerk, filename="大文件.pdf", data=PDF + b" " * 100,
                    allowed=files.DOCUMENT)

    assert count(session) == 0


def test_identical_content_is_stored_once_under_both_names(session, clerk):
    first = files.store(session, actor=clerk, filename="甲.pdf", data=PDF, allowed=files.DOCUMENT)
    second = files.store(session, actor=clerk, filename="乙.pdf", data=PDF, allowed=files.DOCUMENT)

    blobs = [p for p in config.upload_dir().rglob("*") if p.is_file()]
    assert len(blobs) == 1 and blobs[0].name == first.sha256
    assert (first.original_name, second.original_name) == ("甲.pdf", "乙.pdf")


def test_attachments_are_listed_per_record(session, clerk):
    files.store(session, actor=clerk, filename="a.pdf", data=PDF, allowed=files.DOCUMENT,
                record_type="pilot", record_id=5)
    files.store(session, actor=clerk, filename="b.png", data=PNG, allowed=files.IMAGE,
                record_type="pilot", record_id=6)

    names = [a.original_name for a in files.attachments_of(session, record_type="pilot",
                                                           record_id=5)]
    assert names == ["a.pdf"]
