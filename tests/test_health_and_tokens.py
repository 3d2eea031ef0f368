import re
import time

import pytest
import redis
from django.contrib.auth.models import User
from django.core.management import call_command

from coresponder import heartbeat
from coresponder.celery import app as celery_app
from tests.processes import process_env, running, start_worker, wait_until


@pytest.fixture
def quiet_broker(settings):
    """The test's Redis database with no heartbeat on record and no task waiting."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(heartbeat.REDIS_KEY, celery_app.conf.task_default_queue)
    yield client
    client.delete(heartbeat.REDIS_KEY, celery_app.conf.task_default_queue)


def beat_seen(seconds_ago: float) -> None:
    """Stamp the heartbeat as the worker's task does, as of ``seconds_ago``."""
    with celery_app.connection_for_write() as broker:
        heartbeat.stamp(broker, at=time.time() - seconds_ago)


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_beat_ok(client, quiet_broker):
    beat_seen(3)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "broker": "ok", "beat": "ok", "oldest_waiting_task": "none"
    }  # fmt: skip


@pytest.mark.django_db
def test_healthz_is_503_when_beat_has_not_been_seen_for_too_long(client, quiet_broker, settings):
    """Beat dead: units stop coming on duty and the sweeper stops. The answer says since when."""
    settings.HEALTH_BEAT_STALE_AFTER = 60
    beat_seen(300)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["beat"] in ("down (last seen 300 s ago)", "down (last seen 301 s ago)")


@pytest.mark.django_db
def test_healthz_is_503_on_a_system_that_has_never_seen_beat(client, quiet_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.json()["database"], response.json()["beat"]) == ("ok", "down (never seen)")


@pytest.mark.django_db
def test_healthz_says_how_long_the_oldest_task_has_waited(client, quiet_broker):
    """No worker runs here: the task waits, and its age is read from the broker."""
    beat_seen(0)
    celery_app.send_task("dispatch.tasks.serve_queue")
    time.sleep(1.2)
    celery_app.send_task("dispatch.tasks.serve_queue")
    waited = client.get("/healthz").json()["oldest_waiting_task"]
    assert re.fullmatch(r"\d+ s", waited) and 1 <= int(waited.split()[0]) <= 5, waited


@pytest.mark.django_db(transaction=True)
def test_beat_and_a_worker_keep_healthz_ok_and_it_turns_503_when_they_stop(client, quiet_broker, settings):
    """The real chain: beat schedules the heartbeat, a worker runs it, /healthz reads it."""
    with running(start_worker(process_env(settings.CELERY_BROKER_URL), beat=True)):
        wait_until(lambda: client.get("/healthz").status_code == 200, timeout=30, message="healthz ok")
        assert client.get("/healthz").json()["beat"] == "ok"
    settings.HEALTH_BEAT_STALE_AFTER = 1
    time.sleep(2.1)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert re.fullmatch(r"down \(last seen [2-9] s ago\)", response.json()["beat"]), response.json()


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_unreachable(client):
    real = celery_app.conf.broker_write_url
    celery_app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_write_url = real
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("down")


@pytest.mark.django_db
def test_issue_token_creates_the_user_in_its_role_and_prints_the_token_last(capsys, client):
    call_command("issue_token", "cad-911", "--role", "intake")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    user = User.objects.get(username="cad-911")
    assert list(user.groups.values_list("name", flat=True)) == ["intake"]
    assert client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 403  # intake reads no units
    assert client.get("/api/v1/calls/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    call_command("issue_token", "cad-911", "--role", "intake")
    second = capsys.readouterr().out.strip().splitlines()[-1]
    assert second != token, "each run issues a new token; the old one stays valid until revoked"
    assert client.get("/api/v1/calls/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


@pytest.mark.django_db
def test_tokens_are_stored_hashed_and_revoked(capsys, client):
    from knox.models import AuthToken

    call_command("issue_token", "phone-7", "--role", "clinician")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    stored = AuthToken.objects.get(user__username="phone-7")
    assert token not in (stored.digest, stored.token_key) and len(stored.token_key) < len(token)
    call_command("revoke_tokens", "phone-7")
    response = client.get("/api/v1/calls/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401


@pytest.mark.django_db
def test_an_expired_token_is_refused(capsys, client):
    from datetime import timedelta

    from django.utils import timezone
    from knox.models import AuthToken

    call_command("issue_token", "cad-old", "--role", "intake", "--days", "1")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    AuthToken.objects.filter(user__username="cad-old").update(expiry=timezone.now() - timedelta(minutes=1))
    assert client.get("/api/v1/calls/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


@pytest.mark.django_db
def test_a_supervisor_token_reads_the_roster(capsys, client):
    call_command("issue_token", "sup", "--role", "supervisor")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert client.get("/api/v1/shifts/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


@pytest.mark.django_db
def test_the_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/units/{id}/location/" in schema.content
    assert client.get("/api/docs/").status_code == 200
