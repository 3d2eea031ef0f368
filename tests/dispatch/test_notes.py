"""A call's notes (SPEC §2 "Notes"): who adds them, who reads them, clinical notes for the call's
clinician and supervisors only, and their erasure with the caller's details."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import CallNote, CrisisCall
from dispatch.services import call_add_note, calls_erase_personal_data
from tests.conftest import EVERYONE, expected
from tests.factories import ClinicianFactory, OfficerFactory, UserFactory

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


@pytest.fixture
def on_call(users, call_in, unit_at):
    """A call en route with the standing clinician and officer as its unit."""
    unit = unit_at(
        1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory(user=users["officer"])
    )
    return call_in(S.EN_ROUTE, unit=unit)


@pytest.mark.parametrize("who", EVERYONE)
def test_the_911_cad_dispatchers_counselors_and_the_unit_add_notes(api, on_call, who):
    response = api(who).post(
        f"/api/v1/calls/{on_call.pk}/notes/", {"text": "caller says he has a knife"}, format="json"
    )
    writers = {"intake", "dispatcher", "clinician", "officer"}
    # A counselor adds notes to the crisis line's calls (tests/dispatch/test_triage.py); this one is not.
    assert response.status_code == (404 if who == "counselor" else expected(201, who, writers))


def test_a_clinician_of_another_unit_neither_reads_nor_writes_the_calls_notes(api, on_call):
    other = UserFactory(username="other-clinician", role="clinician")
    call_add_note(call=on_call, actor=on_call.unit.officer.user, text="door code 1234")
    assert api(other).get(f"/api/v1/calls/{on_call.pk}/notes/").status_code == 404
    assert api(other).post(f"/api/v1/calls/{on_call.pk}/notes/", {"text": "x"}, format="json").status_code == 404


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "intake", "clinician", "officer"])
def test_clinical_notes_are_read_only_by_the_calls_clinician_and_supervisors(api, users, on_call, who):
    call_add_note(call=on_call, actor=users["dispatcher"], text="caller called back: he is calmer")
    call_add_note(call=on_call, actor=users["clinician"], text="history of psychosis, on medication", clinical=True)
    texts = [note["text"] for note in api(who).get(f"/api/v1/calls/{on_call.pk}/notes/").json()]
    if who in ("supervisor", "clinician"):
        assert texts == ["history of psychosis, on medication", "caller called back: he is calmer"], "newest first"
    else:
        assert texts == ["caller called back: he is calmer"]


@pytest.mark.parametrize("who", ["dispatcher", "officer", "intake"])
def test_only_the_calls_clinician_writes_a_clinical_note(api, on_call, who):
    response = api(who).post(f"/api/v1/calls/{on_call.pk}/notes/", {"text": "x", "clinical": True}, format="json")
    assert response.status_code == 403
    assert not CallNote.objects.exists()


def test_a_note_names_its_author_and_the_audit_log_keeps_only_its_length(api, users, on_call):
    from coresponder.models import AuditEntry

    body = api("dispatcher").post(f"/api/v1/calls/{on_call.pk}/notes/", {"text": "knife in the kitchen"},
                                  format="json").json()  # fmt: skip
    assert (body["author"], body["source"], body["clinical"]) == ("Dispatcher", "api", False)
    entry = AuditEntry.objects.get(action="call.note_added")
    assert "knife" not in str(entry.changes) and entry.changes["text"] == [None, "(20 characters)"]


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "  "}, {"text": 7}, {"text": "x", "author": "me"}])
def test_a_bad_note_is_a_400(api, on_call, body):
    assert api("dispatcher").post(f"/api/v1/calls/{on_call.pk}/notes/", body, format="json").status_code == 400


def test_notes_are_erased_with_the_callers_details_and_clinical_ones_with_the_narrative(users, call_in, settings):
    long_ago = timezone.now() - timedelta(days=settings.RETENTION_CALLER_DETAILS_DAYS + 1)
    ended = call_in(S.CANCELLED, status_changed_at=long_ago)
    still_open = call_in(S.QUEUED)
    call_add_note(call=ended, actor=users["dispatcher"], text="neighbour's name is Jo")
    call_add_note(call=still_open, actor=users["dispatcher"], text="gate code 42")
    calls_erase_personal_data()
    assert list(CallNote.objects.order_by("pk").values_list("text", flat=True)) == ["", "gate code 42"]
    assert CallNote.objects.get(call=ended).erased_at is not None


def test_a_read_of_someone_elses_clinical_notes_is_in_the_audit_log_once_in_ten_minutes(api, users, on_call):
    from coresponder.models import AuditEntry

    call_add_note(call=on_call, actor=users["clinician"], text="on clozapine", clinical=True)
    reads = AuditEntry.objects.filter(action="call.clinical_notes_read")
    api("clinician").get(f"/api/v1/calls/{on_call.pk}/notes/")
    assert not reads.exists(), "the author reading their own notes is no disclosure"
    api("supervisor").get(f"/api/v1/calls/{on_call.pk}/notes/")
    api("supervisor").get(f"/api/v1/calls/{on_call.pk}/notes/")
    assert [(e.actor, e.object_id) for e in reads] == [(users["supervisor"], str(on_call.pk))]
    api("dispatcher").get(f"/api/v1/calls/{on_call.pk}/notes/")
    assert reads.count() == 1, "the dispatcher was shown no clinical note"
