"""改革品牌显示度 (SPEC §4): entry rules, the review flow, 驳回率 and the cockpit's counts.

Every refusal leaves the stored state unchanged (run on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set)."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import AuditEvent, BrandEntry, Setting
from services import brand, clock, history, records, workbench
from services.brand import BUSINESS_COMMENDATION, REFORM_COMMENDATION, Filters
from services.errors import (
    Conflict, PermissionDenied, TransitionNotAllowed, ValidationError,
)
from services.review import DRAFT, RETURNED, Action
from tests.services.brand_helpers import (
    JPG, PDF, PNG, act, at_office, cast, evidence, good_input, snapshot, submitted,
    summary,
)


@pytest.fixture
def w(session):
    return cast(session)


# --- entering ---------------------------------------------------------------------------------

def test_clerk_submits_an_entry_that_waits_for_district_review(session, w):
    entry = submitted(session, w)

    session.expire_all()
    stored = session.get(BrandEntry, entry.id)
    assert (stored.status, stored.org_id, stored.item) == ("待区县审核", w.wanzhou,
                                                          "建立基层治理“一网统管”机制")
    names = [a.original_name for a in brand.evidence(session, actor=w.clerk, entry_id=entry.id)]
    assert names == ["会议通知.pdf"]


def test_save_keeps_an_incomplete_draft_and_names_what_is_missing(session, w):
    entry = brand.create(session, actor=w.clerk, data=brand.BrandInput(item="建立协同机制"))

    missing = brand.shortcomings(session, actor=w.clerk, entry_id=entry.id)

    assert entry.status == DRAFT
    assert missing[0] == "请填写：获评类别、具体情形、获评日期、解决问题、主要成果"
    assert any("请上传佐证材料" in m for m in missing)
    assert any("已自查，满足报表计分条件" in m for m in missing)


def test_submit_of_a_complete_draft_later_takes_it_to_district_review(session, w):
    entry = brand.create(session, actor=w.clerk, data=good_input(w), uploads=[evidence()])

    entry = brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                         data=good_input(w), submit=True)

    assert entry.status == "待区县审核"


def _future():
    return clock.today() + timedelta(days=1)


REFUSALS = {
    "date before the start date": (dict(awarded_on=date(2022, 12, 31)), [], "早于2023-01-01"),
    "date in the future": (dict(awarded_on=None), [], "晚于今天"),
    "missing evidence": ({}, [], "请上传佐证材料"),
    "special case a without 总结材料": (dict(brief_mention=True, summary_signed=True),
                                    ["evidence"], "另附改革事项总结材料"),
    "special case b without 总结材料": (dict(commendation=REFORM_COMMENDATION, summary_signed=True),
                                    ["evidence"], "另附改革事项总结材料"),
    "总结材料 not signed and sealed": (dict(brief_mention=True), ["evidence", "summary"],
                                   "领导签字、加盖公章"),
    "business-work commendation": (dict(commendation=BUSINESS_COMMENDATION), ["evidence"],
                                   "属于一般业务性工作的均不纳入审核统计"),
    "upload while 涉密": (dict(is_secret=True, sent_offline=True), ["evidence"],
                        "涉密材料不得上传"),
    "涉密 without the offline tick": (dict(is_secret=True), [], "线下报送"),
    "mislabelled file": ({}, ["fake"], "内容与扩展名"),
    "summary as a Word file": (dict(brief_mention=True, summary_signed=True),
                               ["evidence", "word-summary"], "类型不支持"),
    "absurd 改革事项": (dict(item="改" * 100_000), ["evidence"], "“改革事项”最多200个字"),
    "absurd 具体情形": (dict(situation="情" * 100_000), ["evidence"], "“具体情形”最多5000个字"),
    "no self-check": (dict(self_checked=False), ["evidence"], "已自查，满足报表计分条件"),
    "unknown category": (dict(category_id=999), ["evidence"], "请选择获评类别"),
}
UPLOADS = {"evidence": evidence(), "summary": summary(), "fake": evidence("通知.pdf", b"not a pdf"),
           "word-summary": summary("总结.docx", PDF)}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_is_stored(session, w, case):
    overrides, uploads, message = REFUSALS[case]
    if case == "date in the future":
        overrides = dict(awarded_on=_future())
    before = snapshot(session)

    with pytest.raises(ValidationError, match=message):
        brand.create(session, actor=w.clerk, data=good_input(w, **overrides),
                     uploads=[UPLOADS[u] for u in uploads], submit=True)

    assert snapshot(session) == before


@pytest.mark.parametrize("case", ["date before the start date", "business-work commendation",
                                  "upload while 涉密", "mislabelled file", "absurd 具体情形"])
def test_bad_input_on_a_saved_draft_is_refused_and_the_draft_is_unchanged(session, w, case):
    entry = brand.create(session, actor=w.clerk, data=good_input(w))
    overrides, uploads, message = REFUSALS[case]
    before = snapshot(session)

    with pytest.raises(ValidationError, match=message):
        brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                     data=good_input(w, **overrides), uploads=[UPLOADS[u] for u in uploads])

    assert snapshot(session) == before


def test_start_date_follows_the_setting(session, w):
    session.add(Setting(key="brand_start_date", value="2024-06-01"))
    session.commit()

    with pytest.raises(ValidationError, match="早于2024-06-01"):
        brand.create(session, actor=w.clerk, data=good_input(w, awarded_on=date(2024, 5, 31)))
    entry = brand.create(session, actor=w.clerk, data=good_input(w, awarded_on=date(2024, 6, 1)))

    assert entry.awarded_on == date(2024, 6, 1)


def test_today_in_beijing_is_accepted_even_when_it_is_still_yesterday_in_utc(session, w,
                                                                              monkeypatch):
    # 2025-01-01 07:00 in Beijing is 2024-12-31 23:00 UTC.
    moment = datetime(2024, 12, 31, 23, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(clock, "now", lambda: moment.astimezone(clock.LOCAL_TZ))

    entry = brand.create(session, actor=w.clerk, data=good_input(w, awarded_on=date(2025, 1, 1)))

    assert entry.awarded_on == date(2025, 1, 1)


@pytest.mark.parametrize("who", ["dept_clerk", "office", "admin", "reviewer", "leader"])
def test_only_district_clerks_create_entries(session, w, who):
    before = snapshot(session)

    with pytest.raises(PermissionDenied, match="只有区县录入员可以录入改革品牌"):
        brand.create(session, actor=getattr(w, who), data=good_input(w), uploads=[evidence()])

    assert snapshot(session) == before


def test_special_cases_pass_with_a_signed_summary(session, w):
    entry = brand.create(session, actor=w.clerk, submit=True,
                         data=good_input(w, brief_mention=True, commendation=REFORM_COMMENDATION,
                                         summary_signed=True),
                         uploads=[evidence(), summary("总结材料.png", PNG)])

    assert entry.status == "待区县审核"
    kinds = {(a.purpose, a.kind) for a in brand.evidence(session, actor=w.clerk,
                                                           entry_id=entry.id)}
    assert kinds == {("佐证材料", "pdf"), ("总结材料", "png")}


def test_evidence_accepts_word_pdf_and_images(session, w):
    from tests.services.test_files import docx_bytes

    entry = brand.create(session, actor=w.clerk, data=good_input(w), submit=True,
                         uploads=[evidence("新闻报道.jpg", JPG), evidence("会议通知.docx",
                                                                       docx_bytes())])

    assert entry.status == "待区县审核"


def test_secret_entry_drops_earlier_uploads_and_records_the_offline_delivery(session, w):
    entry = brand.create(session, actor=w.clerk, data=good_input(w), uploads=[evidence()])

    entry = brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                         data=good_input(w, is_secret=True, sent_offline=True), submit=True)

    assert entry.status == "待区县审核" and entry.is_secret and entry.sent_offline
    assert brand.evidence(session, actor=w.clerk, entry_id=entry.id) == []
    rows = history.rows(session, actor=w.clerk, record_type="brand", record_id=entry.id)
    assert "移除佐证材料：佐证材料：会议通知.pdf" in rows[-2]["修改内容"]
    assert "涉密材料已线下报送：False → True" in rows[-2]["修改内容"]


def test_secret_notice_names_the_brand_module_administrator(session, w):
    session.add(Setting(key="brand_module_admin", value="改革一处张三"))
    session.commit()

    with pytest.raises(ValidationError, match="改革一处张三"):
        brand.create(session, actor=w.clerk, data=good_input(w, is_secret=True), submit=True)
    assert "改革一处张三" in brand.guidance(session)


def test_clerk_removes_a_wrong_file_from_a_draft(session, w):
    entry = brand.create(session, actor=w.clerk, data=good_input(w),
                         uploads=[evidence(), evidence("错误文件.pdf", PDF + b"x")])
    wrong = [a for a in brand.evidence(session, actor=w.clerk, entry_id=entry.id)
             if a.original_name == "错误文件.pdf"][0]

    brand.remove_file(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                      attachment_id=wrong.id)

    names = [a.original_name for a in brand.evidence(session, actor=w.clerk, entry_id=entry.id)]
    assert names == ["会议通知.pdf"]
    assert "移除佐证材料" in history.rows(session, actor=w.clerk, record_type="brand",
                                        record_id=entry.id)[-1]["修改内容"]


def test_another_districts_entry_cannot_be_read_edited_or_acted_on(session, w):
    entry = submitted(session, w)
    before = snapshot(session)

    with pytest.raises(PermissionDenied, match="不存在或您无权查看"):
        brand.get(session, actor=w.qj_clerk, entry_id=entry.id)
    with pytest.raises(PermissionDenied):
        brand.update(session, actor=w.qj_clerk, entry_id=entry.id, version=entry.version,
                     data=good_input(w))
    with pytest.raises(PermissionDenied):
        act(session, entry, Action.APPROVE, w.qj_reviewer)
    with pytest.raises(PermissionDenied):
        brand.remove_file(session, actor=w.qj_clerk, entry_id=entry.id, version=entry.version,
                          attachment_id=1)

    assert snapshot(session) == before


def test_departments_read_no_brand_entry(session, w):
    entry = submitted(session, w)

    with pytest.raises(PermissionDenied):
        brand.get(session, actor=w.dept_clerk, entry_id=entry.id)
    assert brand.search(session, actor=w.dept_clerk) == []


# --- the flow ---------------------------------------------------------------------------------

def test_entry_goes_through_district_and_office_review_and_is_stamped_approved(session, w):
    entry = at_office(session, w)

    entry = act(session, entry, Action.APPROVE, w.office)

    session.expire_all()
    stored = session.get(BrandEntry, entry.id)
    assert stored.status == "已通过" and stored.approved_at is not None


def test_office_cannot_act_before_the_district_reviewer(session, w):
    entry = submitted(session, w)
    before = snapshot(session)

    with pytest.raises(PermissionDenied, match="您无权对该记录执行“通过”"):
        act(session, entry, Action.APPROVE, w.office)
    with pytest.raises(PermissionDenied):
        act(session, entry, Action.REJECT, w.office, comment="材料不全，请补充")

    assert snapshot(session) == before


@pytest.mark.parametrize("stage", ["district", "office"])
def test_rejection_needs_a_reason_and_returns_the_entry_to_the_clerk(session, w, stage):
    entry = submitted(session, w) if stage == "district" else at_office(session, w)
    reviewer = w.reviewer if stage == "district" else w.office
    before = snapshot(session)

    with pytest.raises(ValidationError, match="请填写驳回原因（不少于5个字）"):
        act(session, entry, Action.REJECT, reviewer, comment="不行")
    assert snapshot(session) == before
    act(session, entry, Action.REJECT, reviewer, comment="佐证材料不能印证全市推广")

    session.expire_all()
    assert session.get(BrandEntry, entry.id).status == RETURNED
    returned = [t for t in workbench.todos(session, actor=w.clerk) if t.module == "brand"]
    assert [(t.kind, t.reason, t.page, t.open_key) for t in returned] == [
        ("退回修改", "佐证材料不能印证全市推广", "pages/brand_entry.py", "open_brand")]


def test_resubmission_restarts_at_district_review_and_asks_for_a_new_self_check(session, w):
    entry = at_office(session, w)
    act(session, entry, Action.REJECT, w.office, comment="请补充新闻报道")
    entry = session.get(BrandEntry, entry.id, populate_existing=True)
    assert entry.self_checked is False

    with pytest.raises(ValidationError, match="已自查"):
        act(session, entry, Action.SUBMIT, w.clerk)
    entry = brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                         data=good_input(w), uploads=[evidence("新闻报道.pdf", PDF + b"1")],
                         submit=True)

    assert entry.status == "待区县审核"


def test_withdraw_is_allowed_until_the_district_reviewer_acts(session, w):
    entry = submitted(session, w)
    entry = act(session, entry, Action.WITHDRAW, w.clerk)
    assert entry.status == DRAFT
    entry = brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                         data=good_input(w), submit=True)
    entry = act(session, entry, Action.APPROVE, w.reviewer)
    before = snapshot(session)

    with pytest.raises(TransitionNotAllowed):
        act(session, entry, Action.WITHDRAW, w.clerk)

    assert snapshot(session) == before


def test_clerk_cancels_a_draft_or_returned_entry_but_not_a_submitted_one(session, w):
    draft = brand.create(session, actor=w.clerk, data=good_input(w))
    waiting = submitted(session, w)

    assert act(session, draft, Action.CANCEL, w.clerk).status == "作废"
    with pytest.raises(TransitionNotAllowed):
        act(session, waiting, Action.CANCEL, w.clerk)


def test_approved_entry_is_locked(session, w):
    entry = act(session, at_office(session, w), Action.APPROVE, w.office)
    attachment = brand.evidence(session, actor=w.clerk, entry_id=entry.id)[0]
    before = snapshot(session)

    with pytest.raises(TransitionNotAllowed):
        brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                     data=good_input(w, item="健全改变后的体系"))
    with pytest.raises(ValidationError, match="不能移除附件"):
        brand.remove_file(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                          attachment_id=attachment.id)
    assert brand.BRAND_FLOW.available_actions(entry, w.clerk) == []

    assert snapshot(session) == before


def test_second_reviewer_acting_on_a_stale_version_gets_the_conflict_message(session, w):
    entry = submitted(session, w)
    stale = entry.version
    act(session, entry, Action.APPROVE, w.reviewer)
    before = snapshot(session)

    with pytest.raises(Conflict, match="该记录已被他人处理，请刷新后重试"):
        records.act(session, flow=brand.BRAND_FLOW, actor=w.reviewer, record_id=entry.id,
                    action=Action.REJECT, version=stale, comment="重复处理的驳回")

    assert snapshot(session) == before


def test_workbench_sends_reviewers_to_the_review_page(session, w):
    entry = submitted(session, w)
    act(session, submitted(session, w, item="健全另一项体系"), Action.APPROVE, w.reviewer)

    district = [t for t in workbench.todos(session, actor=w.reviewer) if t.module == "brand"]
    office = [t for t in workbench.todos(session, actor=w.office) if t.module == "brand"]

    assert [(t.record_id, t.kind, t.page) for t in district] == [
        (entry.id, "待我审核", "pages/brand_review.py")]
    assert [(t.title, t.page, t.open_key) for t in office] == [
        ("健全另一项体系", "pages/brand_review.py", "open_brand")]


def test_history_shows_the_category_by_name(session, w):
    entry = brand.create(session, actor=w.clerk, data=good_input(w))

    brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                 data=good_input(w, category_id=w.national))

    changes = history.rows(session, actor=w.clerk, record_type="brand", record_id=entry.id)[-1]["修改内容"]
    assert changes == "获评类别：获全市推广 → 获全国肯定性评价"


# --- the 获评类别 list -----------------------------------------------------------------------------

def test_defaults_are_the_manuals_categories(session, w):
    assert [c.name for c in brand.categories(session)] == ["获全国肯定性评价", "获全市推广"]


def test_admin_adds_renames_and_retires_categories_and_old_entries_keep_theirs(session, w):
    entry = submitted(session, w)
    added = brand.add_category(session, actor=w.admin, name="国家层面推广")
    brand.rename_category(session, actor=w.admin, category_id=w.citywide, name="获全市推广（通报）")

    brand.retire_category(session, actor=w.admin, category_id=w.citywide)

    assert [c.name for c in brand.categories(session)] == ["获全国肯定性评价", "国家层面推广"]
    assert added.id in {c.id for c in brand.categories(session)}
    rows = brand.search(session, actor=w.clerk)
    assert [(r["id"], r["获评类别"]) for r in rows] == [(entry.id, "获全市推广（通报）")]
    with pytest.raises(ValidationError, match="已停用"):
        brand.create(session, actor=w.clerk, data=good_input(w))


def test_a_draft_keeps_its_retired_category_on_save_but_cannot_be_submitted_with_it(session, w):
    entry = brand.create(session, actor=w.clerk, data=good_input(w), uploads=[evidence()])
    brand.retire_category(session, actor=w.admin, category_id=w.citywide)

    entry = brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                         data=good_input(w))
    with pytest.raises(ValidationError, match="已停用，请重新选择获评类别"):
        brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                     data=good_input(w), submit=True)


@pytest.mark.parametrize("who", ["clerk", "office", "office_leader"])
def test_only_admins_maintain_categories(session, w, who):
    before = [(c.id, c.name, c.retired) for c in brand.categories(session, include_retired=True)]

    with pytest.raises(PermissionDenied, match="只有系统管理员"):
        brand.add_category(session, actor=getattr(w, who), name="国家层面推广")
    with pytest.raises(PermissionDenied):
        brand.rename_category(session, actor=getattr(w, who), category_id=w.citywide, name="x")
    with pytest.raises(PermissionDenied):
        brand.retire_category(session, actor=getattr(w, who), category_id=w.citywide)

    session.expire_all()
    assert [(c.id, c.name, c.retired)
            for c in brand.categories(session, include_retired=True)] == before


@pytest.mark.parametrize("name, message", [("", "请填写获评类别名称"), ("获全市推广", "已存在"),
                                           ("类" * 65, "最多64个字")])
def test_bad_category_names_are_refused(session, w, name, message):
    with pytest.raises(ValidationError, match=message):
        brand.add_category(session, actor=w.admin, name=name)

    assert len(brand.categories(session)) == 2


def test_category_changes_are_audited(session, w):
    added = brand.add_category(session, actor=w.admin, name="国家层面推广")

    brand.retire_category(session, actor=w.admin, category_id=added.id)

    actions = session.execute(select(AuditEvent.action).where(
        AuditEvent.record_type == "brand_category", AuditEvent.record_id == added.id)
        .order_by(AuditEvent.id)).scalars().all()
    assert actions == ["create", "retire"]


# --- 驳回率 ------------------------------------------------------------------------------------

def _rate_of(rates, org_id):
    return next(r for r in rates if r.org_id == org_id)


def test_rejection_rate_counts_office_rejections_over_arrivals_at_the_office(session, w):
    # Three entries reach 市委改革办; one is rejected, resubmitted and approved: 1 ÷ 4.
    entries = [at_office(session, w, item=f"建立第{i}项机制") for i in range(3)]
    act(session, entries[0], Action.REJECT, w.office, comment="佐证材料不足，请补充")
    entry = session.get(BrandEntry, entries[0].id, populate_existing=True)
    entry = brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                         data=good_input(w, item="建立第0项机制"), submit=True)
    act(session, entry, Action.APPROVE, w.reviewer)
    act(session, entry, Action.APPROVE, w.office)

    rate = _rate_of(brand.rejection_rates(session, w.office), w.wanzhou)

    assert (rate.office_rejections, rate.office_submissions) == (1, 4)
    assert rate.rate == 0.25 and rate.as_row()["驳回率"] == "25.0%"


def test_an_entry_rejected_twice_counts_twice(session, w):
    entry = at_office(session, w)
    for _ in range(2):
        act(session, entry, Action.REJECT, w.office, comment="材料不足，请补充完善")
        entry = session.get(BrandEntry, entry.id, populate_existing=True)
        entry = brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                             data=good_input(w), submit=True)
        entry = act(session, entry, Action.APPROVE, w.reviewer)

    rate = _rate_of(brand.rejection_rates(session, w.clerk), w.wanzhou)

    assert (rate.office_rejections, rate.office_submissions) == (2, 3)


def test_district_reviewer_rejections_are_shown_apart(session, w):
    entry = submitted(session, w)
    act(session, entry, Action.REJECT, w.reviewer, comment="请补充佐证材料")

    rate = _rate_of(brand.rejection_rates(session, w.reviewer), w.wanzhou)

    assert (rate.district_rejections, rate.district_submissions) == (1, 1)
    assert (rate.office_rejections, rate.office_submissions, rate.rate) == (0, 0, None)


def test_a_district_sees_only_its_own_rate_and_the_office_every_district(session, w):
    at_office(session, w)

    own = brand.rejection_rates(session, w.clerk)
    everyone = brand.rejection_rates(session, w.office_leader)

    assert [r.district for r in own] == ["万州区"]
    assert len(everyone) == 41 and everyone[0].district == "万州区"
    with pytest.raises(PermissionDenied):
        brand.rejection_rates(session, w.dept_clerk)


def test_rejection_period_takes_each_events_beijing_date(session, w, monkeypatch):
    import services.review as review
    entry = at_office(session, w)
    # 2024-03-31 20:00 UTC is 2024-04-01 04:00 in Beijing: an April rejection.
    monkeypatch.setattr(review, "utcnow",
                        lambda: datetime(2024, 3, 31, 20, 0, tzinfo=timezone.utc))
    act(session, entry, Action.REJECT, w.office, comment="材料不足，请补充完善")

    march = _rate_of(brand.rejection_rates(session, w.office, date(2024, 3, 1),
                                           date(2024, 3, 31)), w.wanzhou)
    april = _rate_of(brand.rejection_rates(session, w.office, date(2024, 4, 1),
                                           date(2024, 4, 30)), w.wanzhou)

    assert (march.office_rejections, april.office_rejections) == (0, 1)


def test_rejection_rates_export_to_excel(session, w):
    from services.exports import read_xlsx
    at_office(session, w)

    data = brand.rejection_export(brand.rejection_rates(session, w.clerk))

    (_, row), = read_xlsx(data)
    assert row["区县"] == "万州区" and row["报送市委改革办次数"] == 1 and row["驳回率"] == "0.0%"


# --- the cockpit's counts ------------------------------------------------------------------------

def test_approved_counts_per_district_category_and_month(session, w):
    def approved(clerk, reviewer, **kw):
        entry = submitted(session, w, clerk=clerk, **kw)
        entry = act(session, entry, Action.APPROVE, reviewer)
        return act(session, entry, Action.APPROVE, w.office)

    approved(w.clerk, w.reviewer, awarded_on=date(2024, 5, 1))
    approved(w.clerk, w.reviewer, awarded_on=date(2024, 5, 31))
    approved(w.clerk, w.reviewer, awarded_on=date(2024, 6, 1), category_id=w.national)
    approved(w.qj_clerk, w.qj_reviewer, awarded_on=date(2024, 5, 2))
    submitted(session, w, awarded_on=date(2024, 5, 3))  # not approved: not counted

    counts = brand.approved_counts(session)
    wanzhou = brand.approved_counts(session, district_id=w.wanzhou, start=date(2024, 5, 1),
                                    end=date(2024, 5, 31))

    assert [(c.district, c.category, c.month, c.count) for c in counts] == [
        ("万州区", "获全市推广", "2024-05", 2), ("黔江区", "获全市推广", "2024-05", 1),
        ("万州区", "获全国肯定性评价", "2024-06", 1)]
    assert [(c.district, c.month, c.count) for c in wanzhou] == [("万州区", "2024-05", 2)]


# --- the list ------------------------------------------------------------------------------------

def test_list_filters_by_district_category_date_and_status(session, w):
    a = submitted(session, w, awarded_on=date(2024, 1, 10))
    b = submitted(session, w, awarded_on=date(2024, 8, 10), category_id=w.national)
    c = submitted(session, w, clerk=w.qj_clerk, awarded_on=date(2024, 9, 1))
    brand.create(session, actor=w.clerk, data=good_input(w))  # a draft: not the office's
    act(session, a, Action.APPROVE, w.reviewer)

    def ids(**kw):
        return {r["id"] for r in brand.search(session, actor=w.office, filters=Filters(**kw))}

    assert ids() == {a.id, b.id, c.id}
    assert ids(district_id=w.qianjiang) == {c.id}
    assert ids(category_id=w.national) == {b.id}
    assert ids(start=date(2024, 1, 1), end=date(2024, 6, 30)) == {a.id}
    assert ids(status="待市委改革办审核") == {a.id}
    assert len(brand.search(session, actor=w.clerk)) == 3


def test_list_exports_to_excel_with_user_text_as_text(session, w):
    from services.exports import read_xlsx
    submitted(session, w, item="=建立HYPERLINK机制")

    rows = read_xlsx(brand.export(session, actor=w.clerk))

    assert [r["改革事项"] for _, r in rows] == ["=建立HYPERLINK机制"]


def test_hints_are_warnings_in_the_manuals_words():
    assert brand.item_warning("基层治理经验") is not None
    assert brand.item_warning("探索建立容错纠错制度") is None
    assert brand.problems_warning("解决了很多问题") is not None
    assert brand.problems_warning("针对审批慢问题，上线一网通办应用，实现一次办结") is None
    assert brand.results_warning("1.印发实施方案；2.建立联席会议制度") == "印发通知、试点方案不属于制度性成果"
    assert brand.results_warning("建立联席会议制度") is None


def test_unticking_secret_and_uploading_in_the_same_save_is_accepted(session, w):
    entry = brand.create(session, actor=w.clerk, data=good_input(w, is_secret=True))

    entry = brand.update(session, actor=w.clerk, entry_id=entry.id, version=entry.version,
                         data=good_input(w), uploads=[evidence()], submit=True)

    assert entry.status == "待区县审核" and not entry.is_secret
    assert [a.original_name for a in brand.evidence(session, actor=w.clerk,
                                                     entry_id=entry.id)] == ["会议通知.pdf"]
