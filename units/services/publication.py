"""Draft and published weeks: who is told of the roster, and when its units may come on duty.

A week built or changed in advance is a **draft** until a supervisor publishes it: its units
carry ``draft`` and stay off duty (the constraint unit_draft_stays_off_duty holds it in the
database, whatever path tries). Publishing makes them live -- each comes on duty at its shift's
start, or at once if that has passed -- and tells every responder of the week their shifts.
After that, every change to the week's pairings is audited (by the service that makes it) and
told again to the people it touches.

A week that has begun and was never drafted (built on the day, or before drafts existed) is
live: a change to it takes effect at once. A week that has begun while still a draft stays one
until it is published: the roster says so in red.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from coresponder import audit, jobs
from coresponder.errors import ConflictError
from coresponder.localtime import local, week_bounds, week_start_of
from units.models import Unit, WeekPublication
from units.services.rules import HARD, roster_breaches
from units.services.status import follow_shift_window

TELL_SCHEDULE = "units.tasks.tell_schedule"
# What a responder is told (units.services.notices), by kind.
TOLD_PUBLISHED = "published"  # the week was published: here are your shifts
TOLD_CHANGED = "changed"  # a published week changed: here are your shifts now


def week_of(moment: datetime) -> date:
    """The Monday of the local week a shift starting at ``moment`` belongs to."""
    return week_start_of(local(moment).date())


def _units_of_week(week_start: date):
    start, end = week_bounds(week_start)
    return Unit.objects.filter(shift_starts_at__gte=start, shift_starts_at__lt=end)


def lock_weeks(*moments: datetime) -> None:
    """Lock the weeks of these shift starts, in order, before any unit row: the order every path
    takes (publishing locks its week, then its units), so two never wait for each other."""
    for week_start in sorted({week_of(moment) for moment in moments}):
        _lock_week(week_start)


def _lock_week(week_start: date) -> None:
    """Serialise, until the transaction ends, everything that asks whether a week is a draft or
    publishes it: otherwise a pairing made while the week is being published could read "draft"
    before the publication commits and stay a draft in a published week. (PostgreSQL's
    transaction-level advisory lock; SQLite, for `make run`, has one writer at a time anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [WEEK_LOCK_SPACE, week_start.toordinal()])


WEEK_LOCK_SPACE = 16_001  # the first key of the roster's week locks (any constant no other lock uses)


def week_is_draft(week_start: date, *, now: datetime | None = None) -> bool:
    """Would a unit paired now in this week be a draft? Yes until it is published, for a week that
    has not begun or that still holds draft units; a begun week without drafts is live. Call it
    in the transaction that pairs: the week stays locked, and the answer true, until it ends."""
    _lock_week(week_start)
    if WeekPublication.objects.filter(week_start=week_start).exists():
        return False
    if week_start > week_start_of(timezone.localdate(now)):
        return True
    return _units_of_week(week_start).filter(draft=True).exists()


def week_publication(week_start: date) -> WeekPublication | None:
    return WeekPublication.objects.filter(week_start=week_start).select_related("published_by").first()


DRAFT, PUBLISHED, LIVE = "draft", "published", "live"


@dataclass(frozen=True)
class WeekState:
    """What a supervisor is told of a week: draft, published, or live (begun without a draft)."""

    week_start: date
    state: str
    publication: WeekPublication | None
    draft_units: int


def week_state(week_start: date) -> WeekState:
    week_start = week_start_of(week_start)
    publication = week_publication(week_start)
    if publication is not None:
        state = PUBLISHED
    elif week_is_draft(week_start):
        state = DRAFT
    else:
        state = LIVE
    drafts = _units_of_week(week_start).filter(draft=True).count() if state == DRAFT else 0
    return WeekState(week_start, state, publication, drafts)


@dataclass(frozen=True)
class Published:
    publication: WeekPublication
    units_made_live: int
    people_told: int


@transaction.atomic
def week_publish(*, week_start: date, actor) -> Published:
    """Publish a week: its draft units become live and every responder in it is told. Publishing
    a published week again changes nothing and tells nobody."""
    week_start = week_start_of(week_start)
    _lock_week(week_start)
    now = timezone.now()
    publication, created = WeekPublication.objects.get_or_create(
        week_start=week_start,
        defaults={"published_at": now, "published_by": actor if actor and actor.is_authenticated else None},
    )
    if not created:
        return Published(publication, 0, 0)
    drafts = list(
        _units_of_week(week_start).filter(draft=True).select_for_update(of=("self",))
        .select_related("shift", "clinician", "officer").order_by("shift_starts_at", "call_sign", "pk")
    )  # fmt: skip
    _refuse_broken_rules(drafts)
    moves = []
    for unit in drafts:
        unit.draft = False
        if entry := follow_shift_window(unit, now, actor=actor, note="week published"):
            moves.append(entry)
        unit.save(update_fields=["draft", "status", "status_changed_at", "updated_at"])
    people = _people_of(_units_of_week(week_start).filter(shift_ends_at__gt=now))
    audit.record("week.published", publication, actor=actor,
                 changes={"units_made_live": [0, len(drafts)], "people_told": [0, len(people)]})  # fmt: skip
    audit.record_all(moves)
    _tell_soon(people, week_start, TOLD_PUBLISHED)
    if moves:
        jobs.serve_queue_soon()
    return Published(publication, len(drafts), len(people))


def _refuse_broken_rules(drafts: list[Unit]) -> None:
    """The roster may have changed since a draft was paired (a licence's expiry corrected, a
    person deactivated, the limits changed): every draft is checked again, and a week with one
    that now breaks a hard rule, or a soft one nobody overrode, is not published (409, each
    named with its rule)."""
    broken = []
    for unit in drafts:
        found = roster_breaches(shift=unit.shift, clinician=unit.clinician, officer=unit.officer,
                                exclude_unit_id=unit.pk)  # fmt: skip
        if unit.rule_override_reason:
            found = [breach for breach in found if breach.kind == HARD]
        broken += [f"{unit.call_sign} on {unit.shift.name}: {breach.sentence}" for breach in found]
    if broken:
        raise ConflictError(
            "The week is not published: re-pair or override these first. " + " ".join(broken),
            code="week_breaks_rules",
        )


def _people_of(units) -> set[int]:
    """The logins of the clinicians and officers of ``units``."""
    people = set()
    for clinician_login, officer_login in units.values_list("clinician__user_id", "officer__user_id"):
        people.update(login for login in (clinician_login, officer_login) if login)
    return people


def _tell_soon(user_ids: set[int], week_start: date, kind: str) -> None:
    for user_id in sorted(user_ids):
        jobs.send_after_commit(TELL_SCHEDULE, user_id, week_start.isoformat(), kind,
                               if_lost="that schedule notice is not sent (the roster and My unit show it)")  # fmt: skip


def tell_of_change_soon(*units: Unit | None) -> None:
    """A pairing of a live week changed (made, moved, re-paired or removed): once the change
    commits, tell the people of each version of the unit given (before and after), for each
    week it touches. Drafts and shifts already over tell nobody."""
    now = timezone.now()
    by_week: dict[date, set[int]] = {}
    for unit in units:
        if unit is None or unit.draft or unit.shift_ends_at <= now:
            continue
        logins = {unit.clinician.user_id, unit.officer.user_id} - {None}
        by_week.setdefault(week_of(unit.shift_starts_at), set()).update(logins)
    for week_start, user_ids in by_week.items():
        _tell_soon(user_ids, week_start, TOLD_CHANGED)
