"""Per call: the rows of the calls CSV export (never the narrative)."""

from __future__ import annotations

from dispatch.reports.common import Range

CALL_COLUMNS = [
    "id",
    "external_id",
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
    "outcome__referral",
    "outcome__arrest_made",
    "outcome__force_used",
    "outcome__follow_up_needed",
]  # fmt: skip — never the narrative


def per_call_rows(report: Range):
    return report.calls().order_by("received_at", "pk").values_list(*CALL_COLUMNS)
