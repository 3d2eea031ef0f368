"""Importing past calls from a CAD export: `manage.py import_calls` (planning.importing)."""

import csv
import io
import time
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from coresponder.errors import ConflictError
from coresponder.models import AuditEntry
from dispatch.models import CallAlert, CallEvent, CrisisCall, Outcome
from dispatch.services import call_assign, call_auto_assign, call_transition, queue_serve, sweep
from planning.importing import KNOWN_COLUMNS

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
HEADER = ["external_id", "received_at", "lat", "lon", "priority", "nature", "dispatched_at", "on_scene_at",
          "transporting_at", "cleared_at", "closed_at", "disposition"]  # fmt: skip
GOOD = [
    ["CAD-1", "2030-03-02T08:00:00-06:00", "38.63", "-90.2", "1", "psychosis", "2030-03-02T08:01:00-06:00",
     "2030-03-02T08:15:00-06:00", "2030-03-02T08:50:00-06:00", "2030-03-02T09:30:00-06:00",
     "2030-03-02T09:40:00-06:00", "transport_crisis_center"],
    ["CAD-2", "2030-03-02T10:00:00Z", "", "", "routine", "Welfare check", "", "", "", "", "", ""],
]  # fmt: skip


def write(tmp_path, header, rows, name="export.csv"):
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_calls", path, *args, stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue(), err.getvalue() + str(error)
    return True, out.getvalue(), err.getvalue()


def at(text):
    return datetime.fromisoformat(text)


def test_a_good_file_imports_its_calls_as_closed_history_with_their_times_and_outcomes(tmp_path):
    ok, out, _ = run(write(tmp_path, HEADER, GOOD))

    assert ok and "2 calls imported" in out
    first, second = CrisisCall.objects.order_by("external_id")
    assert (first.external_id, first.priority, first.nature, first.status) == ("CAD-1", 1, "psychosis", S.CLOSED)
    assert (first.received_at, first.dispatched_at, first.on_scene_at, first.cleared_at, first.closed_at) == (
        at("2030-03-02T08:00:00-06:00"), at("2030-03-02T08:01:00-06:00"), at("2030-03-02T08:15:00-06:00"),
        at("2030-03-02T09:30:00-06:00"), at("2030-03-02T09:40:00-06:00"),
    )  # fmt: skip
    assert first.imported_at is not None and first.unit is None and (first.lat, first.lon) == (38.63, -90.2)
    assert first.outcome.disposition == "transport_crisis_center"
    transport = CallEvent.objects.get(call=first, to_status=S.TRANSPORTING)
    assert transport.at == at("2030-03-02T08:50:00-06:00")
    assert (second.priority, second.nature, second.received_at) == (3, "welfare_check", at("2030-03-02T10:00Z"))
    assert not Outcome.objects.filter(call=second).exists() and second.imported_at is not None
    entries = AuditEntry.objects.filter(action="calls.imported")
    assert entries.count() == 1 and "2 calls imported" in entries.get().note


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row_with_its_line(tmp_path):
    rows = [
        GOOD[0],
        ["CAD-3", "2030-03-02T08:00:00", "", "", "1", "psychosis", "", "", "", "", "", ""],
        ["CAD-4", "yesterday", "", "", "1", "psychosis", "", "", "", "", "", ""],
        ["CAD-5", "2030-03-02T08:00:00-06:00", "95", "-90", "4", "haunting", "", "", "", "", "", "jailed"],
        ["CAD-6", "2030-03-02T08:00:00-06:00", "", "", "2", "other", "2030-03-02T09:00:00-06:00",
         "2030-03-02T08:30:00-06:00", "", "", "", ""],
    ]  # fmt: skip
    ok, _, err = run(write(tmp_path, HEADER, rows))

    assert not ok and CrisisCall.objects.count() == 0
    assert "line 3: received_at '2030-03-02T08:00:00' has no UTC offset" in err
    assert "line 4: received_at 'yesterday' is not an ISO 8601 time" in err
    assert "line 5: lat 95 is out of range" in err
    assert (
        "unknown priority '4'" in err and "unknown nature 'haunting'" in err and "unknown disposition 'jailed'" in err
    )
    assert "line 6: on_scene_at is before dispatched_at" in err
    assert "line 2" not in err and "Nothing imported: 4 of 5 rows are bad" in err


def test_allow_partial_stores_the_good_rows_and_lists_the_bad(tmp_path):
    rows = [*GOOD, ["CAD-9", "", "", "", "", "", "", "", "", "", "", ""]]
    ok, out, err = run(write(tmp_path, HEADER, rows), "--allow-partial")

    assert ok and "line 4: received_at is empty" in err and "2 calls imported" in out and "1 bad rows" in out
    assert set(CrisisCall.objects.values_list("external_id", flat=True)) == {"CAD-1", "CAD-2"}


def test_their_column_names_are_read_through_map_and_unmapped_ones_refused(tmp_path):
    path = write(tmp_path, ["Incident No", "Call Received", "Type", "Notes"],
                 [["A-77", "2030-03-05T12:00:00-06:00", "Substance use", "free text"]])  # fmt: skip
    ok, _, err = run(path)
    assert not ok and "column 'Incident No' is not known" in err and CrisisCall.objects.count() == 0

    ok, out, _ = run(path, "--map", "Incident No=external_id", "--map", "Call Received=received_at",
                     "--map", "Type=nature", "--map", "Notes=")  # fmt: skip
    assert ok, out
    call = CrisisCall.objects.get()
    assert (call.external_id, call.nature, call.received_at) == ("A-77", "substance_use", at("2030-03-05T18:00Z"))


def test_a_file_without_received_at_is_refused_whole(tmp_path):
    ok, _, err = run(write(tmp_path, ["external_id", "priority"], [["X", "1"]]))
    assert not ok and "no received_at column" in err


def test_a_repeated_external_id_is_an_error_in_the_file_and_skipped_when_already_stored(tmp_path):
    ok, _, err = run(write(tmp_path, HEADER, [GOOD[0], GOOD[0]]))
    assert not ok and "line 3: external_id CAD-1 is also on line 2" in err

    assert run(write(tmp_path, HEADER, GOOD))[0]
    ok, out, _ = run(write(tmp_path, HEADER, [*GOOD, ["CAD-3", "2030-03-03T08:00:00-06:00", *[""] * 10]]))
    assert ok and "line 2: CAD-1 already stored, skipped" in out and "1 calls imported, 2 already stored" in out
    assert CrisisCall.objects.count() == 3


@pytest.fixture
def imported(tmp_path):
    """An imported call whose row says it waits (received, nothing else): the worst case."""
    assert run(write(tmp_path, ["external_id", "received_at"], [["OLD-1", "2030-01-01T08:00:00-06:00"]]))[0]
    return CrisisCall.objects.get(external_id="OLD-1")


def test_an_imported_call_is_never_sent_automatically_queued_or_swept(imported, unit_at):
    unit_at(1)
    assert call_auto_assign(call_id=imported.pk) is None
    assert queue_serve() == 0
    report = sweep()
    assert imported.pk not in report.resent and not CallAlert.objects.filter(call=imported).exists()
    imported.refresh_from_db()
    assert (imported.status, imported.unit, imported.dispatched_at) == (S.CLOSED, None, None)


def test_an_imported_call_refuses_a_dispatchers_assignment_and_every_move(imported, users, unit_at):
    with pytest.raises(ConflictError) as refusal:
        call_assign(call=imported, unit=unit_at(1), actor=users["dispatcher"])
    assert refusal.value.code == "imported_call"
    with pytest.raises(ConflictError) as refusal:
        call_transition(call=imported, to_status=S.RECEIVED, actor=users["dispatcher"])
    assert refusal.value.code == "imported_call"


def test_the_board_and_the_api_refuse_to_move_or_assign_an_imported_call(imported, users, api, client, unit_at):
    unit = unit_at(1)
    answer = api("dispatcher").post(f"/api/v1/calls/{imported.pk}/transition/", {"status": "received"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "imported_call"
    answer = api("dispatcher").post(f"/api/v1/calls/{imported.pk}/assign/", {"unit": unit.pk})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "imported_call"
    client.force_login(users["dispatcher"])
    for url, body in ((f"/board/calls/{imported.pk}/move/", {"status": "received"}),
                      (f"/board/calls/{imported.pk}/assign/", {"unit": unit.pk})):  # fmt: skip
        page = client.post(url, body, HTTP_HX_REQUEST="true").content.decode()
        assert "imported from a CAD export" in page
    imported.refresh_from_db()
    assert (imported.status, imported.unit) == (S.CLOSED, None)


def test_the_database_refuses_an_imported_call_that_waits(imported):
    with pytest.raises(IntegrityError), transaction.atomic():
        CrisisCall.objects.filter(pk=imported.pk).update(status=S.RECEIVED)


def test_calls_exported_from_the_reports_import_into_an_empty_database_as_the_same_calls(
    tmp_path, client, users, call_in
):
    base = at("2030-03-10T09:00:00-05:00")
    originals = []
    for index, (nature, priority) in enumerate([("psychosis", 1), ("welfare_check", 3), ("other", 2)]):
        call = call_in(S.CLOSED, nature=nature, priority=priority, received_at=base + timedelta(hours=index))
        call.dispatched_at = call.received_at + timedelta(seconds=40)
        call.en_route_at = call.dispatched_at + timedelta(seconds=30)
        call.on_scene_at = call.en_route_at + timedelta(minutes=9)
        call.cleared_at = call.on_scene_at + timedelta(minutes=50)
        call.closed_at = call.cleared_at + timedelta(minutes=5)
        call.save()
        CallEvent.objects.create(call=call, from_status=S.ON_SCENE, to_status=S.TRANSPORTING,
                                 at=call.on_scene_at + timedelta(minutes=20), source="system")  # fmt: skip
        Outcome.objects.create(call=call, disposition="referred", follow_up_needed=True)
        originals.append(call)
    fields = ["external_id", "received_at", "nature", "priority", "dispatched_at", "en_route_at", "on_scene_at",
              "cleared_at", "closed_at"]  # fmt: skip

    def the_calls():
        return {
            c.external_id: (
                [getattr(c, name) for name in fields],
                CallEvent.objects.filter(call=c, to_status=S.TRANSPORTING).values_list("at", flat=True).first(),
                (c.outcome.disposition, c.outcome.follow_up_needed),
            )
            for c in CrisisCall.objects.select_related("outcome")
        }

    before = the_calls()
    client.force_login(users["supervisor"])
    exported = client.get("/reports/calls.csv", {"start": "2030-03-01", "end": "2030-03-31"}).content.decode()
    assert exported.splitlines()[0].split(",")[: len(KNOWN_COLUMNS) - 1] == [c for c in KNOWN_COLUMNS if c != "address"]
    with connection.cursor() as cursor:  # empty it: the history is append-only for the application
        cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off, in this transaction
        CrisisCall.objects.all().delete()
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert CrisisCall.objects.count() == 0

    (tmp_path / "calls.csv").write_text(exported, encoding="utf-8")
    ok, _out, err = run(str(tmp_path / "calls.csv"))

    assert ok, err
    assert the_calls() == before
    assert set(CrisisCall.objects.values_list("status", flat=True)) == {S.CLOSED}


def test_two_thousand_rows_import_in_seconds(tmp_path):
    start = at("2030-01-01T00:00:00-06:00")
    rows = [
        [f"N-{n}", (start + timedelta(minutes=7 * n)).isoformat(), "38.6", "-90.2", str(1 + n % 3), "psychosis",
         (start + timedelta(minutes=7 * n + 2)).isoformat(), "", "", "", "", "referred"]
        for n in range(2000)
    ]  # fmt: skip
    path = write(tmp_path, HEADER, rows)
    began = time.perf_counter()
    ok, _out, _ = run(path, "--progress-every", "500")
    elapsed = time.perf_counter() - began
    print(f"2,000 rows imported in {elapsed:.2f} s")
    assert ok and CrisisCall.objects.filter(imported_at__isnull=False).count() == 2000
