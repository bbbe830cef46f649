import pytest

from services.passwords import (
    hash_password, normalize_phone, password_problem, phone_problem, verify_password,
    weak_passwords,
)


@pytest.mark.parametrize("new, problem", [
    ("abc123", "至少8位"),
    ("abcdefgh", "字母和数字"),
    ("12345678", "字母和数字"),
    ("13812345678", "字母和数字"),
    ("abcdefg٣", "字母和数字"),  # an Arabic-Indic digit is not a digit of the rule
])
def test_weak_passwords_are_refused_with_a_reason(new, problem):
    assert problem in password_problem("13812345678", new)


def test_password_equal_to_account_is_refused():
    assert password_problem("a1b2c3d4e5", "a1b2c3d4e5") == "新密码不能包含账号（手机号）"


@pytest.mark.parametrize("new", ["Ab13812345678", "13812345678x", "x13812345678y"])
def test_password_containing_the_phone_number_is_refused(new):
    assert password_problem("13812345678", new) == "新密码不能包含账号（手机号）"


@pytest.mark.parametrize("new", [
    "Passw0rd", "passw0rd", "PASSW0RD", "Abc12345", "Qwer1234", "Aa123456", "password1",
    "1qaz2wsx", "1Q2W3E4R", "zaq12wsx", "qwerty123", "Woaini1314", "Admin123",
])
def test_common_weak_passwords_are_refused_whatever_their_case(new):
    assert "过于常见" in password_problem("13812345678", new)


def test_the_shipped_weak_password_list_has_a_few_hundred_relevant_entries():
    entries = weak_passwords()

    assert len(entries) >= 300
    # Every entry would otherwise pass the basic rule, so the list is what refuses it.
    assert all(len(p) >= 8 and any(c.isalpha() for c in p) and any(c.isdigit() for c in p)
               for p in entries)


def test_good_password_is_accepted():
    assert password_problem("13812345678", "Reform2026") is None


@pytest.mark.parametrize("phone", ["1380000000", "23800000000", "12800000000", "1380000000a", "",
                                   "13٨00000000", "1３800000000٠", "١٣٨٠٠٠٠٠٠٠٠",
                                   "13८00000000", "138 0000 000"])
def test_malformed_phone_numbers_are_refused(phone):
    assert phone_problem(normalize_phone(phone)) is not None


def test_full_width_digits_are_read_as_ascii_digits():
    assert normalize_phone(" １３８１２３４５６７８ ") == "13812345678"

    assert phone_problem(normalize_phone("１３８１２３４５６７８")) is None


def test_an_overlong_phone_is_refused_without_echoing_it():
    problem = phone_problem("1" * 5000)

    assert "最多11位" in problem and len(problem) < 100


def test_hash_verifies_only_the_same_password():
    hashed = hash_password("Reform2026")

    assert verify_password("Reform2026", hashed)
    assert not verify_password("Reform2027", hashed)
    assert not verify_password("x" * 100, hashed)
