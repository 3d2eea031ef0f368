"""The database connection broken (SPEC §3.5): PostgreSQL drops a worker's connection in the
middle of an assignment; the half-made assignment rolls back and the call is dispatched once."""

import time

import pytest
from django.db import connection

from dispatch.models import CrisisCall
from dispatch.services import call_intake
from tests.places import DOWNTOWN
from tests.processes import (
    FAST_SWEEP,
    RECOVERY_SECONDS,
    dispatched_once,
    process_env,
    running,
    start_worker,
    status_of,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)
S = CrisisCall.Status


def new_call(**fields):
    fields = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "welfare_check", "priority": 2, **fields}
    call, _ = call_intake(**fields)
    return call


def test_a_database_connection_dropped_mid_assignment_loses_nothing(unit_at, settings):
    unit_at(1), unit_at(2)
    import redis as redis_client

    redis_client.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    pause_key, name = 4343, "coresponder-dropped-worker"
    env = process_env(settings.CELERY_BROKER_URL, DATABASE_APPLICATION_NAME=name, **FAST_SWEEP)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [pause_key])
    with running(start_worker(env, beat=True, pause_lock=pause_key)):
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
