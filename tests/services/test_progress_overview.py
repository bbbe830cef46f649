"""试点推进总览: who sees which pilot × district rows, filters, paging and the Excel export."""
import pytest

from services import exports, progress, progress_overview
from services.errors import PermissionDenied, ValidationError
from services.progress_overview import Filters
from tests.services.progress_helpers import TODAY, distributed_to, good, task_of, walk


@pytest.fixture
def city(session, w):
    """数字乡村 (市发展改革委; 万州区 confirmed v1 with v2 under review, 黔江区 nothing) and
    智慧教育 (市教委; 万州区 nothing)."""
    rural = distributed_to(session, w, dept_clerk=w.dept_clerk, dept="市发展改革委",
                           doc="国办发〔2023〕12号", name="数字乡村改革试点", districts={w.qianjiang})
    edu = distributed_to(session, w, dept_clerk=w.edu_clerk, dept="市教委",
                         doc="教发〔2023〕5号", name="智慧教育100%覆盖试点")
    task = task_of(session, w.wanzhou, rural.id)
    first = walk(session, w, progress.start_revision(session, actor=w.clerk, task_id=task.id))
    second = progress.start_revision(session, actor=w.clerk, task_id=task.id)
    progress.save(session, actor=w.clerk, revision_id=second.id, version=second.version,
                  data=good(progress_status="已完成", acceptance_date=TODAY), submit=True,
                  today=TODAY)
    return rural, edu, first


def view(session, actor, **filters):
    rows, total = progress_overview.rows(session, actor=actor, filters=Filters(**filters))
    assert total == len(rows)
    return rows


def keys(rows):
    return [(r["试点名称"], r["区县"]) for r in rows]


def test_reform_office_sees_every_pilot_and_district_with_the_revision_in_force(session, w, city):
    rows = view(session, w.office)

    assert keys(rows) == [("智慧教育100%覆盖试点", "万州区"), ("数字乡村改革试点", "万州区"),
                          ("数字乡村改革试点", "黔江区")]
    wanzhou = rows[1]
    assert {k: wanzhou[k] for k in ("主管市级部门", "已确认填报", "推进状态", "验收时间", "成果数",
                                    "有填报在审", "在审填报")} == {
        "主管市级部门": "市发展改革委", "已确认填报": "第1次填报", "推进状态": "推进中",
        "验收时间": None, "成果数": 2, "有填报在审": "是", "在审填报": "第2次填报（待区县审核）"}
    assert wanzhou["确认时间"] is not None
    assert (rows[2]["已确认填报"], rows[2]["推进状态"], rows[2]["成果数"], rows[2]["有填报在审"]) == \
        ("尚未审核确认", "未填报", 0, "否")


def test_department_sees_only_the_rows_of_its_own_pilots(session, w, city):
    ndrc = view(session, w.dept_clerk)
    edu = view(session, w.edu_clerk)

    assert keys(ndrc) == [("数字乡村改革试点", "万州区"), ("数字乡村改革试点", "黔江区")]
    assert keys(edu) == [("智慧教育100%覆盖试点", "万州区")]
    # A revision still at the district's own review has not reached the department yet.
    assert ndrc[0]["有填报在审"] == "否"
    assert keys(view(session, w.edu_clerk, dept_id=w.dept_id)) == []


@pytest.mark.parametrize("who", ["qj_clerk", "qj_reviewer"])
def test_district_sees_only_its_own_rows(session, w, city, who):
    rows = view(session, getattr(w, who))

    assert keys(rows) == [("数字乡村改革试点", "黔江区")]
    assert view(session, getattr(w, who), district_id=w.wanzhou) == []


def test_filters_by_district_department_progress_status_name_and_review(session, w, city):
    assert keys(view(session, w.office, district_id=w.qianjiang)) == [("数字乡村改革试点", "黔江区")]
    assert keys(view(session, w.office, dept_id=w.dept_id)) == \
        [("数字乡村改革试点", "万州区"), ("数字乡村改革试点", "黔江区")]
    assert keys(view(session, w.office, progress_status="推进中")) == [("数字乡村改革试点", "万州区")]
    assert keys(view(session, w.office, progress_status="未填报")) == \
        [("智慧教育100%覆盖试点", "万州区"), ("数字乡村改革试点", "黔江区")]
    assert view(session, w.office, progress_status="已完成") == []  # v2 is not confirmed yet
    assert keys(view(session, w.office, name=" 乡村 ")) == \
        [("数字乡村改革试点", "万州区"), ("数字乡村改革试点", "黔江区")]
    assert keys(view(session, w.office, name="100%")) == [("智慧教育100%覆盖试点", "万州区")]
    assert view(session, w.office, name="1%0") == []  # % is a character, not a wildcard
    assert keys(view(session, w.office, under_review=True)) == [("数字乡村改革试点", "万州区")]


def test_overview_is_paged_with_the_total(session, w, city):
    first, total = progress_overview.rows(session, actor=w.office, page=1, page_size=2)
    second, _ = progress_overview.rows(session, actor=w.office, page=2, page_size=2)

    assert total == 3
    assert keys(first) + keys(second) == keys(view(session, w.office))


def test_export_holds_every_filtered_row_the_reader_may_see(session, w, city):
    data = progress_overview.export(session, actor=w.qj_clerk)
    everything = progress_overview.export(session, actor=w.office, filters=Filters(
        dept_id=w.dept_id))

    assert [(r["试点名称"], r["区县"], r["推进状态"]) for _, r in exports.read_xlsx(data)] == \
        [("数字乡村改革试点", "黔江区", "未填报")]
    rows = [r for _, r in exports.read_xlsx(everything)]
    assert list(rows[0]) == progress_overview.COLUMNS
    assert [(r["区县"], r["已确认填报"], r["成果数"]) for r in rows] == [("万州区", "第1次填报", 2),
                                                                  ("黔江区", "尚未审核确认", 0)]


def test_bad_filters_are_refused_in_chinese(session, w, city):
    with pytest.raises(ValidationError, match="推进状态"):
        view(session, w.office, progress_status="已撤销")
    with pytest.raises(ValidationError, match="最多100个字"):
        view(session, w.office, name="试" * 101)


def test_filter_options_follow_the_readers_scope(session, w):
    district = progress_overview.filter_options(session, actor=w.qj_clerk)
    dept = progress_overview.filter_options(session, actor=w.dept_clerk)
    office = progress_overview.filter_options(session, actor=w.office)

    assert list(district["districts"]) == [w.qianjiang] and len(district["departments"]) > 1
    assert list(dept["departments"]) == [w.dept_id] and len(dept["districts"]) == 41
    assert len(office["districts"]) == 41


def test_a_confirmed_newer_revision_replaces_the_one_in_force(session, w, city):
    rural, _, first = city
    second = progress.open_revision(session, first.task_id)
    for actor in (w.reviewer, w.dept_clerk, w.office):
        second = progress.act(session, actor=actor, revision_id=second.id,
                              action=progress.Action.APPROVE, version=second.version)

    row = view(session, w.dept_clerk, district_id=w.wanzhou)[0]

    assert (row["已确认填报"], row["推进状态"], row["验收时间"], row["有填报在审"]) == \
        ("第2次填报", "已完成", TODAY, "否")


def test_unknown_kind_of_reader_is_refused(session, w):
    from dataclasses import replace
    stranger = replace(w.office, org_kind="unknown")

    with pytest.raises(PermissionDenied):
        progress_overview.rows(session, actor=stranger)
