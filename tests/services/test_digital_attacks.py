"""数字重庆建设 attacked through its services as a hostile or careless user would (SPEC §2, §5,
§10): other districts' ids and values that are no ids, hostile text, actions in the wrong state,
roles that have no part in the module, and races — on SQLite and PostgreSQL.

Every refusal is a Chinese message (no exception text, no English) and leaves everything the
module stores unchanged.
"""
import re
import threading
from datetime import date
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select
from sqlmodel import Session

from models import (
    Attachment, AuditEvent, DigitalApp, DigitalDomain, DigitalForm, DigitalItem, DigitalPlan,
    DigitalPlanItem, DigitalShare, Notification, Role,
)
from services import db
from services.digital import catalog, deadlines, forms, rows, verdicts
from services.digital.items import (
    DEEPEN, DUPLICATE, INCLUDED, NEW_CHART, ORIGINAL_CHART, PENDING_NEW, PENDING_ORIGINAL,
    REMOVED,
)
from services.digital.plans import DRAFTING, PASSED
from services.errors import (
    CONFLICT_MESSAGE, Conflict, DomainError, PermissionDenied, TransitionNotAllowed,
    ValidationError,
)
from tests.factories import make_user
from tests.services.digital_helpers import (
    add_item, app_row, cast, chart, form_version, item, pass_form, passed_plan, ready_item,
    share_row, verdict,
)
from tests.services.test_digital_verdicts import reupload


@pytest.fixture
def w(session):
    return cast(session)



# --- what the module stores, and how a refusal must look -----------------------------------------

STORED = (DigitalForm, DigitalItem, DigitalPlan, DigitalPlanItem, DigitalApp, DigitalShare,
          DigitalDomain, Attachment, AuditEvent, Notification)


def stored(session) -> dict:
    """Every row of every table the module writes, column by column (forms, the four tables and
    their links, 重点领域, files, audit events, messages): equal before and after a refusal."""
    session.expire_all()
    found = {}
    for model in STORED:
        columns = [c.name for c in model.__table__.columns]
        found[model.__tablename__] = sorted(
            tuple(str(getattr(row, c)) for c in columns)
            for row in session.execute(select(model)).scalars())
    return found


# Latin words a user may meet in this product (file formats, units) and the code point a refusal
# of a character names; anything else in a message is untranslated text.
_ALLOWED_LATIN = re.compile(r"PDF|Word|DOCX?|XLSX?|PNG|JPE?G|ZIP|Excel|WPS|OFD|MB|U\+[0-9A-F]{4,6}"
                            r"|\.(?:pdf|docx?|xlsx?|png|jpe?g|et|wps|ofd)", re.IGNORECASE)


def assert_chinese(message: str) -> None:
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert not re.search(r"[A-Za-z]{2,}", _ALLOWED_LATIN.sub("", message)), message


def refused(engine, call, kind: type = DomainError, *, chinese: bool = True) -> str:
    """Run `call(session)` as a page does (one `db.session_scope`), expect a refusal of `kind`
    with a Chinese message, and return the message. A raw exception fails the test as it is."""
    with pytest.raises(DomainError) as caught:
        with db.session_scope(engine) as s:
            call(s)
    assert isinstance(caught.value, kind), (type(caught.value).__name__, str(caught.value))
    if chinese:
        assert_chinese(str(caught.value))
    return str(caught.value)


def save(session, actor, kind, values, row_id=None, uploads=()):
    return rows.save_row(session, actor=actor, kind=kind,
                         form_version=form_version(session, actor), values=values,
                         row_id=row_id, uploads=list(uploads))


def remove(session, actor, kind, row_id):
    return rows.remove_row(session, actor=actor, kind=kind, row_id=row_id,
                           form_version=form_version(session, actor))


def undo(session, actor, kind, row_id):
    return rows.undo_row(session, actor=actor, kind=kind, row_id=row_id,
                         form_version=form_version(session, actor))


def drop_file(session, actor, kind, row_id, attachment_id):
    return rows.remove_file(session, actor=actor, kind=kind, row_id=row_id,
                            attachment_id=attachment_id, form_version=form_version(session, actor))


def files_of(session, kind: str, row_id: int) -> list[int]:
    return list(session.execute(select(Attachment.id).where(
        Attachment.record_type == kind, Attachment.record_id == row_id)
        .order_by(Attachment.id)).scalars())


def submitted(session, clerk):
    form = rows.open_form(session, clerk.org_id)
    return forms.submit(session, actor=clerk, form_id=form.id, version=form.version)


def waiting(session, w, name="企业开办一件事", clerk=None, reviewer=None) -> DigitalItem:
    row = add_item(session, w, clerk=clerk, name=name)
    pass_form(session, w, clerk, reviewer)
    return item(session, row.id)


def qianjiang_tables(session, w):
    """黔江区's four rows (drafts, with their files) and its open form."""
    theirs = add_item(session, w, clerk=w.qj_clerk, name="黔江一件事")
    plan = save(session, w.qj_clerk, "digital_plan",
                {"name": "黔江应用", "item_ids": [theirs.id], "stage": DRAFTING}).row
    app = app_row(session, w, plan.id, clerk=w.qj_clerk, name="黔江特色应用")
    share = share_row(session, w, app.id, clerk=w.qj_clerk)
    return {"digital_item": theirs.id, "digital_plan": plan.id, "digital_app": app.id,
            "digital_share": share.id}


def test_another_districts_rows_files_and_form_are_out_of_reach_and_nothing_changes(
        engine, session, w):
    theirs = qianjiang_tables(session, w)
    their_form = rows.open_form(session, w.qianjiang)
    own = add_item(session, w)
    their_chart = files_of(session, "digital_item", theirs["digital_item"])[0]
    their_files = {kind: (files_of(session, kind, row_id) or [their_chart])[0]
                   for kind, row_id in theirs.items()}
    before = stored(session)

    attempts = []
    for kind, row_id in theirs.items():
        attempts += [
            (f"保存 {kind}", lambda s, k=kind, r=row_id: save(s, w.clerk, k, {"name": "改写"}
                                                           if k != "digital_share" else
                                                           {"intro": "改写"}, row_id=r)),
            (f"删除 {kind}", lambda s, k=kind, r=row_id: remove(s, w.clerk, k, r)),
            (f"撤销 {kind}", lambda s, k=kind, r=row_id: undo(s, w.clerk, k, r)),
            (f"移除附件 {kind}", lambda s, k=kind, r=row_id: drop_file(
                s, w.clerk, k, r, their_files[k])),
        ]
    for who in ("clerk", "reviewer", "leader", "dept_clerk"):
        attempts.append((f"下载 {who}", lambda s, u=getattr(w, who): forms.attachment(
            s, actor=u, attachment_id=their_chart)))
    # A draft is the district's own: not even 市委改革办 reads its files.
    attempts.append(("市委改革办看草稿附件", lambda s: verdicts.chart(
        s, actor=w.office, attachment_id=their_chart)))
    for name, call in (("上报", forms.submit), ("撤回", forms.withdraw), ("通过", forms.approve)):
        for who in ("clerk", "reviewer"):
            attempts.append((f"{name} {who}", lambda s, c=call, u=getattr(w, who): c(
                s, actor=u, form_id=their_form.id, version=their_form.version)))
    attempts += [
        ("驳回", lambda s: forms.reject(s, actor=w.reviewer, form_id=their_form.id,
                                       version=their_form.version, reason="不予通过，请修改")),
        ("查看变更", lambda s: forms.changes(s, actor=w.clerk, form_id=their_form.id)),
        ("查看缺项", lambda s: forms.shortcomings(s, actor=w.clerk, form_id=their_form.id)),
    ]
    for name, call in attempts:
        try:
            refused(engine, call, PermissionDenied)
        except BaseException as exc:
            raise AssertionError(f"{name}: {exc!r}") from exc

    assert stored(session) == before
    # The same words whether another district's record exists or not: ids reveal nothing.
    assert refused(engine, lambda s: undo(s, w.clerk, "digital_plan", theirs["digital_plan"])) \
        == refused(engine, lambda s: undo(s, w.clerk, "digital_plan", 10 ** 9))
    # A district's tables and link choices are its own, whatever org it names.
    views = forms.tables(session, actor=w.clerk, org_id=w.qianjiang)
    assert [v.id for v in views["digital_item"]] == [own.id]
    assert [v.id for k in ("digital_plan", "digital_app", "digital_share") for v in views[k]] == []
    assert [i for i, _ in rows.options(session, actor=w.clerk, kind="digital_plan")] == [own.id]


def test_links_from_rows_in_force_to_another_districts_or_the_wrong_kind_of_record_are_refused(
        engine, session, w):
    theirs = qianjiang_tables(session, w)
    base = add_item(session, w)
    plan = save(session, w.clerk, "digital_plan",
                {"name": "万州应用", "item_ids": [base.id], "stage": DRAFTING}).row
    app = app_row(session, w, plan.id, name="万州特色应用")
    share = share_row(session, w, app.id)
    pass_form(session, w)
    # ids of the wrong kind: none of them is an own record of the kind the field names
    wrong_item, wrong_plan = app.id + 100, share.id + 100
    assert session.get(DigitalItem, wrong_item) is None
    assert session.get(DigitalPlan, wrong_plan) is None
    before = stored(session)

    for kind, row_id, values, message in [
        ("digital_plan", plan.id, {"item_ids": [base.id, theirs["digital_item"]]}, "只能关联本区县"),
        ("digital_plan", plan.id, {"item_ids": [wrong_item]}, "只能关联本区县"),
        ("digital_app", app.id, {"plan_id": theirs["digital_plan"]}, "只能关联本区县"),
        ("digital_app", app.id, {"plan_id": wrong_plan}, "只能关联本区县"),
        ("digital_share", share.id, {"app_id": theirs["digital_app"]}, "只能关联本区县"),
        ("digital_share", share.id, {"app_id": "1"}, "格式不正确"),
    ]:
        message_seen = refused(engine, lambda s: save(s, w.clerk, kind, values, row_id=row_id),
                               ValidationError)
        assert message in message_seen, (kind, values, message_seen)
    assert stored(session) == before


def test_another_districts_file_is_refused_in_the_same_words_as_a_missing_one(engine, session, w):
    theirs = add_item(session, w, clerk=w.qj_clerk, name="黔江一件事")
    their_chart = files_of(session, "digital_item", theirs.id)[0]

    assert refused(engine, lambda s: forms.attachment(s, actor=w.clerk,
                                                      attachment_id=their_chart)) \
        == refused(engine, lambda s: forms.attachment(s, actor=w.clerk, attachment_id=10 ** 9))


@pytest.mark.parametrize("bad", [2 ** 70, -1, 0, 10 ** 9, None])
def test_ids_that_name_nothing_are_refused_in_chinese_everywhere_and_nothing_changes(
        engine, session, w, bad):
    pending = waiting(session, w, name="退休一件事")
    own = add_item(session, w)
    form = rows.open_form(session, w.wanzhou)
    before = stored(session)

    attempts = [
        ("保存", lambda s: save(s, w.clerk, "digital_item", {"intro": "改写"}, row_id=bad)),
        ("删除", lambda s: remove(s, w.clerk, "digital_item", bad)),
        ("撤销", lambda s: undo(s, w.clerk, "digital_plan", bad)),
        ("移除附件", lambda s: drop_file(s, w.clerk, "digital_item", own.id, bad)),
        ("下载", lambda s: forms.attachment(s, actor=w.clerk, attachment_id=bad)),
        ("看图", lambda s: verdicts.chart(s, actor=w.office, attachment_id=bad)),
        ("上报", lambda s: forms.submit(s, actor=w.clerk, form_id=bad, version=form.version)),
        ("通过", lambda s: forms.approve(s, actor=w.reviewer, form_id=bad, version=1)),
        ("撤回", lambda s: forms.withdraw(s, actor=w.clerk, form_id=bad, version=1)),
        ("查看变更", lambda s: forms.changes(s, actor=w.reviewer, form_id=bad)),
        ("核准", lambda s: verdicts.give(s, actor=w.office, item_id=bad, version=1,
                                         verdict="include")),
        ("重复对象", lambda s: verdicts.give(s, actor=w.office, item_id=pending.id,
                                             version=pending.version, verdict="duplicate",
                                             duplicate_of_id=bad)),
        ("分组选中", lambda s: verdicts.decide_group(s, actor=w.office, chosen=(bad, 1),
                                                     verdict="include", others=[])),
        ("分组其他", lambda s: verdicts.decide_group(
            s, actor=w.office, chosen=(pending.id, pending.version), verdict="include",
            others=[(bad, 1)])),
        ("关联一件事", lambda s: save(s, w.clerk, "digital_plan",
                                      {"name": "应用", "item_ids": [own.id, bad]})),
        ("关联三张清单", lambda s: save(s, w.clerk, "digital_app",
                                        {"name": "应用", "plan_id": bad})),
        ("关联特色应用", lambda s: save(s, w.clerk, "digital_share",
                                        {"app_id": bad, "intro": "共享"})),
        ("重点领域", lambda s: save(s, w.clerk, "digital_item",
                                    {"name": "出生一件事", "domain_id": bad})),
        ("停用重点领域", lambda s: catalog.retire_domain(s, actor=w.admin, domain_id=bad,
                                                         version=1)),
    ]
    optional = ("关联三张清单", "重点领域")  # None there is a field left empty, not an id
    for name, call in attempts:
        if bad is None and name in optional:
            continue
        try:
            refused(engine, call)
        except BaseException as exc:
            raise AssertionError(f"{name}: {exc!r}") from exc

    assert stored(session) == before


@pytest.mark.parametrize("values", [
    {"org_id": 2}, {"id": 50}, {"version": 9}, {"form_id": 1}, {"pending": "{}"},
    {"pending_removal": True}, {"created_by": 1}, {"verdict_comment": "已核准"},
    {"duplicate_of_id": 1}, {"new_chart_rejections": 0}, {"files": [1]},
], ids=lambda v: next(iter(v)))
def test_columns_no_form_sets_are_refused_in_every_table(engine, session, w, values):
    base = add_item(session, w)
    app = save(session, w.clerk, "digital_app", {"name": "渝快办"}).row
    before = stored(session)

    for kind, fields in (("digital_item", {"name": "出生一件事", "domain_id": w.domain}),
                         ("digital_plan", {"name": "应用", "item_ids": [base.id]}),
                         ("digital_app", {"name": "应用"}),
                         ("digital_share", {"app_id": app.id, "intro": "共享"})):
        message = refused(engine, lambda s: save(s, w.clerk, kind, {**fields, **values}),
                          ValidationError, chinese=False)  # (the wording: the test below)
        assert "不能填写" in message or "没有这些字段" in message, message
    refused(engine, lambda s: save(s, w.clerk, "digital_item", values, row_id=base.id),
            ValidationError, chinese=False)
    assert stored(session) == before


def test_columns_no_form_sets_are_named_in_chinese(engine, session, w):
    base = add_item(session, w)

    for kind in ("digital_item", "digital_plan", "digital_app", "digital_share"):
        for column in ("form_id", "pending", "pending_removal"):
            refused(engine, lambda s: save(s, w.clerk, kind, {column: 1}, row_id=base.id)
                    if kind == "digital_item" else save(s, w.clerk, kind, {column: 1}))
    for column in ("verdict_comment", "duplicate_of_id"):
        refused(engine, lambda s: save(s, w.clerk, "digital_item", {column: 1}, row_id=base.id))


def test_a_save_refused_after_its_first_file_leaves_no_file_behind(engine, session, w):
    from services import config
    row = add_item(session, w)
    blobs = sorted(p.name for p in config.upload_dir().rglob("*") if p.is_file())
    before = stored(session)

    refused(engine, lambda s: save(s, w.clerk, "digital_item", {"intro": "改写"}, row_id=row.id,
                                   uploads=[chart(name="另一份.pdf", data=b"%PDF-1.4 other\n%%EOF"),
                                            chart(name="假的.pdf", data=b"MZ not a pdf")]),
            ValidationError)

    assert stored(session) == before
    assert sorted(p.name for p in config.upload_dir().rglob("*") if p.is_file()) == blobs


def test_a_bool_is_never_taken_for_a_record_id(engine, session, w):
    first = waiting(session, w, name="退休一件事")
    assert first.id == 1
    verdict(session, w, first.id, "include")
    before = stored(session)

    refused(engine, lambda s: save(s, w.clerk, "digital_item", {"intro": "改写"}, row_id=True))
    refused(engine, lambda s: verdicts.give(s, actor=w.office, item_id=True,
                                             version=item(s, 1).version, verdict="include"))
    assert stored(session) == before


def test_an_id_given_as_text_is_a_chinese_refusal_on_both_databases(engine, session, w):
    pending = waiting(session, w)
    before = stored(session)

    for call in (
        lambda s: verdicts.give(s, actor=w.office, item_id="abc", version=1, verdict="include"),
        lambda s: verdicts.decide_group(s, actor=w.office, chosen=(pending.id, pending.version),
                                        verdict="include", others=[("abc", 1)]),
        lambda s: forms.submit(s, actor=w.clerk, form_id="abc", version=1),
    ):
        refused(engine, call)
    with db.session_scope(engine) as s:  # a filter naming nothing finds nothing
        assert forms.tables(s, actor=w.office, org_id="abc") == {
            k: [] for k in ("digital_item", "digital_plan", "digital_app", "digital_share")}
        assert catalog.search(s, actor=w.clerk, district_id="abc") == []
    assert stored(session) == before


def test_an_apps_volume_beyond_what_the_column_holds_is_refused_alike_on_both_databases(
        engine, session, w):
    base = ready_item(session, w)
    app = app_row(session, w, passed_plan(session, w, [base.id]).id)
    pass_form(session, w)
    before = stored(session)

    message = refused(engine, lambda s: save(s, w.clerk, "digital_app",
                                             {"volume": 3_000_000_000}, row_id=app.id),
                      ValidationError)

    assert message == "“当前办件量”须为 0 到 20 亿之间的整数"
    assert stored(session) == before


# --- text ----------------------------------------------------------------------------------------

HOSTILE = [
    ("NUL", "企业\x00开办", "不允许的字符"),
    ("控制字符", "企业\x07开办", "不允许的字符"),
    ("代理字符", "企业\ud800开办", "不允许的字符"),
    ("文字方向", "企业\u202e开办", "不允许的字符"),
    ("隔离符", "企业\u2066开办", "不允许的字符"),
    ("不可见", "\u200b\ufeff", "只有空格或不可见字符"),
]
# (kind, column, label, limit, multi-line)
TEXT_FIELDS = [
    ("digital_item", "name", "事项名称", 100, False),
    ("digital_item", "intro", "简介", 2000, True),
    ("digital_plan", "name", "应用名称", 100, False),
    ("digital_app", "name", "应用名称", 100, False),
    ("digital_app", "functions", "主要功能", 2000, True),
    ("digital_app", "integration", "三融五跨情况", 2000, True),
    ("digital_share", "intro", "应用简介", 5000, True),
]

def _new_row_values(session, w, kind: str) -> dict:
    """The least a new row of `kind` needs to be saved."""
    if kind == "digital_share":
        app = save(session, w.clerk, "digital_app", {"name": "渝快办"}).row
        return {"app_id": app.id}
    if kind == "digital_item":
        return {"name": "企业开办一件事", "domain_id": w.domain}
    return {"name": "企业开办应用"}


@pytest.mark.parametrize("kind, column, label, limit, multiline", TEXT_FIELDS,
                         ids=[f"{k}.{c}" for k, c, *_ in TEXT_FIELDS])
def test_every_text_field_refuses_hostile_characters_and_one_character_too_many(
        engine, session, w, kind, column, label, limit, multiline):
    base = _new_row_values(session, w, kind)
    before = stored(session)

    for name, text, why in HOSTILE + ([] if multiline else [("换行", "企业\n开办", "只能填写一行")]):
        message = refused(engine, lambda s: save(s, w.clerk, kind, {**base, column: text}),
                          ValidationError)
        assert f"“{label}”" in message and why in message, (name, message)
    message = refused(engine, lambda s: save(s, w.clerk, kind, {**base, column: "改" * (limit + 1)}),
                      ValidationError)
    # the same words on SQLite and PostgreSQL: the service counts, not the database
    assert message == f"“{label}”最多{limit}个字，当前{limit + 1}个字，请精简后再保存"
    assert stored(session) == before

    row = save(session, w.clerk, kind, {**base, column: "改" * limit}).row
    assert getattr(session.get(type(row), row.id, populate_existing=True), column) == "改" * limit
    spaced = save(session, w.clerk, kind, {column: "  空格  "}, row_id=row.id).row
    assert getattr(spaced, column) == "空格"


def test_a_name_of_spaces_only_is_no_name(engine, session, w):
    before = stored(session)

    for kind in ("digital_item", "digital_plan", "digital_app"):
        message = refused(engine, lambda s, k=kind: save(s, w.clerk, k, {"name": " \u3000 "}),
                          ValidationError)
        assert "请填写" in message and "名称" in message
    assert stored(session) == before


def test_the_offices_and_the_administrators_texts_are_checked_alike(engine, session, w):
    pending = waiting(session, w)
    add_item(session, w, name="出生一件事")
    form = submitted(session, w.clerk)
    before = stored(session)

    for name, text, why in HOSTILE:
        reason = text if name == "不可见" else f"请补充{text}材料"
        for call in (
            lambda s: verdicts.give(s, actor=w.office, item_id=pending.id,
                                    version=pending.version, verdict="deepen", comment=text),
            lambda s: verdicts.give(s, actor=w.office, item_id=pending.id,
                                    version=pending.version, verdict="duplicate",
                                    duplicate_city=text),
            lambda s: forms.reject(s, actor=w.reviewer, form_id=form.id, version=form.version,
                                   reason=reason),
            lambda s: catalog.add_domain(s, actor=w.admin, name=text),
            lambda s: catalog.search(s, actor=w.clerk, text=text),
            lambda s: catalog.similar(s, actor=w.clerk, name=text),
        ):
            message = refused(engine, call, ValidationError)
            assert why in message or "请填写" in message, (name, message)
    for call, label, limit in (
        (lambda s, t: verdicts.give(s, actor=w.office, item_id=pending.id, version=pending.version,
                                    verdict="deepen", comment=t), "核准意见", 1000),
        (lambda s, t: verdicts.give(s, actor=w.office, item_id=pending.id, version=pending.version,
                                    verdict="duplicate", duplicate_city=t), "重复的市级事项", 200),
        (lambda s, t: forms.reject(s, actor=w.reviewer, form_id=form.id, version=form.version,
                                   reason=t), "意见", 2000),
        (lambda s, t: catalog.add_domain(s, actor=w.admin, name=t), "重点领域", 64),
        (lambda s, t: catalog.search(s, actor=w.clerk, text=t), "查询内容", 100),
        (lambda s, t: catalog.similar(s, actor=w.clerk, name=t), "事项名称", 100),
    ):
        message = refused(engine, lambda s: call(s, "改" * (limit + 1)), ValidationError)
        assert message == f"“{label}”最多{limit}个字，当前{limit + 1}个字，请精简后再保存"
    message = refused(engine, lambda s: verdicts.give(
        s, actor=w.office, item_id=pending.id, version=pending.version, verdict="deepen",
        comment="   \u3000 "), ValidationError)
    assert "原因" in message
    assert stored(session) == before

    verdict(session, w, pending.id, "duplicate", duplicate_city="市" * 200,
            comment="见" * 1000)
    assert item(session, pending.id).duplicate_city == "市" * 200


def test_an_opinion_may_have_several_lines(session, w):
    pending = waiting(session, w)

    verdict(session, w, pending.id, "deepen", comment="一、业务流程不清。\n二、两张清单不全。")

    assert item(session, pending.id).verdict_comment == "一、业务流程不清。\n二、两张清单不全。"


FORMULAS = ["=1+1", "@SUM(A1:A2)", "+86-023-1", "-1+1", "＝1+1", " =HYPERLINK(\"x\")", "\t=1"]


def test_formulas_in_names_reach_the_catalog_export_as_text(session, w):
    domain = catalog.add_domain(session, actor=w.admin, name="=1+2")
    ids = []
    for i, text in enumerate(FORMULAS):  # (a name's outer spaces and tabs are trimmed)
        ids.append(add_item(session, w, name=text, intro=f"=cmd|'/C calc'!A{i}",
                            domain_id=domain.id).id)
    pass_form(session, w)
    for item_id in ids:
        verdict(session, w, item_id, "include")

    found = catalog.search(session, actor=w.qj_clerk)
    book = openpyxl.load_workbook(BytesIO(catalog.export(found)))
    sheet = book.active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}

    assert sorted(cells) == sorted(text.strip() for text in FORMULAS)
    for cells_of_row in cells.values():
        for cell in cells_of_row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
        assert cells_of_row[2].value == "=1+2" and cells_of_row[2].data_type == "s"
        assert cells_of_row[5].value.startswith("=cmd|") and cells_of_row[5].data_type == "s"


def test_markup_in_names_comes_back_literally(session, w):
    name = "<b>粗体</b>**加粗**[链接](x)"
    intro = "# 标题\n<img src=x onerror=alert(1)>"
    row = add_item(session, w, name=name, intro=intro)
    add_item(session, w, clerk=w.qj_clerk, name=name + "<i>")
    pass_form(session, w)
    pass_form(session, w, w.qj_clerk, w.qj_reviewer)

    view = forms.tables(session, actor=w.clerk)["digital_item"][0]
    assert (view.title, view.shown["事项名称"], view.shown["简介"]) == (name, name, intro)
    names = {x.name for g in verdicts.groups(session, actor=w.office) for x in g}
    assert names == {name, name + "<i>"}
    verdict(session, w, row.id, "include")
    assert [r.name for r in catalog.search(session, actor=w.qj_clerk, text="<b>")] == [name]
    similar = [s.name for s in catalog.similar(session, actor=w.qj_clerk, name=name)]
    assert similar == [name, name + "<i>"]


# --- the wrong state -----------------------------------------------------------------------------

def test_a_row_whose_item_waits_for_the_verdict_is_neither_edited_nor_removed(engine, session, w):
    pending = waiting(session, w)
    other_domain = catalog.add_domain(session, actor=w.admin, name="城市治理").id
    before = stored(session)

    for values in ({"intro": "改写"}, {"name": "改名一件事"}, {"domain_id": other_domain}):
        message = refused(engine, lambda s: save(s, w.clerk, "digital_item", values,
                                                 row_id=pending.id), ValidationError)
        assert "正在等待市委改革办核准" in message
    for purpose in (ORIGINAL_CHART, NEW_CHART):
        refused(engine, lambda s: save(s, w.clerk, "digital_item", {}, row_id=pending.id,
                                       uploads=[chart(purpose)]), ValidationError)
    assert "不能删除" in refused(engine, lambda s: remove(s, w.clerk, "digital_item", pending.id),
                                 ValidationError)
    assert "没有待上报的修改" in refused(
        engine, lambda s: undo(s, w.clerk, "digital_item", pending.id), ValidationError)
    assert stored(session) == before


def _stopped_items(session, w, today):
    """An item 已有重复事项 and one 移除名录库 (no 新一图两清单 within the month)."""
    today(date(2027, 1, 8))
    dup = add_item(session, w, name="重复一件事")
    gone = add_item(session, w, name="过期一件事")
    pass_form(session, w)
    verdict(session, w, dup.id, "duplicate", duplicate_city="市级层面已策划")
    verdict(session, w, gone.id, "include")
    today(date(2027, 2, 9))
    assert deadlines.tick(session) == 1
    assert (item(session, dup.id).status, item(session, gone.id).status) == (DUPLICATE, REMOVED)
    return dup.id, gone.id


def test_a_stopped_item_takes_no_chart_no_new_link_and_no_change_but_its_intro(
        engine, session, w, today):
    stopped = _stopped_items(session, w, today)
    in_force_plan = save(session, w.clerk, "digital_plan",
                         {"name": "在用应用", "item_ids": [add_item(session, w).id],
                          "stage": DRAFTING}).row
    pass_form(session, w)
    before = stored(session)

    for item_id in stopped:
        status = item(session, item_id).status
        for purpose in (ORIGINAL_CHART, NEW_CHART):
            message = refused(engine, lambda s: save(s, w.clerk, "digital_item", {},
                                                     row_id=item_id, uploads=[chart(purpose)]),
                              ValidationError)
            assert f"当前核准情况为“{status}”" in message
        message = refused(engine, lambda s: save(s, w.clerk, "digital_item", {"name": "换个名字"},
                                                 row_id=item_id), ValidationError)
        assert "不得开展后续工作" in message
        for call in (lambda s: save(s, w.clerk, "digital_plan",
                                    {"name": "新应用", "item_ids": [item_id]}),
                     lambda s: save(s, w.clerk, "digital_plan",
                                    {"item_ids": [item_id]}, row_id=in_force_plan.id)):
            assert "不能再关联" in refused(engine, call, ValidationError)
    assert stored(session) == before
    assert not set(stopped) & {i for i, _ in rows.options(session, actor=w.clerk,
                                                          kind="digital_plan")}

    save(session, w.clerk, "digital_item", {"intro": "补充说明"}, row_id=stopped[0])
    assert forms.tables(session, actor=w.clerk)["digital_item"][0].values["intro"] == "补充说明"


def test_a_row_another_row_links_to_cannot_be_removed_whether_the_link_is_a_draft_or_pending(
        engine, session, w):
    base = add_item(session, w)
    plan = save(session, w.clerk, "digital_plan",
                {"name": "企业开办应用", "item_ids": [base.id], "stage": DRAFTING}).row
    app = app_row(session, w, plan.id)
    share_row(session, w, app.id)
    before = stored(session)

    for kind, row_id, names in (("digital_item", base.id, "应用“三张清单”：企业开办应用"),
                                ("digital_plan", plan.id, "开发上线特色应用：渝快办企业开办"),
                                ("digital_app", app.id, "一地创新、全市共享")):
        message = refused(engine, lambda s: remove(s, w.clerk, kind, row_id), ValidationError)
        assert "不能删除" in message and names in message
    assert stored(session) == before

    pass_form(session, w)  # all four in force; the app is now re-pointed, pending, at a new plan
    new_plan = save(session, w.clerk, "digital_plan",
                    {"name": "新应用", "item_ids": [base.id], "stage": DRAFTING}).row
    save(session, w.clerk, "digital_app", {"plan_id": new_plan.id}, row_id=app.id)
    before = stored(session)
    message = refused(engine, lambda s: remove(s, w.clerk, "digital_plan", new_plan.id),
                      ValidationError)
    assert "开发上线特色应用：渝快办企业开办" in message
    assert stored(session) == before


def test_undo_and_file_removal_only_touch_what_this_form_added(engine, session, w):
    kept = waiting(session, w)
    verdict(session, w, kept.id, "include")
    approved_chart = files_of(session, "digital_item", kept.id)[0]
    draft = add_item(session, w, name="草稿一件事")
    before = stored(session)

    assert "没有待上报的修改" in refused(
        engine, lambda s: undo(s, w.clerk, "digital_item", draft.id), ValidationError)
    assert "没有待上报的修改" in refused(
        engine, lambda s: undo(s, w.clerk, "digital_item", kept.id), ValidationError)
    assert "只能移除本次填报新上传的附件" in refused(
        engine, lambda s: drop_file(s, w.clerk, "digital_item", kept.id, approved_chart),
        ValidationError)
    assert stored(session) == before

    new_chart = save(session, w.clerk, "digital_item", {}, row_id=kept.id,
                     uploads=[chart(NEW_CHART, "新.pdf")]).row
    added = files_of(session, "digital_item", new_chart.id)[-1]
    drop_file(session, w.clerk, "digital_item", kept.id, added)
    before = stored(session)
    assert "只能移除本次填报新上传的附件" in refused(
        engine, lambda s: drop_file(s, w.clerk, "digital_item", kept.id, added), ValidationError)
    assert stored(session) == before
    assert files_of(session, "digital_item", kept.id) == [approved_chart]


def test_a_form_left_without_changes_cannot_be_submitted(engine, session, w):
    row = add_item(session, w)
    remove(session, w.clerk, "digital_item", row.id)
    form = rows.open_form(session, w.wanzhou)
    before = stored(session)

    message = refused(engine, lambda s: forms.submit(s, actor=w.clerk, form_id=form.id,
                                                     version=form.version), ValidationError)
    assert message == "本次填报没有新增或修改的内容，无需上报"
    assert forms.shortcomings(session, actor=w.clerk, form_id=form.id) == [message]
    assert stored(session) == before

    kept = add_item(session, w, name="出生一件事")
    pass_form(session, w)
    verdict(session, w, kept.id, "include")
    save(session, w.clerk, "digital_item", {"intro": "改写"}, row_id=kept.id)
    undo(session, w.clerk, "digital_item", kept.id)
    form = rows.open_form(session, w.wanzhou)
    assert refused(engine, lambda s: forms.submit(s, actor=w.clerk, form_id=form.id,
                                                  version=form.version)) == message


def test_a_clerk_reviewer_who_touched_the_form_in_any_way_cannot_approve_it(engine, session, w):
    both = make_user(session, org="万州区", role=(Role.CLERK, Role.REVIEWER))
    add_item(session, w, name="企业开办一件事")
    extra = add_item(session, w, name="出生一件事")
    remove(session, both, "digital_item", extra.id)  # the only thing this user did
    form = submitted(session, w.clerk)
    before = stored(session)

    message = refused(engine, lambda s: forms.approve(s, actor=both, form_id=form.id,
                                                      version=form.version), PermissionDenied)
    assert "请由其他审核人员处理" in message
    assert stored(session) == before
    assert forms.approve(session, actor=w.reviewer, form_id=form.id,
                         version=form.version).status == "已通过"


@pytest.mark.parametrize("who", ["leader", "office_leader", "dept_clerk", "admin"])
def test_leaders_departments_and_administrators_change_nothing_in_the_module(
        engine, session, w, who):
    actor = getattr(w, who)
    pending = waiting(session, w)
    draft = add_item(session, w, name="出生一件事")
    draft_chart = files_of(session, "digital_item", draft.id)[0]
    form = submitted(session, w.clerk)
    domain = session.get(DigitalDomain, w.domain)
    before = stored(session)

    attempts = [
        lambda s: rows.save_row(s, actor=actor, kind="digital_item", form_version=form.version,
                                values={"name": "新事项", "domain_id": w.domain}),
        lambda s: rows.save_row(s, actor=actor, kind="digital_item", form_version=form.version,
                                values={"intro": "改写"}, row_id=draft.id),
        lambda s: rows.remove_row(s, actor=actor, kind="digital_item", row_id=draft.id,
                                  form_version=form.version),
        lambda s: rows.undo_row(s, actor=actor, kind="digital_item", row_id=draft.id,
                                form_version=form.version),
        lambda s: rows.remove_file(s, actor=actor, kind="digital_item", row_id=draft.id,
                                   attachment_id=draft_chart, form_version=form.version),
        lambda s: forms.submit(s, actor=actor, form_id=form.id, version=form.version),
        lambda s: forms.withdraw(s, actor=actor, form_id=form.id, version=form.version),
        lambda s: forms.approve(s, actor=actor, form_id=form.id, version=form.version),
        lambda s: forms.reject(s, actor=actor, form_id=form.id, version=form.version,
                               reason="内容不完整，请补充"),
        lambda s: verdicts.give(s, actor=actor, item_id=pending.id, version=pending.version,
                                verdict="include"),
        lambda s: verdicts.decide_group(s, actor=actor, chosen=(pending.id, pending.version),
                                        verdict="include", others=[]),
        lambda s: verdicts.weeks(s, actor=actor),
        lambda s: verdicts.groups(s, actor=actor),
    ]
    if who != "admin":  # 重点领域 is the administrator's to keep
        attempts += [
            lambda s: catalog.add_domain(s, actor=actor, name="城市治理"),
            lambda s: catalog.retire_domain(s, actor=actor, domain_id=domain.id,
                                            version=domain.version),
        ]
    for number, call in enumerate(attempts):
        try:
            refused(engine, call, (PermissionDenied, TransitionNotAllowed))
        except BaseException as exc:
            raise AssertionError(f"attempt {number}: {exc!r}") from exc

    assert stored(session) == before
    assert forms.review_queue(session, actor=actor) == []


@pytest.mark.parametrize("action", ["remove", "forward", "delete", "cancel", "approve", "save"])
def test_the_office_cannot_choose_a_step_that_is_not_a_verdict(engine, session, w, action):
    pending = waiting(session, w)
    other = waiting(session, w, name="开办企业“一件事”", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    before = stored(session)

    refused(engine, lambda s: verdicts.give(s, actor=w.office, item_id=pending.id,
                                             version=pending.version, verdict=action,
                                             comment="核准意见五个字以上"))
    refused(engine, lambda s: verdicts.decide_group(
        s, actor=w.office, chosen=(pending.id, pending.version), verdict=action,
        others=[(other.id, other.version)], comment="核准意见五个字以上"))
    assert stored(session) == before


def test_a_group_decision_refuses_a_member_it_cannot_mark_and_changes_nothing(engine, session, w):
    chosen = waiting(session, w, name="企业开办一件事")
    second = waiting(session, w, name="开办企业“一件事”", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    draft = add_item(session, w, clerk=w.qj_clerk, name="企业开办一件事（黔江）")
    later = waiting(session, w, name="新生儿出生一件事")
    verdict(session, w, later.id, "include")
    later = reupload(session, w, later.id, NEW_CHART)
    assert later.status == PENDING_NEW
    before = stored(session)

    for others, kind, message in [
        ([(second.id, second.version), (chosen.id, chosen.version)], ValidationError,
         "选中的事项不能同时作为重复事项"),
        ([(second.id, second.version), (draft.id, draft.version)], PermissionDenied, "无权查看"),
        ([(second.id, second.version), (later.id, later.version)], TransitionNotAllowed,
         "不能执行“已有重复事项”"),
        ([(second.id, second.version - 1)], Conflict, CONFLICT_MESSAGE),
    ]:
        seen = refused(engine, lambda s: verdicts.decide_group(
            s, actor=w.office, chosen=(chosen.id, chosen.version), verdict="include",
            others=others), kind)
        assert message in seen, seen
    assert "已有重复事项" in refused(engine, lambda s: verdicts.decide_group(
        s, actor=w.office, chosen=(chosen.id, chosen.version), verdict="duplicate",
        others=[(second.id, second.version)]), ValidationError)
    assert stored(session) == before


def test_an_item_listed_twice_in_a_group_is_named_not_blamed_on_someone_else(engine, session, w):
    chosen = waiting(session, w, name="企业开办一件事")
    second = waiting(session, w, name="开办企业“一件事”", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    before = stored(session)

    refused(engine, lambda s: verdicts.decide_group(
        s, actor=w.office, chosen=(chosen.id, chosen.version), verdict="include",
        others=[(second.id, second.version), (second.id, second.version)]), ValidationError)
    assert stored(session) == before


def test_a_group_decision_keeps_to_the_chosen_items_week(engine, session, w, today):
    today(date(2027, 1, 8))
    earlier = waiting(session, w, name="企业开办一件事")
    today(date(2027, 1, 15))
    later = waiting(session, w, name="开办企业“一件事”", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    assert earlier.arrived_on != later.arrived_on
    before = stored(session)

    refused(engine, lambda s: verdicts.decide_group(
        s, actor=w.office, chosen=(later.id, later.version), verdict="include",
        others=[(earlier.id, earlier.version)]), ValidationError)
    assert stored(session) == before


def test_a_group_decision_does_not_mark_duplicates_of_an_item_sent_back_to_deepen(
        engine, session, w):
    chosen = waiting(session, w, name="企业开办一件事")
    second = waiting(session, w, name="开办企业“一件事”", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    before = stored(session)

    refused(engine, lambda s: verdicts.decide_group(
        s, actor=w.office, chosen=(chosen.id, chosen.version), verdict="deepen",
        comment="梳理深度不够，请细化", others=[(second.id, second.version)]), ValidationError)
    assert stored(session) == before


def test_a_duplicate_must_name_an_item_the_office_can_see(engine, session, w):
    pending = waiting(session, w)
    their_draft = add_item(session, w, clerk=w.qj_clerk, name="黔江草稿一件事")
    gone = add_item(session, w, clerk=w.qj_clerk, name="黔江删除一件事")
    remove(session, w.qj_clerk, "digital_item", gone.id)
    before = stored(session)

    for target in (their_draft.id, gone.id, pending.id):
        message = refused(engine, lambda s: verdicts.give(
            s, actor=w.office, item_id=pending.id, version=pending.version, verdict="duplicate",
            duplicate_of_id=target), ValidationError)
        assert "不能作为重复对象" in message
    for target in ("1", True, 1.0):
        assert "格式不正确" in refused(engine, lambda s: verdicts.give(
            s, actor=w.office, item_id=pending.id, version=pending.version, verdict="duplicate",
            duplicate_of_id=target), ValidationError)
    assert stored(session) == before


def test_two_items_cannot_be_declared_duplicates_of_each_other(engine, session, w):
    first = waiting(session, w, name="企业开办一件事")
    second = waiting(session, w, name="开办企业“一件事”", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    verdict(session, w, second.id, "duplicate", duplicate_of_id=first.id)
    first = item(session, first.id)
    before = stored(session)

    refused(engine, lambda s: verdicts.give(
        s, actor=w.office, item_id=first.id, version=first.version, verdict="duplicate",
        duplicate_of_id=second.id), ValidationError)
    assert stored(session) == before


def test_removing_a_row_twice_is_refused_the_second_time(engine, session, w):
    kept = waiting(session, w)
    verdict(session, w, kept.id, "include")
    remove(session, w.clerk, "digital_item", kept.id)
    before = stored(session)

    refused(engine, lambda s: remove(s, w.clerk, "digital_item", kept.id), ValidationError)
    assert stored(session) == before


def test_a_change_saved_before_the_item_was_removed_is_not_put_in_force_after(
        engine, session, w, today):
    today(date(2027, 1, 8))
    kept = waiting(session, w)
    verdict(session, w, kept.id, "include")
    other_domain = catalog.domains(session)[1].id
    save(session, w.clerk, "digital_item", {"domain_id": other_domain}, row_id=kept.id)
    today(date(2027, 2, 9))
    assert deadlines.tick(session) == 1
    form = rows.open_form(session, w.wanzhou)
    before = stored(session)

    refused(engine, lambda s: forms.submit(s, actor=w.clerk, form_id=form.id,
                                           version=form.version), ValidationError)
    assert stored(session) == before
    assert item(session, kept.id).domain_id == w.domain


def test_taking_the_new_chart_back_after_a_rejection_reopens_the_month(session, w, today):
    today(date(2027, 1, 10))
    kept = waiting(session, w)
    verdict(session, w, kept.id, "include")
    today(date(2027, 1, 20))
    save(session, w.clerk, "digital_item", {}, row_id=kept.id, uploads=[chart(NEW_CHART, "新.pdf")])
    form = submitted(session, w.clerk)
    forms.reject(session, actor=w.reviewer, form_id=form.id, version=form.version,
                 reason="新一图两清单不完整，请重新上传")

    undo(session, w.clerk, "digital_item", kept.id)

    assert "剩余" in deadlines.deadline_text(item(session, kept.id))
    today(date(2027, 2, 11))
    assert deadlines.tick(session) == 1
    assert item(session, kept.id).status == REMOVED


def test_the_office_does_not_read_a_districts_unsubmitted_changes(engine, session, w):
    kept = waiting(session, w)
    verdict(session, w, kept.id, "include")
    save(session, w.clerk, "digital_item", {"intro": "尚未上报的简介"}, row_id=kept.id,
         uploads=[chart(NEW_CHART, "草稿中的新一图两清单.pdf")])
    draft_file = files_of(session, "digital_item", kept.id)[-1]

    view = forms.tables(session, actor=w.office, org_id=w.wanzhou)["digital_item"][0]

    assert view.shown["简介"] == "简介"
    assert [f.name for f in view.files] == ["一图两清单.pdf"]
    refused(engine, lambda s: verdicts.chart(s, actor=w.office, attachment_id=draft_file),
            PermissionDenied)


def test_a_cleared_text_field_does_not_block_the_reviewers_approval(session, w):
    kept = waiting(session, w)
    verdict(session, w, kept.id, "include")
    save(session, w.clerk, "digital_item", {"intro": None}, row_id=kept.id)

    pass_form(session, w)

    assert item(session, kept.id).intro == ""


def test_a_date_that_is_not_a_date_is_a_chinese_refusal(engine, session, w):
    base = add_item(session, w)
    before = stored(session)

    for kind, values in (
        ("digital_plan", {"name": "应用", "item_ids": [base.id], "stage": PASSED,
                          "passed_on": "2026-06-01"}),
        ("digital_app", {"name": "应用", "launched_on": "2026-06-01"}),
        ("digital_share", {"app_id": None, "intro": "共享", "shared_on": "2026-06-01"}),
    ):
        refused(engine, lambda s: save(s, w.clerk, kind, values), ValidationError)
    assert stored(session) == before


def test_numbers_that_are_not_counts_are_refused(engine, session, w):
    before = stored(session)

    for value in (-1, 2_000_000_001, 2 ** 70, True, "100", 2.5):
        message = refused(engine, lambda s: save(s, w.clerk, "digital_app",
                                                 {"name": "渝快办", "volume": value}),
                          ValidationError)
        assert message == "“当前办件量”须为 0 到 20 亿之间的整数"
    assert stored(session) == before


# --- races ---------------------------------------------------------------------------------------

def run_at_once(engine, jobs):
    """Run each job in its own session and thread, released together; (outcome, value) of each,
    in the jobs' order."""
    start, outcomes = threading.Barrier(len(jobs)), [None] * len(jobs)

    def run(number, job):
        with Session(engine, expire_on_commit=False) as s:
            start.wait()
            try:
                outcomes[number] = ("ok", job(s))
            except DomainError as exc:
                outcomes[number] = (type(exc).__name__, str(exc))

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert None not in outcomes, outcomes  # a raw error ends its thread without an outcome
    return outcomes


def test_two_clerks_starting_the_first_form_at_once_leave_one_form_and_one_row(
        engine, session, w, monkeypatch):
    second_looked, first_done = threading.Event(), threading.Event()
    looked_up = rows.open_form

    def open_form(s, org_id):  # the second clerk's look comes just before the first one commits
        found = looked_up(s, org_id)
        if threading.current_thread().name == "second" and not second_looked.is_set():
            second_looked.set()
            first_done.wait(timeout=10)
        return found

    monkeypatch.setattr(rows, "open_form", open_form)
    outcomes = {}

    def start(clerk, name):
        with Session(engine, expire_on_commit=False) as s:
            if threading.current_thread().name == "first":
                second_looked.wait(timeout=10)
            try:
                outcomes[name] = rows.save_row(s, actor=clerk, kind="digital_item",
                                               form_version=0,
                                               values={"name": name, "domain_id": w.domain}
                                               ).form.number
            except DomainError as exc:
                outcomes[name] = str(exc)
            finally:
                if threading.current_thread().name == "first":
                    first_done.set()

    threads = [threading.Thread(target=start, args=(w.clerk, "企业开办一件事"), name="first"),
               threading.Thread(target=start, args=(w.clerk2, "出生一件事"), name="second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes == {"企业开办一件事": 1, "出生一件事": CONFLICT_MESSAGE}, outcomes
    session.expire_all()
    assert [f.number for f in session.execute(select(DigitalForm)).scalars()] == [1]
    assert [i.name for i in session.execute(select(DigitalItem)).scalars()] == ["企业开办一件事"]


def test_a_clerk_saving_while_the_reviewer_approves_leaves_the_approved_form_alone(
        engine, session, w):
    row = add_item(session, w)
    form = submitted(session, w.clerk)
    form_id, loaded = form.id, form.version

    outcomes = run_at_once(engine, [
        lambda s: forms.approve(s, actor=w.reviewer, form_id=form_id, version=loaded).status,
        lambda s: rows.save_row(s, actor=w.clerk, kind="digital_item", form_version=loaded,
                                values={"intro": "改写"}, row_id=row.id).row.id,
    ])

    assert outcomes[0] == ("ok", "已通过"), outcomes
    assert outcomes[1] in (("Conflict", CONFLICT_MESSAGE),
                           ("ValidationError", "本次填报已上报，正在等待区县审核；如需修改，请先撤回"))
    stored_item = item(session, row.id)
    assert (stored_item.status, stored_item.intro, stored_item.pending) == (
        PENDING_ORIGINAL, "简介", "")
    assert rows.open_form(session, w.wanzhou) is None


def test_withdrawing_while_the_reviewer_approves_leaves_one_outcome(engine, session, w):
    row = add_item(session, w)
    form = submitted(session, w.clerk)
    form_id, loaded = form.id, form.version

    outcomes = run_at_once(engine, [
        lambda s: forms.approve(s, actor=w.reviewer, form_id=form_id, version=loaded).status,
        lambda s: forms.withdraw(s, actor=w.clerk, form_id=form_id, version=loaded).status,
    ])

    assert sorted(o[0] for o in outcomes) == ["Conflict", "ok"], outcomes
    won = next(o[1] for o in outcomes if o[0] == "ok")
    session.expire_all()
    stored_form = session.get(DigitalForm, form_id)
    assert (stored_form.status, stored_form.version) == (won, loaded + 1)
    assert item(session, row.id).status == (PENDING_ORIGINAL if won == "已通过" else "草稿")


def test_a_verdict_and_the_districts_removal_at_once_keep_the_verdict(engine, session, w):
    pending = waiting(session, w)
    item_id, version = pending.id, pending.version

    outcomes = run_at_once(engine, [
        lambda s: verdicts.give(s, actor=w.office, item_id=item_id, version=version,
                                verdict="include").status,
        lambda s: remove(s, w.clerk, "digital_item", item_id).row.pending_removal,
    ])

    assert outcomes[0] == ("ok", INCLUDED), outcomes
    stored_item = item(session, item_id)
    assert stored_item.status == INCLUDED
    if outcomes[1][0] == "ok":  # the removal came after the verdict: it waits for 通过
        assert stored_item.pending_removal is True
    else:
        assert outcomes[1] == ("ValidationError", "“企业开办一件事”正在等待市委改革办核准，不能删除")
        assert stored_item.pending_removal is False


def test_a_group_decision_racing_a_verdict_on_one_member_is_all_or_nothing(engine, session, w):
    chosen = waiting(session, w, name="企业开办一件事")
    second = waiting(session, w, name="开办企业“一件事”", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    pair, other = (chosen.id, chosen.version), (second.id, second.version)

    outcomes = run_at_once(engine, [
        lambda s: verdicts.decide_group(s, actor=w.office, chosen=pair, verdict="include",
                                        others=[other]).status,
        lambda s: verdicts.give(s, actor=w.office2, item_id=other[0], version=other[1],
                                verdict="deepen", comment="梳理深度不够，请细化").status,
    ])

    assert sorted(o[0] for o in outcomes) == ["Conflict", "ok"], outcomes
    statuses = (item(session, pair[0]).status, item(session, other[0]).status)
    assert statuses in ((INCLUDED, DUPLICATE), (PENDING_ORIGINAL, DEEPEN)), statuses


def test_the_clock_and_the_weeks_verdicts_at_once_each_take_their_step_once(
        engine, session, w, today):
    today(date(2027, 1, 8))
    lapsed = waiting(session, w, name="过期一件事")
    verdict(session, w, lapsed.id, "include")
    today(date(2027, 2, 9))  # its month has passed; two other items wait for their verdicts
    first = waiting(session, w, name="企业开办一件事")
    second = waiting(session, w, name="新生儿出生一件事", clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    jobs_for = [(first.id, first.version, w.office), (second.id, second.version, w.office2)]

    outcomes = run_at_once(engine, [
        deadlines.tick,
        lambda s: len(verdicts.groups(s, actor=w.office)),  # reading the week runs the clock too
        *[lambda s, i=i, v=v, who=who: verdicts.give(s, actor=who, item_id=i, version=v,
                                                    verdict="include").status
          for i, v, who in jobs_for],
    ])

    assert outcomes[2:] == [("ok", INCLUDED), ("ok", INCLUDED)], outcomes
    assert outcomes[0][0] == "ok" and outcomes[1][0] == "ok", outcomes
    assert item(session, lapsed.id).status == REMOVED
    events = session.execute(select(AuditEvent.record_id, AuditEvent.action).where(
        AuditEvent.record_type == "digital_item", AuditEvent.action.in_(["remove", "include"]))
        .order_by(AuditEvent.record_id)).all()
    assert sorted(events) == sorted([(lapsed.id, "include"), (lapsed.id, "remove"),
                                     (first.id, "include"), (second.id, "include")])


def test_the_clock_and_the_reviewers_approval_of_a_removal_at_once_leave_one_outcome(
        engine, session, w, today):
    today(date(2027, 1, 8))
    kept = waiting(session, w)
    verdict(session, w, kept.id, "include")
    remove(session, w.clerk, "digital_item", kept.id)
    form = submitted(session, w.clerk)
    form_id, loaded = form.id, form.version
    today(date(2027, 2, 9))  # the month has passed: the clock removes it from 名录库

    outcomes = run_at_once(engine, [
        lambda s: forms.approve(s, actor=w.reviewer, form_id=form_id, version=loaded).status,
        deadlines.tick,
    ])

    session.expire_all()
    status = item(session, kept.id).status
    form_status = session.get(DigitalForm, form_id).status
    if outcomes[0][0] == "ok":
        assert (status, form_status) == ("已删除", "已通过")
    else:
        assert outcomes[0] == ("Conflict", CONFLICT_MESSAGE)
        assert (status, form_status) == (REMOVED, "待区县审核")
        forms.approve(session, actor=w.reviewer, form_id=form_id, version=loaded)
        assert item(session, kept.id).status == "已删除"
    removals = session.execute(select(AuditEvent.id).where(
        AuditEvent.record_type == "digital_item", AuditEvent.record_id == kept.id,
        AuditEvent.action == "remove")).all()
    assert len(removals) <= 1
