"""Reads the dispatcher makes: which units may go, how they rank, which calls wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import BooleanField, Case, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from dispatch import eta
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
