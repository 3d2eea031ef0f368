"""The demo has a past: seed_demo adds the last eight weeks' roster and calls, which the reports
and the staffing plan read, and which no dispatch path can take."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.errors import ApplicationError
from coresponder.localtime import local, week_start_of
from dispatch.models import Assignment, CallEvent, CrisisCall
from dispatch.reports import Range, summary
from dispatch.services import call_transition
from planning.demo_history import PastUnit, history_span, past_calls
from planning.staffing import staffing_for_week
from units.demo import seed_demo

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


def test_a_first_seed_gives_the_reports_and_the_staffing_plan_real_figures_and_a_second_adds_nothing():
    today = timezone.localdate()
    first = seed_demo()
    assert first.created_calls > 1000, "eight weeks at the simulator's rates: some 50 calls a day"
    counts = (CrisisCall.objects.count(), CallEvent.objects.count(), Assignment.objects.count())

    report = summary(Range(today - timedelta(days=28), today))
    for figures in report.response_times:
        assert figures.count > 0 and figures.median is not None and figures.p90 is not None, figures
    assert report.outcomes.with_outcome == report.outcomes.calls > 0
    assert {w.name for w in report.workload_units} == {f"CR-{t}{k}" for t in (1, 2, 3) for k in (1, 2, 3, 4)}

    week = staffing_for_week(week_start_of(today) + timedelta(weeks=1))
    busy = [hour.recommended_units for hour in week.hours if hour.start.hour == 16]
    assert week.forecast.has_history and min(busy) > 0, "afternoons need units"
    assert max(h.recommended_units for h in week.hours) > max(
        h.recommended_units for h in week.hours if h.start.hour == 4
    )

    again = seed_demo()
    assert (again.created_people, again.created_units, again.created_calls) == (0, 0, 0)
    assert (CrisisCall.objects.count(), CallEvent.objects.count(), Assignment.objects.count()) == counts


def test_the_generated_calls_are_history_that_nothing_dispatches():
    seed_demo()
    calls = CrisisCall.objects.filter(external_id__startswith="DEMO-")
    assert calls.exists() and not calls.filter(imported_at__isnull=True).exists()
    assert not calls.exclude(status=S.CLOSED).exists() and not calls.filter(unit__isnull=False).exists()
    assert not CrisisCall.objects.filter(status__in=CrisisCall.AUTO_DISPATCH_STATUSES).exists()
    with pytest.raises(ApplicationError):
        call_transition(call=calls.first(), to_status=S.QUEUED)


def test_each_call_is_worked_by_a_unit_on_duty_at_street_speed_in_order():
    seed_demo()
    worked = Assignment.objects.select_related("call", "unit")
    assert worked.count() == CrisisCall.objects.exclude(dispatched_at=None).count() > 0
    for assignment in worked[:500]:
        call, unit = assignment.call, assignment.unit
        assert unit.shift_starts_at <= call.received_at < unit.shift_ends_at, "the unit was on duty"
        moments = [call.received_at, call.dispatched_at, call.en_route_at, call.on_scene_at, call.cleared_at,
                   call.closed_at]  # fmt: skip
        assert moments == sorted(moments)
        assert (assignment.started_at, assignment.ended_at) == (call.dispatched_at, call.cleared_at)
    calls = CrisisCall.objects.filter(external_id__startswith="DEMO-")
    assert calls.filter(events__to_status=S.TRANSPORTING).exists(), "some calls end with a transport"
    start, end = history_span(timezone.localdate(), 8)
    assert calls.filter(received_at__lt=start).count() == 0 and calls.filter(closed_at__gt=end).count() == 0


def test_the_history_is_the_same_every_time_for_the_same_seed():
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start, end = now - timedelta(days=2), now

    def units():
        return [PastUnit(k, k, k, start, end, (38.63, -90.2 - k / 100)) for k in range(1, 5)]

    first, second = past_calls(start, end, units(), seed=3), past_calls(start, end, units(), seed=3)
    assert [c.row() for c in first] == [c.row() for c in second] and len(first) > 50
    assert [c.unit.pk for c in first] == [c.unit.pk for c in second]
    assert [c.row() for c in past_calls(start, end, units(), seed=4)] != [c.row() for c in first]
    assert {local(c.received_at).hour for c in first} > {3, 15}
