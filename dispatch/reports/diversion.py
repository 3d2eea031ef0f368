"""Diversion: what happened to the calls 911 diverted -- the figures a program reports to its city.

Of the calls received: how many the crisis line resolved by phone, how many a co-responder team
answered in person, how many were held for a dispatcher's review, returned to 911 or cancelled;
of the in-person contacts, the share that ended without an arrest and without force; by nature
and by week. And four tiles, each against the previous period of the same length: the share of
calls resolved without arrest, emergency department or detention; the share reached within the
response target; the median minutes from receipt to a team on scene; the share of the time a
non-uniformed unit was on duty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from dispatch.models import CallEvent, CrisisCall, Outcome
from dispatch.reports.common import Range
from dispatch.reports.times import response_times
from units.models import Unit

S = CrisisCall.Status
PHONE_RESOLUTIONS = (CrisisCall.PhoneDisposition.RESOLVED_BY_PHONE, CrisisCall.PhoneDisposition.REFERRED_BY_PHONE)
# Endings that are not a resolution in the community: the person was arrested, taken to an
# emergency department, or detained.
NOT_RESOLVED = (
    Outcome.Disposition.ARREST,
    Outcome.Disposition.TRANSPORT_EMERGENCY_DEPARTMENT,
    Outcome.Disposition.EMERGENCY_DETENTION,
)


@dataclass
class Counts:
    received: int = 0
    from_911: int = 0
    resolved_by_phone: int = 0  # resolved or referred by the crisis line
    no_answer_by_phone: int = 0  # closed by the crisis line after no answer: not a resolution
    in_person: int = 0
    held: int = 0
    returned_to_911: int = 0
    cancelled: int = 0

    def share(self, count: int) -> float | None:
        return count / self.received if self.received else None


@dataclass
class Tiles:
    resolved_in_community: float | None  # share of ended calls: no arrest, ED or detention
    within_target: float | None  # share reached on scene within the response target
    median_minutes: float | None  # received to on scene
    coverage: float | None  # share of the time a non-uniformed unit was on duty


@dataclass
class Diversion:
    counts: Counts
    in_person_with_outcome: int
    in_person_without_arrest_or_force: int
    by_nature: list[tuple[str, str, Counts]] = field(default_factory=list)
    by_week: list[tuple[date, Counts]] = field(default_factory=list)
    tiles: Tiles | None = None
    previous: Tiles | None = None  # the period of the same length just before

    @property
    def without_arrest_or_force_share(self) -> float | None:
        return (
            self.in_person_without_arrest_or_force / self.in_person_with_outcome
            if self.in_person_with_outcome
            else None
        )


def _aggregates() -> dict:
    return {
        "received": Count("pk"),
        "from_911": Count("pk", filter=Q(external_id__isnull=False, external_numbering="911")),
        "resolved_by_phone": Count("pk", filter=Q(phone_disposition__in=PHONE_RESOLUTIONS)),
        "no_answer_by_phone": Count("pk", filter=Q(phone_disposition=CrisisCall.PhoneDisposition.NO_ANSWER)),
        "in_person": Count("pk", filter=Q(on_scene_at__isnull=False)),
        "held": Count("pk", filter=Q(was_held=True)),
        "returned_to_911": Count("pk", filter=Q(status=S.RETURNED_TO_911)),
        "cancelled": Count("pk", filter=Q(status=S.CANCELLED)),
    }


def _annotated(report: Range):
    """The range's calls, each knowing whether it was ever held for a dispatcher's review."""
    return report.calls().annotate(was_held=Exists(CallEvent.objects.filter(call=OuterRef("pk"), to_status=S.HELD)))


def diversion(report: Range, *, with_previous: bool = True) -> Diversion:
    calls = _annotated(report)
    contacts = Outcome.objects.filter(call__in=report.calls(), call__on_scene_at__isnull=False).aggregate(
        n=Count("pk"), clean=Count("pk", filter=Q(arrest_made=False, force_used=False))
    )
    natures = {row.pop("nature"): Counts(**row) for row in calls.order_by().values("nature").annotate(**_aggregates())}
    weeks = calls.order_by().annotate(week=TruncWeek("received_at")).values("week").annotate(**_aggregates())
    return Diversion(
        counts=Counts(**calls.aggregate(**_aggregates())),
        in_person_with_outcome=contacts["n"],
        in_person_without_arrest_or_force=contacts["clean"],
        by_nature=[(code, label, natures[code]) for code, label in CrisisCall.Nature.choices if code in natures],
        by_week=sorted((timezone.localtime(row.pop("week")).date(), Counts(**row)) for row in weeks),
        tiles=tiles(report),
        previous=tiles(report.previous()) if with_previous else None,
    )


def tiles(report: Range) -> Tiles:
    calls = report.calls()
    ended = calls.filter(~Q(phone_disposition="") | Q(outcome__isnull=False))
    in_community = ended.exclude(outcome__disposition__in=NOT_RESOLVED).exclude(outcome__arrest_made=True)
    ended_count = ended.count()
    response = next(f for f in response_times(report) if f.key == "received_on_scene" and f.priority is None)
    return Tiles(
        resolved_in_community=in_community.count() / ended_count if ended_count else None,
        within_target=response.share_within_target,
        median_minutes=None if response.median is None else round(response.median / 60, 1),
        coverage=coverage_share(report),
    )


def coverage_share(report: Range) -> float:
    """The share of the range's time at least one non-uniformed unit was on duty."""
    windows = Unit.objects.filter(
        uniformed=False, draft=False, shift_starts_at__lt=report.end, shift_ends_at__gt=report.start
    )
    covered, reach = timedelta(0), report.start
    for start, end in sorted(windows.values_list("shift_starts_at", "shift_ends_at")):
        start, end = max(start, reach), min(end, report.end)
        if end > start:
            covered += end - start
            reach = end
    return covered / (report.end - report.start)
