import os
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from coresponder.roles import Role
from tests.factories import UnitFactory, UserFactory
from tests.places import DOWNTOWN, north_of
from units.models import Unit

# Playwright's sync API runs an event loop in this thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ALL_ROLES = [role.value for role in Role]
# The role matrix: every role, a logged-in user with none, and an anonymous client (None).
EVERYONE = [*ALL_ROLES, "outsider", None]


def expected(status_if_allowed: int, who: str | None, allowed: set[str]) -> int:
    """The status ``who`` should get from an operation that ``allowed`` roles may perform."""
    if who is None:
        return 401
    return status_if_allowed if who in allowed else 403


@pytest.fixture
def users(db):
    """One standing user per role, plus an outsider with no role."""
    people = {role: UserFactory(username=role, role=role) for role in ALL_ROLES}
    people["outsider"] = UserFactory(username="outsider")
    return people


@pytest.fixture
def api(users):
    """``api("dispatcher")`` is a client logged in with that role; ``api(None)`` is anonymous."""

    def client_for(who):
        client = APIClient()
        if who is not None:
            client.force_authenticate(users[who] if isinstance(who, str) else who)
        return client

    return client_for


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
    from dispatch.models import Assignment, CrisisCall
    from tests.factories import CallFactory

    def make(status, unit=None, **fields):
        now = timezone.now()
        fields.setdefault("status_changed_at", now)
        call = CallFactory(status=status, **fields)
        if status in CrisisCall.WITH_UNIT_STATUSES or status in (CrisisCall.Status.CLEARED, CrisisCall.Status.CLOSED):
            unit = unit or unit_at(1)
            active = status in CrisisCall.WITH_UNIT_STATUSES
            Assignment.objects.create(call=call, unit=unit, started_at=now, ended_at=None if active else now,
                                      end_reason="" if active else Assignment.EndReason.CLEARED)  # fmt: skip
            if active:
                Unit.objects.filter(pk=unit.pk).update(status=status)
            call.unit = unit
            call.dispatched_at = now
            call.save()
        return call

    return make


@pytest.fixture
def broker_messages(settings):
    """``broker_messages()``: the (task name, args) of messages waiting in the test broker's
    default queue, which this fixture empties first. Read from Redis itself."""
    import base64
    import json

    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()

    def read():
        messages = []
        for raw in client.lrange("celery", 0, -1):
            message = json.loads(raw)
            args = json.loads(base64.b64decode(message["body"]))[0]
            messages.append((message["headers"]["task"], args))
        return messages

    return read
