"""The demo city's simulator drives calls through the real services to their outcome."""

import logging
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from dispatch.eta import haversine_km
from dispatch.models import CrisisCall, Outcome
from dispatch.selectors import ranked_candidates
from dispatch.services import call_auto_assign, queue_serve
from dispatch.simulator import NEIGHBOURHOODS, Simulator
from tests.factories import ShiftFactory, UnitFactory
from units.demo import seed_demo
from units.models import Unit

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


def test_calls_arrive_get_worked_and_close_with_an_outcome(unit_at):
    units = [unit_at(km) for km in (0, 1, 2, 3, 4, 5, 6, 7)]
    afternoon = datetime(2030, 3, 5, 14, tzinfo=ZoneInfo("America/Chicago"))  # the busy hours, whenever this runs
    simulator = Simulator(speed=60, rate_factor=2, seed=3, sim_now=afternoon)
    for _ in range(240):  # four simulated hours, a minute at a time
        simulator.step(timedelta(minutes=1))
        for call_id in CrisisCall.objects.filter(status=S.RECEIVED).values_list("pk", flat=True):
            call_auto_assign(call_id=call_id)  # what the Celery worker does
        queue_serve()
    statuses = Counter(CrisisCall.objects.values_list("status", flat=True))
    assert simulator.created > 15, "about 7 calls an hour expected"
    assert statuses[S.CLOSED] >= 10, statuses
    assert Outcome.objects.count() == statuses[S.CLOSED]
    assert {
        e
        for e in CrisisCall.objects.get(
            status=S.CLOSED, pk=CrisisCall.objects.filter(status=S.CLOSED).first().pk
        ).events.values_list("to_status", flat=True)
    } >= {S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE, S.CLEARED, S.CLOSED}
    moved = [
        u for u in Unit.objects.filter(pk__in=[u.pk for u in units]) if (u.lat, u.lon) != (units[0].lat, units[0].lon)
    ]
    assert moved, "units drove to their calls and posted fixes"
    for call in CrisisCall.objects.all():
        assert any(abs(call.lat - lat) < 0.05 and abs(call.lon - lon) < 0.06 for lat, lon in NEIGHBOURHOODS)


def test_held_calls_are_reviewed_by_the_simulated_dispatcher(unit_at):
    unit_at(1)
    simulator = Simulator(speed=60, rate_factor=0, seed=1)
    from dispatch.services import call_intake

    call, _ = call_intake(lat=38.63, lon=-90.2, nature="psychosis", priority=1, weapons=True)
    for _ in range(10):
        simulator.step(timedelta(minutes=1))
    call.refresh_from_db()
    assert call.status in (S.RECEIVED, S.RETURNED_TO_911)


def test_in_triage_mode_the_simulated_crisis_line_resolves_most_calls_by_phone_and_sends_the_rest(unit_at, settings):
    settings.DISPATCH_INTAKE_MODE = "triage"
    for km in (0, 1, 2, 3):
        unit_at(km)
    afternoon = datetime(2030, 3, 5, 14, tzinfo=ZoneInfo("America/Chicago"))
    simulator = Simulator(speed=60, rate_factor=3, seed=5, sim_now=afternoon)
    for _ in range(120):
        simulator.step(timedelta(minutes=1))
        for call_id in CrisisCall.objects.filter(status=S.RECEIVED).values_list("pk", flat=True):
            call_auto_assign(call_id=call_id)
        queue_serve()
    calls = CrisisCall.objects.all()
    assert calls.count() > 10
    assert calls.exclude(phone_disposition="").count() >= 3, "resolved by phone"
    assert calls.filter(dispatched_at__isnull=False).count() >= 2, "sent to a unit"
    assert calls.filter(status=S.TRIAGE).count() < calls.count() / 3, "only the last minutes' calls still wait"


class Clock:
    """The wall clock the simulator dates its fixes by, moved by hand."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def parked_unit(*, lat, lon, fix_at, shift_start, shift_end, **fields):
    shift = ShiftFactory(starts_at=shift_start, ends_at=shift_end)
    fields.setdefault("status", Unit.Status.AVAILABLE)
    return UnitFactory(shift=shift, lat=lat, lon=lon, location_at=fix_at, **fields)


def test_idle_units_keep_reporting_so_the_dispatcher_never_sees_them_stale():
    # The clock starts in the past so that every fix it dates is accepted by the location service.
    clock = Clock(timezone.now() - timedelta(hours=2))
    on_duty = {"shift_start": clock.now - timedelta(hours=1), "shift_end": clock.now + timedelta(hours=7)}
    parked = [
        parked_unit(lat=38.63, lon=-90.20, fix_at=clock.now - timedelta(minutes=1), **on_duty),
        parked_unit(lat=38.66, lon=-90.25, fix_at=clock.now - timedelta(minutes=2), **on_duty),
    ]
    went_home = parked_unit(lat=38.60, lon=-90.22, fix_at=clock.now - timedelta(minutes=1),
                            shift_start=clock.now - timedelta(hours=8), shift_end=clock.now - timedelta(minutes=1),
                            status=Unit.Status.OFF_DUTY)  # fmt: skip
    simulator = Simulator(rate_factor=0, seed=5, clock=clock)
    stale_after = settings.DISPATCH_LOCATION_STALE_AFTER
    for _ in range(90):  # an hour and a half of quiet, a minute at a time: many staleness limits
        clock.now += timedelta(minutes=1)
        assert simulator.tick(timedelta(minutes=1))
        candidates = ranked_candidates(lat=38.64, lon=-90.22, now=clock.now)
        assert {c.unit_id for c in candidates} == {u.pk for u in parked}
        assert not any(c.stale for c in candidates), f"a parked unit went stale at {clock.now}"
        for unit in Unit.objects.filter(pk__in=[u.pk for u in parked]):
            assert clock.now - unit.location_at < stale_after / 2
    for before in parked:
        after = Unit.objects.get(pk=before.pk)
        assert (after.lat, after.lon) != (before.lat, before.lon), "a fix reports where the phone is, jitter and all"
        assert haversine_km((before.lat, before.lon), (after.lat, after.lon)) < 0.3, "parked units stay parked"
    went_home.refresh_from_db()
    assert went_home.location_at == clock.now - timedelta(minutes=91), "no fixes for a unit off duty"


@pytest.mark.django_db(transaction=True)
def test_the_simulator_carries_on_after_its_database_connection_is_killed(caplog):
    clock = Clock(timezone.now() - timedelta(hours=1))
    unit = parked_unit(lat=38.63, lon=-90.20, fix_at=clock.now - timedelta(minutes=30),
                       shift_start=clock.now - timedelta(hours=1), shift_end=clock.now + timedelta(hours=7))  # fmt: skip
    simulator = Simulator(rate_factor=0, seed=5, clock=clock)
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(50):  # the backend exits on its own time
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    break
                time.sleep(0.1)
    finally:
        other.close()

    with caplog.at_level(logging.WARNING, logger="dispatch.simulator"):
        assert simulator.tick(timedelta(seconds=10)) is False, "the tick on the dead connection did not complete"
    assert "database error" in caplog.text

    clock.now += timedelta(seconds=10)
    assert simulator.tick(timedelta(seconds=10)), "the next tick reconnects"
    unit.refresh_from_db()
    assert unit.location_at == clock.now, "and does the work: the parked unit's stale fix is refreshed"


def test_a_demo_left_running_gets_next_weeks_roster_the_day_before():
    sunday = Clock(datetime(2030, 3, 10, 12, tzinfo=ZoneInfo("America/Chicago")))
    seed_demo(today=sunday.now.date())
    next_monday = datetime(2030, 3, 11, 12, tzinfo=ZoneInfo("America/Chicago"))
    assert not Unit.objects.on_shift(next_monday).exists(), "the seeded week ends on Sunday"
    logins = sorted(Unit.objects.filter(clinician__user__isnull=False).values_list("pk", "clinician__user"))
    simulator = Simulator(rate_factor=0, seed=5, clock=sunday, keep_demo_roster=True)
    assert simulator.tick(timedelta(minutes=1))
    linked = Unit.objects.filter(clinician__user__isnull=False, shift__starts_at__lt=next_monday)
    assert sorted(linked.values_list("pk", "clinician__user")) == logins, "the demo logins stay with their units"
    assert Unit.objects.on_shift(next_monday).count() == 4, "Monday noon's day shift, one unit per district"
    units = Unit.objects.count()
    assert simulator.tick(timedelta(minutes=1)) and Unit.objects.count() == units, "once a day, and idempotent"
