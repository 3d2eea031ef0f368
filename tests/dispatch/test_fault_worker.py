"""A Celery worker broken (SPEC §3.5-3.6): killed in the middle of an assignment, and two beats
running at once. Real PostgreSQL, real Redis, real Celery workers; each test states the recovery
time it holds to."""

import time

import pytest
import redis
from django.conf import settings
from django.db import connection

from dispatch.models import Assignment, CallAlert, CallEvent, CrisisCall
from dispatch.services import call_intake
from tests.places import DOWNTOWN
from tests.processes import (
    FAST_SWEEP,
    RECOVERY_SECONDS,
    SWEEP_SECONDS,
    dispatched_once,
    process_env,
    running,
    start_worker,
    status_of,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)
S = CrisisCall.Status


def backends(application_name: str, *, waiting_on_advisory_lock=False) -> int:
    query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
    if waiting_on_advisory_lock:
        query += " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
    with connection.cursor() as cursor:
        cursor.execute(query, [application_name])
        return cursor.fetchone()[0]


def test_a_worker_killed_in_the_middle_of_an_assignment_loses_nothing(unit_at):
    broker = settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker).flushdb()  # this run's own database number, left clean
    unit_at(1), unit_at(2)
    pause_key, doomed = 4242, "coresponder-doomed-worker"

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [pause_key])
    worker = start_worker(
        process_env(broker, DATABASE_APPLICATION_NAME=doomed, **FAST_SWEEP), name="doomed", pause_lock=pause_key
    )
    with running(worker):
        call, _ = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="suicidal_ideation", priority=1)
        # The worker has written the assignment and waits, uncommitted, on the test's lock.
        wait_until(lambda: backends(doomed, waiting_on_advisory_lock=True), timeout=20, message="worker mid-assignment")
        worker.kill()
        worker.popen.wait(timeout=10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [pause_key])
    wait_until(lambda: backends(doomed) == 0, timeout=20, message="the dead worker's transaction rolled back")
    assert status_of(call) == S.RECEIVED, "the killed worker's half-made assignment is gone"
    assert not Assignment.objects.exists()

    started = time.monotonic()
    with running(start_worker(process_env(broker, **FAST_SWEEP), beat=True, name="rescuer")):
        wait_until(lambda: status_of(call) == S.DISPATCHED, timeout=RECOVERY_SECONDS, message="call dispatched")
    recovered_in = time.monotonic() - started
    assert recovered_in < RECOVERY_SECONDS
    assert Assignment.objects.filter(call=call).count() == 1
    assert CallEvent.objects.filter(call=call, to_status=S.DISPATCHED).count() == 1


def test_two_beats_at_once_dispatch_each_call_once_and_raise_each_alert_once(unit_at, settings, call_in):
    from datetime import timedelta

    import redis as redis_client
    from django.utils import timezone

    redis_client.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    for km in (1, 2, 3):
        unit_at(km)
    long_ago = timezone.now() - timedelta(minutes=5)
    lost = [call_in(S.RECEIVED, priority=1, received_at=long_ago, status_changed_at=long_ago) for _ in range(5)]
    env = process_env(settings.CELERY_BROKER_URL, **FAST_SWEEP)
    with running(start_worker(env, beat=True, name="beat-one"), start_worker(env, beat=True, name="beat-two")):
        wait_until(lambda: CrisisCall.objects.filter(status=S.DISPATCHED).count() == 3, timeout=RECOVERY_SECONDS,
                   message="three calls dispatched")  # fmt: skip
        wait_until(lambda: CallAlert.objects.filter(cleared_at__isnull=True).count() == 2, timeout=RECOVERY_SECONDS,
                   message="the two waiting calls flagged")  # fmt: skip
        time.sleep(3 * SWEEP_SECONDS)  # several sweeps by both beats
    waiting = [c for c in lost if status_of(c) == S.QUEUED]
    assert len(waiting) == 2
    assert all(dispatched_once(c) for c in lost if status_of(c) == S.DISPATCHED)
    for call in waiting:
        assert CallAlert.objects.filter(call=call).count() == 1, "raised once, by one of the two beats"
