"""Reads of the roster every page needs: a week's shifts, units on duty, a unit's current call and history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Max, Q, QuerySet

from coresponder.localtime import week_bounds
from dispatch.models import Assignment, CrisisCall
from units.models import Shift, Unit
from units.services.rules import credential_warning  # a pure function of the rules: no query, no write

HOUR = timedelta(hours=1)


def units_with_current_call(queryset: QuerySet[Unit]) -> QuerySet[Unit]:
    """Units annotated with ``current_call_id``: the call they are on, if any (at most one: a
    database constraint)."""
    return queryset.annotate(
        current_call_id=Max("calls__pk", filter=Q(calls__status__in=CrisisCall.WITH_UNIT_STATUSES))
    )


def shifts_in_week(week_start: date) -> QuerySet[Shift]:
    """Shifts that start in the week (a Sunday night shift belongs to Sunday)."""
    start, end = week_bounds(week_start)
    return Shift.objects.filter(starts_at__gte=start, starts_at__lt=end).select_related("template")


def units_on_duty_between(start: datetime, end: datetime) -> QuerySet[Unit]:
    return Unit.objects.filter(shift_starts_at__lt=end, shift_ends_at__gt=start)


def unit_has_history(unit: Unit) -> bool:
    """Has the unit answered calls? Then it stays in the record (unit_delete refuses)."""
    return Assignment.objects.filter(unit=unit).exists() or CrisisCall.objects.filter(unit=unit).exists()


def credential_flags(unit: Unit, today: date) -> list[str]:
    """ "Maya Patel: licence expires 12 Jan 2027", for each member whose credential needs a look."""
    people = (unit.clinician, unit.officer)
    return [f"{person.name}: {warning}" for person in people if (warning := credential_warning(person, today))]
