"""Fixtures for the service tests."""
import pytest

from tests.services.pilot_helpers import cast


@pytest.fixture
def w(session):
    """万州区, 黔江区, 市发展改革委, 市教委 and 市委改革办 users (see pilot_helpers.cast)."""
    return cast(session)
