"""试点推进总览 page: open to every role, rows limited to what the reader may see."""
import pytest

from services import db
from tests.pages.conftest import logged_in
from tests.pages.progress_setup import LEADER, OFFICE, draft, confirm

EVERY_KIND = ["13800000000", "13800000101", "13800000103", "13800000202", "13900000101",
              "13900000202", "13700000101", "13700000103"]


def open_overview(phone):
    at = logged_in(phone).run()
    at.switch_page("pages/progress_overview.py").run()
    assert not at.exception, at.exception
    return at


def table(at):
    return next(d.value for d in at.dataframe if "区县" in d.value.columns)


@pytest.fixture
def data(app_db):
    with db.session_scope() as s:
        confirm(s, draft(s))


@pytest.mark.parametrize("phone", EVERY_KIND)
def test_overview_page_renders_for_every_kind_of_user(data, phone):
    at = open_overview(phone)

    assert at.title[0].value == "试点推进总览"
    assert {"区县", "主管市级部门", "推进状态", "有填报在审", "试点名称"} <= \
        {w.label for w in at.selectbox} | {w.label for w in at.text_input}


def test_district_leader_sees_only_its_own_district(app_db):
    from tests.pages.progress_setup import distributed_pilot
    with db.session_scope() as s:
        confirm(s, draft(s))
        distributed_pilot(s, name="黔江智慧康养试点", doc="国卫发〔2024〕3号", clerk="13800000201",
                          reviewer="13800000202")

    office, leader = table(open_overview(OFFICE)), table(open_overview(LEADER))

    assert sorted(office["区县"]) == ["万州区", "黔江区"]
    assert list(leader["区县"]) == ["万州区"]
    assert list(leader[["已确认填报", "推进状态", "成果数"]].values.tolist()) == [["第1次填报", "推进中", 2]]


def test_filtering_by_progress_status_narrows_the_rows(data):
    at = open_overview(OFFICE)

    at.selectbox(key="po-status").select("未填报").run()

    assert not at.exception, at.exception
    assert not [d for d in at.dataframe if "区县" in d.value.columns]
    assert "共 0 条" in [c.value for c in at.caption]


def test_district_leader_finds_the_districts_rejection_rate_on_the_overview(data):
    at = open_overview(LEADER)

    at.session_state["progress-rates"] = True
    at.run()

    rates = next(d.value for d in at.dataframe if "审核环节" in d.value.columns)
    assert rates[["审核环节", "上报次数", "驳回次数"]].values.tolist() == [
        ["区县审核", 1, 0], ["市级部门审核", 1, 0], ["市委改革办确认", 1, 0]]
    office = open_overview(OFFICE)
    office.session_state["progress-rates"] = True
    office.run()
    assert not [d for d in office.dataframe if "审核环节" in d.value.columns]
    assert "本区县试点推进驳回率（按审核环节）" not in [e.label for e in office.expander]


def test_a_message_about_a_revision_opens_the_overview_on_that_pilot(app_db):
    from tests.pages.progress_setup import distributed_pilot
    with db.session_scope() as s:
        rev = confirm(s, draft(s))
        distributed_pilot(s, name="黔江智慧康养试点", doc="国卫发〔2024〕3号", clerk="13800000201",
                          reviewer="13800000202")
    at = logged_in(OFFICE).run()
    at.session_state["open_revision"] = rev.id  # as 打开 on a message sets it

    at.switch_page("pages/progress_overview.py").run()

    assert not at.exception, at.exception
    assert list(table(at)["试点名称"]) == ["数字乡村改革试点"]



def test_the_overview_speaks_the_manuals_words_and_shows_the_count_early(data):
    at = open_overview("13700000103")

    columns = list(table(at).columns)
    words = " ".join([c.value for c in at.caption] + [s.label for s in at.selectbox] + columns)
    assert "版本" not in words  # the manual speaks of 填报 and 审核确认
    assert table(at)["已确认填报"].tolist() == ["第1次填报"]
    assert columns.index("成果数") < 4  # inside the table's first screen on a phone
