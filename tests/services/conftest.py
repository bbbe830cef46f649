"""Fixtures for the service tests."""
import pytest

from tests.services.pilot_helpers import cast


@pytest.fixture
def w(session):
    """万州区, 黔江区, 市发展改革委, 市教委 and 市委改革办 users (see pilot_helpers.cast)."""
    return cast(session)


@pytest.fixture
def today(monkeypatch):
    """Set Beijing's date (and the moment, at noon) the services see: `today(date(…))`."""
    from datetime import date, datetime, time

    from services import clock

    def set_day(day: date) -> None:
        moment = datetime.combine(day, time(12), clock.LOCAL_TZ)
        monkeypatch.setattr(clock, "now", lambda: moment)
        monkeypatch.setattr(clock, "today", lambda: day)
    return set_day
