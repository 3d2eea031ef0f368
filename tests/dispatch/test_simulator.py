"""The demo city's simulator drives calls through the real services to their outcome."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch.models import CrisisCall, Outcome
from dispatch.services import call_auto_assign, queue_serve
from dispatch.simulator import NEIGHBOURHOODS, Simulator
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
