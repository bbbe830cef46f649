"""Times are stored in UTC and shown in Beijing time (SPEC §10: Asia/Shanghai).

Every "today" / "now" rule goes through `today()` / `now()` here, never the host's clock zone.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current moment in Beijing time (aware)."""
    return datetime.now(timezone.utc).astimezone(LOCAL_TZ)


def today() -> date:
    """Beijing's date, whatever the host's time zone."""
    return now().date()


def local_time(ts: datetime) -> str:
    """A stored UTC time as Beijing time text (YYYY-MM-DD HH:MM)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
