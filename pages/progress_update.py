"""试点推进状态更新 (区县录入员): pushed tasks, revisions, work items and achievements."""

import streamlit as st

import ui
from models import Role
from pages._progress_parts import achievement_rows, rejection_rates, revision_view, work_list
from services import clock, db, progress
from services.errors import DomainError
from services.progress import PROGRESS_FLOW
from services.guidance import HELP, PROGRESS
from services.progress import COMPLETED, PROGRESS_STATUSES, AchievementInput, ProgressInput
from services.review import Action, last_rejection

PAGE = "pages/progress_update.py"
user = ui.require_user(Role.CLERK, page=PAGE)
st.title("试点推进状态更新")
with st.expander("填写说明（操作说明及规范）"):
    st.markdown(PROGRESS)
ui.flash()


with db.session_scope() as s:
    tasks = progress.tasks(s, actor=user)


def _rates() -> list[dict]:
    with db.session_scope() as s:
        return progress.rejection_rates(s, actor=user)


rejection_rates(_rates)
ui.table([{k: v for k, v in t.items() if not k.endswith("_id")} for t in tasks],
         empty="暂无推进任务。本区县录入的试点经主管市级部门确认并分发后，推进任务会出现在这里，"
               "届时在此填报推进情况。新录入的试点请在“试点项目录入”中查看办理进度。")
ui.excel_button([{k: v for k, v in t.items() if not k.endswith("_id")} for t in tasks],
                filename="推进任务.xlsx", key="tasks-xlsx")
if not tasks:
    st.stop()
# The label follows the task: 未填报 → 第1次填报（待区县审核） after 上报 → 推进中 once confirmed.
choices = {t["task_id"]: f"{t['试点名称']}（{t['正在办理'] or t['已确认推进状态']}）" for t in tasks}
preselect = st.session_state.pop("open_task", None)
if (revision := st.session_state.pop("open_revision", None)) is not None:
    with db.session_scope() as s:  # any revision of the task (a message may name an old one)
        linked = progress.linked(s, actor=user, revision_id=revision)
    preselect = linked.task_id if linked else None
task_id = ui.pick("选择推进任务", choices, key="task-pick", preselect=preselect,
                  placeholder="请选择要更新的试点")
task = next((t for t in tasks if t["task_id"] == task_id), None)
if task is None:
    st.stop()

with db.session_scope() as s:
    confirmed = progress.confirmed_revision(s, task_id)
    current = progress.open_revision(s, task_id)
if current is None and confirmed is None:  # a first report: straight into the form
    try:
        with db.session_scope() as s:
            progress.first_revision(s, actor=user, task_id=task_id)
    except DomainError as exc:
        st.error(ui.literal(exc))
        st.stop()
    st.rerun()  # the task list and picker then name the new draft
with db.session_scope() as s:
    confirmed_rows = progress.achievements_of(s, confirmed.id) if confirmed else []
    current_rows = progress.achievements_of(s, current.id) if current else []
    rejection = last_rejection(s, record_type="progress", record_id=current.id) \
        if current is not None and current.status == "退回修改" else None
    actions = PROGRESS_FLOW.available_actions(current, user) if current else []

if confirmed is not None:
    with st.expander(f"已审核确认的推进情况（第{confirmed.revision_no}次填报，驾驶舱按此统计）",
                     expanded=current is None):
        revision_view(confirmed, confirmed_rows)
        ui.print_button("progress", confirmed.id)
with db.session_scope() as s:
    versions = progress.revision_list(s, actor=user, task_id=task_id)
if versions:
    with st.expander(f"历次填报（{len(versions)}）"):
        ui.table(versions)
        ui.excel_button(versions, filename="推进情况历次填报.xlsx", key="versions-xlsx")
if current is None:
    if st.button("更新推进情况（在已确认的推进情况基础上修改）", type="primary"):
        ui.perform(progress.start_revision, "已开始填报，请填写后保存并上报", task_id=task_id)
    st.stop()

st.subheader(f"第{current.revision_no}次填报（{current.status}）")
if rejection is not None:
    st.error("已被驳回，请按驳回原因修改后重新上报")
    st.text(f"驳回原因：{rejection.comment}")
if Action.SAVE not in actions:
    revision_view(current, current_rows)
    if Action.WITHDRAW in actions and ui.confirm_action(
            "撤回", "撤回本次填报？撤回后退出审核，成为草稿，修改后须重新上报。",
            key=f"withdraw-{current.id}"):
        ui.perform(progress.act, "已撤回为草稿", revision_id=current.id, action=Action.WITHDRAW,
                   version=current.version)
    ui.history("progress", current.id)
    st.stop()

key = f"rev{current.id}v{current.version}"
ui.required_note(f"{key}-status", f"{key}-accepted")
status = st.radio("推进状态", PROGRESS_STATUSES, horizontal=True, key=f"{key}-status",
                  index=PROGRESS_STATUSES.index(current.progress_status), help=HELP["推进状态"])
accepted = None
if status == COMPLETED:
    accepted = ui.date_field("验收时间", value=current.acceptance_date, key=f"{key}-accepted",
                             max_value=clock.today(), help=HELP["验收时间"])
items = work_list(f"{key}-items", progress.work_items(current))
problems = st.text_area("存在问题", value=current.problems, key=f"{key}-problems",
                        help=f"{HELP['存在问题']}（不超过{progress.PROBLEMS_LIMIT}字）",
                        placeholder="聚焦体制机制问题、政策法规问题等")
rows = achievement_rows(f"{key}-ach", [AchievementInput(a.name, a.measures, a.effects, a.id)
                                       for a in current_rows])
data = ProgressInput(progress_status=status, acceptance_date=accepted, work_items=items,
                     problems=problems, achievements=rows)
c = st.columns(4)
if c[0].button("保存", width="stretch"):
    ui.perform(progress.save, "已保存", revision_id=current.id, version=current.version, data=data)
if c[1].button("保存并上报", type="primary", width="stretch"):
    ui.perform(progress.save, "已上报，等待区县审核员审核", revision_id=current.id,
        version=current.version, data=data, submit=True)
if Action.CANCEL in actions:
    st.divider()
    if ui.confirm_action("作废本次填报", "作废本次填报？已填写的内容不再保留，已审核确认的推进情况不受影响。",
                         key=f"cancel-{current.id}"):
        ui.perform(progress.act, "已作废本次填报", revision_id=current.id, action=Action.CANCEL,
                   version=current.version)
ui.history("progress", current.id)
