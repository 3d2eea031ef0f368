"""Which units may be sent to a call, and why not: the one home of the rule (SPEC §3.1).

The automatic dispatcher sends a unit only if it is available, on a shift that covers now,
both its members are active, and it is not uniformed. A dispatcher sending a unit by hand may
choose a uniformed one (that is the point of holding a call for review); the rest still holds.

The rule is written twice, side by side, and nowhere else: ``why_not`` says it for one unit in a
dispatcher's words (claiming a unit for a call, manual assignment, the recommendation list), and
``eligible_units`` says it as a query, so that the ranking reads only eligible rows through the
index (``still_eligible`` is its part on the unit's own row, re-read when a unit is claimed).
``tests/dispatch/test_eligibility.py`` checks that the two forms agree on every combination.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.db.models import QuerySet

from units.models import Clinician, Officer, Unit


class NotEligible(NamedTuple):
    short: str  # for a list of units: "busy: on scene"
    sentence: str  # for a refusal: "CR-1 is on scene, not available."


def why_not(unit: Unit, now: datetime, *, by_hand: bool = False) -> NotEligible | None:
    """Why ``unit`` may not be sent to a call now (``None``: it may). ``by_hand``: a dispatcher's
    choice, which may be a uniformed unit. ``unit`` needs its clinician and officer loaded."""
    status = unit.get_status_display().lower()
    if unit.status == Unit.Status.OUT_OF_SERVICE:
        reason = unit.out_of_service_reason
        short = f"out of service ({reason})" if reason else "out of service"
        return NotEligible(short, f"{unit.call_sign} is out of service, not available.")
    if unit.status in Unit.BUSY_STATUSES:
        return NotEligible(f"busy: {status}", f"{unit.call_sign} is {status}, not available.")
    if unit.status != Unit.Status.AVAILABLE:
        return NotEligible(status, f"{unit.call_sign} is {status}, not available.")
    if not unit.on_shift_at(now):
        return NotEligible("off shift", f"{unit.call_sign} is not on shift now.")
    if inactive := inactive_members(unit):
        names = " and ".join(f"{person.name} ({role})" for role, person in inactive)
        verb = "is" if len(inactive) == 1 else "are"
        return NotEligible(f"inactive: {names}", f"{unit.call_sign} cannot go: {names} {verb} not active.")
    if unit.uniformed and not by_hand:
        return NotEligible("uniformed", f"{unit.call_sign} is uniformed: a dispatcher may send it by hand.")
    return None


def inactive_members(unit: Unit) -> list[tuple[str, Clinician | Officer]]:
    """The unit's members a supervisor has deactivated, as (role, person), to be named."""
    return [(role, person) for role, person in (("clinician", unit.clinician), ("officer", unit.officer))
            if not person.active]  # fmt: skip


def eligible_units(now: datetime) -> QuerySet[Unit]:
    """``why_not(unit, now) is None`` as a query: the units the automatic dispatcher may send."""
    return still_eligible(now).filter(clinician__active=True, officer__active=True)


def still_eligible(now: datetime) -> QuerySet[Unit]:
    """What claiming a unit the ranking has just chosen re-reads under the unit's lock: the rule's
    part that lives on the unit's own row, which other workers and the unit's members change.
    Its members' active flags were read by the ranking an instant before, with the whole rule;
    only a supervisor changes them, and joining both rows again on every assignment cost ~4 %."""
    return Unit.objects.on_shift(now).filter(status=Unit.Status.AVAILABLE, uniformed=False)
