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


@pytest.fixture
def call_in(unit_at):
    """``call_in(status, unit=None)``: a call stored in ``status``, with a unit on it where the
    status has one (and the unit's status following it)."""
    from dispatch import transitions
    from dispatch.models import Assignment, CrisisCall
    from tests.factories import CallFactory

    def make(status, unit=None, **fields):
        now = timezone.now()
        fields.setdefault("status_changed_at", now)
        call = CallFactory(status=status, **fields)
        if status in transitions.WITH_UNIT or status in (CrisisCall.Status.CLEARED, CrisisCall.Status.CLOSED):
            unit = unit or unit_at(1)
            active = status in transitions.WITH_UNIT
            Assignment.objects.create(call=call, unit=unit, started_at=now, ended_at=None if active else now)
            if active:
                Unit.objects.filter(pk=unit.pk).update(status=status)
            call.unit = unit
            call.dispatched_at = now
            call.save()
        return call

    return make
