"""Brand pages: present for the right demo users and absent for the others; 保存并上报, 通过 and
驳回 pressed on the pages store what they should."""
from datetime import date

import pytest
from sqlalchemy import select

from models import BrandEntry, Role, User
from services import accounts, brand, db, records
from services.review import Action
from tests.factories import make_user
from tests.pages.conftest import logged_in

DEMO = ["13800000000", "13800000101", "13800000102", "13800000103", "13800000201",
        "13800000202", "13800000203", "13900000101", "13900000102", "13900000201",
        "13900000202", "13700000101", "13700000102", "13700000103"]
DISTRICTS = {"13800000101", "13800000102", "13800000103", "13800000201", "13800000202",
             "13800000203"}
OFFICE = {"13800000000", "13700000101", "13700000102", "13700000103"}
PAGES = {
    "pages/brand_entry.py": ("改革品牌录入", {"13800000101", "13800000201"}),
    "pages/brand_review.py": ("改革品牌审核", {"13800000102", "13800000202", "13700000101",
                                          "13700000102"}),
    "pages/brand_list.py": ("改革品牌清单", DISTRICTS | OFFICE),
    "pages/brand_categories.py": ("获评类别管理", {"13800000000"}),
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def user(phone):
    with db.session_scope() as s:
        return accounts.current_user(s, s.execute(select(User).where(User.phone == phone))
                                     .scalars().one())


def stored(entry_id=None):
    with db.session_scope() as s:
        query = select(BrandEntry).order_by(BrandEntry.id)
        rows = s.execute(query).scalars().all()
        return rows if entry_id is None else next(r for r in rows if r.id == entry_id)


def make_entry(status_after="待区县审核", item="建立基层治理“一网统管”机制"):
    """A submitted entry of 万州区 (涉密, sent offline), optionally approved by the district."""
    with db.session_scope() as s:
        category = brand.categories(s)[1].id
        entry = brand.create(s, actor=user("13800000101"), submit=True, data=brand.BrandInput(
            item=item, category_id=category, situation="全市推广会推广", awarded_on=date(2024, 5, 10),
            problems="针对多头交办问题，上线应用，实现一口受理", results="建立分级处置制度",
            self_checked=True, is_secret=True, sent_offline=True))
        if status_after == "待市委改革办审核":
            entry = records.act(s, flow=brand.BRAND_FLOW, actor=user("13800000102"),
                                record_id=entry.id, action=Action.APPROVE, version=entry.version)
        return entry.id


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("phone", DEMO)
def test_brand_page_renders_for_allowed_users_and_is_absent_otherwise(app_db, page, phone):
    title, allowed = PAGES[page]
    at = logged_in(phone).run()

    if phone in allowed:
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert at.title[0].value == title
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def _entry_page():
    at = logged_in("13800000101").run()
    at.switch_page("pages/brand_entry.py").run()
    return at


def test_entry_form_carries_the_spec_labels_and_help(app_db):
    at = _entry_page()

    widgets = list(at.text_input) + list(at.text_area) + list(at.selectbox) + \
        list(at.date_input) + list(at.checkbox) + list(at.radio)
    labels = {w.label for w in widgets}
    assert {"改革事项", "获评类别", "获评日期", "具体情形", "解决问题", "主要成果", "涉密",
            "已自查，满足报表计分条件", "佐证材料是否为通报表彰、领导批示"} <= labels
    assert all(w.help for w in widgets if w.key and w.key.startswith("new0-")
               and w.label != "已通过电子政务内网邮箱线下报送")
    assert {"保存", "保存并上报"} <= {b.label for b in at.button}
    assert "获全国肯定性评价" in at.selectbox(key="new0-category").options


def _fill(at, **overrides):
    values = dict(item="建立基层治理“一网统管”机制", situation="全市召开推广会推广万州经验",
                  problems="针对多头交办问题，上线一网统管应用，实现一口受理", results="建立分级处置制度")
    values.update(overrides)
    at.text_input(key="new0-item").input(values["item"])
    with db.session_scope() as s:
        citywide = next(c.id for c in brand.categories(s) if c.name == "获全市推广")
    at.selectbox(key="new0-category").set_value(citywide)
    at.date_input(key="new0-date").set_value(date(2024, 5, 10))
    at.text_area(key="new0-situation").input(values["situation"])
    at.text_area(key="new0-problems").input(values["problems"])
    at.text_area(key="new0-results").input(values["results"])
    return at.run()


def test_submit_on_the_entry_page_stores_a_submitted_entry(app_db):
    at = _fill(_entry_page())
    at.checkbox(key="new0-secret").check().run()
    at.checkbox(key="new0-offline").check()
    at.checkbox(key="new0-check").check()

    at.button(key="new-submit").click().run()

    assert not at.exception and not at.error, [e.value for e in at.error]
    (entry,) = stored()
    assert (entry.status, entry.item, entry.is_secret, entry.sent_offline, entry.awarded_on) == (
        "待区县审核", "建立基层治理“一网统管”机制", True, True, date(2024, 5, 10))


def test_submit_with_an_uploaded_pdf_stores_the_file(app_db):
    at = _fill(_entry_page())
    at.file_uploader(key="new0-evidence").set_value(("会议通知.pdf", PDF, "application/pdf"))
    at.checkbox(key="new0-check").check()

    at.button(key="new-submit").click().run()

    assert not at.error, [e.value for e in at.error]
    (entry,) = stored()
    with db.session_scope() as s:
        names = [a.original_name for a in brand.evidence(s, actor=user("13800000101"),
                                                          entry_id=entry.id)]
    assert entry.status == "待区县审核" and names == ["会议通知.pdf"]


def test_submit_without_self_check_is_refused_on_the_page_and_nothing_is_stored(app_db):
    at = _fill(_entry_page())
    at.checkbox(key="new0-secret").check().run()
    at.checkbox(key="new0-offline").check()

    at.button(key="new-submit").click().run()

    assert any("已自查，满足报表计分条件" in e.value for e in at.error)
    assert stored() == []


def test_save_of_an_incomplete_draft_names_what_is_missing(app_db):
    at = _entry_page()
    at.text_input(key="new0-item").input("建立协同机制").run()

    at.button(key="new-save").click().run()

    assert [e.status for e in stored()] == ["草稿"]
    assert any("上报前还需" in w.value and "获评类别" in w.value for w in at.warning)
    assert at.selectbox(key="mine-pick").value == stored()[0].id  # opened to finish it
    assert at.dataframe[0].value["获评日期"].tolist() == [""]  # not "None"


def test_business_work_commendation_shows_the_manuals_sentence(app_db):
    at = _entry_page()

    at.radio(key="new0-praise").set_value("是，表彰一般业务工作").run()

    assert any("属于一般业务性工作的均不纳入审核统计" in e.value for e in at.error)


def test_special_case_offers_the_summary_template_and_headings(app_db):
    at = _entry_page()

    at.checkbox(key="new0-brief").check().run()

    headings = "".join(m.value for m in at.markdown)
    assert all(h in headings for h in ("一、启动时间", "二、推进情况", "三、成效成果", "四、困难问题",
                                       "五、下一步打算"))
    assert "总结材料" in {u.label for u in at.file_uploader}


def _review_page(phone):
    at = logged_in(phone).run()
    at.switch_page("pages/brand_review.py").run()
    return at


def test_district_reviewer_approves_on_the_review_page(app_db):
    entry_id = make_entry()
    at = _review_page("13800000102")

    at.button(key=f"brand-{entry_id}-approve").click().run()

    assert not at.exception and not at.error
    assert stored(entry_id).status == "待市委改革办审核"


def test_office_rejects_with_a_reason_on_the_review_page(app_db):
    entry_id = make_entry("待市委改革办审核")
    at = _review_page("13700000101")

    at.text_area(key=f"brand-{entry_id}-reason").input("佐证材料不能印证全市推广")
    at.button(key=f"brand-{entry_id}-reject").click().run()

    assert stored(entry_id).status == "退回修改"
    with db.session_scope() as s:
        from services.review import last_rejection
        assert last_rejection(s, record_type="brand", record_id=entry_id).comment == \
            "佐证材料不能印证全市推广"


def test_reject_without_a_reason_is_refused_on_the_review_page(app_db):
    entry_id = make_entry("待市委改革办审核")
    at = _review_page("13700000101")

    at.button(key=f"brand-{entry_id}-reject").click().run()

    assert any("请填写驳回原因" in e.value for e in at.error)
    assert stored(entry_id).status == "待市委改革办审核"


def test_office_approves_and_the_entry_is_stamped(app_db):
    entry_id = make_entry("待市委改革办审核")
    at = _review_page("13700000102")

    at.button(key=f"brand-{entry_id}-approve").click().run()

    entry = stored(entry_id)
    assert entry.status == "已通过" and entry.approved_at is not None


def test_list_page_shows_the_office_rates_and_the_batch_download(app_db):
    make_entry("待市委改革办审核")
    at = logged_in("13700000103").run()

    at.switch_page("pages/brand_list.py").run()

    assert not at.exception
    assert [t.label for t in at.tabs] == ["清单", "驳回率", "批量下载"]
    at.button(key="zip-build").click().run()
    assert any("已打包 1 项改革品牌" in s.value for s in at.success)


def test_district_list_page_shows_its_own_rate_without_the_batch_download(app_db):
    at = logged_in("13800000103").run()

    at.switch_page("pages/brand_list.py").run()

    assert [t.label for t in at.tabs] == ["清单", "驳回率"]
    assert [m.label for m in at.metric][:1] == ["驳回率"]


def test_admin_adds_a_category_on_its_page(app_db):
    at = logged_in("13800000000").run()
    at.switch_page("pages/brand_categories.py").run()

    at.text_input[0].input("国家层面推广")
    at.button[0].click().run()

    with db.session_scope() as s:
        assert "国家层面推广" in [c.name for c in brand.categories(s)]


def test_a_rename_on_a_list_shown_before_another_admins_rename_is_refused(app_db):
    at = logged_in("13800000000").run()
    at.switch_page("pages/brand_categories.py").run()
    with db.session_scope() as s:
        citywide = next(c for c in brand.categories(s) if c.name == "获全市推广")
        other = make_user(s, org="市委改革办", role=Role.ADMIN)
    at.text_input(key=f"name-{citywide.id}").input("获全市推广（会议）").run()
    with db.session_scope() as s:  # another administrator renames it meanwhile
        brand.rename_category(s, actor=other, category_id=citywide.id, name="获全市推广（通报）",
                              version=citywide.version)
    at.run()  # any rerun (another click on the page) shows the list anew

    at.button(key=f"rename-{citywide.id}").click().run()

    assert not at.exception
    assert "已被其他管理员修改" in at.error[0].value and "获全市推广（通报）" in at.error[0].value
    with db.session_scope() as s:
        assert "获全市推广（通报）" in [c.name for c in brand.categories(s)]


@pytest.mark.parametrize("phone, first_row", [
    ("13800000103", ["获评类别", "状态"]),           # a district reads its own entries
    ("13700000103", ["区县", "获评类别", "状态"]),    # 市委改革办 reads every district's
])
def test_list_filters_leave_no_empty_cell_where_there_is_no_district_filter(app_db, phone,
                                                                             first_row):
    at = logged_in(phone).run()
    at.switch_page("pages/brand_list.py").run()

    assert not at.exception
    cells = [[s.label for s in col.selectbox] for col in at.tabs[0].columns]
    assert cells[:len(first_row)] == [[x] for x in first_row]


def test_a_message_opens_its_entry_on_the_list_even_outside_the_chosen_filter(app_db):
    entry_id = make_entry("待市委改革办审核")
    at = logged_in("13700000103").run()
    at.switch_page("pages/brand_list.py").run()
    at.selectbox(key="list-status").select("已通过").run()  # the entry is not among the rows
    at.session_state["open_brand"] = entry_id  # as 打开 on a message sets it

    at.run()

    assert not at.exception
    assert at.selectbox(key="list-pick").value == entry_id


def test_ticking_secret_on_a_draft_with_files_says_they_are_deleted_from_the_system(app_db):
    with db.session_scope() as s:
        entry = brand.create(s, actor=user("13800000101"), data=brand.BrandInput(
            item="建立基层治理机制", category_id=brand.categories(s)[1].id),
            uploads=[records.Upload(brand.EVIDENCE, "会议通知.pdf", PDF)])
    at = _entry_page()
    at.selectbox(key="mine-pick").set_value(entry.id).run()

    next(c for c in at.checkbox if str(c.key).startswith(f"edit{entry.id}v")
         and str(c.key).endswith("-secret")).check().run()

    assert not at.exception
    assert any("已上传的材料将从系统中删除，不留副本" in w.value for w in at.warning)


def _office_download_tab(*entries):
    for status in entries:
        make_entry(status)
    at = logged_in("13700000103").run()
    return at.switch_page("pages/brand_list.py").run()


def test_batch_download_takes_the_filters_chosen_on_the_list_tab(app_db):
    at = _office_download_tab("待市委改革办审核")
    with db.session_scope() as s:
        qianjiang = next(o.id for o in brand.districts(s) if o.name == "黔江区")

    at.selectbox(key="list-district").set_value(qianjiang).run()

    assert not at.exception
    assert any("筛选条件：区县：黔江区" in t.value for t in at.text)
    assert any("没有符合筛选条件" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "zip-build"]


def test_batch_download_says_done_and_a_second_build_leaves_one_archive(app_db, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("REFORM_DATA_DIR", str(tmp_path / "data"))
    at = _office_download_tab("待市委改革办审核")

    at.button(key="zip-build").click().run()
    at.button(key="zip-build").click().run()

    assert not at.exception
    assert [p.proto.text for p in at.get("progress")] == ["完成"]
    assert len(list((tmp_path / "data" / "tmp").glob("brand-*.zip"))) == 1
    [link] = [b.proto for b in at.get("link_button") if b.proto.label.startswith("下载ZIP")]
    assert link.url.startswith("/api/download/")
