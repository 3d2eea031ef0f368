"""The sweeper (SPEC §3.4): recovers calls left waiting, raises alerts and clears them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import CallAlert, CrisisCall
from dispatch.services import call_transition, sweep
from tests.dispatch.test_concurrency import run_in_threads

S = CrisisCall.Status
K = CallAlert.Kind


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def alerts(call):
    return sorted(call.alerts.filter(cleared_at__isnull=True).values_list("kind", flat=True))


@pytest.mark.django_db
def test_a_call_left_in_received_is_dispatched_by_the_sweeper(call_in, unit_at):
    unit = unit_at(1)
    lost = call_in(S.RECEIVED, status_changed_at=ago(seconds=30))
    fresh = call_in(S.RECEIVED)  # its task may still be on its way
    report = sweep()
    lost.refresh_from_db(), fresh.refresh_from_db()
    assert report.resent == [lost.pk]
    assert (lost.status, lost.unit) == (S.DISPATCHED, unit)
    assert fresh.status == S.RECEIVED


@pytest.mark.django_db
def test_queued_calls_are_served_by_the_sweeper_if_a_message_was_lost(call_in, unit_at):
    waiting = call_in(S.QUEUED)
    unit = unit_at(1)  # became available without its serve_queue message arriving
    assert sweep().served == 1
    waiting.refresh_from_db()
    assert waiting.unit == unit


@pytest.mark.django_db
def test_alerts_are_raised_past_their_thresholds_and_cleared_when_resolved(call_in, users, settings):
    emergent_waiting = call_in(S.QUEUED, priority=1, received_at=ago(seconds=90))
    routine_waiting = call_in(S.QUEUED, priority=3, received_at=ago(seconds=90))  # threshold 15 min
    unacknowledged = call_in(S.DISPATCHED, status_changed_at=ago(minutes=3))
    long_on_scene = call_in(S.ON_SCENE, status_changed_at=ago(minutes=45))

    report = sweep()

    assert alerts(emergent_waiting) == [K.WAITING_TOO_LONG]
    assert alerts(routine_waiting) == []
    assert alerts(unacknowledged) == [K.NOT_ACKNOWLEDGED]
    assert alerts(long_on_scene) == [K.SAFETY_CHECK_DUE]
    assert len(report.raised) == 3
    assert sweep().raised == [], "an alert is raised once"

    call_transition(call=unacknowledged, to_status=S.EN_ROUTE, actor=users["dispatcher"])
    call_transition(call=long_on_scene, to_status=S.CLEARED, actor=users["dispatcher"])
    assert alerts(unacknowledged) == [] and alerts(long_on_scene) == [], "cleared as soon as the call moves on"


@pytest.mark.django_db
def test_alerts_are_visible_on_the_call_in_the_api(api, call_in):
    call = call_in(S.HELD, priority=1, received_at=ago(minutes=5))
    sweep()
    body = api("dispatcher").get(f"/api/v1/calls/{call.pk}/").json()
    assert [alert["kind"] for alert in body["alerts"]] == ["waiting_too_long"]


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_raise_each_alert_once_and_dispatch_each_call_once(call_in, unit_at):
    for km in (1, 2):
        unit_at(km)
    lost = [
        call_in(S.RECEIVED, status_changed_at=ago(seconds=30), priority=1, received_at=ago(minutes=2)) for _ in range(4)
    ]
    run_in_threads([sweep] * 4, threads=4)
    assert CallAlert.objects.filter(cleared_at__isnull=True).count() == 2, "the two calls still waiting, once each"
    statuses = sorted(CrisisCall.objects.filter(pk__in=[c.pk for c in lost]).values_list("status", flat=True))
    assert statuses == [S.DISPATCHED, S.DISPATCHED, S.QUEUED, S.QUEUED]
