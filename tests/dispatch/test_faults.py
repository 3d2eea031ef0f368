"""More faults of real processes (issue: Trust §5): Redis restarted and flushed under the
workers, a PostgreSQL connection dropped in the middle of an assignment, two beats at once.
Each states the recovery time it holds to."""

import time

import pytest
from django.db import connection

from dispatch.models import Assignment, CallAlert, CallEvent, CrisisCall
from dispatch.services import call_intake
from tests.places import DOWNTOWN
from tests.processes import RedisServer, process_env, running, start_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
S = CrisisCall.Status
SWEEP = 1
FAST = {"DISPATCH_SWEEP_INTERVAL_SECONDS": SWEEP, "DISPATCH_RESEND_AFTER_SECONDS": SWEEP}
# A worker's start-up, one sweep and a margin.
RECOVERY_SECONDS = 20


def status_of(call):
    return CrisisCall.objects.values_list("status", flat=True).get(pk=call.pk)


def dispatched_once(call):
    return (
        Assignment.objects.filter(call=call).count() == 1
        and CallEvent.objects.filter(call=call, to_status=S.DISPATCHED).count() == 1
    )


def new_call(**fields):
    fields = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "welfare_check", "priority": 2, **fields}
    call, _ = call_intake(**fields)
    return call


def test_calls_survive_redis_being_flushed_and_restarted(unit_at, call_in):
    """Messages lost in Redis cost at most a sweep: the database remembers every call."""
    from coresponder.celery import app

    for km in (1, 2, 3, 4):
        unit_at(km)
    redis = RedisServer().start()

    def send_assignment(call):  # what intake's on-commit hook sends, to this test's own Redis
        with app.connection_for_write(redis.url) as broker:
            app.send_task("dispatch.tasks.assign_call", args=[call.pk], connection=broker)

    try:
        # Calls stored and their messages sent while no worker runs; then Redis is wiped.
        lost = [call_in(S.RECEIVED) for _ in range(2)]
        for call in lost:
            send_assignment(call)
        import redis as redis_client

        redis_client.Redis.from_url(redis.url).flushall()
        with running(start_worker(process_env(redis.url, **FAST), beat=True)):
            started = time.monotonic()
            wait_until(lambda: all(status_of(c) == S.DISPATCHED for c in lost), timeout=RECOVERY_SECONDS,
                       message="flushed calls dispatched")  # fmt: skip
            assert time.monotonic() - started < RECOVERY_SECONDS

            # Redis restarts under the running worker: a call stored while it was down (its
            # message never sent) and one sent after it came back are both dispatched.
            redis.stop()
            during = call_in(S.RECEIVED)
            redis.start()
            after = call_in(S.RECEIVED)
            send_assignment(after)
            wait_until(lambda: status_of(during) == status_of(after) == S.DISPATCHED, timeout=RECOVERY_SECONDS,
                       message="calls around the restart dispatched")  # fmt: skip
        assert all(dispatched_once(c) for c in [*lost, during, after])
    finally:
        redis.stop()


def test_a_database_connection_dropped_mid_assignment_loses_nothing(unit_at, settings):
    unit_at(1), unit_at(2)
    import redis as redis_client

    redis_client.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    pause_key, name = 4343, "coresponder-dropped-worker"
    env = process_env(
        settings.CELERY_BROKER_URL, DISPATCH_TEST_PAUSE_LOCK=pause_key, DATABASE_APPLICATION_NAME=name, **FAST
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [pause_key])
    with running(start_worker(env, beat=True)):
        call = new_call(priority=1)

        def waiting_mid_assignment():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND wait_event = 'advisory'", [name]
                )
                return cursor.fetchone()

        pid = wait_until(waiting_mid_assignment, timeout=20, message="worker mid-assignment")[0]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            cursor.execute("SELECT pg_advisory_unlock(%s)", [pause_key])
        started = time.monotonic()
        # The same worker reconnects; its sweeper sends the call again.
        wait_until(
            lambda: status_of(call) == S.DISPATCHED, timeout=RECOVERY_SECONDS, message="dispatched after the drop"
        )
        assert time.monotonic() - started < RECOVERY_SECONDS
    assert dispatched_once(call)


def test_two_beats_at_once_dispatch_each_call_once_and_raise_each_alert_once(unit_at, settings, call_in):
    from datetime import timedelta

    import redis as redis_client
    from django.utils import timezone

    redis_client.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    for km in (1, 2, 3):
        unit_at(km)
    long_ago = timezone.now() - timedelta(minutes=5)
    lost = [call_in(S.RECEIVED, priority=1, received_at=long_ago, status_changed_at=long_ago) for _ in range(5)]
    env = process_env(settings.CELERY_BROKER_URL, **FAST)
    with running(start_worker(env, beat=True, name="beat-one"), start_worker(env, beat=True, name="beat-two")):
        wait_until(lambda: CrisisCall.objects.filter(status=S.DISPATCHED).count() == 3, timeout=RECOVERY_SECONDS,
                   message="three calls dispatched")  # fmt: skip
        wait_until(lambda: CallAlert.objects.filter(cleared_at__isnull=True).count() == 2, timeout=RECOVERY_SECONDS,
                   message="the two waiting calls flagged")  # fmt: skip
        time.sleep(3 * SWEEP)  # several sweeps by both beats
    waiting = [c for c in lost if status_of(c) == S.QUEUED]
    assert len(waiting) == 2
    assert all(dispatched_once(c) for c in lost if status_of(c) == S.DISPATCHED)
    for call in waiting:
        assert CallAlert.objects.filter(call=call).count() == 1, "raised once, by one of the two beats"
