"""“Today” is Beijing's date whatever the host's time zone (SPEC §10).

The process time zone is set with `TZ` + `time.tzset()`, and the current instant is frozen in
every form the clock module could read it (`datetime.now/today/utcnow`, `date.today`,
`time.time`), each answering as the host would in that zone.
"""
import os
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from services import clock

UTC_MINUS_12 = "<-12>12"  # POSIX TZ: the sign is inverted
UTC_PLUS_14 = "<+14>-14"


@pytest.fixture
def host_zone():
    """Set the process time zone for one test and restore it afterwards."""
    saved = os.environ.get("TZ")

    def set_zone(tz: str) -> None:
        os.environ["TZ"] = tz
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def freeze(monkeypatch, instant: datetime) -> None:
    """Make every clock API of the `clock` module answer `instant`, as the host would."""
    epoch = instant.timestamp()

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(epoch, tz)  # naive host-local time when tz is None

        @classmethod
        def today(cls):
            return datetime.fromtimestamp(epoch)

        @classmethod
        def utcnow(cls):
            return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)

    class FrozenDate(date):
        @classmethod
        def today(cls):
            return datetime.fromtimestamp(epoch).date()

    monkeypatch.setattr(clock, "datetime", FrozenDatetime)
    monkeypatch.setattr(clock, "date", FrozenDate, raising=False)
    monkeypatch.setattr(time, "time", lambda: epoch)


@pytest.mark.parametrize("zone, beijing, host_date", [
    # 03:00 on New Year's Day in Beijing is still 31 December west of the date line.
    (UTC_MINUS_12, datetime(2026, 1, 1, 3, 0, tzinfo=clock.LOCAL_TZ), date(2025, 12, 31)),
    # 20:00 on 31 December in Beijing is already New Year's Day on Kiribati's clock.
    (UTC_PLUS_14, datetime(2025, 12, 31, 20, 0, tzinfo=clock.LOCAL_TZ), date(2026, 1, 1)),
], ids=["UTC-12", "UTC+14"])
def test_today_is_beijings_date_whatever_the_hosts_time_zone(monkeypatch, host_zone, zone,
                                                             beijing, host_date):
    host_zone(zone)
    freeze(monkeypatch, beijing)
    assert datetime.fromtimestamp(beijing.timestamp()).date() == host_date  # the host differs

    today, now = clock.today(), clock.now()

    assert today == beijing.date() != host_date
    assert now == beijing and now.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("zone", [UTC_MINUS_12, UTC_PLUS_14])
def test_stored_utc_times_are_shown_in_beijing_time_whatever_the_hosts_zone(host_zone, zone):
    host_zone(zone)

    shown = clock.local_time(datetime(2025, 12, 31, 19, 30))  # naive values are UTC

    assert shown == "2026-01-01 03:30"

