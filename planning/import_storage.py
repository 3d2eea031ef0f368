"""Storing checked rows of a CAD export as history (planning.importing checks them first):
closed calls with their milestones, one history event per milestone, the outcome if given, in
batches -- COPY on PostgreSQL, bulk_create elsewhere -- and one audit entry for the import."""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from coresponder import audit
from dispatch.models import CallEvent, CrisisCall, Outcome

if TYPE_CHECKING:  # planning.importing imports this module
    from planning.importing import ImportReport

S = CrisisCall.Status
MILESTONES = ["dispatched_at", "en_route_at", "on_scene_at", "transporting_at", "cleared_at", "closed_at"]
STATUS_OF = {"dispatched_at": S.DISPATCHED, "en_route_at": S.EN_ROUTE, "on_scene_at": S.ON_SCENE,
             "transporting_at": S.TRANSPORTING, "cleared_at": S.CLEARED, "closed_at": S.CLOSED}  # fmt: skip
NUMBERING = "911"  # a CAD export's incident numbers are the CAD's (dispatch.services.intake.numbering_of)
BATCH = 5000


@transaction.atomic
def store(good: list[tuple[int, dict]], report: ImportReport, *, actor, source_name, progress, every) -> None:
    now = timezone.now()
    for start in range(0, len(good), BATCH):
        batch = [parsed for _, parsed in good[start : start + BATCH]]
        calls = _insert_calls([_call(parsed, now) for parsed in batch])
        pairs = list(zip(calls, batch, strict=True))
        _insert(CallEvent, [event for call, parsed in pairs for event in _events(call, parsed)])
        _insert(Outcome, [_outcome(call, parsed, actor) for call, parsed in pairs if parsed["disposition"]])
        report.imported += len(calls)
        if progress and (report.imported // every) > ((report.imported - len(calls)) // every):
            progress("stored", report.imported)
    audit.record(
        "calls.imported",
        actor=actor,
        object_type="import",
        object_id=os.path.basename(source_name)[:40],  # the column's length
        changes={
            "imported": [None, report.imported],
            "skipped": [None, len(report.skipped)],
            "bad_rows": [None, len(report.errors)],
        },
        note=f"{source_name}: {report.summary()}",
    )


def _insert_calls(calls: list[CrisisCall]) -> list[CrisisCall]:
    """Store the calls and learn their ids: on PostgreSQL the ids are drawn from the table's
    sequence first, so that COPY can write them."""
    if connection.vendor != "postgresql":
        return CrisisCall.objects.bulk_create(calls)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [CrisisCall._meta.db_table, len(calls)],
        )
        for call, (pk,) in zip(calls, cursor.fetchall(), strict=True):
            call.pk = pk
    _insert(CrisisCall, calls, with_pk=True)
    return calls


def _insert(model, rows: list, *, with_pk: bool = False) -> None:
    """Insert model instances: with COPY on PostgreSQL (several times faster than INSERT for the
    hundreds of thousands of events a large export makes), else with bulk_create."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows)
        return
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields])


def _call(parsed: dict, now: datetime) -> CrisisCall:
    last = max(parsed[name] for name in ["received_at", *MILESTONES] if parsed.get(name))
    fields = {
        name: parsed.get(name) for name in ["dispatched_at", "en_route_at", "on_scene_at", "cleared_at", "closed_at"]
    }
    return CrisisCall(
        external_id=parsed["external_id"], external_numbering=NUMBERING, received_at=parsed["received_at"],
        lat=parsed["lat"], lon=parsed["lon"], address=parsed["address"], nature=parsed["nature"],
        priority=parsed["priority"], status=S.CLOSED, status_changed_at=last, imported_at=now, **fields,
    )  # fmt: skip


def _events(call: CrisisCall, parsed: dict) -> list[CallEvent]:
    """The call's history, one event per milestone the export gave (the first says "Imported")."""
    events = [CallEvent(call=call, from_status="", to_status=S.RECEIVED, at=parsed["received_at"],
                        source=CallEvent.Source.SYSTEM, note="Imported from a CAD export")]  # fmt: skip
    for name in MILESTONES:
        if parsed.get(name):
            to_status = STATUS_OF[name]
            events.append(CallEvent(call=call, from_status=events[-1].to_status, to_status=to_status,
                                    at=parsed[name], source=CallEvent.Source.SYSTEM))  # fmt: skip
    return events


def _outcome(call: CrisisCall, parsed: dict, actor) -> Outcome:
    """What a CAD export says of the end: the disposition (and our export's flags). It has no
    narrative or referral; who recorded it is whoever imported it, when is when the call ended."""
    ended = parsed.get("closed_at") or parsed.get("cleared_at") or parsed["received_at"]
    disposition = parsed["disposition"]
    return Outcome(
        call=call, disposition=disposition,
        arrest_made=parsed["arrest_made"] or disposition == Outcome.Disposition.ARREST,
        force_used=parsed["force_used"], follow_up_needed=parsed["follow_up_needed"],
        recorded_by=actor if actor is not None and actor.is_authenticated else None, recorded_at=ended,
    )  # fmt: skip
