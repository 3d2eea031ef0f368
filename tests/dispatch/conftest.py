from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UnitFactory
from units.models import Unit

# Downtown St. Louis, and points at known distances from it.
DOWNTOWN = (38.6270, -90.1994)


def north_of(origin, km):
    return origin[0] + km / 111.2, origin[1]


@pytest.fixture
def unit_at():
    """``unit_at(km_north_of_downtown, **fields)``: an available unit with a fresh fix there."""

    def make(km: float | None, **fields):
        now = timezone.now()
        location = {}
        if km is not None:
            lat, lon = north_of(DOWNTOWN, km)
            location = {"lat": lat, "lon": lon, "location_at": now - timedelta(seconds=5)}
        fields.setdefault("status", Unit.Status.AVAILABLE)
        fields.setdefault("status_changed_at", now - timedelta(minutes=10))
        return UnitFactory(**location, **fields)

    return make
