"""Per call: the rows of the calls CSV export.

The export is for counting and timing, so it leaves out everything said about the person: never
the narrative, the referral (it can name a substance-use provider, which 42 CFR Part 2 protects),
the caller's details, the address or the notes. Times are local, with their UTC offset, like the
other tables (``2030-03-02T08:00:00-06:00``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from coresponder.localtime import local
from dispatch.reports.common import Range

CALL_COLUMNS = [
    "id",
    "external_id",
    "external_numbering",  # "911" for the CAD's incident numbers, else whose (a number typed by a person)
    "received_at",
    "priority",
    "nature",
    "status",
    "unit__call_sign",
    "dispatched_at",
    "en_route_at",
    "on_scene_at",
    "cleared_at",
    "closed_at",
    "outcome__disposition",
    "outcome__arrest_made",
    "outcome__force_used",
    "outcome__follow_up_needed",
]  # fmt: skip — see the docstring for what is never here
# What the page's link and the user guide say the export leaves out.
CALLS_LEFT_OUT = "no narratives, referrals, caller details, addresses or notes"


def per_call_rows(report: Range) -> Iterator[list]:
    """The range's calls, oldest first, their times on the local clock."""
    rows = report.calls().order_by("received_at", "pk").values_list(*CALL_COLUMNS)
    for row in rows.iterator(chunk_size=2000):
        yield [local(value) if isinstance(value, datetime) else value for value in row]
