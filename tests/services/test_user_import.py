"""Bulk user import: all-or-nothing with row-numbered errors."""
import threading
import time

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

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


def test_full_width_phone_numbers_are_imported_as_ascii(session, admin):
    data = workbook([{"手机号": "１３６１１１１０００１", "姓名": "王五", "所属单位": "万州区",
                      "角色": "录入员"}])

    user_import.import_users(session, actor=admin, data=data)

    assert "13611110001" in set(session.execute(select(User.phone)).scalars())


def test_phones_with_other_script_digits_are_refused(session, admin):
    before = users(session)
    data = workbook([{"手机号": "13٦11110001", "姓名": "王五", "所属单位": "万州区",
                      "角色": "录入员"}])

    with pytest.raises(RowErrors) as refused:
        user_import.import_users(session, actor=admin, data=data)

    assert refused.value.rows[0][0] == 2 and "格式不正确" in refused.value.rows[0][1]
    assert users(session) == before


def test_overlong_name_and_a_role_that_does_not_fit_the_org_are_row_errors(session, admin):
    before = users(session)
    data = workbook([
        {"手机号": "13611110001", "姓名": "张" * 33, "所属单位": "万州区", "角色": "录入员"},
        {"手机号": "13611110002", "姓名": "赵六", "所属单位": "市教委", "角色": "领导"},
    ])

    with pytest.raises(RowErrors) as refused:
        user_import.import_users(session, actor=admin, data=data)

    rows = dict(refused.value.rows)
    assert "最多32个字" in rows[2] and "领导角色只能属于区县或市委改革办" in rows[3]
    assert users(session) == before


def many_rows(count: int) -> bytes:
    return workbook([{"手机号": f"136{n:08d}", "姓名": f"用户{n}", "所属单位": "万州区",
                      "角色": "录入员"} for n in range(count)])


def test_the_initial_password_is_hashed_once_for_the_whole_file(session, admin, monkeypatch):
    hashed = []
    real = user_import.hash_password
    monkeypatch.setattr(user_import, "hash_password",
                        lambda password: hashed.append(password) or real(password))

    created = user_import.import_users(session, actor=admin, data=many_rows(30))

    assert created == 30 and hashed == ["123456"]
    assert users(session) == 31


def test_a_large_import_does_not_make_a_concurrent_save_fail(engine, session, admin):
    from services import settings
    data = many_rows(1000)
    done, failures, saves = threading.Event(), [], []

    def another_admin_saves():
        while not done.is_set():
            try:
                with Session(engine, expire_on_commit=False) as s:
                    settings.update(s, actor=admin,
                                    values={"pilot_module_admin": f"联系人{len(saves)}"})
                saves.append(time.monotonic())
            except Exception as exc:  # noqa: BLE001  (any failure is what the test looks for)
                failures.append(exc)
            time.sleep(0.01)

    writer = threading.Thread(target=another_admin_saves)
    writer.start()
    try:
        started = time.monotonic()
        created = user_import.import_users(session, actor=admin, data=data)
        finished = time.monotonic()
    finally:
        done.set()
        writer.join()

    assert created == 1000 and users(session) == 1001
    assert failures == []
    assert any(started <= t <= finished for t in saves)


def test_a_disabled_admin_cannot_import(session, admin):
    session.execute(update(User).where(User.id == admin.id).values(disabled=True))
    session.commit()
    before = users(session)

    with pytest.raises(PermissionDenied, match="停用"):
        user_import.import_users(session, actor=admin, data=many_rows(2))

    assert users(session) == before
