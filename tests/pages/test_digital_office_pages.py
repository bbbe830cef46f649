"""一件事核准, 名录库 and 重点领域管理 on their pages: who finds them in the menu, what the office
sees and decides there (each verdict kind, a group decided in one step), the catalog's search,
filters and export, and the administrator's 重点领域."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models import Attachment, DigitalDomain, DigitalItem, Role, User
from services import accounts, clock, db
from services.digital import catalog, rows, verdicts
from services.digital.items import (
    DEEPEN, DUPLICATE, IMPROVE_NEW, INCLUDED, NEW_CHART, PENDING_NEW, PENDING_ORIGINAL, PROCEED,
    REMOVED,
)
from services.errors import PermissionDenied
from services.records import Upload
from tests.factories import make_user
from tests.pages.conftest import logged_in
from tests.services import digital_helpers as h

VERDICTS = "pages/digital_verdicts.py"
CATALOG = "pages/digital_catalog.py"
DOMAINS = "pages/digital_domains.py"
OFFICE, OFFICE_LEADER, ADMIN = "13700000101", "13700000103", "13800000000"
WZ_CLERK, WZ_LEADER, QJ_CLERK = "13800000101", "13800000103", "13800000201"
WANZHOU_NAME, QIANJIANG_NAME = "企业开办一件事", "开办企业“一件事”"


def user(phone):
    with db.session_scope() as s:
        return accounts.current_user(s, s.execute(select(User).where(User.phone == phone))
                                     .scalars().one())


class Cast:
    """The demo users of 万州区, 黔江区 and 市委改革办, as tests/services/digital_helpers uses them."""

    def __init__(self):
        self.clerk, self.reviewer = user(WZ_CLERK), user("13800000102")
        self.qj_clerk, self.qj_reviewer = user(QJ_CLERK), user("13800000202")
        self.office = user(OFFICE)
        with db.session_scope() as s:
            self.domain = catalog.domains(s)[0].id


def submitted(w, name, *, qianjiang=False, new_chart=False, intro="简介"):
    """A 一件事 its district has approved: waiting for 核准 this week."""
    clerk, reviewer = (w.qj_clerk, w.qj_reviewer) if qianjiang else (w.clerk, w.reviewer)
    uploads = [h.chart()] + ([h.chart(NEW_CHART, "新一图两清单.pdf")] if new_chart else [])
    with db.session_scope() as s:
        item = rows.save_row(s, actor=clerk, kind="digital_item",
                             form_version=h.form_version(s, clerk),
                             values={"name": name, "domain_id": w.domain, "intro": intro},
                             uploads=uploads).row
        h.pass_form(s, w, clerk, reviewer)
        return item.id


def new_chart_waiting(w, name="企业开办一件事"):
    """An item in the catalog whose 新一图两清单 waits for 核准."""
    item_id = submitted(w, name)
    with db.session_scope() as s:
        h.verdict(s, w, item_id, "include")
        rows.save_row(s, actor=w.clerk, kind="digital_item", row_id=item_id,
                      form_version=h.form_version(s, w.clerk), values={},
                      uploads=[h.chart(NEW_CHART, "新一图两清单.pdf")])
        h.pass_form(s, w)
    return item_id


def stored(item_id) -> DigitalItem:
    with db.session_scope() as s:
        return s.get(DigitalItem, item_id)


def verdict_page():
    at = logged_in(OFFICE).run()
    at.switch_page(VERDICTS).run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [s.value for s in at.subheader])


# --- who finds the pages -------------------------------------------------------------------------

PHONES = [OFFICE, "13700000102", OFFICE_LEADER, ADMIN, WZ_CLERK, WZ_LEADER, "13800000102",
          "13900000201"]


PAGES = {VERDICTS: ("一件事核准", {OFFICE, "13700000102"}),
         CATALOG: ("名录库", set(PHONES)),
         DOMAINS: ("重点领域管理", {ADMIN})}


@pytest.mark.parametrize("phone", PHONES)
def test_each_page_is_in_the_menu_of_its_users_only(app_db, phone):
    at = logged_in(phone).run()

    for page in (p for p, (_, allowed) in PAGES.items() if phone not in allowed):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    for page in (p for p, (_, allowed) in PAGES.items() if phone in allowed):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert at.title[0].value == PAGES[page][0]


@pytest.mark.parametrize("who", [dict(org="市委改革办", role=Role.LEADER),
                                 dict(org="万州区", role=Role.LEADER),
                                 dict(org="万州区", role=Role.REVIEWER),
                                 dict(org="市委改革办", role=Role.ADMIN)])
def test_the_service_refuses_the_verdicts_to_anyone_but_the_office_reviewers(session, who):
    catalog.seed_domains(session)  # PostgreSQL's test database is emptied, domains and all
    w = h.cast(session)
    item_id = h.add_item(session, w).id
    h.pass_form(session, w)
    outsider = make_user(session, **who)
    before = h.item(session, item_id).version

    with pytest.raises(PermissionDenied):
        verdicts.weeks(session, actor=outsider)
    with pytest.raises(PermissionDenied):
        verdicts.groups(session, actor=outsider)
    with pytest.raises(PermissionDenied):
        verdicts.give(session, actor=outsider, item_id=item_id, version=before, verdict="include")
    session.rollback()

    unchanged = h.item(session, item_id)
    assert (unchanged.status, unchanged.version) == (PENDING_ORIGINAL, before)


# --- 一件事核准 ----------------------------------------------------------------------------------

def test_near_identical_items_of_two_districts_are_side_by_side_with_charts_and_similar_names(
        app_db):
    w = Cast()
    earlier = submitted(w, "企业开办一件事（试点）", qianjiang=True)  # in the catalog already
    with db.session_scope() as s:
        h.verdict(s, w, earlier, "include")
    wanzhou = submitted(w, WANZHOU_NAME, intro="**一网通办**，<b>一次办好</b>")
    qianjiang = submitted(w, "**开办企业**“一件事”", qianjiang=True)  # shown as typed
    alone = submitted(w, "退休“一件事”")

    at = verdict_page()

    assert at.subheader[0].value == "相近事项 2 项（万州区、黔江区）"
    side_by_side = [c for c in at.columns if c.markdown and "区县" in c.markdown[1].value]
    assert [c.markdown[0].value for c in side_by_side] == [
        f"**{WANZHOU_NAME}**", "**\\*\\*开办企业\\*\\*“一件事”**"]
    assert "**简介**  \n\\*\\*一网通办\\*\\*，\\<b\\>一次办好\\<\\/b\\>" in texts(at)  # literal
    with db.session_scope() as s:
        (chart,) = [a.id for a in s.execute(select(Attachment).where(
            Attachment.record_type == "digital_item", Attachment.record_id == wanzhou)).scalars()]
    # (the file itself is downloaded in tests/e2e/test_digital_verdict_browser.py)
    assert {b.key: b.label for b in at.get("download_button")}[f"chart-{wanzhou}-att-{chart}"] \
        == "下载 原一图两清单：一图两清单\\.pdf"
    assert "名录库中相近的事项：“企业开办一件事（试点）”" in texts(at)
    radio = at.radio(key=f"g{wanzhou}-best")
    assert radio.options == [f"万州区｜{WANZHOU_NAME}", "黔江区｜\\*\\*开办企业\\*\\*“一件事”"]
    assert at.button(key=f"v{alone}-give") and at.button(key=f"v{qianjiang}-give")
    assert "该周待核准 3 项，其中 1 组内容相同或相近，已并排列出" in texts(at)


def test_a_group_decision_makes_the_others_duplicates_of_the_chosen_item(app_db):
    w = Cast()
    wanzhou = submitted(w, WANZHOU_NAME)
    qianjiang = submitted(w, QIANJIANG_NAME, qianjiang=True)
    at = verdict_page()

    at.radio(key=f"g{wanzhou}-best").set_value(qianjiang).run()
    assert at.selectbox(key=f"g{wanzhou}-verdict").value == "include"
    at.button(key=f"g{wanzhou}-decide").click().run()
    question = at.warning[0].value
    assert stored(wanzhou).status == PENDING_ORIGINAL  # nothing happens before 确认
    at.button(key=f"g{wanzhou}-decide-yes").click().run()

    assert not at.exception and not at.error, [e.value for e in at.error]
    assert question == ui_literal(
        f"将黔江区“{QIANJIANG_NAME}”核准为“纳入名录库并晾晒”；其余 1 项（万州区“{WANZHOU_NAME}”）"
        f"核准为“已有重复事项”，重复的已有事项为黔江区“{QIANJIANG_NAME}”。核准结果将通知各相关区县。")
    chosen, other = stored(qianjiang), stored(wanzhou)
    assert (chosen.status, other.status, other.duplicate_of_id) == (INCLUDED, DUPLICATE, qianjiang)
    assert at.success[0].value == ui_literal(
        f"已一并核准：黔江区“{QIANJIANG_NAME}”纳入名录库并晾晒，其余 1 项为已有重复事项，已通知相关区县")
    assert not at.subheader and any("所选核准周没有待核准" in i.value for i in at.info)


def ui_literal(text):
    from ui.widgets import literal
    return literal(text)


def _choose(at, item_id, verdict, comment=""):
    at.selectbox(key=f"v{item_id}-verdict").set_value(verdict).run()
    if comment:
        at.text_area(key=f"v{item_id}-comment").input(comment)
    return at


@pytest.mark.parametrize("make, verdict, comment, status", [
    (lambda w: submitted(w, WANZHOU_NAME), "deepen", "流程图未覆盖后台审批环节", DEEPEN),
    (lambda w: submitted(w, WANZHOU_NAME), "include", "", INCLUDED),
    (lambda w: submitted(w, WANZHOU_NAME, new_chart=True), "proceed", "", PROCEED),
    (new_chart_waiting, "improve", "新一图两清单缺少数据清单", IMPROVE_NEW),
    (new_chart_waiting, "proceed", "质量较高", PROCEED),
])
def test_office_gives_one_item_its_verdict(app_db, make, verdict, comment, status):
    w = Cast()
    item_id = make(w)
    at = _choose(verdict_page(), item_id, verdict, comment)

    at.button(key=f"v{item_id}-give").click().run()

    assert not at.error, [e.value for e in at.error]
    item = stored(item_id)
    assert (item.status, item.verdict_comment, item.verdict_on) == (status, comment, clock.today())
    assert at.success[0].value == ui_literal(f"已核准：万州区“{WANZHOU_NAME}”{status}，已通知该区县")


def test_a_verdict_that_needs_a_reason_says_so_and_is_refused_without_one(app_db):
    w = Cast()
    item_id = submitted(w, WANZHOU_NAME)
    before = stored(item_id).version
    at = _choose(verdict_page(), item_id, "deepen", "太浅")

    assert "“继续深化完善原一图两清单”须填写核准意见（不少于5个字）" in texts(at)
    at.button(key=f"v{item_id}-give").click().run()

    assert at.error[0].value == "请填写继续深化完善原一图两清单原因（不少于5个字）"
    assert (stored(item_id).status, stored(item_id).version) == (PENDING_ORIGINAL, before)


def test_duplicate_points_at_an_item_of_another_district_found_by_name(app_db):
    w = Cast()
    existing = submitted(w, "开办企业一件事", qianjiang=True)
    with db.session_scope() as s:
        h.verdict(s, w, existing, "include")
    item_id = submitted(w, WANZHOU_NAME)
    at = _choose(verdict_page(), item_id, "duplicate")

    at.text_input(key=f"v{item_id}-query").input("开办").run()
    target = at.selectbox(key=f"v{item_id}-target")
    assert target.options == ["黔江区｜开办企业一件事（纳入名录库并晾晒）"]
    target.set_value(existing).run()
    at.button(key=f"v{item_id}-give").click().run()

    assert not at.error, [e.value for e in at.error]
    item = stored(item_id)
    assert (item.status, item.duplicate_of_id, item.duplicate_city) == (DUPLICATE, existing, "")


def test_duplicate_of_a_city_level_item_takes_its_name_and_is_refused_without_one(app_db):
    w = Cast()
    item_id = submitted(w, WANZHOU_NAME)
    before = stored(item_id).version
    at = _choose(verdict_page(), item_id, "duplicate")
    at.radio(key=f"v{item_id}-where").set_value("市级层面的事项").run()

    at.button(key=f"v{item_id}-give").click().run()
    assert "请指明重复的已有事项" in at.error[0].value
    assert (stored(item_id).status, stored(item_id).version) == (PENDING_ORIGINAL, before)
    at.text_input(key=f"v{item_id}-city").input("渝快办“企业开办一件事”")
    at.button(key=f"v{item_id}-give").click().run()

    item = stored(item_id)
    assert (item.status, item.duplicate_of_id, item.duplicate_city) == (
        DUPLICATE, None, "渝快办“企业开办一件事”")


def test_only_the_verdicts_of_the_items_stage_are_offered_never_removal(app_db):
    w = Cast()
    original = submitted(w, "退休“一件事”")
    new = new_chart_waiting(w)

    at = verdict_page()

    assert at.selectbox(key=f"v{original}-verdict").options == [
        "继续深化完善原一图两清单", "已有重复事项", "纳入名录库并晾晒", "进入三张清单编制等后续环节"]
    assert at.selectbox(key=f"v{new}-verdict").options == [
        "继续完善新一图两清单", "进入三张清单编制等后续环节"]
    assert REMOVED not in {o for s in at.selectbox for o in s.options}


def test_an_empty_week_says_so_and_names_what_waits_in_other_weeks(app_db):
    w = Cast()
    item_id = submitted(w, WANZHOU_NAME)
    last_week = verdicts.week_of(clock.today())[0] - timedelta(days=7)
    with db.session_scope() as s:
        s.execute(update(DigitalItem).where(DigitalItem.id == item_id).values(arrived_on=last_week))
        s.commit()

    at = verdict_page()

    assert any("所选核准周没有待核准的“一件事”" in i.value for i in at.info)
    assert "其他周还有 1 项待核准，可在上方切换核准周。" in texts(at)
    at.selectbox(key="verdict-week").set_value(last_week).run()
    assert at.button(key=f"v{item_id}-give")
    assert at.selectbox(key="verdict-week").value == last_week


def test_a_verdict_on_an_item_another_reviewer_decided_meanwhile_gets_the_conflict_message(
        app_db):
    w = Cast()
    item_id = submitted(w, WANZHOU_NAME)
    at = _choose(verdict_page(), item_id, "include")
    with db.session_scope() as s:  # 13700000102 decides first
        verdicts.give(s, actor=user("13700000102"), item_id=item_id,
                      version=stored(item_id).version, verdict="deepen", comment="流程图不完整，请深化")

    at.button(key=f"v{item_id}-give").click().run()

    assert at.error[0].value.startswith("该记录已被他人处理，请刷新后重试")
    item = stored(item_id)
    assert (item.status, item.verdict_comment) == (DEEPEN, "流程图不完整，请深化")


@pytest.mark.parametrize("decided_first", [QIANJIANG_NAME, "企业开办“一件事”"])
def test_a_group_decision_confirmed_after_another_reviewer_decided_a_member_is_refused(
        app_db, decided_first):
    w = Cast()
    ids = {WANZHOU_NAME: submitted(w, WANZHOU_NAME),
           QIANJIANG_NAME: submitted(w, QIANJIANG_NAME, qianjiang=True)}
    if decided_first != QIANJIANG_NAME:  # a group of three that stays a group of two
        ids[decided_first] = submitted(w, decided_first, qianjiang=True)
    at = verdict_page()
    key = f"g{ids[WANZHOU_NAME]}"
    at.radio(key=f"{key}-best").set_value(ids[WANZHOU_NAME]).run()
    at.button(key=f"{key}-decide").click().run()
    with db.session_scope() as s:  # 13700000102 decides one of the others meanwhile
        verdicts.give(s, actor=user("13700000102"), item_id=ids[decided_first],
                      version=stored(ids[decided_first]).version, verdict="include")

    at.button(key=f"{key}-decide-yes").click().run()

    assert at.error[0].value.startswith("该记录已被他人处理，请刷新后重试")
    assert [stored(i).status for name, i in ids.items() if name != decided_first] == (
        [PENDING_ORIGINAL] * (len(ids) - 1))


def test_an_item_opened_from_the_workbench_opens_its_week_with_its_verdict_form(app_db):
    w = Cast()
    wanzhou = submitted(w, WANZHOU_NAME)
    qianjiang = submitted(w, QIANJIANG_NAME, qianjiang=True)
    last_week = verdicts.week_of(clock.today())[0] - timedelta(days=7)
    with db.session_scope() as s:
        s.execute(update(DigitalItem).values(arrived_on=last_week))
        s.commit()
    at = logged_in(OFFICE).run()
    at.session_state["open_digital_item"] = qianjiang  # as 打开 sets it

    at.switch_page(VERDICTS).run()

    assert at.selectbox(key="verdict-week").value == last_week
    assert [e.proto.expanded for e in at.expander if e.label == "单独核准此项"] == [False, True]
    assert at.button(key=f"v{wanzhou}-give")


# --- 名录库 --------------------------------------------------------------------------------------

def _catalog_with_items(w):
    names = [(WANZHOU_NAME, False), ("退休“一件事”", False), ("=开办企业一件事", True)]
    ids = [submitted(w, name, qianjiang=qj) for name, qj in names]
    with db.session_scope() as s:
        other = s.execute(select(DigitalDomain).order_by(DigitalDomain.id)).scalars().all()[1]
        s.execute(update(DigitalItem).where(DigitalItem.id == ids[1]).values(domain_id=other.id))
        s.commit()
        for i in ids:
            h.verdict(s, w, i, "include")
    submitted(w, "未核准的一件事")  # waiting: not in the catalog
    return other.name


def test_district_clerk_searches_filters_and_exports_the_catalog(app_db):
    w = Cast()
    other_domain = _catalog_with_items(w)
    at = logged_in(WZ_CLERK).run()
    at.switch_page(CATALOG).run()

    assert "已纳入名录库的“一件事”事项，不再重复策划。" in texts(at)
    assert "共 3 项" in texts(at)
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["事项名称", "区县", "重点领域", "核准情况", "纳入名录库日期", "简介"]
    assert set(frame["事项名称"]) == {WANZHOU_NAME, "退休“一件事”", "=开办企业一件事"}

    at.text_input(key="catalog-text").input("开办").run()
    assert set(at.dataframe[0].value["事项名称"]) == {WANZHOU_NAME, "=开办企业一件事"}
    with db.session_scope() as s:
        qianjiang = s.get(User, w.qj_clerk.id).org_id
    at.selectbox(key="catalog-district").set_value(qianjiang).run()
    assert list(at.dataframe[0].value["事项名称"]) == ["=开办企业一件事"]
    export = at.get("download_button")[0]  # its workbook is read in the browser test
    assert (export.label, export.key, export.proto.disabled) == ("导出Excel", "catalog-xlsx", False)

    at.text_input(key="catalog-text").input("").run()
    at.selectbox(key="catalog-district").set_value(None).run()
    at.selectbox(key="catalog-domain").select(other_domain).run()
    assert list(at.dataframe[0].value["事项名称"]) == ["退休“一件事”"]
    at.text_input(key="catalog-text").input("没有这样的事项").run()
    assert any("没有符合条件的事项" in i.value for i in at.info)
    assert at.get("download_button")[0].proto.disabled


# --- 重点领域管理 ---------------------------------------------------------------------------------

def _domains():
    with db.session_scope() as s:
        return {d.name: d for d in catalog.domains(s, include_retired=True)}


def _domain_page():
    at = logged_in(ADMIN).run()
    at.switch_page(DOMAINS).run()
    assert not at.exception, at.exception
    return at


def test_admin_adds_a_domain_and_a_name_taken_is_refused(app_db):
    at = _domain_page()

    at.text_input[0].input("数字党建")
    at.button[0].click().run()
    assert at.success[0].value == ui_literal("已新增重点领域“数字党建”")
    at.text_input[0].input("数字 党建")
    at.button[0].click().run()

    assert at.error[0].value == "重点领域“数字党建”已存在"
    assert [n for n in _domains() if "党建" in n and n != "党建统领"] == ["数字党建"]


def test_admin_retires_a_domain_after_confirming_and_restores_it(app_db):
    domain = _domains()["数字文化"]
    at = _domain_page()

    at.button(key=f"retire-{domain.id}").click().run()
    assert at.warning[0].value == ui_literal(
        "停用重点领域“数字文化”？停用后不再供新录入选择，已使用该领域的事项保持不变。")
    assert not _domains()["数字文化"].retired
    at.button(key=f"retire-{domain.id}-yes").click().run()
    assert _domains()["数字文化"].retired
    assert "**数字文化**（已停用）" in texts(at)
    at.button(key=f"retire-{domain.id}").click().run()

    assert not _domains()["数字文化"].retired
    assert at.success[0].value == ui_literal("已启用重点领域“数字文化”")


def test_retiring_a_domain_another_admin_changed_after_the_question_is_refused(app_db):
    domain = _domains()["数字文化"]
    at = _domain_page()
    at.button(key=f"retire-{domain.id}").click().run()
    with db.session_scope() as s:  # another administrator retires and restores it meanwhile
        other = make_user(s, org="市委改革办", role=Role.ADMIN)
        d = catalog.retire_domain(s, actor=other, domain_id=domain.id, version=domain.version)
        catalog.retire_domain(s, actor=other, domain_id=domain.id, version=d.version,
                              retired=False)

    at.button(key=f"retire-{domain.id}-yes").click().run()

    assert "已被其他管理员修改" in at.error[0].value
    assert not _domains()["数字文化"].retired
