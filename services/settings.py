"""Admin-editable settings with defaults (contacts for 涉密 material, upload limit, …)."""
from datetime import date

from sqlmodel import Session

from models import Role, Setting
from services.db import transactional
from services.errors import PermissionDenied, ValidationError
from services.identity import CurrentUser

DEFAULTS = {
    "pilot_module_admin": "市委改革办试点管理模块管理员",
    "brand_module_admin": "市委改革办改革品牌模块管理员",
    "upload_max_mb": "50",
    "brand_start_date": "2023-01-01",
}
LABELS = {
    "pilot_module_admin": "试点管理模块管理员（涉密试点文件的线下报送对象）",
    "brand_module_admin": "改革品牌模块管理员（涉密佐证材料的线下报送对象）",
    "upload_max_mb": "上传文件大小上限（MB）",
    "brand_start_date": "改革品牌获评日期起始日（YYYY-MM-DD）",
}


def get(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS[key]


def all_settings(session: Session) -> dict[str, str]:
    return {key: get(session, key) for key in DEFAULTS}


def upload_limit_bytes(session: Session) -> int:
    try:
        return int(float(get(session, "upload_max_mb")) * 1024 * 1024)
    except ValueError:
        return int(DEFAULTS["upload_max_mb"]) * 1024 * 1024


def _check(key: str, value: str) -> str:
    value = (value or "").strip()
    if key not in DEFAULTS:
        raise ValidationError(f"未知的设置项“{key}”")
    if not value:
        raise ValidationError(f"“{LABELS[key]}”不能为空")
    if key == "upload_max_mb":
        try:
            size = float(value)
        except ValueError:
            raise ValidationError("上传文件大小上限须为数字（单位 MB）") from None
        if not 1 <= size <= 500:
            raise ValidationError("上传文件大小上限须在 1–500 MB 之间")
    if key == "brand_start_date":
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValidationError("起始日期格式应为 YYYY-MM-DD") from None
    if len(value) > 200:
        raise ValidationError(f"“{LABELS[key]}”过长（不超过200字）")
    return value


@transactional
def update(session: Session, *, actor: CurrentUser, values: dict[str, str]) -> None:
    """系统管理员 changes settings; all values are checked before any is written."""
    if not actor.has(Role.ADMIN):
        raise PermissionDenied("仅系统管理员可修改系统设置")
    cleaned = {key: _check(key, value) for key, value in values.items()}
    for key, value in cleaned.items():
        row = session.get(Setting, key) or Setting(key=key)
        row.value = value
        session.add(row)
    session.commit()
