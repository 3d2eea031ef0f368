"""Reads for the pair form: who is free for a shift, and what a supervisor should know of each.

A candidate breaks no hard rule for the shift (active, in no overlapping unit). A soft rule the
pairing would break -- short rest, too many hours in 7 days, an expired licence or CIT training --
is marked rather than hidden: a supervisor may still override it with a reason. Every candidate's
other shifts come in one query (``shifts_near``), and the rules are asked of
``rules.member_breaches``, the same pure function unit_create's check calls.

Times are compared in UTC: Python subtracts two datetimes of one zone by their wall clocks,
an hour off across a daylight-saving change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from coresponder.localtime import describe_hours
from units.models import Clinician, Officer, Shift, Unit
from units.services.rules import HARD, SOFT, Breach, credential_warning, member_breaches

WEEK = timedelta(days=7)

# (start, end, call sign) of one of a person's units, in UTC.
Window = tuple[datetime, datetime, str]


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def shifts_near(starts_at: datetime, ends_at: datetime) -> tuple[dict[int, list[Window]], dict[int, list[Window]]]:
    """The windows of every stored unit that can bear on the rules of work from ``starts_at`` to
    ``ends_at`` (overlap, rest, a rolling week), by clinician id and by officer id: one query."""
    reach = max(WEEK, settings.ROSTER_MIN_REST)
    by_clinician: dict[int, list[Window]] = defaultdict(list)
    by_officer: dict[int, list[Window]] = defaultdict(list)
    rows = Unit.objects.filter(shift_starts_at__lt=ends_at + reach, shift_ends_at__gt=starts_at - reach).values_list(
        "clinician_id", "officer_id", "shift_starts_at", "shift_ends_at", "call_sign"
    )
    for clinician_id, officer_id, start, end, call_sign in rows:
        window = (utc(start), utc(end), call_sign)
        by_clinician[clinician_id].append(window)
        by_officer[officer_id].append(window)
    return by_clinician, by_officer


def person_label(person: Clinician | Officer) -> str:
    """How the pair form names a person: ``Maya Patel, LCSW`` or ``Dana Reyes (#4100)``."""
    if isinstance(person, Clinician):
        return f"{person.name}, {person.credential}"
    return f"{person.name} (#{person.badge_number})"


def hours_before(windows: list[Window], ends_at: datetime) -> timedelta:
    """Hours worked in the 7 days ending at ``ends_at``."""
    since = ends_at - WEEK
    return sum(
        (min(end, ends_at) - max(start, since) for start, end, _ in windows if start < ends_at and since < end),
        timedelta(0),
    )


def describe_rest(rest: timedelta | None) -> str:
    if rest is None:
        return "no shift before"
    if rest >= timedelta(hours=48):
        return f"rest {rest.days} days"
    return f"rest {describe_hours(rest)}"


def _override_words(breach: Breach, person) -> str:
    if breach.code == "short_rest":
        return "short rest"
    if breach.code == "weekly_hours":
        return f"over {describe_hours(settings.ROSTER_MAX_WEEKLY)} in 7 days"
    return f"{person.credential_label} expired by then"


@dataclass(frozen=True)
class Candidate:
    """A person free for a shift, with what a supervisor weighs before pairing them."""

    person: Clinician | Officer
    hours: timedelta  # in the 7 days ending at the shift's end, this shift counted
    rest: timedelta | None  # since their last shift ended; None: no shift before
    warning: str  # about their licence or CIT training, or ""
    soft: tuple[Breach, ...]  # the soft rules pairing them would break

    @property
    def needs_override(self) -> list[str]:
        return list(dict.fromkeys(_override_words(breach, self.person) for breach in self.soft))

    @property
    def label(self) -> str:
        parts = [
            person_label(self.person),
            f"{describe_hours(self.hours)} in 7 days",
            describe_rest(self.rest),
            ", ".join(self.person.languages) or "no language given",
        ]
        if self.warning:
            parts.append(self.warning)
        label = " · ".join(parts)
        if self.soft:
            label += " — needs override: " + ", ".join(self.needs_override)
        return label


def _with_last_end(people: QuerySet, starts_at: datetime) -> QuerySet:
    return people.filter(active=True).annotate(
        last_end=Max("units__shift_ends_at", filter=Q(units__shift_ends_at__lte=starts_at))
    )


def _candidates(member, people, windows, starts_at, ends_at, today) -> list[Candidate]:
    found = []
    for person in people:
        others = windows.get(person.pk, [])
        breaches = member_breaches(member, person, starts_at, ends_at, others)
        if any(b.kind == HARD for b in breaches):
            continue
        found.append(
            Candidate(
                person=person,
                hours=hours_before(others, ends_at) + (ends_at - starts_at),
                rest=starts_at - utc(person.last_end) if person.last_end else None,
                warning=credential_warning(person, today),
                soft=tuple(b for b in breaches if b.kind == SOFT),
            )
        )
    return found


def shift_candidates(shift: Shift, *, today: date | None = None) -> tuple[list[Candidate], list[Candidate]]:
    """The clinicians and the officers (by name) who could be paired for ``shift`` without
    breaking a hard rule. Three queries, however many people."""
    starts_at, ends_at = utc(shift.starts_at), utc(shift.ends_at)
    by_clinician, by_officer = shifts_near(starts_at, ends_at)
    today = today or timezone.localdate()
    clinicians = _with_last_end(Clinician.objects.all(), starts_at)
    officers = _with_last_end(Officer.objects.all(), starts_at)
    return (
        _candidates("clinician", clinicians, by_clinician, starts_at, ends_at, today),
        _candidates("officer", officers, by_officer, starts_at, ends_at, today),
    )
