import pytest

from services.passwords import hash_password, password_problem, phone_problem, verify_password


@pytest.mark.parametrize("new, problem", [
    ("abc123", "至少8位"),
    ("abcdefgh", "字母和数字"),
    ("12345678", "字母和数字"),
    ("13812345678", "字母和数字"),
])
def test_weak_passwords_are_refused_with_a_reason(new, problem):
    assert problem in password_problem("13812345678", new)


def test_password_equal_to_account_is_refused():
    assert password_problem("a1b2c3d4e5", "a1b2c3d4e5") == "新密码不能与账号（手机号）相同"


def test_good_password_is_accepted():
    assert password_problem("13812345678", "Reform2026") is None


@pytest.mark.parametrize("phone", ["1380000000", "23800000000", "12800000000", "1380000000a", ""])
def test_malformed_phone_numbers_are_refused(phone):
    assert "格式不正确" in phone_problem(phone)


def test_hash_verifies_only_the_same_password():
    hashed = hash_password("Reform2026")

    assert verify_password("Reform2026", hashed)
    assert not verify_password("Reform2027", hashed)
    assert not verify_password("x" * 100, hashed)
