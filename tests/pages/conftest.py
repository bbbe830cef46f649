"""AppTest helpers: a migrated, seeded database in the test's data dir and a logged-in user."""
import time

import pytest
from streamlit.testing.v1 import AppTest

from services import db, seed
from services.passwords import hash_password

from services.config import ROOT

ROOT_SCRIPT = str(ROOT / "Home.py")


@pytest.fixture(autouse=True)
def _incidents_fail_the_test(caplog):
    """A page shows an unexpected error as 系统出错（编号 …）, not as an exception AppTest
    would report: a test fails on the logged incident instead (tests of the message clear it)."""
    yield
    incidents = [r for r in caplog.get_records("call") if r.name == "reform.incidents"]
    assert not incidents, "unexpected error on a page:\n" + "\n".join(
        caplog.handler.formatter.format(r) for r in incidents)


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.migrate(url)
    with db.session_scope() as s:
        seed.seed_all(s)
        from models import User
        from sqlalchemy import update
        # Demo users past their first login, so pages render instead of the forced change.
        s.execute(update(User).values(must_change_password=False,
                                      password_hash=hash_password("Passw0rd!")))
        s.commit()
    return url


def logged_in(phone: str) -> AppTest:
    at = AppTest.from_file(ROOT_SCRIPT, default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = phone
    at.session_state["login_at"] = time.time() + 1
    at.session_state["logout"] = False
    return at
