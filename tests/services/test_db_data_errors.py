"""A value the database refuses (PostgreSQL: NUL in text, a lone surrogate the driver cannot
encode) is a Chinese refusal from `db`, not a raw psycopg error, and the transaction is rolled
back. On SQLite, which stores such text, the mapping is shown with the error it would meet."""
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError

from models import Setting
from services import db
from services.db import DATA_MESSAGE
from services.errors import ValidationError


def _settings(engine) -> int:
    with db.session_scope(engine) as s:
        return s.execute(select(func.count()).select_from(Setting)).scalar_one()


def _insert_then(session, value: str) -> None:
    session.add(Setting(key="pilot_module_admin", value="写入后应被回滚"))
    session.flush()
    session.execute(text("SELECT :v"), {"v": value})


@pytest.mark.parametrize("value", ["含\x00字符", "含\ud800字符"])
def test_text_the_database_cannot_hold_is_a_chinese_refusal_and_nothing_is_written(
        engine, value):
    before = _settings(engine)

    if engine.dialect.name == "postgresql":
        with pytest.raises(ValidationError, match=DATA_MESSAGE), db.session_scope(engine) as s:
            _insert_then(s, value)
    else:
        with pytest.raises(ValidationError, match=DATA_MESSAGE), db.session_scope(engine) as s:
            _insert_then(s, "正常文字")
            raise DataError("SELECT :v", {"v": value}, ValueError("cannot contain NUL"))

    assert _settings(engine) == before


def test_a_data_error_inside_an_action_is_the_same_refusal(engine):
    @db.transactional
    def action(session):
        session.add(Setting(key="pilot_module_admin", value="写入后应被回滚"))
        session.flush()
        raise DataError("UPDATE", {}, ValueError("numeric field overflow"))

    with pytest.raises(ValidationError, match=DATA_MESSAGE), db.session_scope(engine) as s:
        action(s)

    assert _settings(engine) == 0


def test_an_id_beyond_what_the_database_holds_is_the_refusal_of_a_missing_record(engine):
    from services import brand
    from services.errors import PermissionDenied
    from tests.factories import make_user
    from models import Role
    with db.session_scope(engine) as s:
        office = make_user(s, org="市委改革办", role=Role.REVIEWER)

    for entry_id in (2 ** 70, "1", True, -1):
        with pytest.raises(PermissionDenied, match="该改革品牌不存在或您无权查看"), \
                db.session_scope(engine) as s:
            brand.get(s, actor=office, entry_id=entry_id)
