"""An unexpected error on a page is a Chinese message with an incident number, never a
traceback; the number and the traceback are in the server log. Streamlit's own control flow
(st.rerun, st.switch_page: exceptions that are not `Exception`s) passes through untouched."""
import logging
import re

import streamlit as st

from services import workbench
from services.errors import ValidationError
from tests.pages.conftest import logged_in

INCIDENT = re.compile(r"^系统出错（编号 (\d{8}-[0-9A-F]{6})），请联系管理员$")


def test_an_unexpected_error_shows_an_incident_number_and_logs_the_traceback(
        app_db, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError('SELECT * FROM "user" WHERE password_hash = secret')
    monkeypatch.setattr(workbench, "todos", broken)

    with caplog.at_level(logging.ERROR, logger="reform.incidents"):
        at = logged_in("13800000101").run()

    assert not at.exception
    [shown] = [e.value for e in at.error]
    number = INCIDENT.fullmatch(shown).group(1)
    everything = " ".join(str(e.value) for e in [*at.error, *at.markdown, *at.text, *at.code])
    assert "SELECT" not in everything and "RuntimeError" not in everything
    [record] = [r for r in caplog.records if number in r.getMessage()]
    assert record.exc_info[0] is RuntimeError
    caplog.clear()  # expected here


def test_two_incidents_get_different_numbers(app_db, monkeypatch, caplog):
    monkeypatch.setattr(workbench, "todos", lambda *a, **k: 1 / 0)

    first = logged_in("13800000101").run().error[0].value
    second = logged_in("13800000101").run().error[0].value

    assert INCIDENT.fullmatch(first) and INCIDENT.fullmatch(second) and first != second
    caplog.clear()  # expected here


def test_a_refusal_a_page_did_not_catch_shows_its_own_message(app_db, monkeypatch):
    def refused(*_args, **_kwargs):
        raise ValidationError("“改革事项”含有不允许的字符")
    monkeypatch.setattr(workbench, "todos", refused)

    at = logged_in("13800000101").run()

    assert not at.exception
    assert [e.value for e in at.error] == [r"“改革事项”含有不允许的字符"]


def test_st_switch_page_inside_a_page_is_not_an_incident(app_db, monkeypatch):
    def leave(*_args, **_kwargs):
        st.switch_page("pages/pilot_entry.py")
    monkeypatch.setattr(workbench, "todos", leave)

    at = logged_in("13800000101").run()

    assert not at.exception
    assert not any(INCIDENT.fullmatch(e.value) for e in at.error)
    assert any(t.value == "试点项目录入" for t in at.title)
