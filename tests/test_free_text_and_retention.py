"""Free text stays out of the permanent record, and what identifies a caller goes after its time.

The audit log is never erased, so a person's notes and reasons, the address and the referral
enter it by length only (and the place rounded to a block). The call's own history keeps a
person's note for the people who read the call, until retention erases it with the address; the
coordinates stay, rounded, for the reports. Incident numbers are scoped to their sender, so a
number typed by a dispatcher can never swallow the 911 CAD's call.
"""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from coresponder.models import AuditEntry
from dispatch.models import CallEvent, CrisisCall, Outcome
from dispatch.services import calls_erase_personal_data
from tests.factories import ClinicianFactory, OfficerFactory, UserFactory
from tests.places import DOWNTOWN

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
REASON = "Reason-4242: caller's brother says CR-1 knows him"
ADDRESS = "1234 Hidden-4242 St, apt 5"
REFERRAL = "Referral-4242 opioid treatment program"
PLACE = (38.627_345, -90.199_421)


def audit_text() -> str:
    return "\n".join(f"{e.note} {e.changes}" for e in AuditEntry.objects.all())


@pytest.fixture
def worked_call(api, users, unit_at):
    """A call reassigned with a reason, given a unit out of service with a reason, and closed with
    a referral: every kind of free text a person writes."""
    clinician_unit = unit_at(1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory())
    other = unit_at(2)
    call = api("intake").post("/api/v1/calls/", {"lat": PLACE[0], "lon": PLACE[1], "address": ADDRESS,
                                                 "nature": "psychosis", "priority": 2}).json()  # fmt: skip
    url = f"/api/v1/calls/{call['id']}"
    steps = [
        api("dispatcher").post(f"{url}/assign/", {"unit": other.pk}),
        api("dispatcher").post(f"{url}/assign/", {"unit": clinician_unit.pk, "reason": REASON}),
        api("dispatcher").post(f"/api/v1/units/{other.pk}/status/", {"status": "out_of_service", "reason": REASON}),
        api("clinician").post(f"{url}/transition/", {"status": "en_route", "note": REASON}),
        api("clinician").post(f"{url}/transition/", {"status": "on_scene"}),
        api("clinician").post(f"{url}/transition/", {"status": "cleared"}),
        api("clinician").post(f"{url}/outcome/", {"disposition": "referred", "referral": REFERRAL}),
    ]
    assert [s.status_code for s in steps] == [200, 200, 200, 200, 200, 200, 201], [s.json() for s in steps]
    return CrisisCall.objects.get(pk=call["id"])


def test_the_audit_log_keeps_notes_reasons_the_address_and_the_referral_by_length_only(worked_call, api):
    logged = audit_text()
    for secret in (REASON, ADDRESS, REFERRAL, "Hidden-4242", "Referral-4242"):
        assert secret not in logged
    created = AuditEntry.objects.get(action="call.created")
    assert created.changes["address"] == [None, f"({len(ADDRESS)} characters)"]
    assert (created.changes["lat"][1], created.changes["lon"][1]) == (38.627, -90.199), "the place, to a block"
    outcome = AuditEntry.objects.get(action="outcome.created")
    assert outcome.changes["referral"] == [None, f"({len(REFERRAL)} characters)"]
    assert outcome.changes["disposition"] == [None, "referred"], "what is not free text is still logged"
    reassigned = AuditEntry.objects.filter(action="call.status", changes__status=["dispatched", "dispatched"]).get()
    assert reassigned.note.startswith("(") and reassigned.note.endswith("characters of note)")
    # The people reading the call still see why it moved, in its history.
    history = api("dispatcher").get(f"/api/v1/calls/{worked_call.pk}/events/").json()
    assert any(REASON in event["note"] for event in history)


def test_retention_erases_the_address_and_the_notes_people_wrote_and_keeps_a_rounded_place(worked_call, settings):
    CrisisCall.objects.filter(pk=worked_call.pk).update(
        status_changed_at=timezone.now() - timedelta(days=settings.RETENTION_CALLER_DETAILS_DAYS + 1)
    )
    system_notes = list(worked_call.events.filter(source="system").values_list("pk", "note"))
    assert calls_erase_personal_data() == (1, 0)
    call = CrisisCall.objects.get(pk=worked_call.pk)
    assert (call.address, round(call.lat, 6), round(call.lon, 6)) == ("", 38.627, -90.199)
    assert not worked_call.events.exclude(source="system").exclude(note="").exists(), "people's notes erased"
    assert list(worked_call.events.filter(source="system").values_list("pk", "note")) == system_notes
    assert worked_call.events.count() == 7, "the history itself stays: every status change"
    assert call.outcome.referral == REFERRAL, "clinical data has its own, longer, retention"
    assert calls_erase_personal_data() == (0, 0), "nothing left to erase"

    Outcome.objects.filter(call=call).update(
        recorded_at=timezone.now() - timedelta(days=settings.RETENTION_NARRATIVE_DAYS + 1)
    )
    assert calls_erase_personal_data() == (0, 1)
    call.outcome.refresh_from_db()
    assert (call.outcome.referral, call.outcome.disposition) == ("", "referred")


def test_the_history_refuses_any_other_change_than_retentions(worked_call):
    """(The suite runs on PostgreSQL, whose trigger holds this; SQLite has only the model's rule.)"""
    event = worked_call.events.exclude(note="").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        CallEvent.objects.filter(pk=event.pk).update(note="rewritten, not erased")
    with pytest.raises(DatabaseError), transaction.atomic():
        CallEvent.objects.filter(pk=event.pk).update(note="", to_status="closed")


@pytest.mark.django_db(transaction=True)
def test_free_text_written_by_an_earlier_version_is_redacted_by_the_migration():
    migration = import_module("coresponder.migrations.0006_redact_free_text")
    dispatcher = UserFactory(username="dispatcher", role="dispatcher")
    made = {
        "reason": AuditEntry.objects.create(
            action="call.status", source="api", actor=dispatcher, note=f"Reassigned: {REASON}"
        ),
        "system": AuditEntry.objects.create(action="call.status", source="system", note="Calls already waiting"),
        "unit reason": AuditEntry.objects.create(action="unit.status", source="web", note="meal at Hidden-4242"),
        "unit system": AuditEntry.objects.create(action="unit.status", source="system", note="Dispatched to call 7"),
        "created": AuditEntry.objects.create(
            action="call.created",
            changes={
                "address": [None, ADDRESS],
                "lat": [None, PLACE[0]],
                "lon": [None, PLACE[1]],
                "nature": [None, "psychosis"],
            },
        ),
        "outcome": AuditEntry.objects.create(
            action="outcome.created", changes={"referral": [None, REFERRAL], "disposition": [None, "referred"]}
        ),
    }
    with connection.schema_editor() as editor:
        migration.redact_free_text(django_apps, editor)
    now = {name: AuditEntry.objects.get(pk=entry.pk) for name, entry in made.items()}
    assert now["reason"].note == f"({len('Reassigned: ' + REASON)} characters of note)"
    assert now["system"].note == "Calls already waiting"
    assert now["unit reason"].note == "(19 characters of reason)"
    assert now["unit system"].note == "Dispatched to call 7"
    assert now["created"].changes == {"address": [None, f"({len(ADDRESS)} characters)"], "lat": [None, 38.627],
                                      "lon": [None, -90.199], "nature": [None, "psychosis"]}  # fmt: skip
    assert now["outcome"].changes == {"referral": [None, f"({len(REFERRAL)} characters)"],
                                      "disposition": [None, "referred"]}  # fmt: skip
    with pytest.raises(DatabaseError), transaction.atomic():  # the trigger is back in force
        AuditEntry.objects.filter(pk=now["system"].pk).update(note="tampered")


# --- Incident numbers belong to their sender -------------------------------------------------------


def test_a_dispatchers_incident_number_cannot_swallow_the_911_cads_call(api):
    squat = {"external_id": "STL-2026-000777", "lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "other",
             "priority": 3, "notes": "junk"}  # fmt: skip
    squatted = api("dispatcher").post("/api/v1/calls/", squat)
    assert squatted.status_code == 201
    real = squat | {"priority": 1, "nature": "suicidal_ideation", "weapons": True, "notes": "the real emergency"}
    answer = api("intake").post("/api/v1/calls/", real)
    assert answer.status_code == 201, "the CAD's call is stored, not merged into the dispatcher's"
    assert answer.json()["priority"] == 1 and answer.json()["status"] == "held"
    assert CrisisCall.objects.get(pk=squatted.json()["id"]).priority == 3, "and the dispatcher's is untouched"
    # The CAD repeating its own number is still an update of its own call.
    again = api("intake").post("/api/v1/calls/", real | {"address": "Found: 12 Elm"})
    assert (again.status_code, again.json()["id"]) == (200, answer.json()["id"])
    assert CrisisCall.objects.filter(external_id="STL-2026-000777").count() == 2
