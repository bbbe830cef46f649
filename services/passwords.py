"""Password hashing, the password rule of SPEC §1 and the account (phone number) format."""
import re
from functools import cache
from pathlib import Path

import bcrypt

INITIAL_PASSWORD = "123456"
PHONE_LENGTH = 11
# ASCII digits only: `\d` would also accept Arabic-Indic, Devanagari, … digits.
PHONE_RE = re.compile(r"1[3-9][0-9]{9}")
WEAK_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "weak_passwords.txt"
# Full-width digits (as typed with a Chinese input method) count as the ASCII digit.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=10)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    data = password.encode("utf-8", "surrogatepass")  # a lone surrogate simply does not match
    if len(data) > 72:  # bcrypt refuses longer input; such a password can never match
        return False
    return bcrypt.checkpw(data, password_hash.encode())


@cache
def dummy_hash() -> str:
    """A hash of the same cost as real ones, checked when a login names no account, so that
    an unknown phone number takes as long to refuse as a wrong password."""
    return hash_password("no account has this password")


@cache
def weak_passwords() -> frozenset[str]:
    """The shipped list of common weak passwords, lower-cased."""
    lines = WEAK_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#"))


def password_problem(phone: str, new: str) -> str | None:
    """Why `new` is not acceptable as a password for account `phone`, or None."""
    if len(new) < 8:
        return "新密码至少8位"
    if len(new.encode("utf-8")) > 72:
        return "新密码过长（不超过72个字节）"
    if not re.search(r"[A-Za-z]", new) or not re.search(r"[0-9]", new):
        return "新密码须同时包含字母和数字"
    if phone and phone in new:
        return "新密码不能包含账号（手机号）"
    if new == INITIAL_PASSWORD:
        return "新密码不能为初始密码"
    if new.lower() in weak_passwords():
        return "新密码过于常见，容易被猜中，请换一个（避免 Passw0rd、Abc12345、Qwer1234 这类组合）"
    return None


def normalize_phone(phone: str | None) -> str:
    """The account number as stored: surrounding spaces removed, full-width digits as ASCII."""
    return (phone or "").strip().translate(_FULL_WIDTH_DIGITS)


def phone_problem(phone: str) -> str | None:
    """Why a (normalised) phone number is not a valid account number, or None."""
    if len(phone or "") > PHONE_LENGTH:
        return f"手机号最多{PHONE_LENGTH}位，当前{len(phone)}位，请填写11位手机号码"
    if not PHONE_RE.fullmatch(phone or ""):
        return f"手机号“{phone}”格式不正确（应为11位手机号码，只能包含数字）"
    return None
