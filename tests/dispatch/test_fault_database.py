"""The database connection broken (SPEC §3.5): PostgreSQL drops a worker's connection in the
middle of an assignment; the half-made assignment rolls back and the call is dispatched once."""

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.test import Client
from knox.models import AuthToken

from dispatch.models import CrisisCall
from dispatch.services import call_intake
from tests.factories import UserFactory
from tests.places import DOWNTOWN
from tests.processes import (
    FAST_SWEEP,
    RECOVERY_SECONDS,
    dispatched_once,
    free_port,
    process_env,
    running,
    start_web,
    start_worker,
    status_of,
    wait_until,
)
from tests.processes import test_database_url as database_url

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


# --- A web request whose connection is cut mid-query ---------------------------------------------

WEB_NAME = "coresponder-cut-web"


@contextmanager
def calls_table_locked():
    """Every query of the calls table waits, in the middle of its request, until this lets go."""
    with psycopg.connect(database_url()) as holder:
        holder.execute("LOCK TABLE dispatch_crisiscall IN ACCESS EXCLUSIVE MODE")
        yield holder


def web_query_waiting(*, not_pid: int | None = None) -> int | None:
    """The connection of the web server's query waiting on the lock (another than ``not_pid``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'"
            " AND pid IS DISTINCT FROM %s",
            [WEB_NAME, not_pid],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def cut_web_query(*, not_pid: int | None = None) -> int:
    """Wait for the web server's query stuck on the lock, then terminate its connection."""
    pid = wait_until(lambda: web_query_waiting(not_pid=not_pid), timeout=20, message="a web query on the lock")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    return pid


def fetch(port: int, path: str, *, body: dict | None = None, headers: dict | None = None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def web(settings):
    port = free_port()
    env = process_env(settings.CELERY_BROKER_URL, DATABASE_APPLICATION_NAME=WEB_NAME)
    with running(start_web(env, port)):
        yield port


def token_for(role: str) -> str:
    return AuthToken.objects.create(user=UserFactory(username=f"cut-{role}", role=role))[1]


def test_an_api_request_whose_database_connection_is_cut_answers_503_to_retry(web, call_in):
    call_in("queued")
    auth = {"Authorization": f"Token {token_for('dispatcher')}"}
    with ThreadPoolExecutor(1) as pool, calls_table_locked() as lock:
        answer = pool.submit(fetch, web, "/api/v1/calls/", headers=auth)
        cut_web_query()
        lock.rollback()
        status, headers, body = answer.result(timeout=30)
    assert status == 503
    assert headers["Retry-After"] == "5"
    assert json.loads(body)["error"]["code"] == "unavailable"
    assert fetch(web, "/api/v1/calls/", headers=auth)[0] == 200, "the next request has a fresh connection"


def test_a_page_whose_database_connection_is_cut_answers_a_plain_503_page(web, call_in):
    call_in("queued")
    browser = Client()
    browser.force_login(UserFactory(username="cut-board", role="dispatcher"))
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    with ThreadPoolExecutor(1) as pool, calls_table_locked() as lock:
        answer = pool.submit(fetch, web, "/board/", headers=cookie)
        cut_web_query()
        lock.rollback()
        status, headers, body = answer.result(timeout=30)
    assert (status, headers["Retry-After"], headers["Content-Type"]) == (503, "5", "text/html; charset=utf-8")
    assert "briefly unavailable" in body
    assert fetch(web, "/board/", headers=cookie)[0] == 200


INTAKE = {"external_id": "CUT-1", "lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "welfare_check", "priority": 2}


def test_intake_cut_once_retries_on_a_fresh_connection_and_stores_the_call_once(web):
    auth = {"Authorization": f"Token {token_for('intake')}"}
    with ThreadPoolExecutor(1) as pool, calls_table_locked() as lock:
        answer = pool.submit(fetch, web, "/api/v1/calls/", body=INTAKE, headers=auth)
        first = cut_web_query()
        # The retry's query waits on the same lock, on a new connection: then the lock lets go.
        wait_until(lambda: web_query_waiting(not_pid=first), timeout=20, message="intake retried")
        lock.rollback()
        status, _, body = answer.result(timeout=30)
    assert status == 201, body
    assert CrisisCall.objects.filter(external_id="CUT-1").count() == 1


def test_intake_cut_twice_gives_up_with_503_and_stores_nothing(web):
    auth = {"Authorization": f"Token {token_for('intake')}"}
    with ThreadPoolExecutor(1) as pool, calls_table_locked() as lock:
        answer = pool.submit(fetch, web, "/api/v1/calls/", body=INTAKE, headers=auth)
        cut_web_query(not_pid=cut_web_query())
        lock.rollback()
        status, headers, body = answer.result(timeout=30)
    assert (status, headers["Retry-After"], json.loads(body)["error"]["code"]) == (503, "5", "unavailable")
    assert not CrisisCall.objects.filter(external_id="CUT-1").exists()


def test_intake_without_an_incident_number_is_not_retried_so_it_is_never_stored_twice(web):
    """Without an external_id a repeat cannot find the first attempt (its commit's answer may
    have been lost): the sender is told 503 and sends it again itself."""
    auth = {"Authorization": f"Token {token_for('intake')}"}
    unnumbered = {key: value for key, value in INTAKE.items() if key != "external_id"}
    with ThreadPoolExecutor(1) as pool, calls_table_locked() as lock:
        answer = pool.submit(fetch, web, "/api/v1/calls/", body=unnumbered, headers=auth)
        cut_web_query()
        lock.rollback()
        status, _, body = answer.result(timeout=30)
    assert (status, json.loads(body)["error"]["code"]) == (503, "unavailable")
    assert not CrisisCall.objects.exists()
