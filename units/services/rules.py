"""The roster's rules: may this clinician and this officer be paired for this shift?

Hard rules -- both active, nobody in two overlapping shifts, one call sign per shift -- are
never broken. Soft rules -- a licence or CIT training valid for the whole shift, enough rest
between shifts, not too many hours in any rolling week -- a supervisor may override with a
reason, which the unit keeps (``record_override``).
PostgreSQL holds the overlap rule too, as exclusion constraints (units migration 0002).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from coresponder.errors import ConflictError
from coresponder.localtime import describe_hours, describe_window, local
from units.models import Clinician, Officer, Shift, Unit

HARD = "hard"
SOFT = "soft"


@dataclass(frozen=True)
class Breach:
    """One roster rule a proposed pairing would break, in a supervisor's words."""

    kind: str  # HARD or SOFT
    member: str  # "clinician", "officer", "shift" or "call_sign"
    code: str
    sentence: str


def _other_windows(member_field: str, person, exclude_unit_id) -> list[tuple[datetime, datetime, str]]:
    units = Unit.objects.filter(**{member_field: person}).exclude(pk=exclude_unit_id)
    return [
        (u.shift_starts_at, u.shift_ends_at, u.call_sign)
        for u in units.only("shift_starts_at", "shift_ends_at", "call_sign")
    ]


def _busiest_week(windows: list[tuple[datetime, datetime]], must_include: tuple[datetime, datetime]) -> timedelta:
    """The most hours worked in any 7-day window that overlaps ``must_include``.

    The busiest window of a sum of intervals starts at some interval's start or ends at some
    interval's end, so only those anchors need trying.
    """
    week = timedelta(days=7)
    anchors = [start for start, _ in windows] + [end - week for _, end in windows]
    busiest = timedelta(0)
    for window_start in anchors:
        window_end = window_start + week
        if not (window_start < must_include[1] and must_include[0] < window_end):
            continue
        worked = sum(
            (
                min(end, window_end) - max(start, window_start)
                for start, end in windows
                if start < window_end and window_start < end
            ),
            timedelta(0),
        )
        busiest = max(busiest, worked)
    return busiest


def credential_warning(person: Clinician | Officer, today: date) -> str:
    """What a supervisor should see about a responder's licence or CIT training on ``today``:
    expired, expiring within ROSTER_CREDENTIAL_WARNING, or nothing ("")."""
    expires_on = person.credential_expires_on
    if expires_on is None:
        return ""
    if expires_on < today:
        return f"{person.credential_label} expired {expires_on:%d %b %Y}"
    if expires_on - today <= settings.ROSTER_CREDENTIAL_WARNING:
        return f"{person.credential_label} expires {expires_on:%d %b %Y}"
    return ""


def _credential_breach(member: str, person, ends_at: datetime) -> Breach | None:
    """A licence or CIT training must be valid on every local day of the shift (until its expiry
    date has passed)."""
    expires_on = person.credential_expires_on
    last_day = local(ends_at - timedelta(microseconds=1)).date()
    if expires_on is None or last_day <= expires_on:
        return None
    return Breach(
        SOFT,
        member,
        "credential_expired",
        f"{person.name}'s {person.credential_label} is valid only until {expires_on:%d %b %Y}, before this shift ends.",
    )


def member_breaches(
    member: str, person, starts_at: datetime, ends_at: datetime, others: list[tuple[datetime, datetime, str]]
) -> list[Breach]:
    """The rules one person would break working ``starts_at``-``ends_at`` next to ``others``,
    their other shifts as (start, end, call sign). No database: the gap filler asks it of
    pairings not yet stored."""
    breaches: list[Breach] = []
    if not person.active:
        breaches.append(Breach(HARD, member, "inactive_member", f"{person.name} is not active and cannot be paired."))
    for other_start, other_end, call_sign in others:
        if other_start < ends_at and starts_at < other_end:
            breaches.append(
                Breach(
                    HARD,
                    member,
                    "overlapping_shift",
                    f"{person.name} is already in {call_sign} for {describe_window(other_start, other_end)}, "
                    "which overlaps this shift.",
                )
            )
    if any(b.code == "overlapping_shift" for b in breaches):
        return breaches  # rest and hours mean nothing next to a double booking
    if credential := _credential_breach(member, person, ends_at):
        breaches.append(credential)

    min_rest = settings.ROSTER_MIN_REST
    for other_start, other_end, call_sign in others:
        rest = starts_at - other_end if other_end <= starts_at else other_start - ends_at
        if rest < min_rest:
            breaches.append(
                Breach(
                    SOFT,
                    member,
                    "short_rest",
                    f"{person.name} would have only {describe_hours(rest)} of rest next to {call_sign} "
                    f"({describe_window(other_start, other_end)}); the minimum is {describe_hours(min_rest)}.",
                )
            )
    windows = [(start, end) for start, end, _ in others] + [(starts_at, ends_at)]
    busiest = _busiest_week(windows, (starts_at, ends_at))
    if busiest > settings.ROSTER_MAX_WEEKLY:
        breaches.append(
            Breach(
                SOFT,
                member,
                "weekly_hours",
                f"{person.name} would work {describe_hours(busiest)} in 7 days; "
                f"the maximum is {describe_hours(settings.ROSTER_MAX_WEEKLY)}.",
            )
        )
    return breaches


def roster_breaches(
    *, shift: Shift, clinician: Clinician, officer: Officer, call_sign: str = "", exclude_unit_id: int | None = None
) -> list[Breach]:
    """Every rule that pairing ``clinician`` and ``officer`` for ``shift`` would break."""
    breaches = []
    if call_sign and Unit.objects.filter(shift=shift, call_sign=call_sign).exclude(pk=exclude_unit_id).exists():
        breaches.append(Breach(HARD, "call_sign", "call_sign_taken", f"{call_sign} is already used on {shift.name}."))
    for member, person in (("clinician", clinician), ("officer", officer)):
        others = _other_windows(member, person, exclude_unit_id)
        breaches += member_breaches(member, person, shift.starts_at, shift.ends_at, others)
    return breaches


OVERRIDE_NEEDED = "Give a reason to break this rule on purpose, or choose someone else."


def refuse_breaches(breaches: list[Breach], *, override_reason: str) -> None:
    """Raise for any hard breach, and for soft ones unless a supervisor gave a reason to override."""
    hard = [b for b in breaches if b.kind == HARD]
    soft = [b for b in breaches if b.kind == SOFT]

    def fields_of(items):
        fields: dict[str, list[str]] = {}
        for breach in items:
            fields.setdefault(breach.member, []).append(breach.sentence)
        return fields

    if hard:
        raise ConflictError(" ".join(b.sentence for b in hard), code="roster_conflict", fields=fields_of(hard))
    if soft and not override_reason.strip():
        raise ConflictError(
            " ".join(b.sentence for b in soft) + " A supervisor may override this with a reason.",
            code="roster_rule_needs_override",
            fields={**fields_of(soft), "override_reason": [OVERRIDE_NEEDED]},
        )


def lock_members(clinicians, officers) -> tuple[dict[int, Clinician], dict[int, Officer]]:
    """Serialise every pairing that involves these people, so two supervisors cannot double-book
    one of them between the check and the insert, nor break their rest or hours together.

    The roster's one lock order, which every path keeps so that no two wait for each other: the
    weeks (publication.lock_weeks), then a shift's row, then units' rows, then the clinicians and
    then the officers, each by id.

    Returns the rows as locked, by id: the rules are to be checked against these, not against
    copies read before the lock (a deactivation or a corrected expiry committed meanwhile)."""
    locked_clinicians = Clinician.objects.select_for_update().filter(pk__in=[c.pk for c in clinicians])
    locked_officers = Officer.objects.select_for_update().filter(pk__in=[o.pk for o in officers])
    return (
        {person.pk: person for person in locked_clinicians.order_by("pk")},
        {person.pk: person for person in locked_officers.order_by("pk")},
    )


def record_override(unit: Unit, breaches: list[Breach], override_reason: str, actor) -> None:
    """Store who broke a soft rule on purpose, and why; a pairing that breaks none has no override."""
    if any(b.kind == SOFT for b in breaches):
        unit.rule_override_reason = override_reason.strip()
        unit.rule_override_by = actor if actor and actor.is_authenticated else None
        unit.rule_override_at = timezone.now()
    else:
        unit.rule_override_reason, unit.rule_override_by, unit.rule_override_at = "", None, None
