"""The week grid a supervisor looks at: one row per shift template, one column a day. A constant
number of queries whatever the size of the week: the page of a 40-person program must not ask
once per unit or per shift."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from coresponder.localtime import local
from units.models import Shift, ShiftTemplate, Unit
from units.selectors.basics import credential_flags, shifts_in_week
from units.selectors.coverage import Coverage, coverage_against_targets

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
