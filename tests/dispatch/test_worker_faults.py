"""Faults of real processes (SPEC §3.5-3.6): a worker killed in the middle of an assignment,
and intake while the broker is down. Real PostgreSQL, real Redis, real Celery workers."""

import json
import time
import urllib.request

import pytest
import redis
from django.conf import settings
from django.db import connection
from knox.models import AuthToken

from dispatch.models import Assignment, CallEvent, CrisisCall
from dispatch.services import call_intake
from tests.factories import UserFactory
from tests.places import DOWNTOWN
from tests.processes import RedisServer, free_port, process_env, running, start_web, start_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
S = CrisisCall.Status
SWEEP_SECONDS = 1
# A worker's start-up (a few seconds here) plus one sweep interval plus a margin.
RECOVERY_SECONDS = 20


def status_of(call) -> str:
    return CrisisCall.objects.values_list("status", flat=True).get(pk=call.pk)


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
    fast = {"DISPATCH_SWEEP_INTERVAL_SECONDS": SWEEP_SECONDS, "DISPATCH_RESEND_AFTER_SECONDS": SWEEP_SECONDS}

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [pause_key])
    worker = start_worker(
        process_env(broker, DISPATCH_TEST_PAUSE_LOCK=pause_key, DATABASE_APPLICATION_NAME=doomed, **fast), name="doomed"
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
    with running(start_worker(process_env(broker, **fast), beat=True, name="rescuer")):
        wait_until(lambda: status_of(call) == S.DISPATCHED, timeout=RECOVERY_SECONDS, message="call dispatched")
    recovered_in = time.monotonic() - started
    assert recovered_in < RECOVERY_SECONDS
    assert Assignment.objects.filter(call=call).count() == 1
    assert CallEvent.objects.filter(call=call, to_status=S.DISPATCHED).count() == 1


def test_intake_answers_201_with_redis_down_and_the_call_is_dispatched_when_it_returns(unit_at):
    unit_at(1)
    intake = UserFactory(username="cad", role="intake")
    token = AuthToken.objects.create(user=intake)[1]
    broker = RedisServer().start()
    env = process_env(
        broker.url, DISPATCH_SWEEP_INTERVAL_SECONDS=SWEEP_SECONDS, DISPATCH_RESEND_AFTER_SECONDS=SWEEP_SECONDS
    )
    port = free_port()
    try:
        with running(start_web(env, port)):
            broker.stop()
            body = {
                "external_id": "2026-down",
                "lat": DOWNTOWN[0],
                "lon": DOWNTOWN[1],
                "nature": "psychosis",
                "priority": 1,
            }
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/calls/",
                data=json.dumps(body).encode(),
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            started = time.monotonic()
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 201
                call_id = json.load(response)["id"]
            assert time.monotonic() - started < 10, "intake must not hang on a dead broker"
            call = CrisisCall.objects.get(pk=call_id)
            assert call.status == S.RECEIVED

            broker.start()
            with running(start_worker(env, beat=True)):
                wait_until(lambda: status_of(call) == S.DISPATCHED, timeout=RECOVERY_SECONDS, message="dispatched")
    finally:
        broker.stop()
