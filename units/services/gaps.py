"""Fill the gaps: suggest pairings for the shifts of a week that are below their target.

A week's empty slots are, for each shift laid out from a template and not yet over, the
template's ``target_units`` minus the shift's non-uniformed units, draft or not. Suggestions pair
active people and break no roster rule, hard or soft: never an override.

The solver is greedy, and this is what it guarantees (tests/units/test_fill_gaps.py holds it):

1. Slots are taken in time order (start, shift name, shift id). Each goes to the eligible clinician
   with the fewest hours in the week so far -- stored units and the suggestions already made;
   ties by name -- and to the eligible officer likewise. Eligible: ``rules.member_breaches`` finds
   nothing next to the stored roster and the suggestions before it.
2. Any subset of the suggestions, created with ``unit_create`` and no override, is accepted while
   the stored roster is unchanged: each rule only gets harder to keep as a person gets more
   shifts (overlap, rest, the rolling week), being active and a credential do not depend on the
   other shifts, and every suggested call sign is free on its shift.
3. A slot stays empty only when, at its turn, no active clinician or no active officer could take
   it without breaking a rule; the plan says which, and why each of them could not.

It is not an optimum: an early slot may take the one person a later slot needed. Accepting is all
or nothing (``gaps_accept``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from coresponder.errors import ApplicationError, ConflictError
from coresponder.localtime import describe_hours, describe_window, week_bounds
from units.models import Clinician, Officer, Shift, ShiftTemplate, Unit
from units.selectors import shifts_in_week
from units.services.candidates import Window, shifts_near, utc
from units.services.publication import lock_weeks
from units.services.rules import lock_members, member_breaches
from units.services.units import unit_create


@dataclass(frozen=True)
class Pick:
    """A pairing to make: what a supervisor ticks."""

    shift: Shift
    call_sign: str
    clinician: Clinician
    officer: Officer

    @property
    def key(self) -> str:
        return f"{self.shift.pk}:{self.call_sign}:{self.clinician.pk}:{self.officer.pk}"


@dataclass(frozen=True)
class Suggestion(Pick):
    clinician_hours: timedelta  # in the week, with this suggestion and those before it
    officer_hours: timedelta

    @property
    def clinician_hours_words(self) -> str:
        return f"{describe_hours(self.clinician_hours)} this week"

    @property
    def officer_hours_words(self) -> str:
        return f"{describe_hours(self.officer_hours)} this week"


@dataclass(frozen=True)
class EmptySlot:
    shift: Shift
    count: int  # units still short on the shift
    reason: str


@dataclass
class GapPlan:
    week_start: date
    shifts: int  # shifts of the week from a template, not yet over
    slots: int  # units short of the targets, before the suggestions
    suggestions: list[Suggestion] = field(default_factory=list)
    empty: list[EmptySlot] = field(default_factory=list)


# How the solver chooses among eligible people (ordered by name): the test compares others.
Chooser = Callable[[list, dict[int, timedelta]], object]


def fewest_hours(eligible: list, hours: dict[int, timedelta]):
    return min(eligible, key=lambda person: hours[person.pk])  # min keeps the first of a tie: by name


def call_signs(prefix: str, taken: set[str]) -> Iterator[str]:
    """Free call signs in the demo's scheme (units.demo): ``CR-<template's place><n>``, so the
    Evening template's units are CR-21, CR-22, ..."""
    n = 1
    while True:
        if (sign := f"CR-{prefix}{n}") not in taken:
            yield sign
        n += 1


def _template_places() -> dict[int, str]:
    return {pk: str(place) for place, pk in enumerate(ShiftTemplate.objects.values_list("pk", flat=True), start=1)}


def next_call_sign(shift: Shift) -> str:
    taken = set(Unit.objects.filter(shift=shift).values_list("call_sign", flat=True))
    return next(call_signs(_template_places().get(shift.template_id, ""), taken))


WHY = {
    "overlapping_shift": "{n} on another unit then",
    "credential_expired": "{n} with {credential} expired",
    "short_rest": "{n} without {rest} rest",
    "weekly_hours": "{n} over {hours} in 7 days",
}


class _Pool:
    """One kind of people, with their shifts and their hours in the week as the plan grows."""

    def __init__(self, member: str, people: list, windows: dict[int, list[Window]], week: tuple[datetime, datetime]):
        self.member, self.people = member, people
        self.windows = {person.pk: list(windows.get(person.pk, [])) for person in people}
        self.hours = {
            pk: sum((end - start for start, end, _ in spans if week[0] <= start < week[1]), timedelta(0))
            for pk, spans in self.windows.items()
        }

    def choose(self, starts_at, ends_at, chooser: Chooser) -> tuple[object | None, str]:
        """The person ``chooser`` takes among those who break no rule, or None and why nobody."""
        eligible, refused = [], Counter()
        for person in self.people:
            breaches = member_breaches(self.member, person, starts_at, ends_at, self.windows[person.pk])
            if breaches:
                refused[breaches[0].code] += 1
            else:
                eligible.append(person)
        return (chooser(eligible, self.hours), "") if eligible else (None, self._why_nobody(refused))

    def take(self, person, starts_at, ends_at, call_sign: str) -> timedelta:
        self.windows[person.pk].append((starts_at, ends_at, call_sign))
        self.hours[person.pk] += ends_at - starts_at
        return self.hours[person.pk]

    def _why_nobody(self, refused: Counter) -> str:
        if not self.people:
            return f"no active {self.member}"
        credential = (Clinician if self.member == "clinician" else Officer).credential_label
        words = {"rest": describe_hours(settings.ROSTER_MIN_REST), "hours": describe_hours(settings.ROSTER_MAX_WEEKLY)}
        reasons = [WHY[code].format(n=n, credential=credential, **words) for code, n in refused.most_common()]
        return f"no {self.member} free: " + ", ".join(reasons)


def _short_shifts(week_start: date, now: datetime) -> list[tuple[Shift, int]]:
    shifts = (
        shifts_in_week(week_start)
        .filter(template__isnull=False, ends_at__gt=now)
        .annotate(non_uniformed=Count("units", filter=Q(units__uniformed=False)))
        .order_by("starts_at", "name", "pk")
    )
    return [(shift, max(0, shift.template.target_units - shift.non_uniformed)) for shift in shifts]


def week_gaps(week_start: date, *, now: datetime | None = None, chooser: Chooser = fewest_hours) -> GapPlan:
    """Suggestions for the week's empty slots (see the module's guarantee). Reads only; a handful
    of queries, whatever the size of the week."""
    shifts = _short_shifts(week_start, now or timezone.now())
    plan = GapPlan(week_start=week_start, shifts=len(shifts), slots=sum(n for _, n in shifts))
    shifts = [(shift, n) for shift, n in shifts if n]
    if not shifts:
        return plan
    week = tuple(utc(moment) for moment in week_bounds(week_start))
    by_clinician, by_officer = shifts_near(utc(shifts[0][0].starts_at), max(utc(s.ends_at) for s, _ in shifts))
    clinicians = _Pool("clinician", list(Clinician.objects.filter(active=True)), by_clinician, week)
    officers = _Pool("officer", list(Officer.objects.filter(active=True)), by_officer, week)
    taken: dict[int, set[str]] = {shift.pk: set() for shift, _ in shifts}
    for shift_id, call_sign in Unit.objects.filter(shift__in=taken).values_list("shift_id", "call_sign"):
        taken[shift_id].add(call_sign)
    places = _template_places()
    for shift, missing in shifts:
        starts_at, ends_at = utc(shift.starts_at), utc(shift.ends_at)
        signs = call_signs(places.get(shift.template_id, ""), taken[shift.pk])
        for filled in range(missing):
            clinician, no_clinician = clinicians.choose(starts_at, ends_at, chooser)
            officer, no_officer = officers.choose(starts_at, ends_at, chooser)
            if clinician is None or officer is None:
                reason = "; ".join(why for why in (no_clinician, no_officer) if why)
                plan.empty.append(EmptySlot(shift, missing - filled, reason[0].upper() + reason[1:] + "."))
                break  # nothing changed: the shift's next slots would find the same
            call_sign = next(signs)
            taken[shift.pk].add(call_sign)
            plan.suggestions.append(
                Suggestion(
                    shift=shift,
                    call_sign=call_sign,
                    clinician=clinician,
                    officer=officer,
                    clinician_hours=clinicians.take(clinician, starts_at, ends_at, call_sign),
                    officer_hours=officers.take(officer, starts_at, ends_at, call_sign),
                )
            )
    return plan


def _lock_people(picks: list[Pick]) -> None:
    """The weeks, then every clinician and every officer of the picks: the roster's lock order
    (rules.lock_members), so accepting many never deadlocks with a single pairing or another
    acceptance."""
    lock_weeks(*(pick.shift.starts_at for pick in picks))
    lock_members([pick.clinician for pick in picks], [pick.officer for pick in picks])


@transaction.atomic
def gaps_accept(*, picks: list[Pick], actor=None) -> list[Unit]:
    """Pair every pick with ``unit_create`` (no override), or none: the first refusal -- the
    roster changed since the suggestions were made -- undoes them all and says which and why."""
    _lock_people(picks)
    units = []
    for pick in sorted(picks, key=lambda p: (p.shift.starts_at, p.shift.name, p.shift.pk, p.call_sign)):
        try:
            units.append(
                unit_create(
                    call_sign=pick.call_sign, shift=pick.shift, clinician=pick.clinician, officer=pick.officer,
                    actor=actor,
                )
            )  # fmt: skip
        except ApplicationError as refusal:
            window = describe_window(pick.shift.starts_at, pick.shift.ends_at)
            raise ConflictError(
                f"Nothing was saved: {pick.call_sign} on {pick.shift.name} ({window}) was refused. {refusal.detail}",
                code=refusal.code,
            ) from refusal
    return units
