"""试点推进状态更新: rows keep their own text when others are removed or moved."""
from services import db
from ui.widgets import literal
from tests.pages.conftest import logged_in
from tests.pages.progress_setup import CLERK, draft, stored


def open_draft(rev):
    at = logged_in(CLERK).run()
    at.session_state["open_task"] = rev.task_id  # as the workbench opens it
    at.switch_page("pages/progress_update.py").run()
    assert not at.exception, at.exception
    return at


def names(at):
    return [w.value for w in at.text_input if w.label.startswith("成果名称")]


def measures(at):
    return [w.value for w in at.text_area if w.label == "具体举措及解决问题"]


def work_inputs(at):
    return [w for w in at.text_input if w.label.startswith("第") and w.label.endswith("项")]


def buttons(at, label, help_text):
    return [b for b in at.button if b.label == label and b.help == help_text]


def save(at):
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception, at.exception


def test_deleting_the_first_achievement_keeps_the_second_and_saves_it(app_db):
    with db.session_scope() as s:
        rev = draft(s)
    at = open_draft(rev)
    assert names(at) == ["搭建数字乡村服务平台", "建立数据共享机制"]

    buttons(at, "删除", "删除此项成果")[0].click().run()

    assert names(at) == ["建立数据共享机制"]
    assert measures(at) == ["针对部门壁垒问题，建立机制"]
    save(at)
    assert stored(rev.id).achievements == [("建立数据共享机制", "针对部门壁垒问题，建立机制")]


def test_text_typed_into_a_later_achievement_survives_deleting_an_earlier_one(app_db):
    with db.session_scope() as s:
        rev = draft(s)
    at = open_draft(rev)

    [w for w in at.text_input if w.label.startswith("成果名称")][1].input("建立健全数据共享机制")
    buttons(at, "删除", "删除此项成果")[0].click().run()

    assert names(at) == ["建立健全数据共享机制"]
    save(at)
    assert stored(rev.id).achievements == [("建立健全数据共享机制", "针对部门壁垒问题，建立机制")]


def test_work_items_keep_their_text_when_moved_and_removed(app_db):
    with db.session_scope() as s:
        rev = draft(s)
    at = open_draft(rev)

    work_inputs(at)[2].input("举办现场推进会")
    buttons(at, "上移", "上移此项")[2].click().run()
    assert [w.value for w in work_inputs(at)] == ["召开专题会议", "举办现场推进会", "开展专项调研"]
    work_inputs(at)[2].input("开展专项调研并形成报告")
    buttons(at, "删除", "删除此项")[0].click().run()
    assert [w.value for w in work_inputs(at)] == ["举办现场推进会", "开展专项调研并形成报告"]
    save(at)

    assert stored(rev.id).work == ["举办现场推进会", "开展专项调研并形成报告"]


def test_progress_page_shows_the_districts_rejection_rate_per_stage(app_db):
    with db.session_scope() as s:
        rev = draft(s)
    at = open_draft(rev)
    assert not [d for d in at.dataframe if "审核环节" in d.value.columns]  # loaded when opened

    at.session_state["progress-rates"] = True
    at.run()

    rates = [d.value for d in at.dataframe if "审核环节" in d.value.columns]

    assert len(rates) == 1
    assert list(rates[0]["审核环节"]) == ["区县审核", "市级部门审核", "市委改革办确认"]


def test_reviewer_sees_a_renamed_achievement_as_one_changed_row(app_db):
    from services import progress
    from services.progress import AchievementInput, ProgressInput
    from tests.pages.progress_setup import REVIEWER, actor, confirm
    with db.session_scope() as s:
        first = confirm(s, draft(s, achievements=(("建立数据共享机制", "针对部门壁垒问题"),
                                                  ("建立数据共享机制", "针对数据回流问题"))))
        clerk = actor(s, CLERK)
        second = progress.start_revision(s, actor=clerk, task_id=first.task_id)
        rows = [AchievementInput(a.name, a.measures, a.effects, a.id)
                for a in progress.achievements_of(s, second.id)]
        rows[1].name = "建立健全数据回流机制"
        progress.save(s, actor=clerk, revision_id=second.id, version=second.version, submit=True,
                      data=ProgressInput(work_items=["召开专题会议"], problems="**数据**共享难",
                                         achievements=rows))
    at = logged_in(REVIEWER).run()

    at.switch_page("pages/progress_review.py").run()

    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown]
    changes = shown[shown.index("**试点成果**"):]  # the comparison's achievement cards
    assert [m for m in changes if m in ("**新增**", "**删除**", "**修改**")] == ["**修改**"]
    assert f"**原成果名称**  \n{literal('建立数据共享机制')}" in changes
    assert f"**成果名称**  \n{literal('建立健全数据回流机制')}" in changes
    assert f"**存在问题**  \n{literal('**数据**共享难')}" in shown  # as typed, not bold


def test_a_pushed_task_opened_from_the_workbench_shows_the_form_at_once(app_db):
    from tests.pages.progress_setup import distributed_pilot, task_id
    with db.session_scope() as s:
        task = task_id(s, distributed_pilot(s))
    at = logged_in(CLERK).run()
    at.session_state["open_task"] = task

    at.switch_page("pages/progress_update.py").run()

    assert not at.exception, at.exception
    labels = [b.label for b in at.button]
    assert "保存并上报" in labels and "开始填报推进情况" not in labels
    assert [h.value for h in at.subheader] == ["第1次填报（草稿）"]


def test_the_task_picker_tells_the_submitted_version_after_submit(app_db):
    with db.session_scope() as s:
        rev = draft(s)
    at = open_draft(rev)
    assert at.selectbox(key="task-pick").format_func(rev.task_id).endswith("（第1次填报（草稿））")

    next(b for b in at.button if b.label == "保存并上报").click().run()

    assert not at.exception, at.exception
    assert at.selectbox(key="task-pick").format_func(rev.task_id) == \
        "数字乡村改革试点（第1次填报（待区县审核））"


def test_a_first_submission_is_reviewed_in_one_full_width_panel(app_db):
    from services import progress
    from tests.pages.progress_setup import REVIEWER, actor
    with db.session_scope() as s:
        rev = draft(s)
        progress.act(s, actor=actor(s, CLERK), revision_id=rev.id, action="submit",
                     version=rev.version)
    at = logged_in(REVIEWER).run()

    at.switch_page("pages/progress_review.py").run()

    assert not at.exception, at.exception
    assert [h.value for h in at.subheader] == ["本次填报（首次填报）"]
    assert not any("首次填报" in m.value for m in at.markdown)  # no second, empty comparison
    assert not any(len(c.subheader) for c in at.columns)  # not squeezed into a column
