"""Admin-editable settings with defaults (contacts for 涉密 material, upload limit, …)."""
import math
import os
import re
import tomllib
from datetime import date

from sqlmodel import Session

from models import Role, Setting
from services import clock, config, limits
from services.db import transactional
from services.errors import PermissionDenied, ValidationError
from services.identity import CurrentUser, require_active

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
    "brand_start_date": "改革品牌获评日期起始日",
}
# The earliest 获评日期起始日 that makes sense: the brand report began long after this.
EARLIEST_BRAND_START = date(2000, 1, 1)
VALUE_LIMIT = 200
STREAMLIT_CONFIG = config.ROOT / ".streamlit" / "config.toml"
STREAMLIT_DEFAULT_UPLOAD_MB = 200  # Streamlit's own default for server.maxUploadSize


def server_upload_cap_mb() -> int:
    """The web server's upload cap (Streamlit's `server.maxUploadSize`, in MB).

    Read the way Streamlit reads it — the environment variable first, then the project's
    `.streamlit/config.toml` — so that the admin setting can never promise more than the
    server accepts.
    """
    if (env := os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "").strip()).isdigit():
        return int(env)
    try:
        server = tomllib.loads(STREAMLIT_CONFIG.read_text(encoding="utf-8")).get("server", {})
    except (OSError, tomllib.TOMLDecodeError):
        return STREAMLIT_DEFAULT_UPLOAD_MB
    cap = server.get("maxUploadSize", STREAMLIT_DEFAULT_UPLOAD_MB)
    return cap if isinstance(cap, int) and cap > 0 else STREAMLIT_DEFAULT_UPLOAD_MB


def get(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS[key]


def all_settings(session: Session) -> dict[str, str]:
    return {key: get(session, key) for key in DEFAULTS}


def upload_limit_bytes(session: Session) -> int:
    """The upload size limit in force: the admin's setting, never above the server's cap."""
    try:
        size = float(get(session, "upload_max_mb"))
    except ValueError:
        size = float(DEFAULTS["upload_max_mb"])
    if not math.isfinite(size) or size <= 0:
        size = float(DEFAULTS["upload_max_mb"])
    return int(min(size, server_upload_cap_mb()) * 1024 * 1024)


def _check(key: str, value: str) -> str:
    if key not in DEFAULTS:
        raise ValidationError(f"未知的设置项“{str(key)[:64]}”")
    value = (value or "").strip()
    if not value:
        raise ValidationError(f"“{LABELS[key]}”不能为空")
    limits.check_text(LABELS[key], value, VALUE_LIMIT)
    if key == "upload_max_mb":
        cap = server_upload_cap_mb()
        try:
            size = float(value)
        except ValueError:
            raise ValidationError("上传文件大小上限须为数字（单位 MB）") from None
        if not (math.isfinite(size) and 1 <= size <= cap):
            raise ValidationError(f"上传文件大小上限须在 1–{cap} MB 之间"
                                  f"（{cap} MB 是服务器允许的最大上传大小）")
    if key == "brand_start_date":
        _check_brand_start(value)
    return value


def _check_brand_start(value: str) -> None:
    """A start date clerks can comply with: a real date, not after today (Beijing), so that a
    获评日期 between the start and today exists."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        start = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"“{LABELS['brand_start_date']}”格式应为 YYYY-MM-DD") from None
    today = clock.today()
    if start > today:
        raise ValidationError(f"“{LABELS['brand_start_date']}”{start:%Y-%m-%d} 晚于今天"
                              f"（{today:%Y-%m-%d}）：起始日之后到今天须有可填报的获评日期，"
                              "请选择今天或更早的日期")
    if start < EARLIEST_BRAND_START:
        raise ValidationError(f"“{LABELS['brand_start_date']}”{start:%Y-%m-%d} 早于"
                              f"{EARLIEST_BRAND_START:%Y-%m-%d}，请检查年份")


@transactional
def update(session: Session, *, actor: CurrentUser, values: dict[str, str]) -> None:
    """系统管理员 changes settings; all values are checked before any is written."""
    if not actor.has(Role.ADMIN):
        raise PermissionDenied("仅系统管理员可修改系统设置")
    require_active(session, actor)
    cleaned = {key: _check(key, value) for key, value in values.items()}
    for key, value in cleaned.items():
        row = session.get(Setting, key) or Setting(key=key)
        row.value = value
        session.add(row)
    session.commit()
