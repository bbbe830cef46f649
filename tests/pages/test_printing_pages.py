"""打印 on the pages: every record view (details and review panels) has a 打印 button named after
the record, and the lists offer 打印所选记录 — for pilots, progress revisions and brand entries,
as the demo users."""
from datetime import date

from services import brand, db, pilots, progress, records
from services.review import Action
from tests.pages.conftest import logged_in
from tests.pages.progress_setup import (
    CLERK, DEPT_CLERK, OFFICE, REVIEWER, actor, confirm, distributed_pilot, draft,
)


def downloads(at) -> dict[str, object]:
    return {d.key: d for d in at.get("download_button")}


def opened(phone: str, page: str, **state):
    at = logged_in(phone).run()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def brand_entry(approve: bool = False) -> int:
    with db.session_scope() as s:
        entry = brand.create(s, actor=actor(s, CLERK), submit=True, data=brand.BrandInput(
            item="建立基层治理“一网统管”机制", category_id=brand.categories(s)[1].id,
            situation="全市推广会推广", awarded_on=date(2024, 5, 10),
            problems="针对多头交办问题，上线应用，实现一口受理", results="建立分级处置制度",
            self_checked=True, is_secret=True, sent_offline=True))
        if approve:
            records.act(s, flow=brand.BRAND_FLOW, actor=actor(s, REVIEWER), record_id=entry.id,
                        action=Action.APPROVE, version=entry.version)
        return entry.id


def test_brand_list_prints_the_chosen_entry_and_the_filtered_list(app_db):
    entry = brand_entry()

    at = opened(CLERK, "pages/brand_list.py", open_brand=entry)

    buttons = downloads(at)
    assert buttons[f"print-brand-{entry}"].proto.label == "打印"
    assert buttons["list-print"].proto.label == "打印所选记录"
    assert not buttons["list-print"].proto.disabled


def test_the_brand_review_panel_has_a_print_button(app_db):
    entry = brand_entry(approve=True)

    at = opened(OFFICE, "pages/brand_review.py", open_brand=entry)

    assert downloads(at)[f"print-brand-{entry}"].proto.label == "打印"


def test_brand_entry_page_prints_the_clerks_own_entry(app_db):
    entry = brand_entry()

    at = opened(CLERK, "pages/brand_entry.py", open_brand=entry)

    assert f"print-brand-{entry}" in downloads(at)


def test_pilot_pages_print_the_pilot_and_its_confirmed_progress(app_db):
    with db.session_scope() as s:
        rev = confirm(s, draft(s))

    listing = opened(OFFICE, "pages/pilot_list.py", open_pilot=rev.pilot_id)
    entry = opened(CLERK, "pages/pilot_entry.py", open_pilot=rev.pilot_id)

    assert {f"print-pilot-{rev.pilot_id}", f"print-progress-{rev.id}", "list-print"} <= set(
        downloads(listing))
    assert f"print-pilot-{rev.pilot_id}" in downloads(entry)


def test_the_pilot_review_panel_has_a_print_button(app_db):
    with db.session_scope() as s:
        p = distributed_pilot(s)
        other = pilots.create(s, actor=actor(s, CLERK), submit=True, data=pilots.PilotInput(
            name="智慧城市改革试点", deploy_level="中办国办", doc_title="通知", doc_number="国发〔2024〕3号",
            content="开展智慧城市改革", due_date=date(2026, 12, 31), dept_id=p.dept_id,
            evidence_by_dept=True))

    at = opened(REVIEWER, "pages/pilot_review.py", open_pilot=other.id)

    assert downloads(at)[f"print-pilot-{other.id}"].proto.label == "打印"


def test_progress_pages_print_the_revision_under_review_and_the_one_in_force(app_db):
    with db.session_scope() as s:
        first = confirm(s, draft(s))
        second = progress.start_revision(s, actor=actor(s, CLERK), task_id=first.task_id)
        second = progress.save(s, actor=actor(s, CLERK), revision_id=second.id,
                               version=second.version, submit=True, data=progress.ProgressInput(
                                   work_items=["召开推进会"], problems="无"))

    review = opened(REVIEWER, "pages/progress_review.py", open_revision=second.id)
    update = opened(CLERK, "pages/progress_update.py", open_task=first.task_id)
    overview = opened(DEPT_CLERK, "pages/progress_overview.py")

    assert f"print-progress-{second.id}" in downloads(review)
    assert {f"print-progress-{first.id}", f"print-progress-{second.id}"} <= set(downloads(update))
    assert downloads(overview)["po-print"].proto.label == "打印所选记录"


def test_a_list_with_nothing_selected_cannot_be_printed(app_db):
    at = opened(CLERK, "pages/brand_list.py")

    assert downloads(at)["list-print"].proto.disabled
