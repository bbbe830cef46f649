"""Uploads: content must match the extension, size limit, content-addressed storage."""
import io
import re
import zipfile
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from models import Attachment, Setting, User
from services import config, db, files, pilots
from services.errors import Conflict, PermissionDenied, ValidationError
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
    session.commit()

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


def good_input(w, **overrides):
    from tests.services.pilot_helpers import good_input as make
    return make(w, **overrides)


def stored_files() -> list:
    return sorted(p for p in config.upload_dir().rglob("*") if p.is_file())


@pytest.mark.parametrize("name, message", [
    ("国家\x00文件.pdf", "控制字符"),
    ("国家文件\n.pdf", "控制字符"),
    ("国家\x1b[31m文件.pdf", "控制字符"),
    ("文件\u202efdp.docx", "控制字符"),
    ("长" * 252 + ".pdf", "文件名过长（256个字符，最多255个）"),
    ("", "文件名为空"),
    ("资料/", "文件名为空"),
    ("C:\\资料\\..", "文件名为空"),
])
def test_unusable_file_names_are_refused_before_anything_is_written(session, clerk, name,
                                                                      message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        files.store(session, actor=clerk, filename=name, data=PDF, allowed=files.DOCUMENT)
    session.rollback()

    assert count(session) == 0
    assert stored_files() == []


@pytest.mark.parametrize("name", ["C:\\Users\\张三\\Desktop\\国家文件.pdf", "../../etc/国家文件.pdf",
                                  "/tmp/国家文件.pdf", "  国家文件.pdf "])
def test_directory_parts_of_an_upload_name_are_dropped(session, clerk, name):
    att = files.store(session, actor=clerk, filename=name, data=PDF, allowed=files.DOCUMENT)
    session.commit()

    assert att.original_name == "国家文件.pdf"
    assert stored_files() == [config.upload_dir() / att.sha256[:2] / att.sha256]


def test_a_name_of_exactly_255_characters_is_kept(session, clerk):
    name = "长" * 251 + ".pdf"

    att = files.store(session, actor=clerk, filename=name, data=PDF, allowed=files.DOCUMENT)
    session.commit()

    assert session.get(Attachment, att.id).original_name == name


def test_a_save_with_one_good_and_one_bad_file_leaves_no_file_and_no_row(session, clerk):
    with pytest.raises(ValidationError, match="内容与扩展名"):
        with db.session_scope(session.get_bind()) as s:
            files.store(s, actor=clerk, filename="国家文件.pdf", data=PDF, allowed=files.DOCUMENT)
            files.store(s, actor=clerk, filename="市级文件.pdf", data=PNG, allowed=files.DOCUMENT)
            s.commit()

    assert count(session) == 0
    assert stored_files() == []


def test_a_failing_insert_after_storing_leaves_no_file(session, clerk, monkeypatch):
    ghost = replace(clerk, id=clerk.id + 10_000)  # no such user: the row breaks a foreign key
    monkeypatch.setattr(files, "require_active", lambda session, actor: None)

    with pytest.raises(Conflict, match=db.INTEGRITY_MESSAGE):
        with db.session_scope(session.get_bind()) as s:
            files.store(s, actor=ghost, filename="国家文件.pdf", data=PDF, allowed=files.DOCUMENT)
            s.commit()

    assert count(session) == 0
    assert stored_files() == []


def test_a_failing_flush_at_commit_publishes_no_file(session, clerk):
    with pytest.raises(Conflict, match=db.INTEGRITY_MESSAGE):
        with db.session_scope(session.get_bind()) as s:
            files.store(s, actor=clerk, filename="国家文件.pdf", data=PDF, allowed=files.DOCUMENT)
            s.add(Attachment(sha256="0" * 64, size=1, kind="pdf", original_name="x.pdf",
                             uploaded_by=clerk.id + 10_000))
            s.commit()

    assert count(session) == 0
    assert stored_files() == []


def test_a_pilot_refused_after_its_upload_leaves_no_file(session, w):
    data = good_input(w, scope_basis=pilots.SCOPE_PROVINCE)  # needs the municipal document too

    with pytest.raises(ValidationError, match="市级文件"):
        pilots.create(session, actor=w.clerk, data=data, submit=True,
                      uploads=[pilots.Upload(pilots.NATIONAL_DOC, "国家文件.pdf", PDF)])

    assert count(session) == 0
    assert stored_files() == []


def test_a_pilot_with_one_good_and_one_bad_file_leaves_no_file(session, w):
    uploads = [pilots.Upload(pilots.NATIONAL_DOC, "国家文件.pdf", PDF), pilots.Upload(pilots.MUNICIPAL_DOC, "市级文件.pdf", PNG)]

    with pytest.raises(ValidationError, match="内容与扩展名"):
        pilots.create(session, actor=w.clerk, data=good_input(w), uploads=uploads)

    assert count(session) == 0
    assert stored_files() == []


def test_a_committed_upload_is_in_the_store_and_nothing_is_left_staged(session, clerk):
    att = files.store(session, actor=clerk, filename="国家文件.pdf", data=PDF,
                      allowed=files.DOCUMENT)
    assert files.content(att) == PDF  # readable before the commit, too

    session.commit()

    assert stored_files() == [config.upload_dir() / att.sha256[:2] / att.sha256]
    assert files.content(att) == PDF


def test_a_rolled_back_upload_does_not_remove_the_same_content_stored_earlier(session, clerk):
    kept = files.store(session, actor=clerk, filename="甲.pdf", data=PDF, allowed=files.DOCUMENT)
    session.commit()

    files.store(session, actor=clerk, filename="乙.pdf", data=PDF, allowed=files.DOCUMENT)
    session.rollback()

    assert count(session) == 1
    assert files.content(kept) == PDF


def test_a_disabled_account_cannot_store_a_file(session, clerk):
    session.get(User, clerk.id).disabled = True
    session.commit()

    with pytest.raises(PermissionDenied, match="账号已停用"):
        files.store(session, actor=clerk, filename="国家文件.pdf", data=PDF,
                    allowed=files.DOCUMENT)
    session.rollback()

    assert count(session) == 0
    assert stored_files() == []


# --- content that leaves the system ---------------------------------------------------------

def stored(clerk, session, name, data=PDF, record_id=1):
    att = files.store(session, actor=clerk, filename=name, data=data, allowed=files.DOCUMENT,
                      record_type="brand", record_id=record_id)
    session.commit()
    return att


def test_discarded_content_is_deleted_from_the_store_once_committed(session, clerk):
    att = stored(clerk, session, "涉密通知.pdf")

    purged = files.discard(session, [att])
    assert files._blob_path(att.sha256).exists()  # nothing goes before the commit
    session.commit()

    assert purged == ["涉密通知.pdf"]
    assert count(session) == 0
    assert stored_files() == []


def test_content_another_attachment_uses_is_kept_and_not_named_as_purged(session, clerk):
    att = stored(clerk, session, "甲.pdf")
    other = stored(clerk, session, "乙.pdf", record_id=2)

    purged = files.discard(session, [att])
    session.commit()

    assert purged == []
    assert files.content(other) == PDF


def test_a_rolled_back_discard_keeps_the_content(session, clerk):
    att = stored(clerk, session, "甲.pdf")

    files.discard(session, [att])
    session.rollback()

    assert count(session) == 1
    assert files.content(att) == PDF


def test_same_content_uploaded_while_it_is_purged_stays_in_the_store(session, clerk, engine):
    att = stored(clerk, session, "甲.pdf")
    with db.session_scope(engine) as uploading:
        files._stage(uploading, att.sha256, PDF)  # an upload of the same content under way

        files.discard(session, [att])
        session.commit()  # no committed attachment uses the content: the blob goes
        again = Attachment(sha256=att.sha256, size=len(PDF), kind="pdf", original_name="乙.pdf",
                           record_type="pilot", record_id=9, uploaded_by=clerk.id)
        uploading.add(again)
        uploading.commit()

        assert files.content(again) == PDF
    assert [p.name for p in stored_files()] == [att.sha256]


def test_a_secret_brand_entry_leaves_no_copy_of_its_earlier_files_and_audits_names_only(
        session):
    import json

    from models import AuditEvent
    from services import brand
    from tests.services import brand_helpers as bh
    w = bh.cast(session)
    entry = brand.create(session, actor=w.clerk, data=bh.good_input(w),
                         uploads=[bh.evidence("内部通报.pdf", PDF + b"QX7-CONTENT")])
    [att] = brand.evidence(session, actor=w.clerk, entry_id=entry.id)

    brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                 data=bh.good_input(w, is_secret=True, sent_offline=True), submit=True)

    assert count(session) == 0
    assert not files._blob_path(att.sha256).exists()
    assert stored_files() == []
    changes = [json.loads(e.changes) for e in session.execute(select(AuditEvent)).scalars()
               if e.changes and files.PURGED in e.changes]
    assert [c[files.PURGED] for c in changes] == [[["内部通报.pdf"], None]]
    assert all("QX7" not in json.dumps(c) for c in changes)
