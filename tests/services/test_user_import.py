"""Bulk user import: all-or-nothing with row-numbered errors."""
import pytest
from sqlalchemy import func, select

from models import Role, User
from services import user_import
from services.errors import PermissionDenied, RowErrors, ValidationError
from services.exports import read_xlsx, to_xlsx
from tests.factories import make_user


def workbook(rows):
    return to_xlsx(rows, headers=user_import.HEADERS)


def users(session):
    return session.execute(select(func.count()).select_from(User)).scalar_one()


@pytest.fixture
def admin(session):
    return make_user(session, org="市委改革办", role=Role.ADMIN)


def test_template_has_the_expected_headers(session):
    rows = read_xlsx(user_import.template())

    assert list(rows[0][1]) == ["手机号", "姓名", "所属单位", "角色"]


def test_valid_file_creates_every_user(session, admin):
    data = workbook([
        {"手机号": "13611110001", "姓名": "王五", "所属单位": "万州区", "角色": "录入员"},
        {"手机号": 13611110002, "姓名": "赵六", "所属单位": "市教委", "角色": "录入员、审核员"},
    ])

    created = user_import.import_users(session, actor=admin, data=data)

    assert created == 2
    phones = set(session.execute(select(User.phone)).scalars())
    assert {"13611110001", "13611110002"} <= phones


def test_any_bad_row_rejects_the_whole_file_with_row_numbers(session, admin):
    existing = make_user(session)
    before = users(session)
    data = workbook([
        {"手机号": "13611110001", "姓名": "王五", "所属单位": "万州区", "角色": "录入员"},
        {"手机号": "1361111", "姓名": "短号", "所属单位": "万州区", "角色": "录入员"},
        {"手机号": "13611110003", "姓名": "", "所属单位": "不存在区", "角色": "科长"},
        {"手机号": existing.phone, "姓名": "重复", "所属单位": "万州区", "角色": "录入员"},
        {"手机号": "13611110001", "姓名": "又一个", "所属单位": "万州区", "角色": "录入员"},
    ])

    with pytest.raises(RowErrors) as refused:
        user_import.import_users(session, actor=admin, data=data)

    rows = dict(refused.value.rows)
    assert sorted(rows) == [3, 4, 5, 6]
    assert "格式不正确" in rows[3]
    assert "姓名为空" in rows[4] and "不存在" in rows[4] and "科长" in rows[4]
    assert "已被注册" in rows[5]
    assert "与第2行重复" in rows[6]
    assert users(session) == before


def test_not_a_workbook_is_refused(session, admin):
    with pytest.raises(ValidationError, match="不是有效的 Excel"):
        user_import.import_users(session, actor=admin, data=b"not excel")


def test_only_admin_may_import(session):
    clerk = make_user(session)

    with pytest.raises(PermissionDenied):
        user_import.import_users(session, actor=clerk, data=user_import.template())
