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
    call_command("issue_token", "cad-911", "--role", "intake")
    assert capsys.readouterr().out.strip().splitlines()[-1] == token


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
