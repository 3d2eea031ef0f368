"""Reads the dispatcher makes: which units may go, how they rank, which calls wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import BooleanField, Case, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from dispatch import eta, transitions
from dispatch.models import CrisisCall
from units.models import Unit

# Added to a stale unit's travel time when calls and units are matched in bulk, so that a stale
# unit only goes where no fresh one can.
STALE_PENALTY_SECONDS = 1_000_000.0
# Distance given to a unit that has never reported a location: after every located unit.
UNKNOWN_DISTANCE_KM = 100_000.0


def eligible_units(now: datetime) -> QuerySet[Unit]:
    """Units the automatic dispatcher may send (SPEC §3.1): available, not uniformed, on a
    shift that covers now, both members active."""
    return Unit.objects.filter(
        status=Unit.Status.AVAILABLE,
        uniformed=False,
        shift_starts_at__lte=now,
        shift_ends_at__gt=now,
        clinician__active=True,
        officer__active=True,
    )


def stale_expression(now: datetime) -> Case:
    fresh_since = now - settings.DISPATCH_LOCATION_STALE_AFTER
    return Case(When(location_at__gte=fresh_since, then=Value(False)), default=Value(True), output_field=BooleanField())


@dataclass(frozen=True)
class Candidate:
    unit_id: int
    eta_seconds: float
    stale: bool
    available_since: datetime
    lat: float | None
    lon: float | None

    @property
    def rank_key(self):
        """Fresh before stale, then quickest, then the unit available longest."""
        return (self.stale, self.eta_seconds, self.available_since, self.unit_id)

    @property
    def matching_cost(self) -> float:
        return self.eta_seconds + (STALE_PENALTY_SECONDS if self.stale else 0.0)


def ranked_candidates(*, lat: float, lon: float, now: datetime, units: QuerySet[Unit] | None = None, limit=None):
    """The best units for a call at (lat, lon), best first (SPEC §3.2).

    The database orders eligible units by freshness and straight-line distance and returns the
    nearest few as plain values, whatever the number of units on shift; the travel-time
    estimator ranks only those.
    """
    limit = limit or settings.DISPATCH_CANDIDATES
    units = eligible_units(now) if units is None else units
    rows = list(
        units.annotate(
            stale=stale_expression(now),
            distance_km=Coalesce(
                eta.distance_km_expression(lat, lon), Value(UNKNOWN_DISTANCE_KM), output_field=FloatField()
            ),
        )
        .order_by("stale", "distance_km", "status_changed_at", "pk")
        .values_list("pk", "stale", "status_changed_at", "lat", "lon")[:limit]
    )
    return rank(rows, lat=lat, lon=lon)


def rank(rows, *, lat: float, lon: float) -> list[Candidate]:
    """Candidates from (id, stale, available_since, lat, lon) rows, best first."""
    located = [row for row in rows if row[3] is not None]
    seconds = dict(
        zip((row[0] for row in located), eta.travel_seconds([(r[3], r[4]) for r in located], (lat, lon)), strict=True)
    )
    candidates = [
        Candidate(
            unit_id=pk,
            eta_seconds=seconds.get(pk, STALE_PENALTY_SECONDS),
            stale=stale,
            available_since=since,
            lat=unit_lat,
            lon=unit_lon,
        )
        for pk, stale, since, unit_lat, unit_lon in rows
    ]
    return sorted(candidates, key=lambda c: c.rank_key)


def queued_calls() -> QuerySet[CrisisCall]:
    """Calls waiting for a unit, in the order they are served: priority, then age."""
    return CrisisCall.objects.filter(status=CrisisCall.Status.QUEUED).order_by("priority", "received_at", "pk")


def calls_of_member(user) -> Q:
    """Calls whose unit has ``user`` as its clinician or officer."""
    return Q(unit__clinician__user=user) | Q(unit__officer__user=user)


# --- The board and the phone page ---------------------------------------------------------------

OPEN_STATUSES = (
    CrisisCall.Status.RECEIVED, CrisisCall.Status.HELD, CrisisCall.Status.QUEUED, CrisisCall.Status.DISPATCHED,
    CrisisCall.Status.EN_ROUTE, CrisisCall.Status.ON_SCENE, CrisisCall.Status.TRANSPORTING, CrisisCall.Status.CLEARED,
)  # fmt: skip
# Waiting calls first (held and queued are what a dispatcher must act on), then by urgency and age.
BOARD_ORDER = Case(
    When(status=CrisisCall.Status.HELD, then=Value(0)),
    When(status__in=(CrisisCall.Status.RECEIVED, CrisisCall.Status.QUEUED), then=Value(1)),
    default=Value(2),
)


def board_calls() -> QuerySet[CrisisCall]:
    """Calls a dispatcher watches: waiting and active, most urgent first."""
    return (
        CrisisCall.objects.filter(status__in=OPEN_STATUSES)
        .select_related("unit__clinician", "unit__officer")
        .prefetch_related("alerts")
        .annotate(board_group=BOARD_ORDER)
        .order_by("board_group", "priority", "received_at", "pk")
    )


def board_units(now: datetime) -> QuerySet[Unit]:
    """Units on shift now, or on a call past their shift's end."""
    busy = (Unit.Status.DISPATCHED, Unit.Status.EN_ROUTE, Unit.Status.ON_SCENE, Unit.Status.TRANSPORTING)
    return (
        Unit.objects.filter(Q(shift_starts_at__lte=now, shift_ends_at__gt=now) | Q(status__in=busy))
        .select_related("clinician", "officer")
        .order_by("call_sign", "pk")
    )


@dataclass(frozen=True)
class Recommendation:
    unit: Unit
    eta_seconds: float | None
    reason: str  # empty when the automatic dispatcher could send it
    assignable: bool  # whether a dispatcher may send it by hand now
    stale: bool = False


def ineligibility_reason(unit: Unit, now: datetime) -> str:
    """Why the automatic dispatcher would not send ``unit``, in a dispatcher's words ('' if it would)."""
    if not (unit.shift_starts_at <= now < unit.shift_ends_at):
        return "off shift"
    if unit.status == Unit.Status.OUT_OF_SERVICE:
        return f"out of service ({unit.out_of_service_reason})" if unit.out_of_service_reason else "out of service"
    if unit.status != Unit.Status.AVAILABLE:
        return f"busy: {unit.get_status_display().lower()}"
    if not (unit.clinician.active and unit.officer.active):
        return "a member is inactive"
    if unit.uniformed:
        return "uniformed"
    return ""


def recommendations(call: CrisisCall, now: datetime, *, nearby: int = 8) -> list[Recommendation]:
    """For the assign menu: eligible units by travel time, then the nearest others with the
    reason each would not be sent automatically. A dispatcher may still send an available,
    on-shift uniformed unit by hand."""
    eligible = ranked_candidates(lat=call.lat, lon=call.lon, now=now)
    units = Unit.objects.select_related("clinician", "officer").in_bulk([c.unit_id for c in eligible])
    result = [
        Recommendation(unit=units[c.unit_id], eta_seconds=c.eta_seconds if c.lat is not None else None,
                       reason="stale location" if c.stale else "", assignable=True, stale=c.stale)
        for c in eligible
    ]  # fmt: skip
    others = (
        Unit.objects.exclude(pk__in=[*units, call.unit_id or 0])  # its own unit is not a choice
        .filter(shift_starts_at__lt=now + timedelta(hours=12), shift_ends_at__gt=now - timedelta(hours=1))
        .exclude(lat__isnull=True)
        .select_related("clinician", "officer")
        .annotate(distance_km=eta.distance_km_expression(call.lat, call.lon))
        .order_by("distance_km", "pk")[:nearby]
    )
    for unit in others:
        reason = ineligibility_reason(unit, now)
        seconds = eta.travel_seconds([(unit.lat, unit.lon)], (call.lat, call.lon))[0]
        result.append(Recommendation(unit=unit, eta_seconds=seconds, reason=reason or "not ranked",
                                     assignable=reason == "uniformed"))  # fmt: skip
    return result


def member_unit(user, now: datetime) -> Unit | None:
    """The unit ``user`` serves in now, or the next one today if they are early."""
    return (
        Unit.objects.filter(Q(clinician__user=user) | Q(officer__user=user), shift_ends_at__gt=now)
        .select_related("clinician", "officer", "shift")
        .order_by("shift_starts_at")
        .first()
    )


def unit_current_call(unit: Unit) -> CrisisCall | None:
    """The call a unit is on, or its cleared call still waiting for an outcome."""
    return (
        CrisisCall.objects.filter(unit=unit, status__in=(*transitions.WITH_UNIT, CrisisCall.Status.CLEARED))
        .order_by(Case(When(status=CrisisCall.Status.CLEARED, then=Value(1)), default=Value(0)), "-status_changed_at")
        .first()
    )


def unit_recent_calls(unit: Unit, limit: int = 10) -> QuerySet[CrisisCall]:
    return CrisisCall.objects.filter(unit=unit).select_related("outcome").order_by("-received_at")[:limit]
