"""Unexpected errors reach users as a message with an incident number, never as a traceback;
the traceback is logged on the server under that number (SPEC §10 Errors)."""
import logging
import secrets
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from services import clock
from services.errors import DomainError
from ui.widgets import literal

log = logging.getLogger("reform.incidents")
if not logging.getLogger().handlers:  # Streamlit configures only its own loggers
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_handler)


def incident_number() -> str:
    """A number to find in the server log: the Beijing date and six random hex digits."""
    return f"{clock.now():%Y%m%d}-{secrets.token_hex(3).upper()}"


def message(number: str) -> str:
    return f"系统出错（编号 {number}），请联系管理员"


@contextmanager
def guarded() -> Iterator[None]:
    """Run a page: a refusal shows its Chinese message, anything else an incident number.

    Streamlit's st.rerun / st.stop / st.switch_page are BaseExceptions (not Exception): they
    pass through untouched.
    """
    try:
        yield
    except DomainError as exc:  # a refusal the page did not catch itself
        st.error(literal(exc))
    except Exception:
        number = incident_number()
        log.exception("incident %s", number)
        st.error(message(number))
