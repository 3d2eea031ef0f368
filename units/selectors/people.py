"""People: everyone's week at a glance, and the people directory with its search and filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from coresponder.localtime import describe_hours, describe_window, local, week_bounds
from units.models import Clinician, Officer, Unit
from units.services.rules import credential_warning  # a pure function of the rules: no query, no write

# --- Person x day: everyone's week at a glance ---------------------------------------------------


@dataclass
class PersonWeek:
    person: Clinician | Officer
    role: str  # "Clinician" or "Officer"
    days: list[list[Unit]]  # seven lists, Monday first: the units of shifts starting that day
    worked: timedelta
    flag: str  # credential_warning's sentence, or ""

    @property
    def hours(self) -> str:
        return describe_hours(self.worked)


def people_week(week_start: date, *, today: date | None = None) -> list[PersonWeek]:
    """One row per active responder, clinicians then officers, by name."""
    today = today or timezone.localdate()
    start, end = week_bounds(week_start)
    units = Unit.objects.filter(shift_starts_at__gte=start, shift_starts_at__lt=end).order_by("shift_starts_at")
    units = list(units.only("call_sign", "draft", "uniformed", "shift_starts_at", "shift_ends_at",
                            "clinician_id", "officer_id"))  # fmt: skip
    by_member: dict[tuple[str, int], list[Unit]] = {}
    for unit in units:
        by_member.setdefault(("clinician_id", unit.clinician_id), []).append(unit)
        by_member.setdefault(("officer_id", unit.officer_id), []).append(unit)
    rows = []
    for role, model, member in (("Clinician", Clinician, "clinician_id"), ("Officer", Officer, "officer_id")):
        for person in model.objects.filter(active=True).order_by("name", "pk"):
            theirs = by_member.get((member, person.pk), [])
            days: list[list[Unit]] = [[] for _ in range(7)]
            for unit in theirs:
                days[(local(unit.shift_starts_at).date() - week_start).days].append(unit)
            worked = sum((unit.shift_ends_at - unit.shift_starts_at for unit in theirs), timedelta(0))
            rows.append(PersonWeek(person, role, days, worked, credential_warning(person, today)))
    return rows


# --- People -------------------------------------------------------------------------------------


def people_matching(
    people: QuerySet,
    *,
    search: str = "",
    language: str = "",
    credential_expiring: bool | None = None,
    today: date | None = None,
) -> QuerySet:
    """``people`` (clinicians or officers) narrowed: ``search`` in their name, login, badge or
    licence number; speaking ``language``; with (True) or without (False) a credential warning."""
    model = people.model
    if search:
        number = "licence_number" if model is Clinician else "badge_number"
        people = people.filter(
            Q(name__icontains=search) | Q(user__username__icontains=search) | Q(**{f"{number}__icontains": search})
        )
    if language:
        people = people.filter(languages__contains=[language])
    if credential_expiring is not None:
        # credential_warning is the rule's one home: it is asked of everyone with an expiry date
        # (a program has a few hundred people at most).
        today = today or timezone.localdate()
        expiry = model.credential_expiry_field
        dated = model.objects.filter(**{f"{expiry}__isnull": False}).only("pk", expiry)
        warned = [person.pk for person in dated if credential_warning(person, today)]
        people = people.filter(pk__in=warned) if credential_expiring else people.exclude(pk__in=warned)
    return people


@dataclass
class PersonRow:
    person: Clinician | Officer
    role: str  # "clinician" or "officer"
    warning: str
    unit: Unit | None  # the unit they are in now, or their next one
    now: datetime
    unit_link: str = ""  # where the page shows that unit (the view knows the roster's addresses)

    @property
    def unit_when(self) -> str:
        if self.unit is None:
            return ""
        when = "on shift now" if self.unit.on_shift_at(self.now) else "next"
        return f"{when}, {describe_window(self.unit.shift_starts_at, self.unit.shift_ends_at)}"


def people_directory(
    *, q: str, role: str, active: str, language: str, expiring: bool, now: datetime
) -> list[PersonRow]:
    """The rows of the people list: a query per kind of person and one for their units, however many."""
    today = local(now).date()
    models = {"clinician": Clinician, "officer": Officer}
    kinds = {"clinicians": ["clinician"], "officers": ["officer"]}.get(role, ["clinician", "officer"])
    found = []
    for kind in kinds:
        people = models[kind].objects.select_related("user")
        if active != "all":
            people = people.filter(active=active == "active")
        people = people_matching(people, search=q, language=language, credential_expiring=expiring or None, today=today)
        ahead = Unit.objects.filter(**{kind: OuterRef("pk")}, shift_ends_at__gt=now).order_by("shift_starts_at", "pk")
        found += [(kind, person) for person in people.annotate(unit_id=Subquery(ahead.values("pk")[:1]))]
    units = Unit.objects.in_bulk([person.unit_id for _, person in found if person.unit_id])
    rows = [PersonRow(person, kind, credential_warning(person, today), units.get(person.unit_id), now)
            for kind, person in found]  # fmt: skip
    return sorted(rows, key=lambda row: (row.person.name.lower(), row.role, row.person.pk))
