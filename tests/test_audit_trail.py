"""The audit trail: where a request came from, the audit page's search, what the log keeps of a
caller, and every status change of a unit with its real old and new values."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coresponder.models import AuditEntry
from dispatch.models import CrisisCall
from dispatch.services import call_assign, call_auto_assign, call_transition, calls_erase_personal_data
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory
from tests.places import DOWNTOWN
from units.models import Unit
from units.services import shift_update, unit_update, units_follow_clock

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
U = Unit.Status
CALL = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "psychosis", "priority": 2}


def entries(action, **filters):
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


def unit_moves(unit):
    return [(e.actor_name, e.changes["status"]) for e in entries("unit.status", object_id=str(unit.pk))]


# --- Where a request came from --------------------------------------------------------------------


def intake_from(api, **headers):
    response = api("intake").post("/api/v1/calls/", CALL, format="json", **headers)
    assert response.status_code == 201, response.content
    return entries("call.created")[-1].ip


@pytest.mark.parametrize("forwarded", ["not-an-address", "6.6.6.6", "6.6.6.6, 203.0.113.9", "1.2.3.4:80", ", ,"])
def test_without_a_declared_proxy_the_forwarded_header_is_ignored(api, forwarded):
    assert intake_from(api, REMOTE_ADDR="10.9.8.7", HTTP_X_FORWARDED_FOR=forwarded) == "10.9.8.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "logged"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client forged the first entry
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "fe80::1%eth0", "fe80::1"),  # a zone the database cannot store is dropped
    ],
)
def test_behind_declared_proxies_the_client_is_that_many_entries_from_the_right(
    api, settings, proxies, forwarded, logged
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert intake_from(api, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded) == logged


@pytest.mark.parametrize(
    "forwarded", ["garbage", "999.1.1.1", "1.2.3.4:80", "", " , ", "203.0.113.9 extra", "x" * 5000]
)
def test_a_malformed_forwarded_address_falls_back_to_the_peer(api, settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert intake_from(api, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded) == "10.0.0.1"


def test_fewer_forwarded_entries_than_declared_proxies_falls_back_to_the_peer(api, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert intake_from(api, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9") == "10.0.0.1"


@pytest.mark.parametrize("peer", ["", "unix:/run/gunicorn.sock", "not-an-address"])
def test_no_valid_address_at_all_is_logged_as_none_and_the_request_still_succeeds(api, settings, peer):
    settings.TRUSTED_PROXY_COUNT = 1
    assert intake_from(api, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR="bogus") is None


# --- The audit page's search ----------------------------------------------------------------------


@pytest.fixture
def supervisor(client, users):
    client.force_login(users["supervisor"])
    return client


@pytest.mark.parametrize("field", ["start", "end"])
def test_a_date_outside_what_the_system_handles_is_a_form_error_not_a_500(supervisor, field):
    page = supervisor.get("/audit/", {field: "9999-12-31"})
    assert page.status_code == 400
    assert "9999-12-31 is outside the dates this system handles." in page.content.decode()
    exported = supervisor.get("/audit.csv", {field: "9999-12-31"})
    assert (exported.status_code, exported["Content-Type"].split(";")[0]) == (400, "text/plain")
    assert "9999-12-31 is outside the dates this system handles." in exported.content.decode()


def test_an_end_before_the_start_is_a_form_error(supervisor):
    query = {"start": "2025-03-10", "end": "2025-03-01"}
    page = supervisor.get("/audit/", query)
    assert page.status_code == 400
    assert "Must be on or after the From date." in page.content.decode()
    exported = supervisor.get("/audit.csv", query)
    assert exported.status_code == 400 and "Must be on or after the From date." in exported.content.decode()


def test_a_valid_date_range_still_finds_todays_entries(supervisor, api):
    api("supervisor").post("/api/v1/clinicians/", {"name": "Maya Patel", "credential": "LCSW"})
    today = timezone.localdate().isoformat()
    page = supervisor.get("/audit/", {"start": today, "end": today, "object_type": "clinician"})
    assert page.status_code == 200 and "clinician.created" in page.content.decode()
    exported = b"".join(supervisor.get("/audit.csv", {"start": today, "end": today}).streaming_content).decode()
    assert "clinician.created" in exported


# --- What the log keeps of a caller -------------------------------------------------------------


def test_the_log_keeps_a_callers_details_only_by_their_length(api, supervisor):
    body = CALL | {"caller_name": "R. Doe", "callback_number": "314-555-0100", "notes": "lives alone"}
    call_id = api("intake").post("/api/v1/calls/", body, format="json").json()["id"]
    created = entries("call.created")[0]
    assert created.changes["caller_name"] == [None, "(6 characters)"]
    assert created.changes["callback_number"] == [None, "(12 characters)"]
    assert created.changes["notes"] == [None, "(11 characters)"]
    assert created.changes["nature"] == [None, "psychosis"], "what is not personal is still logged"

    CrisisCall.objects.filter(pk=call_id).update(
        status=S.CANCELLED, status_changed_at=timezone.now() - timedelta(days=400)
    )
    assert calls_erase_personal_data() == (1, 0)
    exported = b"".join(supervisor.get("/audit.csv").streaming_content).decode()
    for personal in ("R. Doe", "314-555-0100", "lives alone"):
        assert personal not in exported, "after the retention nothing of the caller remains, the log included"


def test_a_call_without_caller_details_logs_them_as_empty(api):
    api("intake").post("/api/v1/calls/", CALL, format="json")
    assert entries("call.created")[0].changes["caller_name"] == [None, ""]


# --- Every status change of a unit ---------------------------------------------------------------


def test_a_call_and_its_unit_through_a_whole_call_are_audited_with_real_old_values(users, unit_at, call_in):
    unit = unit_at(1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory())
    call = call_in(S.RECEIVED)
    call_auto_assign(call_id=call.pk)
    for status in (S.EN_ROUTE, S.ON_SCENE, S.CLEARED):
        call_transition(call=call, to_status=status, actor=users["clinician"])

    assert unit_moves(unit) == [
        ("system", [U.AVAILABLE, U.DISPATCHED]),
        ("clinician", [U.DISPATCHED, U.EN_ROUTE]),
        ("clinician", [U.EN_ROUTE, U.ON_SCENE]),
        ("clinician", [U.ON_SCENE, U.AVAILABLE]),
    ]
    dispatched, *later = entries("call.status", object_id=str(call.pk))
    assert dispatched.changes == {"status": [S.RECEIVED, S.DISPATCHED], "unit": [None, unit.pk]}
    assert all("unit" not in e.changes for e in later), "the unit did not change"


def test_a_reassignment_logs_the_old_unit_and_both_units_moves(users, unit_at, call_in):
    first, second = unit_at(1), unit_at(2)
    call = call_in(S.RECEIVED)
    call_assign(call=call, unit=first, actor=users["dispatcher"])
    call_assign(call=call, unit=second, actor=users["dispatcher"], reason="closer unit freed up")

    reassigned = entries("call.status", object_id=str(call.pk))[-1]
    assert reassigned.changes == {"status": [S.DISPATCHED, S.DISPATCHED], "unit": [first.pk, second.pk]}
    assert unit_moves(first) == [
        ("dispatcher", [U.AVAILABLE, U.DISPATCHED]),
        ("dispatcher", [U.DISPATCHED, U.AVAILABLE]),
    ]
    assert unit_moves(second) == [("dispatcher", [U.AVAILABLE, U.DISPATCHED])]


def test_a_call_given_back_logs_the_unit_it_left(users, call_in):
    call = call_in(S.DISPATCHED)
    unit = call.unit
    call_transition(call=call, to_status=S.QUEUED, actor=users["dispatcher"], note="unit declined")
    assert entries("call.status", object_id=str(call.pk))[-1].changes["unit"] == [unit.pk, None]
    assert unit_moves(unit) == [("dispatcher", [U.DISPATCHED, U.AVAILABLE])]


def test_a_unit_freed_after_its_shift_ended_is_logged_going_off_duty(users, unit_at, call_in):
    unit = unit_at(1, shift=ShiftFactory(starts_at=timezone.now() - timedelta(hours=9)))
    call = call_in(S.ON_SCENE, unit=unit)
    call_transition(call=call, to_status=S.CLEARED, actor=users["dispatcher"])
    assert unit_moves(unit) == [("dispatcher", [U.ON_SCENE, U.OFF_DUTY])]


def test_a_move_writes_the_calls_and_the_units_audit_entries_in_one_statement(unit_at, call_in):
    unit_at(1)
    call = call_in(S.RECEIVED)
    with CaptureQueriesContext(connection) as queries:
        call_auto_assign(call_id=call.pk)
    inserts = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "coresponder_auditentry"')
    ]
    assert len(inserts) == 1
    assert {e.action for e in AuditEntry.objects.all()} == {"call.status", "unit.status"}


def test_the_clock_logs_the_status_each_unit_really_had(users):
    ended = ShiftFactory(starts_at=timezone.now() - timedelta(hours=9))
    out = UnitFactory(shift=ended, status=U.OUT_OF_SERVICE, out_of_service_reason="meal")
    free = UnitFactory(shift=ended, status=U.AVAILABLE)
    starting = UnitFactory(status=U.OFF_DUTY)
    units_follow_clock()
    assert unit_moves(out) == [("system", [U.OUT_OF_SERVICE, U.OFF_DUTY])]
    assert unit_moves(free) == [("system", [U.AVAILABLE, U.OFF_DUTY])]
    assert unit_moves(starting) == [("system", [U.OFF_DUTY, U.AVAILABLE])]
    units_follow_clock()
    assert AuditEntry.objects.filter(action="unit.status").count() == 3, "nothing changed, nothing logged"


def test_moving_a_shift_logs_the_units_it_takes_off_duty(users):
    unit = UnitFactory(status=U.AVAILABLE)
    later = timezone.now() + timedelta(days=1)
    shift_update(shift=unit.shift, starts_at=later, ends_at=later + timedelta(hours=8), actor=users["supervisor"])
    unit.refresh_from_db()
    assert unit.status == U.OFF_DUTY
    assert unit_moves(unit) == [("supervisor", [U.AVAILABLE, U.OFF_DUTY])]


def test_moving_a_unit_to_another_shift_logs_its_status_change(users):
    unit = UnitFactory(status=U.OFF_DUTY, shift=ShiftFactory(starts_at=timezone.now() + timedelta(days=1)))
    unit_update(unit=unit, shift=ShiftFactory(), actor=users["supervisor"])
    unit.refresh_from_db()
    assert unit.status == U.AVAILABLE
    assert unit_moves(unit) == [("supervisor", [U.OFF_DUTY, U.AVAILABLE])]


@pytest.mark.django_db(transaction=True)
def test_caller_details_written_by_an_earlier_version_are_redacted_by_the_migration():
    """Entries from before caller details were logged by length are rewritten once, on
    PostgreSQL through the append-only trigger, which is back in force afterwards."""
    migration = import_module("coresponder.migrations.0004_redact_caller_details")
    old = AuditEntry.objects.create(action="call.created", object_type="crisiscall", object_id="1",
                                    changes={"caller_name": [None, "R. Doe"], "callback_number": [None, "314-555-0100"],
                                             "notes": [None, ""], "nature": [None, "psychosis"]})  # fmt: skip
    with connection.schema_editor() as editor:
        migration.redact_caller_details(django_apps, editor)
    old.refresh_from_db()
    assert old.changes == {"caller_name": [None, "(6 characters)"], "callback_number": [None, "(12 characters)"],
                           "notes": [None, ""], "nature": [None, "psychosis"]}  # fmt: skip
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=old.pk).update(note="tampered")
