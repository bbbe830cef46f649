"""Settings an admin edits: the offline-delivery contacts are data, not code."""
import pytest

from models import Role
from services import settings
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
    ({"upload_max_mb": "0"}, "1–500"),
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
