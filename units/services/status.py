"""A unit's status and location: the one place Unit rows' status changes.

Members and dispatchers log a unit on or take it out of service (``unit_set_status``); the
dispatcher moves a unit with its call (``unit_engage``, ``unit_follow_call``, ``unit_release``);
phones report where it is (``unit_record_location``), and a unit that arrives at its call is
where the call is. Whenever a unit becomes free to take calls, waiting calls are served once the
transaction commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coresponder import audit, jobs
from coresponder.errors import ApplicationError, ConflictError
from coresponder.localtime import describe_hours, local
from units.models import Unit


def status_for_clock(starts_at: datetime, ends_at: datetime, now: datetime, *, draft: bool = False) -> str:
    """The status the clock gives a unit of this shift window now (a draft week's: off duty)."""
    return Unit.Status.AVAILABLE if not draft and starts_at <= now < ends_at else Unit.Status.OFF_DUTY


def follow_shift_window(unit: Unit, now: datetime, *, actor, note: str):
    """A unit whose shift window changed takes the clock's status for it, unless a call or its
    people set its status (on a call, out of service) -- or it has just become a draft (moved
    into an unpublished week), which puts it off duty whatever its people had set. The caller
    saves the unit and writes the audit entry returned for a change of status (None when the
    status stays)."""
    from_status = unit.status
    if unit.status in Unit.CLOCK_STATUSES or (unit.draft and unit.status in Unit.ON_DUTY_IDLE_STATUSES):
        unit.status = status_for_clock(unit.shift_starts_at, unit.shift_ends_at, now, draft=unit.draft)
        if unit.status == Unit.Status.OFF_DUTY:
            unit.out_of_service_reason = ""
    if unit.status != from_status:
        unit.status_changed_at = now
    return (
        unit_status_entry(unit.pk, from_status, unit.status, actor=actor, note=note)
        if unit.status != from_status
        else None
    )


def unit_status_entry(unit_id: int, from_status: str, to_status: str, *, actor=None, note: str = ""):
    """The audit log's entry for a unit's status change, to be written with ``audit.record_all``
    in the transaction that makes it."""
    return audit.entry("unit.status", object_type="unit", object_id=str(unit_id), actor=actor,
                       changes={"status": [from_status, to_status]}, note=note)  # fmt: skip


def lock_unit(pk: int) -> Unit:
    unit = Unit.objects.select_for_update().filter(pk=pk).first()
    if unit is None:
        raise ApplicationError("That unit no longer exists.", code="not_found", status_code=404)
    return unit


# --- Members and dispatchers: on duty, out of service -------------------------------------------


@transaction.atomic
def unit_set_status(*, unit: Unit, status: str, reason: str = "", actor=None, now: datetime | None = None) -> Unit:
    """A unit's members (or a dispatcher) log it on, back in service, or out of service."""
    now = now or timezone.now()
    unit = lock_unit(unit.pk)
    reason = (reason or "").strip()
    if status not in Unit.ON_DUTY_IDLE_STATUSES:
        raise ApplicationError(
            "A unit can only be set available or out of service here; calls move it otherwise.",
            fields={"status": ["Must be available or out_of_service."]},
        )
    if unit.status in Unit.BUSY_STATUSES:
        raise ConflictError(
            f"{unit.call_sign} is {unit.get_status_display().lower()} on a call; clear or reassign the call first.",
            code="unit_busy",
        )
    if unit.draft:
        raise ConflictError(
            f"{unit.call_sign} is in a week that has not been published yet; a supervisor publishes it first.",
            code="week_not_published",
        )
    if now >= unit.shift_ends_at:
        raise ConflictError(
            f"{unit.call_sign}'s shift ended at {local(unit.shift_ends_at):%a %H:%M}; it cannot go back on duty.",
            code="shift_over",
        )
    if now < unit.shift_starts_at - settings.ROSTER_EARLY_LOGON:
        raise ConflictError(
            f"{unit.call_sign}'s shift starts at {local(unit.shift_starts_at):%a %H:%M}; "
            f"it can log on from {describe_hours(settings.ROSTER_EARLY_LOGON)} before.",
            code="shift_not_started",
        )
    if status == Unit.Status.OUT_OF_SERVICE and not reason:
        raise ApplicationError(
            "Say why the unit is out of service (meal, training, vehicle…).", fields={"reason": ["Required."]}
        )
    if unit.status == status and unit.out_of_service_reason == (reason if status == Unit.Status.OUT_OF_SERVICE else ""):
        return unit
    # The reason by length: it is free text, and the audit log is never erased.
    audit.record("unit.status", unit, actor=actor, changes={"status": [unit.status, status]},
                 note=audit.length_only(reason, "characters of reason"))  # fmt: skip
    unit.status = status
    unit.out_of_service_reason = reason if status == Unit.Status.OUT_OF_SERVICE else ""
    unit.status_changed_at = now
    unit.save(update_fields=["status", "out_of_service_reason", "status_changed_at", "updated_at"])
    if status == Unit.Status.AVAILABLE:
        jobs.serve_queue_soon()
    return unit


# --- The dispatcher: a unit moves with its call -------------------------------------------------
# Each is called inside the dispatcher's transaction, with the unit already chosen (and, for
# ``unit_engage``, locked), and returns the audit entry for the unit's move unwritten: the
# dispatcher writes it with the call's own entry, in one INSERT.


def unit_engage(unit: Unit, *, call_id: int, actor, now: datetime):
    """Send ``unit`` (locked by the caller, its status read with the lock) to a call."""
    Unit.objects.filter(pk=unit.pk).update(status=Unit.Status.DISPATCHED, status_changed_at=now)
    return unit_status_entry(
        unit.pk, unit.status, Unit.Status.DISPATCHED, actor=actor, note=f"Dispatched to call {call_id}"
    )


def unit_follow_call(unit_id: int, to_status: str, *, call_id: int, actor, now: datetime,
                     call_place: tuple[float, float] | None = None):  # fmt: skip
    """The unit takes its call's new status (en route, on scene, transporting). The unit is
    locked to read the status it leaves: a unit on a call mirrors the call, but the audit log
    records what the row held, not what it should have held.

    On arrival (on scene) the unit is where its call is: its location becomes the call's
    (``call_place``), dated now, whoever reported the arrival (the phone, the API, a
    dispatcher). A phone's fix taken before the arrival is older and changes nothing; the next
    ones take over as usual (``unit_record_location``)."""
    unit = Unit.objects.select_for_update().only("pk", "status").get(pk=unit_id)
    from_status = unit.status
    unit.status, unit.status_changed_at = to_status, now
    fields = ["status", "status_changed_at", "updated_at"]
    note = f"Call {call_id}"
    if to_status == Unit.Status.ON_SCENE and call_place is not None:
        unit.lat, unit.lon = call_place
        unit.location_at = now
        fields += ["lat", "lon", "location_at"]
        note += "; located at the call"
    unit.save(update_fields=fields)
    return unit_status_entry(unit.pk, from_status, to_status, actor=actor, note=note)


# Why a unit is out of service while its clinician writes up a cleared call.
DOCUMENTING = "Documenting"


def is_documenting(unit: Unit) -> bool:
    return unit.status == Unit.Status.OUT_OF_SERVICE and unit.out_of_service_reason == DOCUMENTING


def unit_release(unit_id: int, *, call_id: int, reason: str, actor, now: datetime, cleared: bool = False):
    """Free a unit from its call: off duty if its shift has ended; else available, or, when its
    call was cleared and DISPATCH_CLEAR_TO is "documenting", out of service ("Documenting") while
    its clinician writes the outcome (they tap Available, or record it "and go available").
    A unit given back, reassigned or whose call was cancelled is available at once. Waiting
    calls are then served if it is."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    from_status = unit.status
    if now >= unit.shift_ends_at:
        unit.status, unit.out_of_service_reason = Unit.Status.OFF_DUTY, ""
    elif cleared and settings.DISPATCH_CLEAR_TO == "documenting":
        unit.status, unit.out_of_service_reason = Unit.Status.OUT_OF_SERVICE, DOCUMENTING
    else:
        unit.status, unit.out_of_service_reason = Unit.Status.AVAILABLE, ""
    unit.status_changed_at = now
    unit.save(update_fields=["status", "out_of_service_reason", "status_changed_at", "updated_at"])
    if unit.status == Unit.Status.AVAILABLE:
        jobs.serve_queue_soon()
    return unit_status_entry(
        unit.pk, from_status, unit.status, actor=actor, note=f"Released from call {call_id}: {reason}"
    )


# --- Phones: where the unit is --------------------------------------------------------------------


# A phone's clock may run a little ahead; a fix further in the future than this is refused.
LOCATION_CLOCK_SKEW = timedelta(minutes=2)


class Fix(StrEnum):
    """What became of a location fix."""

    STORED = "stored"
    OLDER = "older"  # the unit holds a newer fix (or its arrival at a call)
    TOO_SOON = "too_soon"  # less than the minimum interval after the fix the unit holds


def unit_record_location(*, unit: Unit, lat: float, lon: float, recorded_at: datetime | None = None,
                         min_interval: timedelta = timedelta(0)) -> Fix:  # fmt: skip
    """Store a location fix unless the unit holds a newer one, or one less than ``min_interval``
    older (both by the fixes' own times). Returns what became of it.

    Fixes arrive out of order from phones on poor networks; a conditional update keeps the
    newest without a lock. The location endpoint passes LOCATION_MIN_INTERVAL: a phone's fixes
    are rate-limited per unit, so a page gone wrong cannot write a unit's row many times a
    second. The simulator, which drives its units tick by tick, passes none.
    """
    now = timezone.now()
    recorded_at = recorded_at or now
    if not (-90 <= lat <= 90):
        raise ApplicationError("Latitude must be between -90 and 90.", fields={"lat": ["Between -90 and 90."]})
    if not (-180 <= lon <= 180):
        raise ApplicationError("Longitude must be between -180 and 180.", fields={"lon": ["Between -180 and 180."]})
    if recorded_at > now + LOCATION_CLOCK_SKEW:
        raise ApplicationError(
            "The fix is dated in the future; check the device's clock.", fields={"recorded_at": ["In the future."]}
        )
    newer_by_enough = Q(location_at__lt=recorded_at, location_at__lte=recorded_at - min_interval)
    stored = Unit.objects.filter(Q(location_at__isnull=True) | newer_by_enough, pk=unit.pk).update(
        lat=lat, lon=lon, location_at=recorded_at
    )
    if stored:
        return Fix.STORED
    held_at = Unit.objects.filter(pk=unit.pk).values_list("location_at", flat=True).first()
    return Fix.OLDER if held_at is None or held_at >= recorded_at else Fix.TOO_SOON
