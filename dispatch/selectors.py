"""Reads the dispatcher makes: which units may go, how they rank, which calls wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Case, FloatField, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from dispatch import eta
from dispatch.eligibility import eligible_units, why_not
from dispatch.models import Assignment, CrisisCall
from units.membership import member_filter
from units.models import Unit

# Added to a stale unit's travel time when calls and units are matched in bulk, so that a stale
# unit only goes where no fresh one can.
STALE_PENALTY_SECONDS = 1_000_000.0
# Distance and travel time given to a unit that has never reported a location: after every
# located unit.
UNKNOWN_DISTANCE_KM = 100_000.0
UNKNOWN_LOCATION_SECONDS = 500_000.0


def stale_expression(now: datetime) -> Case:
    fresh_since = now - settings.DISPATCH_LOCATION_STALE_AFTER
    return Case(When(location_at__gte=fresh_since, then=Value(False)), default=Value(True), output_field=BooleanField())


class UnitRow(NamedTuple):
    """What ranking needs of a unit: never its full row."""

    pk: int
    stale: bool
    available_since: datetime
    lat: float | None
    lon: float | None


UNIT_ROW_FIELDS = ("pk", "stale", "status_changed_at", "lat", "lon")


@dataclass(frozen=True)
class Candidate:
    unit_id: int
    eta_seconds: float | None  # None: the unit has never reported a location
    stale: bool
    available_since: datetime

    @property
    def _eta_for_ranking(self) -> float:
        return UNKNOWN_LOCATION_SECONDS if self.eta_seconds is None else self.eta_seconds

    @property
    def rank_key(self):
        """Fresh before stale, then quickest, then the unit available longest."""
        return (self.stale, self._eta_for_ranking, self.available_since, self.unit_id)

    @property
    def matching_cost(self) -> float:
        return self._eta_for_ranking + (STALE_PENALTY_SECONDS if self.stale else 0.0)


def ranked_candidates(*, lat: float, lon: float, now: datetime, exclude_unit_ids=(), limit=None) -> list[Candidate]:
    """The best units for a call at (lat, lon), best first (SPEC §3.2).

    The database returns the nearest few eligible units as plain values, whatever the number of
    units on shift, and the travel-time estimator ranks only those. Units with a fresh location
    come first; units with a stale or no location are looked at only if too few fresh ones are.
    """
    limit = limit or settings.DISPATCH_CANDIDATES
    units = eligible_units(now).exclude(pk__in=exclude_unit_ids)
    fresh_since = now - settings.DISPATCH_LOCATION_STALE_AFTER
    rows = _nearest_fresh(units.filter(location_at__gte=fresh_since), lat, lon, limit)
    if len(rows) < limit:
        others = units.exclude(location_at__gte=fresh_since).annotate(
            stale=Value(True, output_field=BooleanField()),
            distance_km=Coalesce(
                eta.distance_km_expression(lat, lon), Value(UNKNOWN_DISTANCE_KM), output_field=FloatField()
            ),
        )
        rows += [UnitRow(*row) for row in others.order_by("distance_km", "status_changed_at", "pk")
                 .values_list(*UNIT_ROW_FIELDS)[: limit - len(rows)]]  # fmt: skip
    return rank(rows, lat=lat, lon=lon)


# The nearest-first index orders by flat degrees, not by the Earth's surface; taking a few times
# more rows than needed keeps the true nearest among them before the exact ranking.
KNN_OVERSAMPLE = 3


def _nearest_fresh(units: QuerySet[Unit], lat: float, lon: float, limit: int) -> list[UnitRow]:
    fresh = units.filter(lat__isnull=False).annotate(stale=Value(False, output_field=BooleanField()))
    if connection.vendor == "postgresql":
        # Walks units_unit's unit_available_location_knn index (units migration 0003).
        nearest = RawSQL('point("units_unit"."lon", "units_unit"."lat") <-> point(%s, %s)', (lon, lat))
        fresh = fresh.order_by(nearest.asc())[: limit * KNN_OVERSAMPLE]
    else:
        fresh = fresh.annotate(distance_km=eta.distance_km_expression(lat, lon)).order_by("distance_km", "pk")[:limit]
    return [UnitRow(*row) for row in fresh.values_list(*UNIT_ROW_FIELDS)]


def rank(rows: list[UnitRow], *, lat: float, lon: float) -> list[Candidate]:
    """Candidates for a call at (lat, lon) from unit rows, best first."""
    located = [row for row in rows if row.lat is not None]
    seconds = eta.travel_seconds([(row.lat, row.lon) for row in located], (lat, lon))
    by_unit = dict(zip((row.pk for row in located), seconds, strict=True))
    candidates = [
        Candidate(unit_id=row.pk, eta_seconds=by_unit.get(row.pk), stale=row.stale, available_since=row.available_since)
        for row in rows
    ]
    return sorted(candidates, key=lambda c: c.rank_key)


def declined_unit_ids(call_ids) -> dict[int, set[int]]:
    """For each call, the units that gave it back (declined): never sent to it automatically again."""
    declined: dict[int, set[int]] = {}
    rows = Assignment.objects.filter(call_id__in=call_ids, end_reason=Assignment.EndReason.REQUEUED)
    for call_id, unit_id in rows.values_list("call_id", "unit_id"):
        declined.setdefault(call_id, set()).add(unit_id)
    return declined


def queued_calls() -> QuerySet[CrisisCall]:
    """Calls waiting for a unit, in the order they are served: priority, then age."""
    return CrisisCall.objects.filter(status=CrisisCall.Status.QUEUED).order_by("priority", "received_at", "pk")


# --- The board and the phone page ---------------------------------------------------------------

# Waiting calls first (held and queued are what a dispatcher must act on), then by urgency and age.
BOARD_ORDER = Case(
    When(status=CrisisCall.Status.HELD, then=Value(0)),
    When(status__in=CrisisCall.AUTO_DISPATCH_STATUSES, then=Value(1)),
    default=Value(2),
)


def board_calls() -> QuerySet[CrisisCall]:
    """Calls a dispatcher watches: waiting and active, most urgent first."""
    return (
        CrisisCall.objects.filter(status__in=CrisisCall.OPEN_STATUSES)
        .select_related("unit__clinician", "unit__officer")
        .prefetch_related("alerts")
        .annotate(board_group=BOARD_ORDER)
        .order_by("board_group", "priority", "received_at", "pk")
    )


def triage_calls() -> QuerySet[CrisisCall]:
    """Calls waiting for the crisis line, longest waiting first (urgent ones before)."""
    return (
        CrisisCall.objects.filter(status=CrisisCall.Status.TRIAGE)
        .prefetch_related("alerts")
        .order_by("priority", "received_at", "pk")
    )


def board_units(now: datetime) -> QuerySet[Unit]:
    """Units on shift now, or on a call past their shift's end."""
    return (
        (Unit.objects.on_shift(now) | Unit.objects.filter(status__in=Unit.BUSY_STATUSES))
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


def recommendations(call: CrisisCall, now: datetime, *, nearby: int = 8) -> list[Recommendation]:
    """For the assign menu: eligible units by travel time, then the nearest others with the
    reason each would not be sent automatically. A dispatcher may still send an available,
    on-shift uniformed unit by hand."""
    eligible = ranked_candidates(lat=call.lat, lon=call.lon, now=now)
    units = Unit.objects.select_related("clinician", "officer").in_bulk([c.unit_id for c in eligible])
    result = [
        Recommendation(unit=units[c.unit_id], eta_seconds=c.eta_seconds, assignable=True, stale=c.stale,
                       reason="stale location" if c.stale else ("location unknown" if c.eta_seconds is None else ""))
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
        seconds = eta.travel_seconds([(unit.lat, unit.lon)], (call.lat, call.lon))[0]
        automatic, by_hand = why_not(unit, now), why_not(unit, now, by_hand=True)
        result.append(Recommendation(unit=unit, eta_seconds=seconds, reason=automatic.short if automatic else "not ranked",
                                     assignable=by_hand is None))  # fmt: skip
    return result


def member_unit(user, now: datetime) -> Unit | None:
    """The unit ``user`` serves in now, or the next one today if they are early."""
    return (
        Unit.objects.filter(member_filter(user), shift_ends_at__gt=now)
        .select_related("clinician", "officer", "shift")
        .order_by("shift_starts_at")
        .first()
    )
