"""区县推进数字重庆建设情况 (SPEC §5): the four tables edited in one form that goes up as one
submission; files by state; containment and 晾晒 both ways; refusals that leave nothing stored."""
from datetime import date

import pytest
from sqlalchemy import func, select

from models import (
    Attachment, AuditEvent, DigitalApp, DigitalForm, DigitalItem, DigitalPlan, DigitalPlanItem,
    DigitalShare,
)
from services.digital import catalog, display, forms, rows
from services.digital.apps import SCREENSHOT
from services.digital.items import DUPLICATE, NEW_CHART, PENDING_ORIGINAL, PROCEED
from services.digital.plans import CHECK_OPINION, DRAFTING, LISTS_TEXT, PASSED, REVIEWED, REVIEW_OPINION
from services.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationError
from services.records import Upload
from tests.services.digital_helpers import (
    add_item, app_row, cast, chart, form_version, item, pass_form, passed_plan, ready_item,
    share_row, verdict,
)
from tests.services.test_files import PDF, PNG, docx_bytes


@pytest.fixture
def w(session):
    return cast(session)


def stored(session):
    """Everything the module keeps (to prove a refusal stored nothing)."""
    session.expire_all()
    counts = [session.execute(select(func.count()).select_from(m)).scalar_one()
              for m in (DigitalForm, DigitalItem, DigitalPlan, DigitalPlanItem, DigitalApp,
                        DigitalShare, Attachment, AuditEvent)]
    versions = session.execute(select(DigitalForm.id, DigitalForm.version)).all()
    pending = session.execute(select(DigitalItem.id, DigitalItem.pending, DigitalItem.name)).all()
    return counts, versions, pending


def save(session, actor, kind, values, row_id=None, uploads=()):
    return rows.save_row(session, actor=actor, kind=kind, form_version=form_version(session, actor),
                         values=values, row_id=row_id, uploads=list(uploads))


# --- the form goes up as one -------------------------------------------------------------------

def test_the_form_carries_every_changed_row_and_the_reviewer_sees_old_and_new(session, w):
    kept = add_item(session, w, name="企业开办一件事")
    pass_form(session, w)
    verdict(session, w, kept.id, "include")
    save(session, w.clerk, "digital_item", {"intro": "新的简介"}, row_id=kept.id)
    add_item(session, w, name="出生一件事")

    form = rows.open_form(session, w.wanzhou)
    form = forms.submit(session, actor=w.clerk, form_id=form.id, version=form.version)
    views = {v.title: v for v in forms.changes(session, actor=w.reviewer, form_id=form.id)}

    assert views["企业开办一件事"].change == "修改"
    assert views["企业开办一件事"].diff == [("简介", "简介", "新的简介")]
    assert views["出生一件事"].change == "新增"
    assert [f.new for f in views["出生一件事"].files] == [True]
    # in force until approved: the catalog-facing columns still hold the approved text
    assert item(session, kept.id).intro == "简介"
    forms.approve(session, actor=w.reviewer, form_id=form.id, version=form.version)
    assert item(session, kept.id).intro == "新的简介" and item(session, kept.id).pending == ""


def test_rejection_returns_the_whole_form_and_withdrawal_reopens_it(session, w):
    add_item(session, w)
    form = rows.open_form(session, w.wanzhou)
    form = forms.submit(session, actor=w.clerk, form_id=form.id, version=form.version)
    with pytest.raises(ValidationError, match="正在等待区县审核"):
        add_item(session, w, name="另一件事")

    form = forms.reject(session, actor=w.reviewer, form_id=form.id, version=form.version,
                        reason="简介过于简单，请补充")
    assert form.status == "退回修改"
    add_item(session, w, name="另一件事")
    form = rows.open_form(session, w.wanzhou)
    form = forms.submit(session, actor=w.clerk, form_id=form.id, version=form.version)
    form = forms.withdraw(session, actor=w.clerk, form_id=form.id, version=form.version)
    assert form.status == "草稿" and len(forms.changes(session, actor=w.clerk, form_id=form.id)) == 2


def test_nothing_to_submit_and_missing_parts_are_named_at_once(session, w):
    save(session, w.clerk, "digital_plan", {"name": "企业开办应用", "stage": PASSED,
                                            "passed_on": date(2026, 6, 1)})
    add_item(session, w, files=False)
    form = rows.open_form(session, w.wanzhou)

    with pytest.raises(ValidationError) as refused:
        forms.submit(session, actor=w.clerk, form_id=form.id, version=form.version)
    message = str(refused.value)
    assert "一件事“企业开办一件事”缺少：附件“原一图两清单”" in message
    assert "关联一件事" in message and "市大数据发展局查重通过意见" in message
    assert rows.open_form(session, w.wanzhou).status == "草稿"


def test_two_clerks_saving_at_once_the_second_gets_the_conflict_message(session, w):
    add_item(session, w)
    seen = form_version(session, w.clerk)
    rows.save_row(session, actor=w.clerk, kind="digital_item", form_version=seen,
                  values={"name": "出生一件事", "domain_id": w.domain})
    before = stored(session)

    with pytest.raises(Conflict):
        rows.save_row(session, actor=w.clerk2, kind="digital_item", form_version=seen,
                      values={"name": "退休一件事", "domain_id": w.domain})
    assert stored(session) == before


def test_only_the_districts_clerk_edits_and_only_its_reviewer_approves(session, w):
    for who in ("reviewer", "leader", "dept_clerk", "office", "admin"):
        with pytest.raises(PermissionDenied):
            add_item(session, w, clerk=getattr(w, who))
    row = add_item(session, w)
    before = stored(session)
    with pytest.raises(PermissionDenied):
        save(session, w.qj_clerk, "digital_item", {"intro": "黔江改写"}, row_id=row.id)
    with pytest.raises(PermissionDenied):
        rows.remove_row(session, actor=w.qj_clerk, kind="digital_item", row_id=row.id,
                        form_version=form_version(session, w.qj_clerk))
    form = rows.open_form(session, w.wanzhou)
    with pytest.raises(PermissionDenied):
        forms.submit(session, actor=w.qj_clerk, form_id=form.id, version=form.version)
    assert stored(session) == before
    form = forms.submit(session, actor=w.clerk, form_id=form.id, version=form.version)
    for who in ("qj_reviewer", "leader", "office", "clerk"):
        with pytest.raises((PermissionDenied, TransitionNotAllowed)):
            forms.approve(session, actor=getattr(w, who), form_id=form.id, version=form.version)
    assert rows.open_form(session, w.wanzhou).status == "待区县审核"


def test_a_reviewer_who_edited_the_form_cannot_approve_it(session, w):
    from services.accounts import current_user
    from tests.factories import make_user
    from models import Role
    both = make_user(session, org="万州区", role=(Role.CLERK, Role.REVIEWER))
    add_item(session, w, clerk=both)
    form = rows.open_form(session, w.wanzhou)
    form = forms.submit(session, actor=both, form_id=form.id, version=form.version)
    with pytest.raises(PermissionDenied):
        forms.approve(session, actor=both, form_id=form.id, version=form.version)
    assert current_user  # (imported to show the account API is the same one)


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("values, message", [
    ({"name": "企业\x07开办一件事"}, "事项名称"),
    ({"name": "企" * 101}, "最多100个字"),
    ({"name": "企业开办一件事", "intro": "简" * 2001}, "最多2000个字"),
    ({"name": "企业开办一件事", "status": "进入三张清单编制等后续环节"}, "不能填写"),
    ({"name": "企业开办一件事", "included_on": "2026-01-01"}, "不能填写"),
    ({"name": "企业开办一件事", "colour": "red"}, "没有这些字段"),
    ({"name": "企业开办一件事", "domain_id": 999999}, "重点领域"),
    ({"intro": "没有名称"}, "请填写“事项名称”"),
])
def test_bad_item_input_is_refused_and_nothing_stored(session, w, values, message):
    before = stored(session)
    with pytest.raises(ValidationError, match=message):
        save(session, w.clerk, "digital_item", values, uploads=[chart()])
    assert stored(session) == before


@pytest.mark.parametrize("upload, message", [
    (chart(name="原图.exe", data=PDF), "类型不支持"),
    (chart(name="原图.pdf", data=PNG), "内容与扩展名"),
    (Upload("营业执照", "x.pdf", PDF), "未知的材料类别"),
    (chart(purpose=NEW_CHART, name="新.xlsx", data=PDF), "内容与扩展名"),
])
def test_a_file_of_the_wrong_kind_is_refused_and_nothing_stored(session, w, upload, message):
    before = stored(session)
    with pytest.raises(ValidationError, match=message):
        save(session, w.clerk, "digital_item", {"name": "企业开办一件事", "domain_id": w.domain},
             uploads=[upload])
    assert stored(session) == before


def test_charts_also_come_as_excel_wps_and_ofd_checked_by_content(session, w):
    import io
    import zipfile
    import openpyxl
    book = io.BytesIO()
    openpyxl.Workbook().save(book)
    ofd = io.BytesIO()
    with zipfile.ZipFile(ofd, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD/>")
    ole_sheet = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 64 + "Workbook".encode("utf-16-le")
    ole_doc = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 64 + "WordDocument".encode("utf-16-le")
    row = save(session, w.clerk, "digital_item", {"name": "企业开办一件事", "domain_id": w.domain},
               uploads=[chart(name="原.xlsx", data=book.getvalue()),
                        chart(name="原.ofd", data=ofd.getvalue()),
                        chart(name="原.et", data=ole_sheet), chart(name="原.wps", data=ole_doc),
                        chart(name="原.docx", data=docx_bytes())]).row
    kinds = [v.name for v in forms.tables(session, actor=w.clerk)["digital_item"][0].files]
    assert kinds == ["原.xlsx", "原.ofd", "原.et", "原.wps", "原.docx"] and row.id
    with pytest.raises(ValidationError, match="内容与扩展名"):
        save(session, w.clerk, "digital_item", {}, row_id=row.id,
             uploads=[chart(name="原.et", data=ole_doc)])


# --- files by state ----------------------------------------------------------------------------

@pytest.mark.parametrize("stage, files, lacks", [
    (DRAFTING, [], []),
    (REVIEWED, [], [REVIEW_OPINION]),
    (REVIEWED, [REVIEW_OPINION], []),
    (PASSED, [REVIEW_OPINION], [CHECK_OPINION, LISTS_TEXT]),
    (PASSED, [REVIEW_OPINION, CHECK_OPINION, LISTS_TEXT], []),
])
def test_each_state_of_a_three_lists_plan_needs_its_own_files(session, w, stage, files, lacks):
    base = ready_item(session, w)
    plan = save(session, w.clerk, "digital_plan",
                {"name": "企业开办应用", "item_ids": [base.id], "stage": stage,
                 "passed_on": date(2026, 6, 1) if stage == PASSED else None},
                uploads=[Upload(p, f"{p}.pdf", PDF) for p in files]).row

    missing = forms.missing(session, rows.KINDS["digital_plan"], plan)
    assert missing == [f"附件“{p}”" for p in lacks]


def test_an_app_needs_a_screenshot_and_a_share_its_basis(session, w):
    base = ready_item(session, w)
    plan = passed_plan(session, w, [base.id])
    app = save(session, w.clerk, "digital_app", {"name": "渝快办", "plan_id": plan.id,
                                                "launched_on": date(2026, 7, 1),
                                                "functions": "一网通办"}).row
    share = save(session, w.clerk, "digital_share", {"app_id": app.id, "intro": "全市推广",
                                                    "shared_on": date(2026, 8, 1)}).row
    assert forms.missing(session, rows.KINDS["digital_app"], app) == [f"附件“{SCREENSHOT}”"]
    assert forms.missing(session, rows.KINDS["digital_share"], share) == [
        "附件“一地创新、全市共享依据”"]
    with pytest.raises(ValidationError, match="类型不支持"):
        save(session, w.clerk, "digital_app", {}, row_id=app.id,
             uploads=[Upload(SCREENSHOT, "截图.pdf", PDF)])


def test_a_new_chart_is_taken_only_when_the_item_is_in_the_catalog(session, w):
    row = add_item(session, w)
    pass_form(session, w)
    with pytest.raises(ValidationError, match="等待市委改革办核准"):
        save(session, w.clerk, "digital_item", {}, row_id=row.id,
             uploads=[chart(NEW_CHART, "新.pdf")])
    verdict(session, w, row.id, "deepen", comment="请细化业务流程")
    with pytest.raises(ValidationError, match="不能上传“新一图两清单”"):
        save(session, w.clerk, "digital_item", {}, row_id=row.id,
             uploads=[chart(NEW_CHART, "新.pdf")])


# --- containment --------------------------------------------------------------------------------

def test_links_go_only_to_own_rows_of_the_right_kind_and_never_to_a_stopped_item(session, w):
    own = add_item(session, w)
    theirs = add_item(session, w, clerk=w.qj_clerk, name="黔江一件事")
    stopped = add_item(session, w, name="重复一件事")
    pass_form(session, w)
    verdict(session, w, stopped.id, "duplicate", duplicate_city="市级已有")
    assert item(session, stopped.id).status == DUPLICATE
    before = stored(session)

    for ids, message in (([theirs.id], "只能关联本区县"), ([stopped.id], "已有重复事项"),
                         ([own.id, 10**9], "只能关联本区县"), (["1"], "格式不正确")):
        with pytest.raises(ValidationError, match=message):
            save(session, w.clerk, "digital_plan", {"name": "应用", "item_ids": ids,
                                                    "stage": DRAFTING})
    their_plan = save(session, w.qj_clerk, "digital_plan",
                      {"name": "黔江应用", "item_ids": [theirs.id], "stage": DRAFTING}).row
    with pytest.raises(ValidationError, match="只能关联本区县"):
        save(session, w.clerk, "digital_app", {"name": "万州应用", "plan_id": their_plan.id})
    with pytest.raises(ValidationError, match="只能关联本区县"):
        save(session, w.clerk, "digital_share", {"app_id": own.id, "intro": "x"})
    assert stored(session)[0][:2] == [before[0][0], before[0][1]]  # no form or item added
    # A plan may point at an own item still under review (the first full survey).
    plan = save(session, w.clerk, "digital_plan", {"name": "应用", "item_ids": [own.id],
                                                  "stage": DRAFTING}).row
    assert rows.values_of(session, rows.KINDS["digital_plan"], plan)["item_ids"] == [own.id]


def test_display_needs_the_whole_chain_both_ways(session, w, monkeypatch):
    base = ready_item(session, w)
    waiting_item = add_item(session, w, name="出生一件事")
    pass_form(session, w)
    assert item(session, waiting_item.id).status == PENDING_ORIGINAL
    plan = passed_plan(session, w, [base.id, waiting_item.id], passed_on=date(2026, 6, 1))
    early = app_row(session, w, plan.id, launched_on=date(2026, 5, 1), name="早于查重的应用")
    app = app_row(session, w, plan.id, launched_on=date(2026, 6, 1))
    share_row(session, w, app.id)
    pass_form(session, w)

    def shown():
        c = display.counts(session, district_id=w.wanzhou)[0]
        return c.items, c.plans, c.apps, c.shares
    # one linked item is still waiting: the plan, its apps and the share are not displayed
    assert shown() == (1, 0, 0, 0)
    verdict(session, w, waiting_item.id, "include")
    assert shown() == (2, 0, 0, 0)
    from tests.services.test_digital_verdicts import reupload
    reupload(session, w, waiting_item.id, NEW_CHART)
    verdict(session, w, waiting_item.id, "proceed")
    assert item(session, waiting_item.id).status == PROCEED
    # now the whole chain holds — except the app launched before its 查重通过
    assert shown() == (2, 1, 1, 1)
    assert not display.is_displayed(session, DigitalApp, early.id)
    assert [r.id for r in display.counted_records(session, "apps")] == [app.id]


def test_removing_or_demoting_a_parent_of_displayed_rows_is_refused_with_their_names(session, w):
    base = ready_item(session, w)
    plan = passed_plan(session, w, [base.id])
    app = app_row(session, w, plan.id)
    pass_form(session, w)
    assert display.is_displayed(session, DigitalApp, app.id)
    before = stored(session)

    with pytest.raises(ValidationError, match="开发上线特色应用：渝快办企业开办"):
        save(session, w.clerk, "digital_plan", {"stage": REVIEWED}, row_id=plan.id)
    with pytest.raises(ValidationError, match="关联了“企业开办应用”"):
        rows.remove_row(session, actor=w.clerk, kind="digital_plan", row_id=plan.id,
                        form_version=form_version(session, w.clerk))
    with pytest.raises(ValidationError, match="应用“三张清单”：企业开办应用"):
        rows.remove_row(session, actor=w.clerk, kind="digital_item", row_id=base.id,
                        form_version=form_version(session, w.clerk))
    assert stored(session)[0] == before[0]


def test_a_draft_row_is_dropped_with_its_files_and_a_row_in_force_goes_with_the_form(session, w):
    draft = add_item(session, w, name="草稿一件事")
    rows.remove_row(session, actor=w.clerk, kind="digital_item", row_id=draft.id,
                    form_version=form_version(session, w.clerk))
    assert item(session, draft.id).status == "已删除"
    assert session.execute(select(func.count()).select_from(Attachment).where(
        Attachment.record_type == "digital_item", Attachment.record_id == draft.id)
    ).scalar_one() == 0

    kept = add_item(session, w)
    pass_form(session, w)
    verdict(session, w, kept.id, "include")
    rows.remove_row(session, actor=w.clerk, kind="digital_item", row_id=kept.id,
                    form_version=form_version(session, w.clerk))
    assert [r.id for r in catalog.search(session, actor=w.clerk)] == [kept.id]  # until approved
    pass_form(session, w)
    assert item(session, kept.id).status == "已删除"
    assert catalog.search(session, actor=w.clerk) == []


def test_undo_drops_a_pending_change_and_its_new_files(session, w):
    row = add_item(session, w)
    pass_form(session, w)
    verdict(session, w, row.id, "include")
    save(session, w.clerk, "digital_item", {"intro": "改写"}, row_id=row.id,
         uploads=[chart(NEW_CHART, "新.pdf")])
    rows.undo_row(session, actor=w.clerk, kind="digital_item", row_id=row.id,
                  form_version=form_version(session, w.clerk))
    view = forms.tables(session, actor=w.clerk)["digital_item"][0]
    assert (view.change, view.values["intro"], [f.name for f in view.files]) == (
        "", "简介", ["一图两清单.pdf"])


def test_the_similar_names_shown_while_typing_come_from_every_district(session, w):
    theirs = add_item(session, w, clerk=w.qj_clerk, name="开办企业“一件事”")
    pass_form(session, w, clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    add_item(session, w, name="残疾人服务一件事")  # a draft: not shown to others
    found = catalog.similar(session, actor=w.clerk, name="企业开办一件事")
    assert [(s.id, s.district, s.status) for s in found] == [(theirs.id, "黔江区", PENDING_ORIGINAL)]


def test_an_item_the_office_included_keeps_its_name_and_a_duplicate_target_stays(session, w):
    kept = add_item(session, w)
    other = add_item(session, w, clerk=w.qj_clerk, name="开办企业“一件事”")
    pass_form(session, w)
    pass_form(session, w, clerk=w.qj_clerk, reviewer=w.qj_reviewer)
    verdict(session, w, kept.id, "include")
    verdict(session, w, other.id, "duplicate", duplicate_of_id=kept.id)
    before = stored(session)

    with pytest.raises(ValidationError, match="事项名称以市委改革办核准的为准"):
        save(session, w.clerk, "digital_item", {"name": "企业开办一件事（改）"}, row_id=kept.id)
    with pytest.raises(ValidationError, match="是其他事项的已有重复事项"):
        rows.remove_row(session, actor=w.clerk, kind="digital_item", row_id=kept.id,
                        form_version=form_version(session, w.clerk))
    assert stored(session) == before
    save(session, w.clerk, "digital_item", {"intro": "补充简介"}, row_id=kept.id)
