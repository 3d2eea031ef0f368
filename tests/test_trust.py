"""Trust: the audit trail, its protection, logins, sessions and the security headers."""

import csv
import io
import json
import re
import time
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from coresponder.models import AuditEntry
from dispatch.models import CrisisCall
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UserFactory
from tests.places import DOWNTOWN

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_calls_their_status_changes_and_outcomes_are_audited_with_who_and_where(api, users, unit_at, call_in):
    body = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "psychosis", "priority": 1, "caller_name": "R. Doe"}
    call_id = api("intake").post("/api/v1/calls/", body, REMOTE_ADDR="10.9.8.7").json()["id"]
    created = entries("call.created")[0]
    assert (created.actor, created.ip, created.source, created.object_id) == (
        users["intake"],
        "10.9.8.7",
        "api",
        str(call_id),
    )
    assert created.changes["caller_name"] == [None, "(6 characters)"]

    unit = unit_at(1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory())
    api("dispatcher").post(f"/api/v1/calls/{call_id}/assign/", {"unit": unit.pk})
    for status in ("en_route", "on_scene", "cleared"):
        api("clinician").post(f"/api/v1/calls/{call_id}/transition/", {"status": status})
    moves = [(e.actor_name, e.changes["status"]) for e in entries("call.status")]
    assert moves == [("dispatcher", ["received", "dispatched"]), ("clinician", ["dispatched", "en_route"]),
                     ("clinician", ["en_route", "on_scene"]), ("clinician", ["on_scene", "cleared"])]  # fmt: skip

    api("clinician").post(
        f"/api/v1/calls/{call_id}/outcome/", {"disposition": "referred", "narrative": "Disclosed a plan."}
    )
    outcome = entries("outcome.created")[0]
    assert outcome.changes["disposition"] == [None, "referred"]
    assert "Disclosed" not in str(outcome.changes), "the audit log never holds clinical notes"


def test_every_read_of_clinical_notes_is_audited_and_other_reads_are_not(api, users, unit_at, call_in):
    unit = unit_at(1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory())
    call = call_in(S.CLEARED, unit=unit)
    api("clinician").post(f"/api/v1/calls/{call.pk}/outcome/", {"disposition": "referred", "narrative": "Notes."})
    AuditEntry.objects.filter(action="outcome.narrative_read").count()
    before = len(entries("outcome.narrative_read"))
    api("supervisor").get(f"/api/v1/calls/{call.pk}/")
    api("dispatcher").get(f"/api/v1/calls/{call.pk}/")  # sees no narrative: nothing to log
    reads = entries("outcome.narrative_read")[before:]
    assert [(e.actor_name, e.object_type, e.object_id) for e in reads] == [("supervisor", "call", str(call.pk))]


def test_roster_changes_are_audited_with_old_and_new_values(api, users):
    officer_id = (
        api("supervisor").post("/api/v1/officers/", {"name": "Dana Reyes", "badge_number": "4100"}).json()["id"]
    )
    api("supervisor").patch(f"/api/v1/officers/{officer_id}/", {"cit_trained": True, "name": "Dana Reyes-Hall"})
    change = entries("officer.changed")[0]
    assert change.changes == {"name": ["Dana Reyes", "Dana Reyes-Hall"], "cit_trained": [False, True]}
    assert change.actor == users["supervisor"]
    shift = ShiftFactory()
    unit_id = (
        api("supervisor")
        .post(
            "/api/v1/units/",
            {"call_sign": "CR-1", "shift": shift.pk, "clinician": ClinicianFactory().pk, "officer": officer_id},
        )
        .json()["id"]
    )
    api("supervisor").patch(f"/api/v1/units/{unit_id}/", {"uniformed": True})
    assert entries("unit.changed")[0].changes == {"uniformed": [False, True]}
    api("dispatcher").post(f"/api/v1/units/{unit_id}/status/", {"status": "out_of_service", "reason": "vehicle"})
    status = entries("unit.status")[0]
    assert (status.changes, status.note) == ({"status": ["available", "out_of_service"]}, "(7 characters of reason)")


def test_the_database_refuses_to_change_or_delete_audit_entries():
    assert connection.vendor == "postgresql"
    entry = AuditEntry.objects.create(actor_name="system", action="test.entry")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(note="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM coresponder_auditentry")
    assert AuditEntry.objects.get(pk=entry.pk).note == ""


@pytest.mark.parametrize(("who", "status"), [("supervisor", 200), ("dispatcher", 403), ("clinician", 403)])
def test_only_supervisors_search_and_export_the_audit_log(client, users, who, status):
    client.force_login(users[who])
    assert client.get("/audit/").status_code == status
    assert client.get("/audit.csv").status_code == status


def test_the_audit_page_finds_entries_and_exports_them(client, users, api):
    api("supervisor").post("/api/v1/clinicians/", {"name": "Maya Patel", "credential": "LCSW"})
    client.force_login(users["supervisor"])
    page = client.get("/audit/", {"object_type": "clinician", "actor": "supervisor"}).content.decode()
    assert "clinician.created" in page and "Maya Patel" in page
    assert "auth.login" not in page
    exported = b"".join(client.get("/audit.csv", {"object_type": "clinician"}).streaming_content).decode()
    assert exported.splitlines()[0].startswith("at,actor,ip,source,action")
    assert "clinician.created" in exported


def test_exports_never_hand_a_spreadsheet_a_formula(client, users, api):
    """A name typed as a formula comes out as text, and the changes column is JSON."""
    api("supervisor").post("/api/v1/clinicians/", {"name": '=HYPERLINK("http://evil")', "credential": "LCSW"})
    client.force_login(users["supervisor"])
    exported = b"".join(client.get("/audit.csv", {"object_type": "clinician"}).streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(exported)))
    changes = row[header.index("changes")]
    assert json.loads(changes)["name"] == [None, '=HYPERLINK("http://evil")']
    assert not any(value.startswith(("=", "+", "-", "@")) for value in row)


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_logins_are_audited_and_the_account_locks_after_repeated_failures(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        assert login(client, "dispatcher", "wrong").status_code == 200
    locked = login(client, "dispatcher", "pass-word-123")
    assert "Too many failed logins: this account is locked for 15 more minutes." in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert len(entries("auth.login_failed")) == 4
    assert [e.object_id for e in entries("auth.login_failed")] == ["dispatcher"] * 4
    assert [e.note for e in entries("auth.login_failed")] == ["", "", "locked out after this failure", "locked out"]
    assert login(client, "supervisor", "pass-word-123").status_code == 302, "other accounts are not locked"
    assert entries("auth.login")[0].object_id == "supervisor"


def test_the_lock_lifts_after_its_window(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    login(client, "officer", "wrong"), login(client, "officer", "wrong")
    assert login(client, "officer", "pass-word-123").status_code == 200
    time.sleep(1.2)
    assert login(client, "officer", "pass-word-123").status_code == 302


@pytest.mark.parametrize("expired", ["last_seen", "auth_started"])
def test_a_session_ends_after_inactivity_and_after_its_absolute_limit(client, users, expired):
    assert login(client, "dispatcher", "pass-word-123").status_code == 302
    assert client.get("/board/").status_code == 200
    session = client.session
    session[expired] = time.time() - 24 * 3600
    session.save()
    response = client.get("/board/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/board/").status_code == 302, "logged out, not just redirected once"


def test_every_page_carries_a_content_security_policy_without_inline_script(client, users):
    client.force_login(users["dispatcher"])
    response = client.get("/board/")
    policy = response["Content-Security-Policy"]
    # django-csp writes the directives in no fixed order: compare them as a mapping.
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-" not in policy
    assert directives["frame-ancestors"] == "'none'"
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline <script> would be blocked"
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers would be blocked"


def test_the_api_docs_use_no_cdn(client, users):
    client.force_login(users["supervisor"])
    html = client.get("/api/docs/").content.decode()
    assert "cdn" not in html.lower() and "<script src=" in html


def test_login_with_a_user_who_has_history_cannot_be_deleted_silently(users):
    from django.db.models import ProtectedError

    user = UserFactory(username="leaver", role="dispatcher")
    from coresponder import audit

    audit.record("test.entry", actor=user)
    with pytest.raises(ProtectedError):
        user.delete()


def test_caller_details_and_narratives_are_erased_after_their_retention(call_in, settings):
    from django.utils import timezone

    from dispatch.models import Outcome
    from dispatch.services import calls_erase_personal_data

    old = timezone.now() - timedelta(days=settings.RETENTION_CALLER_DETAILS_DAYS + 1)
    ancient = timezone.now() - timedelta(days=settings.RETENTION_NARRATIVE_DAYS + 1)
    expired = call_in(
        S.CLOSED, caller_name="R. Doe", callback_number="314-555-0100", notes="lives alone", status_changed_at=old
    )
    Outcome.objects.create(call=expired, disposition="referred", narrative="old notes", recorded_at=ancient)
    recent = call_in(S.CLOSED, caller_name="A. Roe", status_changed_at=timezone.now())
    open_call = call_in(S.ON_SCENE, caller_name="B. Poe", status_changed_at=old)

    assert calls_erase_personal_data() == (1, 1)
    expired.refresh_from_db(), recent.refresh_from_db(), open_call.refresh_from_db()
    assert (expired.caller_name, expired.callback_number, expired.notes, expired.outcome.narrative) == ("", "", "", "")
    assert expired.outcome.disposition == "referred", "the report's figures stay"
    assert (recent.caller_name, open_call.caller_name) == ("A. Roe", "B. Poe")
    assert calls_erase_personal_data() == (0, 0)
    assert len(entries("call.personal_data_erased")) == 1 and len(entries("outcome.narrative_erased")) == 1
