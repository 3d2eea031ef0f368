"""Units: pair a clinician and an officer for a shift, change the pairing, remove it."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from coresponder import audit
from coresponder.errors import ConflictError
from coresponder.localtime import local
from units.models import Clinician, Officer, Shift, Unit
from units.services.publication import lock_weeks, tell_of_change_soon, week_is_draft, week_of
from units.services.rules import lock_members, record_override, refuse_breaches, roster_breaches
from units.services.status import follow_shift_window, lock_unit, status_for_clock


@transaction.atomic
def unit_create(
    *,
    call_sign: str,
    shift: Shift,
    clinician: Clinician,
    officer: Officer,
    uniformed: bool = False,
    override_reason: str = "",
    actor=None,
) -> Unit:
    """Pair a clinician and an officer for a shift, after checking every roster rule. In a draft
    week the unit is a draft too (units.services.publication)."""
    lock_weeks(shift.starts_at)  # the roster's lock order: rules.lock_members
    clinicians, officers = lock_members([clinician], [officer])
    clinician, officer = clinicians[clinician.pk], officers[officer.pk]  # as they are now, locked
    breaches = roster_breaches(shift=shift, clinician=clinician, officer=officer, call_sign=call_sign)
    refuse_breaches(breaches, override_reason=override_reason)
    now = timezone.now()
    draft = week_is_draft(week_of(shift.starts_at), now=now)
    unit = Unit(
        call_sign=call_sign,
        shift=shift,
        clinician=clinician,
        officer=officer,
        uniformed=uniformed,
        draft=draft,
        shift_starts_at=shift.starts_at,
        shift_ends_at=shift.ends_at,
        status=status_for_clock(shift.starts_at, shift.ends_at, now, draft=draft),
        status_changed_at=now,
    )
    record_override(unit, breaches, override_reason, actor)
    save_unit(unit)
    audit.record("unit.created", unit, actor=actor, changes=audit.diff({}, audit.snapshot(unit, UNIT_FIELDS)),
                 note=override_reason)  # fmt: skip
    tell_of_change_soon(unit)
    return unit


# What the audit log keeps of a unit's pairing.
UNIT_FIELDS = ["call_sign", "shift_id", "clinician_id", "officer_id", "uniformed", "draft", "rule_override_reason"]


def save_unit(unit: Unit) -> Unit:
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as error:
        # The service checked first; reaching here means another change won a race.
        raise ConflictError(
            "Another supervisor changed this roster at the same moment; reload and try again.",
            code="roster_conflict",
        ) from error
    return unit


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    actor=None,
    override_reason: str = "",
    call_sign: str | None = None,
    shift: Shift | None = None,
    clinician: Clinician | None = None,
    officer: Officer | None = None,
    uniformed: bool | None = None,
    expected_updated_at: datetime | None = None,
) -> Unit:
    """Change a unit. A new shift or member is checked against every rule again; changing only
    the call sign or the uniform flag leaves the pairing (and any override on it) as it was.

    ``expected_updated_at`` is the unit's ``updated_at`` when the supervisor opened it: a unit
    changed since (by another supervisor, or its status by the clock or a call) is refused, so
    that nobody overwrites a change they have not seen."""
    # The weeks first, then the unit's row, then the people: the roster's lock order (rules.lock_members).
    lock_weeks(unit.shift_starts_at, *([shift.starts_at] if shift else []))
    unit = lock_unit(unit.pk)
    if expected_updated_at is not None and unit.updated_at != expected_updated_at:
        raise ConflictError(
            f"{unit.call_sign} was changed at {local(unit.updated_at):%H:%M:%S}, after you opened it; "
            "reload to see the change, then edit again.",
            code="stale_edit",
        )
    before = audit.snapshot(unit, UNIT_FIELDS)
    as_it_was = Unit.objects.select_related("clinician", "officer").get(pk=unit.pk)
    new_shift = shift or unit.shift
    new_clinician = clinician or unit.clinician
    new_officer = officer or unit.officer
    repairing = (new_shift.pk, new_clinician.pk, new_officer.pk) != (unit.shift_id, unit.clinician_id, unit.officer_id)
    if repairing and unit.status in Unit.BUSY_STATUSES:
        raise ConflictError(
            f"{unit.call_sign} is on a call; change the pairing after the call is cleared.", code="unit_busy"
        )
    if repairing:
        clinicians, officers = lock_members([new_clinician], [new_officer])
        new_clinician, new_officer = clinicians[new_clinician.pk], officers[new_officer.pk]  # as they are now
        breaches = roster_breaches(
            shift=new_shift, clinician=new_clinician, officer=new_officer, call_sign=call_sign or unit.call_sign,
            exclude_unit_id=unit.pk,
        )  # fmt: skip
    else:
        breaches = [b for b in roster_breaches(shift=new_shift, clinician=new_clinician, officer=new_officer,
                                               call_sign=call_sign or "", exclude_unit_id=unit.pk)
                    if b.member == "call_sign"]  # fmt: skip
    refuse_breaches(breaches, override_reason=override_reason)
    if repairing:
        record_override(unit, breaches, override_reason, actor)
    unit.call_sign = call_sign or unit.call_sign
    unit.shift, unit.clinician, unit.officer = new_shift, new_clinician, new_officer
    unit.shift_starts_at, unit.shift_ends_at = new_shift.starts_at, new_shift.ends_at
    if new_shift.pk != as_it_was.shift_id:
        unit.draft = week_is_draft(week_of(new_shift.starts_at))
    if uniformed is not None:
        unit.uniformed = uniformed
    status_entry = follow_shift_window(unit, timezone.now(), actor=actor, note="shift changed")
    save_unit(unit)
    changes = audit.diff(before, audit.snapshot(unit, UNIT_FIELDS))
    entry = audit.entry("unit.changed", unit, actor=actor, changes=changes, note=override_reason)
    audit.record_all([entry, status_entry] if status_entry else [entry])
    if changes:  # a new partner, shift, call sign or uniform: its people are told (a live week's)
        tell_of_change_soon(as_it_was, unit)
    return unit


@transaction.atomic
def unit_delete(*, unit: Unit, actor=None) -> None:
    lock_weeks(unit.shift_starts_at)  # before the unit's row, as publishing does
    unit = lock_unit(unit.pk)
    if unit.status in Unit.BUSY_STATUSES:
        raise ConflictError(
            f"{unit.call_sign} is on a call; it can be removed once the call is cleared.", code="unit_busy"
        )
    try:
        with transaction.atomic():
            audit.record("unit.deleted", unit, actor=actor, changes=audit.diff(audit.snapshot(unit, UNIT_FIELDS), {}))
            tell_of_change_soon(unit)
            unit.delete()
    except IntegrityError as error:  # history (calls it answered) keeps the row
        raise ConflictError(
            f"{unit.call_sign} has answered calls and stays in the record; it cannot be deleted.",
            code="unit_has_history",
        ) from error
