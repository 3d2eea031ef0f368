"""The broker (Redis) broken (SPEC §3.6): down during intake, flushed, restarted under a running
worker. Intake never depends on it, and no call is lost: the database remembers every call and
the sweeper sends it again. Each test states the recovery time it holds to."""

import json
import time
import urllib.request

import pytest
from knox.models import AuthToken

from dispatch.models import CrisisCall
from tests.factories import UserFactory
from tests.places import DOWNTOWN
from tests.processes import (
    FAST_SWEEP,
    RECOVERY_SECONDS,
    RedisServer,
    dispatched_once,
    free_port,
    process_env,
    running,
    start_web,
    start_worker,
    status_of,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)
S = CrisisCall.Status


def test_intake_answers_201_with_redis_down_and_the_call_is_dispatched_when_it_returns(unit_at):
    unit_at(1)
    intake = UserFactory(username="cad", role="intake")
    token = AuthToken.objects.create(user=intake)[1]
    broker = RedisServer().start()
    env = process_env(broker.url, **FAST_SWEEP)
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
        with running(start_worker(process_env(redis.url, **FAST_SWEEP), beat=True)):
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
