"""The demand model on hand-made calls: what counts, the hour-of-week buckets, the smoothing,
and service times by nature with their defaults."""

from datetime import date, time, timedelta

import pytest

from dispatch.models import CallEvent, CrisisCall
from planning.demand import demand_before, smooth
from tests.planning.helpers import S, past_call

pytestmark = pytest.mark.django_db
WEEK = date(2030, 6, 17)  # a Monday; the history is the 8 weeks from Mon 22 April
TUESDAY = WEEK - timedelta(days=6)  # Tue 11 June, in the history's last week


def test_smoothing_spreads_each_hour_over_its_neighbours_round_the_week():
    counts = [0.0] * 168
    counts[0], counts[100] = 4.0, 2.0
    smoothed = smooth(counts)
    assert (smoothed[167], smoothed[0], smoothed[1]) == (1.0, 2.0, 1.0), "Monday 00:00's neighbour is Sunday 23:00"
    assert (smoothed[99], smoothed[100], smoothed[101]) == (0.5, 1.0, 0.5)
    assert sum(smoothed) == pytest.approx(6.0)


def test_calls_are_counted_per_local_hour_of_the_week_divided_by_the_weeks_and_smoothed(settings):
    for weeks_back in range(4):  # four Tuesdays at 14:10 local, and one at 14:50
        past_call(TUESDAY - timedelta(weeks=weeks_back), time(14, 10))
    past_call(TUESDAY, time(14, 50))
    past_call(WEEK - timedelta(weeks=9), time(14, 10))  # before the history
    past_call(WEEK, time(14, 10))  # the week asked is not its own history

    demand = demand_before(WEEK)

    tuesday_14 = 24 + 14
    assert demand.calls == 5 and demand.weeks == 8
    assert demand.per_hour[tuesday_14] == pytest.approx(0.5 * 5 / 8)
    assert demand.per_hour[tuesday_14 - 1] == demand.per_hour[tuesday_14 + 1] == pytest.approx(0.25 * 5 / 8)
    assert sum(demand.per_hour) == pytest.approx(5 / 8)
    settings.PLANNING_HISTORY_WEEKS = 2
    assert demand_before(WEEK).per_hour[tuesday_14] == pytest.approx(0.5 * 3 / 2)


def test_only_calls_that_asked_for_a_unit_count():
    past_call(TUESDAY, time(9), status=S.CANCELLED)  # cancelled by 911 after it reached the queue: asked
    past_call(TUESDAY, time(9), status=S.RETURNED_TO_911)  # returned by a dispatcher: asked
    past_call(TUESDAY, time(9), status=S.TRIAGE)  # still with the crisis line
    past_call(TUESDAY, time(9), status=S.CLOSED, phone_disposition="resolved_by_phone")
    kept = past_call(TUESDAY, time(9), status=S.RETURNED_TO_911)
    CallEvent.objects.create(call=kept, from_status=S.TRIAGE, to_status=S.RETURNED_TO_911, source="web")
    sent_on = past_call(TUESDAY, time(9), status=S.CLOSED)
    CallEvent.objects.create(call=sent_on, from_status=S.TRIAGE, to_status=S.RECEIVED, source="web")

    assert demand_before(WEEK).calls == 3


def test_service_time_is_travel_scene_and_transport_by_nature_with_defaults_when_too_few(settings):
    settings.PLANNING_MIN_CALLS_PER_NATURE = 3
    for _ in range(3):
        past_call(TUESDAY, time(10), nature="psychosis", travel=10, on_scene=60, transport=30)
    past_call(TUESDAY, time(11), nature="welfare_check", travel=20, on_scene=40)

    demand = demand_before(WEEK)

    psychosis = demand.by_nature[CrisisCall.Nature.PSYCHOSIS]
    assert (psychosis.travel, psychosis.on_scene, psychosis.transport, psychosis.calls) == (10, 60, 30, 3)
    pooled = demand.by_nature[CrisisCall.Nature.WELFARE_CHECK]  # one call: the mean of all four
    assert pooled.calls == 4 and pooled.total == pytest.approx((3 * 100 + 60) / 4)
    assert demand.service_minutes == pytest.approx((3 * 100 + 90) / 4), "weighted by the mix of calls"

    settings.PLANNING_MIN_CALLS_PER_NATURE = 5  # too few even all together: the settings' defaults
    defaults = demand_before(WEEK).by_nature[CrisisCall.Nature.PSYCHOSIS]
    assert (defaults.travel, defaults.on_scene, defaults.transport, defaults.calls) == (15, 50, 10, 0)


def test_without_history_nothing_is_expected_and_the_defaults_say_75_minutes():
    demand = demand_before(WEEK)
    assert not demand.has_history and sum(demand.per_hour) == 0
    assert demand.service_minutes == 75


def test_demand_takes_two_queries_whatever_the_history(django_assert_num_queries):
    for day in range(20):
        past_call(TUESDAY - timedelta(days=day), time(day % 24), travel=5, on_scene=30)
    with django_assert_num_queries(2):
        demand_before(WEEK)
