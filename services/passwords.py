"""Password hashing and the password rule of SPEC §1."""
import re

import bcrypt

INITIAL_PASSWORD = "123456"
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=10)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    data = password.encode("utf-8")
    if len(data) > 72:  # bcrypt refuses longer input; such a password can never match
        return False
    return bcrypt.checkpw(data, password_hash.encode())


def password_problem(phone: str, new: str) -> str | None:
    """Why `new` is not acceptable as a password for account `phone`, or None."""
    if len(new) < 8:
        return "新密码至少8位"
    if len(new.encode("utf-8")) > 72:
        return "新密码过长（不超过72个字节）"
    if not re.search(r"[A-Za-z]", new) or not re.search(r"\d", new):
        return "新密码须同时包含字母和数字"
    if new == phone:
        return "新密码不能与账号（手机号）相同"
    if new == INITIAL_PASSWORD:
        return "新密码不能为初始密码"
    return None


def phone_problem(phone: str) -> str | None:
    if not PHONE_RE.match(phone or ""):
        return f"手机号“{phone}”格式不正确（应为11位手机号码）"
    return None
