"""Per call: the rows of the calls CSV export.

The columns are the import format's (SPEC §6, planning.importing), so history moves between
installs: ``calls.csv`` from one imports into another with ``manage.py import_calls``. The
import reads ``status`` and ``unit_call_sign`` and sets them aside (an imported call is closed,
without a unit).

The export is for counting and timing, so it leaves out everything said about the person: never
the narrative, the referral (it can name a substance-use provider, which 42 CFR Part 2 protects),
the caller's details, the address or the notes. The place is rounded to a block
(``CrisisCall.PLACE_DECIMALS``), as the permanent record keeps it. Only the 911 CAD's incident
numbers are written: a number a person typed means nothing to another install. Times are local,
with their UTC offset, like the other tables (``2030-03-02T08:00:00-06:00``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import F, OuterRef, Subquery

from coresponder.localtime import local
from dispatch.models import CallEvent, CrisisCall
from dispatch.reports.common import Range

CALL_COLUMNS = [
    "external_id",
    "received_at",
    "lat",
    "lon",
    "priority",
    "nature",
    "dispatched_at",
    "en_route_at",
    "on_scene_at",
    "transporting_at",  # the call's first move to transporting, from its history
    "cleared_at",
    "closed_at",
    "disposition",
    "arrest_made",
    "force_used",
    "follow_up_needed",
    "status",
    "unit_call_sign",
]  # fmt: skip — see the docstring for what is never here
# What the page's link and the user guide say the export leaves out.
CALLS_LEFT_OUT = "no narratives, referrals, caller details, addresses or notes"

# Read with each row but not written: whose numbering the external_id is in, and the import mark.
_HIDDEN = ["external_numbering", "imported_at"]


def per_call_rows(report: Range) -> Iterator[list]:
    """The range's calls, oldest first, their times on the local clock."""
    first_transport = CallEvent.objects.filter(call=OuterRef("pk"), to_status=CrisisCall.Status.TRANSPORTING)
    rows = (
        report.calls()
        .annotate(
            transporting_at=Subquery(first_transport.order_by("at").values("at")[:1]),
            disposition=F("outcome__disposition"),
            arrest_made=F("outcome__arrest_made"),
            force_used=F("outcome__force_used"),
            follow_up_needed=F("outcome__follow_up_needed"),
            unit_call_sign=F("unit__call_sign"),
        )
        .order_by("received_at", "pk")
        .values_list(*CALL_COLUMNS, *_HIDDEN)
    )
    for row in rows.iterator(chunk_size=2000):
        yield _cells(dict(zip([*CALL_COLUMNS, *_HIDDEN], row, strict=True)))


def _cells(row: dict) -> list:
    if row["external_numbering"] != "911":
        row["external_id"] = None
    if row["imported_at"] and (row["lat"], row["lon"]) == CrisisCall.IMPORTED_WITHOUT_PLACE:
        row["lat"] = row["lon"] = None
    else:
        row["lat"], row["lon"] = (round(row[name], CrisisCall.PLACE_DECIMALS) for name in ("lat", "lon"))
    return [local(row[name]) if isinstance(row[name], datetime) else row[name] for name in CALL_COLUMNS]
