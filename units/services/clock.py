"""The clock: units come on duty at their shift's start and go off duty at its end."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from coresponder import audit, jobs
from units.models import Unit
from units.services.status import unit_status_entry

# How many of beat's intervals (settings.ROSTER_CLOCK_INTERVAL) a run looks back for shifts that
# started: two, so a start is seen even when the run after it was late or dropped (a run expires
# when it has not started within one interval), and no start is missed between runs.
LOOKBACK_INTERVALS = 2


def clock_lookback() -> timedelta:
    """How far back a run of the clock looks for shifts that started."""
    return LOOKBACK_INTERVALS * settings.ROSTER_CLOCK_INTERVAL


@transaction.atomic
def units_follow_clock(*, now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Put units on duty at their shift's start and off duty at its end (unless on a call).
    A draft week's units stay off duty (and the database refuses otherwise).

    Run by the beat every few seconds and safe to run twice at once: each update is conditional
    on the old status. Returns the ids that came on duty and those that went off.
    """
    now = now or timezone.now()
    moves = []
    starting = list(
        Unit.objects.on_shift(now).filter(status=Unit.Status.OFF_DUTY, draft=False).values_list("pk", flat=True)
    )
    came_on = []
    for pk in starting:
        if Unit.objects.filter(pk=pk, status=Unit.Status.OFF_DUTY, draft=False).update(
            status=Unit.Status.AVAILABLE, status_changed_at=now
        ):
            came_on.append(pk)
            moves.append(unit_status_entry(pk, Unit.Status.OFF_DUTY, Unit.Status.AVAILABLE, note="shift started"))
    ending = list(
        Unit.objects.filter(status__in=Unit.ON_DUTY_IDLE_STATUSES, shift_ends_at__lte=now).values_list("pk", "status")
    )
    went_off = []
    for pk, from_status in ending:
        # Conditional on the status just read, so the audit log's old value is the one replaced;
        # a unit whose status changed in between is taken by the next run.
        if Unit.objects.filter(pk=pk, status=from_status).update(
            status=Unit.Status.OFF_DUTY, out_of_service_reason="", status_changed_at=now
        ):
            went_off.append(pk)
            moves.append(unit_status_entry(pk, from_status, Unit.Status.OFF_DUTY, note="shift ended"))
    audit.record_all(moves)
    # Units that logged on early were already available: their shift starting frees them too.
    started_early = Unit.objects.filter(
        status=Unit.Status.AVAILABLE, shift_starts_at__lte=now, shift_starts_at__gt=now - clock_lookback()
    ).exists()
    if came_on or started_early:
        jobs.serve_queue_soon()
    return came_on, went_off
