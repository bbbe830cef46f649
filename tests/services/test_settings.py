"""Settings an admin edits: the offline-delivery contacts are data, not code."""
import tomllib
from datetime import date

import pytest

from models import Role, Setting, User
from services import clock, settings
from services.errors import PermissionDenied, ValidationError
from tests.factories import make_user


def test_defaults_until_an_admin_changes_them(session):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    assert settings.get(session, "pilot_module_admin") == settings.DEFAULTS["pilot_module_admin"]

    settings.update(session, actor=admin, values={"pilot_module_admin": "改革三处 张三",
                                                 "upload_max_mb": "20"})

    assert settings.get(session, "pilot_module_admin") == "改革三处 张三"
    assert settings.upload_limit_bytes(session) == 20 * 1024 * 1024


@pytest.mark.parametrize("values, message", [
    ({"upload_max_mb": "很多"}, "须为数字"),
    ({"upload_max_mb": "0"}, "1–60 MB"),
    ({"upload_max_mb": "61"}, "1–60 MB 之间（60 MB 是服务器允许的最大上传大小）"),
    ({"upload_max_mb": "500"}, "1–60 MB"),
    ({"upload_max_mb": "nan"}, "1–60 MB"),
    ({"brand_start_date": "20230101"}, "YYYY-MM-DD"),
    ({"brand_module_admin": "张" * 201}, "最多200个字，当前201个字"),
    ({"brand_start_date": "2023/01/01"}, "YYYY-MM-DD"),
    ({"pilot_module_admin": "  "}, "不能为空"),
])
def test_bad_values_are_refused_and_nothing_is_written(session, values, message):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)

    with pytest.raises(ValidationError, match=message):
        settings.update(session, actor=admin, values={"pilot_module_admin": "新联系人", **values})

    assert settings.all_settings(session) == settings.DEFAULTS


def test_only_admins_change_settings(session):
    reviewer = make_user(session, org="市委改革办", role=Role.REVIEWER)

    with pytest.raises(PermissionDenied):
        settings.update(session, actor=reviewer, values={"upload_max_mb": "10"})

    assert settings.all_settings(session) == settings.DEFAULTS


def test_the_upload_cap_is_the_servers_max_upload_size():
    config = tomllib.loads(settings.STREAMLIT_CONFIG.read_text(encoding="utf-8"))

    assert settings.server_upload_cap_mb() == config["server"]["maxUploadSize"]


def test_the_upload_limit_follows_a_cap_set_in_the_environment(session, monkeypatch):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "30")

    with pytest.raises(ValidationError, match="1–30 MB"):
        settings.update(session, actor=admin, values={"upload_max_mb": "31"})

    settings.update(session, actor=admin, values={"upload_max_mb": "30"})
    assert settings.upload_limit_bytes(session) == 30 * 1024 * 1024


def test_a_stored_limit_above_the_cap_is_held_to_the_cap(session):
    session.add(Setting(key="upload_max_mb", value="500"))
    session.commit()

    assert settings.upload_limit_bytes(session) == settings.server_upload_cap_mb() * 1024 * 1024


def test_a_disabled_admin_cannot_change_settings(session):
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)
    session.get(User, admin.id).disabled = True
    session.commit()

    with pytest.raises(PermissionDenied, match="停用"):
        settings.update(session, actor=admin, values={"upload_max_mb": "10"})

    assert settings.all_settings(session) == settings.DEFAULTS


def test_instances_starting_together_share_one_generated_cookie_key(tmp_path, monkeypatch):
    import threading

    from services import config
    monkeypatch.delenv("REFORM_COOKIE_KEY", raising=False)
    monkeypatch.setenv("REFORM_DATA_DIR", str(tmp_path / "shared"))
    keys, start = [], threading.Barrier(8)

    def read():
        start.wait()
        keys.append(config.cookie_key())

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(keys) == 8 and len(set(keys)) == 1
    assert [p.name for p in (tmp_path / "shared").iterdir()] == ["cookie_key"]


@pytest.mark.parametrize("value, message", [
    ("2026-12-02", "晚于今天（2026-12-01）：起始日之后到今天须有可填报的获评日期"),
    ("2999-01-01", "晚于今天"),
    ("1999-12-31", "早于2000-01-01，请检查年份"),
    ("2023-02-30", "格式应为 YYYY-MM-DD"),
])
def test_a_brand_start_date_that_makes_no_sense_is_refused(session, monkeypatch, value, message):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)

    with pytest.raises(ValidationError, match=f"“改革品牌获评日期起始日”.*{message}"):
        settings.update(session, actor=admin, values={"brand_start_date": value})

    assert settings.all_settings(session) == settings.DEFAULTS


def test_a_brand_start_date_of_today_is_accepted(session, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    admin = make_user(session, org="市委改革办", role=Role.ADMIN)

    settings.update(session, actor=admin, values={"brand_start_date": "2026-12-01"})

    assert settings.get(session, "brand_start_date") == "2026-12-01"


def test_a_stored_start_date_after_today_counts_as_the_default(session, monkeypatch):
    from services import brand
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    session.add(Setting(key="brand_start_date", value="2027-01-01"))  # written before the check
    session.commit()

    assert brand.start_date(session) == brand.DEFAULT_START
    assert brand.date_problem(session, date(2026, 11, 30)) is None
