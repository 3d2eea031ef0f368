import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from coresponder.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_reports_database_and_broker_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


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
