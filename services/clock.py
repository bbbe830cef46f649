"""Times are stored in UTC and shown in Beijing time (SPEC §10: Asia/Shanghai)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def local_time(ts: datetime) -> str:
    """A stored UTC time as Beijing time text (YYYY-MM-DD HH:MM)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
