"""Reads the dispatcher makes: which units may go, how they rank, which calls wait."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Case, Exists, FloatField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from dispatch import eta, languages
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
    clinician_languages: Sequence[str] = ()
    officer_languages: Sequence[str] = ()


UNIT_ROW_FIELDS = ("pk", "stale", "status_changed_at", "lat", "lon", "clinician__languages", "officer__languages")


@dataclass(frozen=True)
class Candidate:
    unit_id: int
    eta_seconds: float | None  # None: the unit has never reported a location
    stale: bool
    available_since: datetime
    language: str = ""  # the language the call needs a speaker of; "" when any unit will do
    speaks_language: bool = False  # a member of the unit speaks it

    @property
    def cost_seconds(self) -> float:
        """The cost of sending this unit to this call: the one figure that the ranking for one
        call and the matching of several calls with several units both minimise, so that both
        choose alike. It is the travel time (a unit with no location after every located one),
        plus DISPATCH_LANGUAGE_EXTRA_SECONDS when the call needs a language no member of the unit
        speaks: a unit that speaks it goes before one up to that much nearer, and beyond that
        the nearer unit goes. A penalty on the others rather than a credit to the speakers keeps
        every cost positive, which the priority weights of the matching multiply."""
        seconds = UNKNOWN_LOCATION_SECONDS if self.eta_seconds is None else self.eta_seconds
        if self.language and not self.speaks_language:
            seconds += settings.DISPATCH_LANGUAGE_EXTRA_SECONDS
        return seconds

    @property
    def rank_key(self):
        """Fresh before stale, then cheapest (quickest, counting the language), then, at an
        equal cost, the unit that speaks the call's language, then the unit available longest."""
        return (self.stale, self.cost_seconds, not self.speaks_language, self.available_since, self.unit_id)

    @property
    def matching_cost(self) -> float:
        return self.cost_seconds + (STALE_PENALTY_SECONDS if self.stale else 0.0)


def ranked_candidates(
    *, lat: float, lon: float, now: datetime, language: str = "", exclude_unit_ids=(), limit=None
) -> list[Candidate]:
    """The best units for a call at (lat, lon) needing ``language``, best first (SPEC §3.2).

    The database returns the nearest few eligible units as plain values, whatever the number of
    units on shift, and the travel-time estimator ranks only those. Units with a fresh location
    come first; units with a stale or no location are looked at only if too few fresh ones are.
    A call needing a language also gets the nearest few units that speak it, which may be
    farther than the nearest few units yet within the extra time a speaker is worth
    (``_nearest_speakers``).
    """
    limit = limit or settings.DISPATCH_CANDIDATES
    language = languages.needed(language)
    units = eligible_units(now).exclude(pk__in=exclude_unit_ids)
    fresh_since = now - settings.DISPATCH_LOCATION_STALE_AFTER
    fresh = units.filter(location_at__gte=fresh_since)
    rows = _nearest_fresh(fresh, lat, lon, limit)
    if language and settings.DISPATCH_LANGUAGE_EXTRA_SECONDS and rows:
        found = {row.pk for row in rows}
        rows += [row for row in _nearest_speakers(fresh, language, lat, lon, rows, limit) if row.pk not in found]
    if len(rows) < limit:
        others = units.exclude(location_at__gte=fresh_since).annotate(
            stale=Value(True, output_field=BooleanField()),
            distance_km=Coalesce(
                eta.distance_km_expression(lat, lon), Value(UNKNOWN_DISTANCE_KM), output_field=FloatField()
            ),
        )
        rows += [UnitRow(*row) for row in others.order_by("distance_km", "status_changed_at", "pk")
                 .values_list(*UNIT_ROW_FIELDS)[: limit - len(rows)]]  # fmt: skip
    return rank(rows, lat=lat, lon=lon, language=language)


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


# How far past the nearest unit a speaker is looked for: twice the straight line the extra time
# buys at the default estimator's speed, so that a routing estimator's faster roads are covered.
SPEAKER_REACH_MARGIN = 2.0
KM_PER_DEGREE = math.pi * eta.EARTH_RADIUS_KM / 180


def _nearest_speakers(
    fresh: QuerySet[Unit], language: str, lat: float, lon: float, nearest: list[UnitRow], limit: int
) -> list[UnitRow]:
    """The nearest few fresh units that speak ``language``, no farther than one could still be
    chosen over the nearest unit: a box around the call, which the location index searches
    without reading every unit on shift (a plain filter on the language read them all: 8 ms for
    3,000 units)."""
    nearest_km = min(eta.haversine_km((row.lat, row.lon), (lat, lon)) for row in nearest)
    worth_km = settings.DISPATCH_LANGUAGE_EXTRA_SECONDS / 3600 * settings.DISPATCH_URBAN_SPEED_KMH
    reach_km = nearest_km + SPEAKER_REACH_MARGIN * worth_km / settings.DISPATCH_CIRCUITY_FACTOR
    half_lat = reach_km / KM_PER_DEGREE
    half_lon = reach_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    speaking = fresh.filter(languages.units_speaking(language))
    if connection.vendor == "postgresql":
        # The box is an index condition on unit_available_location_knn (units migration 0003).
        corners = (lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)
        inside = RawSQL('point("units_unit"."lon", "units_unit"."lat") <@ box(point(%s, %s), point(%s, %s))', corners,
                        output_field=BooleanField())  # fmt: skip
        speaking = speaking.filter(inside)
    else:
        speaking = speaking.filter(
            lat__range=(lat - half_lat, lat + half_lat), lon__range=(lon - half_lon, lon + half_lon)
        )
    return _nearest_fresh(speaking, lat, lon, limit)


def rank(rows: list[UnitRow], *, lat: float, lon: float, language: str = "") -> list[Candidate]:
    """Candidates for a call at (lat, lon) needing ``language``, from unit rows, best first."""
    language = languages.needed(language)
    located = [row for row in rows if row.lat is not None]
    seconds = eta.travel_seconds([(row.lat, row.lon) for row in located], (lat, lon))
    by_unit = dict(zip((row.pk for row in located), seconds, strict=True))
    candidates = [
        Candidate(unit_id=row.pk, eta_seconds=by_unit.get(row.pk), stale=row.stale, available_since=row.available_since,
                  language=language,
                  speaks_language=bool(language) and languages.spoken(language, row.clinician_languages, row.officer_languages))
        for row in rows
    ]  # fmt: skip
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
    """Units on shift now, or on a call past their shift's end (a draft week's are not on the board)."""
    return (
        (Unit.objects.on_shift(now).filter(draft=False) | Unit.objects.filter(status__in=Unit.BUSY_STATUSES))
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
    language: str = ""  # the language the call needs a speaker of, if any
    speakers: tuple[str, ...] = ()  # the unit's members who speak it


def recommendations(call: CrisisCall, now: datetime, *, nearby: int = 8) -> list[Recommendation]:
    """For the assign menu: eligible units in the order the automatic dispatcher ranks them
    (travel time, and the call's language), then the nearest others with the reason each would
    not be sent automatically. A dispatcher may still send an available, on-shift uniformed unit
    by hand. Each names its members who speak the language the call needs."""
    language = languages.needed(call.language)
    eligible = ranked_candidates(lat=call.lat, lon=call.lon, now=now, language=language)
    units = Unit.objects.select_related("clinician", "officer").in_bulk([c.unit_id for c in eligible])
    result = [
        Recommendation(unit=units[c.unit_id], eta_seconds=c.eta_seconds, assignable=True, stale=c.stale,
                       reason="stale location" if c.stale else ("location unknown" if c.eta_seconds is None else ""),
                       language=language, speakers=tuple(languages.speakers(units[c.unit_id], language)))
        for c in eligible
    ]  # fmt: skip
    others = (
        Unit.objects.exclude(pk__in=[*units, call.unit_id or 0])  # its own unit is not a choice
        .filter(draft=False, shift_starts_at__lt=now + timedelta(hours=12), shift_ends_at__gt=now - timedelta(hours=1))
        .exclude(lat__isnull=True)
        .select_related("clinician", "officer")
        .annotate(distance_km=eta.distance_km_expression(call.lat, call.lon))
        .order_by("distance_km", "pk")[:nearby]
    )
    for unit in others:
        seconds = eta.travel_seconds([(unit.lat, unit.lon)], (call.lat, call.lon))[0]
        automatic, by_hand = why_not(unit, now), why_not(unit, now, by_hand=True)
        result.append(Recommendation(unit=unit, eta_seconds=seconds, reason=automatic.short if automatic else "not ranked",
                                     assignable=by_hand is None, language=language,
                                     speakers=tuple(languages.speakers(unit, language))))  # fmt: skip
    return result


def member_unit(user, now: datetime) -> Unit | None:
    """The unit ``user`` serves in: the one with their call on it, even past its shift's end;
    else the one on shift now (or that they may log on now, ROSTER_EARLY_LOGON early); else one
    whose shift has ended with a cleared call of theirs still waiting for the outcome they record;
    else their next one.

    So a call worked past the end of the shift stays on the phone page, and its outcome form
    after it cleared, until the outcome is recorded, and the next shift's unit takes over once
    it may log on. The call and the outcome owed are found through the assignments (who was on
    the call), so a unit re-paired since still shows them to the people who were on it -- never
    to the newcomers -- and only its members may change its status (dispatch.views.phone)."""
    theirs = Assignment.objects.filter(unit=OuterRef("pk"))
    on_a_call = theirs.filter(member_filter(user), ended_at__isnull=True,
                              call__status__in=CrisisCall.WITH_UNIT_STATUSES)  # fmt: skip
    outcome_due = theirs.filter(clinician__user=user, end_reason=Assignment.EndReason.CLEARED,
                                call__status=CrisisCall.Status.CLEARED)  # fmt: skip
    member = member_filter(user) & Q(draft=False)  # a draft week's unit is not theirs yet
    precedence = Case(
        When(Exists(on_a_call), then=Value(0)),
        When(member, shift_starts_at__lte=now + settings.ROSTER_EARLY_LOGON, shift_ends_at__gt=now, then=Value(1)),
        When(Exists(outcome_due), then=Value(2)),
        default=Value(3),
    )
    return (
        Unit.objects.filter(Q(member, shift_ends_at__gt=now) | Exists(on_a_call) | Exists(outcome_due))
        .annotate(precedence=precedence)
        .select_related("clinician", "officer", "shift")
        .order_by("precedence", "shift_starts_at", "pk")
        .first()
    )
