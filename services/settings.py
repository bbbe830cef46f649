"""Admin-editable settings with defaults."""
from sqlmodel import Session

from models import Setting

DEFAULTS = {
    "upload_max_mb": "50",
    "pilot_module_admin": "市委改革办试点管理模块管理员",
    "brand_module_admin": "市委改革办改革品牌模块管理员",
    "brand_start_date": "2023-01-01",
}
LABELS = {
    "upload_max_mb": "上传文件大小上限（MB）",
    "pilot_module_admin": "试点管理模块管理员（涉密材料线下报送对象）",
    "brand_module_admin": "改革品牌模块管理员（涉密材料线下报送对象）",
    "brand_start_date": "改革品牌获评日期起始日",
}


def get(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS[key]


def upload_limit_bytes(session: Session) -> int:
    try:
        return int(float(get(session, "upload_max_mb")) * 1024 * 1024)
    except ValueError:
        return int(DEFAULTS["upload_max_mb"]) * 1024 * 1024
