"""Two database roles on PostgreSQL: the owner migrates; the runtime role (``grant_app_role``)
reads and writes rows but cannot empty or rewrite the audit log or a call's history, nor change
the schema -- and still does all of the application's work, retention included."""

import json
import secrets
import subprocess
import sys
import urllib.request
from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken

from coresponder.models import AuditEntry
from dispatch.models import CallEvent, CrisisCall
from dispatch.services import call_intake
from tests.factories import UserFactory
from tests.places import DOWNTOWN
from tests.processes import ROOT, free_port, process_env, running, start_web
from tests.processes import test_database_url as database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app_role():
    """A runtime role of this test's own (roles are shared by the whole server), dropped after."""
    role = f"coresponder_app_test_{secrets.token_hex(4)}"
    call_command("grant_app_role", role)
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def url_for(role: str) -> str:
    owner = connection.settings_dict["USER"]
    return database_url().replace(f"//{owner}", f"//{role}", 1)


@pytest.fixture
def as_app(app_role):
    with psycopg.connect(url_for(app_role), autocommit=True) as runtime:
        yield runtime


def a_call_with_history() -> CrisisCall:
    call, _ = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="welfare_check", priority=2,
                          actor=UserFactory(username="cad", role="intake"))  # fmt: skip
    return call


REFUSED = [
    "TRUNCATE coresponder_auditentry",
    "TRUNCATE dispatch_callevent",
    "TRUNCATE dispatch_crisiscall CASCADE",
    "UPDATE coresponder_auditentry SET note = 'nothing happened'",
    "DELETE FROM coresponder_auditentry",
    "UPDATE dispatch_callevent SET to_status = 'closed'",
    "UPDATE dispatch_callevent SET at = now()",
    "UPDATE dispatch_callevent SET note = 'rewritten'",  # the column it may blank, but not rewrite
    "DELETE FROM dispatch_callevent",
    "ALTER TABLE coresponder_auditentry DISABLE TRIGGER audit_entries_are_append_only",
    "ALTER TABLE dispatch_callevent DISABLE TRIGGER call_events_are_append_only",
    "DROP TABLE dispatch_callevent",
    "CREATE TABLE notes_of_our_own (text varchar)",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_runtime_role_cannot_empty_or_rewrite_the_permanent_record(as_app, statement):
    call = a_call_with_history()
    entries, events = AuditEntry.objects.count(), list(CallEvent.objects.values_list("to_status", "note", "at"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_app.execute(statement)
    assert AuditEntry.objects.count() == entries > 0
    assert list(CallEvent.objects.values_list("to_status", "note", "at")) == events
    assert CrisisCall.objects.filter(pk=call.pk).exists()


def test_the_owner_cannot_rewrite_a_calls_history_either():
    a_call_with_history()
    with pytest.raises(Exception, match="call events are append-only: UPDATE refused"):
        CallEvent.objects.update(to_status="closed")
    with pytest.raises(Exception, match="call events are append-only: DELETE refused"):
        CrisisCall.objects.all().delete()


def test_the_runtime_role_appends_to_the_record_and_retention_blanks_history_notes(as_app):
    call = a_call_with_history()
    as_app.execute(
        "INSERT INTO dispatch_callevent (call_id, from_status, to_status, at, source, note, kind)"
        " VALUES (%s, 'received', 'received', now(), 'api', 'Caller says he has a knife', 'updated')",
        [call.pk],
    )
    as_app.execute("UPDATE dispatch_callevent SET note = '' WHERE call_id = %s", [call.pk])
    assert set(CallEvent.objects.filter(call=call).values_list("note", flat=True)) == {""}


def test_the_application_runs_as_the_runtime_role(app_role, settings):
    """Intake through a web server connected as the runtime role, then retention run as it."""
    token = AuthToken.objects.create(user=UserFactory(username="cad", role="intake"))[1]
    env = process_env(settings.CELERY_BROKER_URL, DATABASE_URL=url_for(app_role))
    port = free_port()
    body = {"external_id": "ROLE-1", "lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "welfare_check",
            "priority": 2, "caller_name": "Dana"}  # fmt: skip
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/calls/", data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with running(start_web(env, port)), urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
    call = CrisisCall.objects.get(external_id="ROLE-1")
    assert call.events.exists() and AuditEntry.objects.filter(action="call.created").exists()

    CrisisCall.objects.filter(pk=call.pk).update(
        status="closed", status_changed_at=timezone.now() - timedelta(days=400)
    )
    erase = "from dispatch.services import calls_erase_personal_data; print(calls_erase_personal_data())"
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", erase], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    call.refresh_from_db()
    assert call.caller_name == "" and set(call.events.values_list("note", flat=True)) == {""}
