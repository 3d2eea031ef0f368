"""Reads of the roster: the week a supervisor looks at, its coverage against the templates'
targets, and each person's week. A constant number of queries whatever the size of the week:
the page of a 40-person program must not ask once per unit or per shift."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from coresponder.localtime import describe_hours, describe_window, local, week_bounds
from dispatch.models import Assignment, CrisisCall
from planning.forecast import Forecast, forecast_week  # reads calls only: never imports the roster back
from units.models import Clinician, Officer, Shift, ShiftTemplate, Unit
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


# --- The week grid: one row per shift template, one column a day ---------------------------------


@dataclass
class UnitCard:
    unit: Unit
    flags: list[str]


@dataclass
class ShiftCell:
    """One shift in the grid, with its units and the number of non-uniformed units it wants."""

    shift: Shift
    cards: list[UnitCard]
    target: int

    @property
    def pk(self) -> int:
        return self.shift.pk

    @property
    def name(self) -> str:
        return self.shift.name

    @property
    def starts_at(self) -> datetime:
        return self.shift.starts_at

    @property
    def ends_at(self) -> datetime:
        return self.shift.ends_at

    @property
    def counted(self) -> int:
        """Units that count towards the target: uniformed ones are never sent automatically."""
        return sum(1 for card in self.cards if not card.unit.uniformed)

    @property
    def below_target(self) -> bool:
        return self.counted < self.target


@dataclass
class RosterRow:
    label: str
    is_other: bool = False  # the row of shifts of no (shown) template: each shift shows its name
    cells: list[list[ShiftCell]] = field(default_factory=lambda: [[] for _ in range(7)])


@dataclass
class RosterWeek:
    week_start: date
    days: list[date]
    rows: list[RosterRow]
    coverage: Coverage

    @property
    def cells(self) -> list[ShiftCell]:
        return [cell for row in self.rows for day in row.cells for cell in day]

    @property
    def has_shifts(self) -> bool:
        return bool(self.cells)

    @property
    def units(self) -> list[Unit]:
        return [card.unit for cell in self.cells for card in cell.cards]

    @property
    def draft_units(self) -> int:
        return sum(1 for unit in self.units if unit.draft)

    @property
    def gap_hours(self) -> int:
        """Hours of the week with no non-uniformed unit on duty."""
        return self.coverage.gap_hours


def roster_week(week_start: date, *, today: date | None = None) -> RosterWeek:
    """The week view: one row per active template (and per retired one with a shift this week),
    plus "Other shifts"; one column a day; each shift with its unit cards and its target."""
    today = today or timezone.localdate()
    shifts = list(
        shifts_in_week(week_start).prefetch_related("units__clinician", "units__officer").order_by("starts_at", "name")
    )
    used = {shift.template_id for shift in shifts}
    templates = list(ShiftTemplate.objects.filter(Q(active=True) | Q(pk__in=used - {None})))
    rows = {template.pk: RosterRow(label=str(template)) for template in templates}
    other = RosterRow(label="Other shifts", is_other=True)
    for shift in shifts:
        cards = [UnitCard(unit, credential_flags(unit, today)) for unit in shift.units.all()]
        cell = ShiftCell(shift, cards, target=shift.template.target_units if shift.template else 0)
        day_index = (local(shift.starts_at).date() - week_start).days
        rows.get(shift.template_id, other).cells[day_index].append(cell)
    ordered = [rows[template.pk] for template in templates]
    if any(other.cells):
        ordered.append(other)
    return RosterWeek(
        week_start=week_start,
        days=[week_start + timedelta(days=i) for i in range(7)],
        rows=ordered,
        coverage=coverage_against_targets(week_start),
    )


# --- Coverage against the templates' targets, hour by hour ---------------------------------------


@dataclass(frozen=True)
class CoverageHour:
    """One local hour: the non-uniformed units on duty for all of it, and the number wanted
    (the targets of the shifts that cover it)."""

    starts_at: datetime  # local
    units: int
    target: int
    # The planning issue's recommendation for this hour; None until it lands (and then not shown).
    recommended: int | None = None

    @property
    def level(self) -> str:
        """ "none" (no unit: red), "below" (under target: amber) or "met" (green)."""
        if self.units == 0:
            return "none"
        return "below" if self.units < self.target else "met"


@dataclass(frozen=True)
class CoverageSpan:
    starts_at: datetime  # local
    ends_at: datetime
    units: int
    target: int


@dataclass
class Coverage:
    hours: list[CoverageHour]

    @property
    def by_day(self) -> list[tuple[date, list[CoverageHour]]]:
        days: dict[date, list[CoverageHour]] = {}
        for hour in self.hours:
            days.setdefault(hour.starts_at.date(), []).append(hour)
        return list(days.items())

    @property
    def gaps(self) -> list[tuple[datetime, datetime]]:
        return merge_gaps([(hour.starts_at, hour.units > 0) for hour in self.hours])

    @property
    def gap_hours(self) -> int:
        return sum(1 for hour in self.hours if hour.units == 0)

    @property
    def below_target_hours(self) -> int:
        return sum(1 for hour in self.hours if hour.units < hour.target)

    @property
    def below_target(self) -> list[CoverageSpan]:
        """Consecutive hours under target with the same figures, as one span each."""
        return _short_spans([(hour.starts_at, hour.units, hour.target) for hour in self.hours])

    @property
    def below_recommended(self) -> list[CoverageSpan]:
        """Consecutive hours with fewer units than the planning model recommends (``target`` is
        the recommendation), as one span each; none while there is no recommendation."""
        return _short_spans([(h.starts_at, h.units, h.recommended) for h in self.hours if h.recommended is not None])

    @property
    def below_recommended_hours(self) -> int:
        return sum(1 for hour in self.hours if hour.recommended is not None and hour.units < hour.recommended)


def _short_spans(hours: list[tuple[datetime, int, int]]) -> list[CoverageSpan]:
    """(local start, units, wanted) hours: the consecutive ones short with the same figures, merged."""
    spans: list[CoverageSpan] = []
    for starts_at, units, wanted in hours:
        if units >= wanted:
            continue
        start = starts_at.astimezone(UTC)  # in UTC: wall-clock arithmetic is wrong across DST
        last = spans[-1] if spans else None
        if last and last.ends_at == start and (last.units, last.target) == (units, wanted):
            spans[-1] = CoverageSpan(last.starts_at, start + HOUR, units, wanted)
        else:
            spans.append(CoverageSpan(start, start + HOUR, units, wanted))
    return [CoverageSpan(local(s.starts_at), local(s.ends_at), s.units, s.target) for s in spans]


def _covering(windows: list[tuple[datetime, datetime, int]], moment: datetime) -> int:
    return sum(weight for start, end, weight in windows if start <= moment and moment + HOUR <= end)


def coverage_against_targets(week_start: date, *, forecast: Forecast | None = None) -> Coverage:
    """Each local hour of the week (23 or 25 on the days the clocks change): how many
    non-uniformed units with both members active are on duty for the whole hour -- a draft
    week's units included, as planned -- against the sum of the targets of the shifts covering
    the whole hour (a shift of no template wants none), and the units the planning model
    recommends (``forecast``, computed here unless given; None for every hour while there is no
    call in its history)."""
    start, end = week_bounds(week_start)
    units = (
        units_on_duty_between(start, end)
        .filter(uniformed=False, clinician__active=True, officer__active=True)
        .values_list("shift_starts_at", "shift_ends_at")
    )
    unit_windows = [(unit_start, unit_end, 1) for unit_start, unit_end in units]
    shifts = Shift.objects.filter(starts_at__lt=end, ends_at__gt=start, template__isnull=False)
    target_windows = list(shifts.values_list("starts_at", "ends_at", "template__target_units"))
    forecast = forecast or forecast_week(week_start)
    recommended = [hour.recommended_units if forecast.has_history else None for hour in forecast.hours]
    hours = []
    moment = start
    while moment < end:
        covering = _covering(unit_windows, moment), _covering(target_windows, moment)
        hours.append(CoverageHour(local(moment), *covering, recommended=recommended[len(hours)]))
        moment += HOUR
    return Coverage(hours)


def coverage_by_hour(week_start: date) -> list[tuple[datetime, bool]]:
    """Each hour of the week (local) and whether a non-uniformed unit is on duty for the whole of it."""
    return [(hour.starts_at, hour.units > 0) for hour in coverage_against_targets(week_start).hours]


def merge_gaps(hours: list[tuple[datetime, bool]]) -> list[tuple[datetime, datetime]]:
    """Consecutive uncovered hours as local (from, to) spans, for a sentence per gap."""
    gaps: list[tuple[datetime, datetime]] = []
    for moment, covered in hours:
        if covered:
            continue
        start = moment.astimezone(UTC)  # in UTC: wall-clock arithmetic is wrong across DST
        if gaps and gaps[-1][1] == start:
            gaps[-1] = (gaps[-1][0], start + HOUR)
        else:
            gaps.append((start, start + HOUR))
    return [(local(start), local(end)) for start, end in gaps]


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
