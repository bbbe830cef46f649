"""The shared UI helpers every module's pages use: confirmations, upload boxes, multiple choice,
empty tables, record cards and required marks."""
from streamlit.testing.v1 import AppTest

from services import db
from services.config import ROOT


def _app(script) -> AppTest:
    at = AppTest.from_function(script, default_timeout=30)
    at.session_state["root"] = str(ROOT)
    return at


def _void_script():
    import sys

    import streamlit as st
    sys.path.insert(0, st.session_state["root"])
    import ui
    if ui.confirm_action("作废", "作废“**数字乡村**改革试点”？作废后不能恢复。", key="cancel-7"):
        st.session_state["voided"] = st.session_state.get("voided", 0) + 1
    st.text(f"作废次数：{st.session_state.get('voided', 0)}")


def test_a_destructive_action_asks_first_and_acts_only_on_confirmation(app_db):
    from ui.widgets import literal
    at = _app(_void_script).run()

    at.button(key="cancel-7").click().run()

    assert [w.value for w in at.warning] == [literal("作废“**数字乡村**改革试点”？作废后不能恢复。")]
    assert at.text[0].value == "作废次数：0"
    assert {b.label for b in at.button} == {"确认作废", "取消"}
    at.button(key="cancel-7-yes").click().run()
    assert at.text[0].value == "作废次数：1"
    at.run()  # the next run (a page's action reruns at once): the question is gone
    assert not at.warning and [b.label for b in at.button] == ["作废"]
    assert at.text[0].value == "作废次数：1"


def test_cancelling_a_destructive_action_changes_nothing_and_offers_the_button_again(app_db):
    at = _app(_void_script).run()
    at.button(key="cancel-7").click().run()

    at.button(key="cancel-7-no").click().run()

    assert at.text[0].value == "作废次数：0"
    assert not at.warning and [b.label for b in at.button] == ["作废"]
    assert at.button(key="cancel-7").proto.type == "tertiary"  # never styled like 保存并上报


def _fields_script():
    import sys

    import streamlit as st
    sys.path.insert(0, st.session_state["root"])
    import ui
    ui.upload("佐证材料", types=["pdf", "docx"], key="evidence-国家文件")
    ui.choose_many("涉及区县", ["万州区", "黔江区"], key="districts")
    ui.required_note("districts")
    ui.table([], empty="暂无推进任务，主管市级部门确认并分发后出现在这里。")
    ui.table([], empty=None)
    ui.record_card([("试点名称", "**加粗**与[链接](http://x.cn)"), ("批次", None)])


def test_the_upload_box_states_the_limit_set_in_system_settings(app_db):
    from models import Setting
    with db.session_scope() as s:
        s.add(Setting(key="upload_max_mb", value="20"))
        s.commit()

    at = _app(_fields_script).run()

    assert at.file_uploader[0].proto.max_upload_size_mb == 20
    notes = " ".join(h.proto.body for h in at.get("html"))
    assert ".st-key-evidence----- [data-testid=\"stFileUploaderDropzoneInstructions\"]" in notes
    assert "单个文件不超过20MB · 格式：PDF、DOCX" in notes


def test_a_deliberate_multiple_choice_has_no_select_all_and_a_chinese_placeholder(app_db):
    at = _app(_fields_script).run()

    [choice] = at.multiselect
    assert choice.proto.select_all == 0
    assert choice.proto.placeholder == "请选择（可多选）"


def test_an_empty_table_says_what_to_do_or_nothing_when_told(app_db):
    at = _app(_fields_script).run()

    assert [i.value for i in at.info] == ["暂无推进任务，主管市级部门确认并分发后出现在这里。"]
    assert not at.dataframe


def test_a_record_card_shows_every_field_with_its_label_and_user_text_literally(app_db):
    from ui.widgets import literal
    at = _app(_fields_script).run()

    shown = [m.value for m in at.markdown]
    assert f"**试点名称**  \n{literal('**加粗**与[链接](http://x.cn)')}" in shown
    assert "**批次**  \n—" in shown


def test_required_fields_get_a_mark_and_the_form_says_what_it_means(app_db):
    at = _app(_fields_script).run()

    styles = " ".join(h.proto.body for h in at.get("html"))
    assert '.st-key-districts [data-testid="stWidgetLabel"] p::after' in styles
    assert any("标＊的为必填项" in c.value for c in at.caption)


def test_a_column_of_dates_and_empty_cells_is_one_type_of_text():
    from datetime import date, datetime, timezone

    from ui.widgets import _cell

    cells = [_cell(date(2024, 5, 10)), _cell(None),
             _cell(datetime(2024, 5, 10, 16, 30, tzinfo=timezone.utc))]

    assert cells[:2] == ["2024-05-10", ""]
    assert all(isinstance(c, str) for c in cells)
