"""The roster's rules and every change to the roster.

Read top to bottom:

1. the rules that decide whether a clinician and an officer may be paired for a shift
   (``roster_breaches``): hard rules -- both active, nobody in two overlapping shifts -- and soft
   rules -- enough rest between shifts, not too many hours in any rolling week -- which a
   supervisor may override with a reason;
2. shifts: create, change, delete, and lay out a week from templates or from last week;
3. units: pair, change, unpair;
4. a unit's own status and location, as its members and the dispatchers report them, and the
   clock (shift start and end) moving units on and off duty.

Every function here is the one place its change happens; the API, the web pages and the
Celery tasks all call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from coresponder import audit
from coresponder.errors import ApplicationError, ConflictError
from units.models import Clinician, Officer, Shift, ShiftTemplate, Unit

# --- 1. The rules -------------------------------------------------------------------------------

HARD = "hard"
SOFT = "soft"


@dataclass(frozen=True)
class Breach:
    """One roster rule a proposed pairing would break, in a supervisor's words."""

    kind: str  # HARD or SOFT
    member: str  # "clinician", "officer", "shift" or "call_sign"
    code: str
    sentence: str


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def describe_window(starts_at: datetime, ends_at: datetime) -> str:
    start, end = local(starts_at), local(ends_at)
    return f"{start:%a %d %b %H:%M}–{end:%H:%M}"


def describe_hours(span: timedelta) -> str:
    minutes = round(span.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"


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


def _member_breaches(member: str, person, starts_at: datetime, ends_at: datetime, exclude_unit_id) -> list[Breach]:
    breaches: list[Breach] = []
    if not person.active:
        breaches.append(Breach(HARD, member, "inactive_member", f"{person.name} is not active and cannot be paired."))
    others = _other_windows(member, person, exclude_unit_id)
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
    breaches += _member_breaches("clinician", clinician, shift.starts_at, shift.ends_at, exclude_unit_id)
    breaches += _member_breaches("officer", officer, shift.starts_at, shift.ends_at, exclude_unit_id)
    return breaches


def _refuse_breaches(breaches: list[Breach], *, override_reason: str) -> None:
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
            fields=fields_of(soft),
        )


def _lock_members(clinician: Clinician, officer: Officer) -> None:
    """Serialise every pairing that involves these two people, so two supervisors cannot
    double-book one of them between the check and the insert."""
    list(Clinician.objects.select_for_update().filter(pk=clinician.pk))
    list(Officer.objects.select_for_update().filter(pk=officer.pk))


# --- People -------------------------------------------------------------------------------------


@transaction.atomic
def responder_save(
    *, responder: Clinician | Officer, role: str, username: str | None = ..., actor=None, **fields
) -> Clinician | Officer:
    """Create or change a clinician or officer; ``username`` links (or creates) their login."""
    from django.contrib.auth.models import Group, User

    audited = [f.attname for f in responder._meta.concrete_fields if f.attname not in ("created_at", "updated_at")]
    before = audit.snapshot(responder, audited) if responder.pk else {}

    if isinstance(responder, Officer) and "badge_number" in fields:
        taken = Officer.objects.filter(badge_number=fields["badge_number"]).exclude(pk=responder.pk)
        if taken.exists():
            raise ConflictError(
                f"Badge number {fields['badge_number']} already belongs to {taken.first().name}.",
                code="badge_taken",
                fields={"badge_number": ["Already in use."]},
            )
    for name, value in fields.items():
        setattr(responder, name, value)
    if username is not ...:
        if username:
            user, _ = User.objects.get_or_create(username=username)
            other_roles = set(user.groups.exclude(name=role).values_list("name", flat=True))
            if other_roles:
                raise ConflictError(
                    f"The login {username} has the role {', '.join(sorted(other_roles))}; "
                    "a responder needs a login of their own.",
                    code="username_taken",
                    fields={"username": ["Belongs to a login with another role."]},
                )
            linked = (
                Clinician.objects.filter(user=user)
                .exclude(pk=responder.pk if isinstance(responder, Clinician) else None)
                .exists()
                or Officer.objects.filter(user=user)
                .exclude(pk=responder.pk if isinstance(responder, Officer) else None)
                .exists()
            )
            if linked:
                raise ConflictError(
                    f"The login {username} already belongs to another responder.",
                    code="username_taken",
                    fields={"username": ["Already linked to another responder."]},
                )
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.add(group)
            responder.user = user
        else:
            responder.user = None
    created = responder.pk is None
    responder.save()
    kind = responder._meta.model_name
    after = audit.snapshot(responder, audited)
    audit.record(
        f"{kind}.{'created' if created else 'changed'}", responder, actor=actor, changes=audit.diff(before, after)
    )
    return responder


# --- 2. Shifts ----------------------------------------------------------------------------------

UNCHANGED = object()  # "leave this field as it is", where None is a meaningful new value


def _validate_window(starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ApplicationError(
            "Times must include a time zone offset.", fields={"starts_at": ["Give an offset, e.g. -06:00."]}
        )
    if starts_at >= ends_at:
        raise ApplicationError("A shift must end after it starts.", fields={"ends_at": ["Must be after starts_at."]})
    if ends_at - starts_at > settings.ROSTER_MAX_SHIFT:
        raise ApplicationError(
            f"A shift may last at most {describe_hours(settings.ROSTER_MAX_SHIFT)}.",
            fields={"ends_at": [f"At most {describe_hours(settings.ROSTER_MAX_SHIFT)} after starts_at."]},
        )


@transaction.atomic
def shift_create(
    *, name: str, starts_at: datetime, ends_at: datetime, template: ShiftTemplate | None = None, actor=None
) -> Shift:
    _validate_window(starts_at, ends_at)
    starts_at, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    shift = Shift.objects.create(name=name, starts_at=starts_at, ends_at=ends_at, template=template)
    audit.record("shift.created", shift, actor=actor, changes=audit.diff({}, audit.snapshot(shift, SHIFT_FIELDS)))
    return shift


SHIFT_FIELDS = ["name", "starts_at", "ends_at", "template_id"]


@transaction.atomic
def shift_update(
    *,
    shift: Shift,
    name: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    template: ShiftTemplate | object | None = UNCHANGED,
    override_reason: str = "",
    actor=None,
) -> Shift:
    """Rename or move a shift. Moving it re-checks every rule for every unit on it (a soft rule
    needs ``override_reason``), moves their windows and puts each on or off duty for the new
    times."""
    shift = Shift.objects.select_for_update().get(pk=shift.pk)
    before = audit.snapshot(shift, SHIFT_FIELDS)
    new_start = starts_at or shift.starts_at
    new_end = ends_at or shift.ends_at
    _validate_window(new_start, new_end)
    new_start, new_end = new_start.astimezone(UTC), new_end.astimezone(UTC)
    moved = (new_start, new_end) != (shift.starts_at, shift.ends_at)
    units = list(shift.units.select_for_update(of=("self",)).select_related("clinician", "officer")) if moved else []
    if any(unit.status in BUSY_STATUSES for unit in units):
        raise ConflictError(
            "A unit on this shift is on a call; move the shift after the call is cleared.", code="unit_busy"
        )
    probe = Shift(pk=shift.pk, name=shift.name, starts_at=new_start, ends_at=new_end)
    breaches_by_unit = {
        unit.pk: roster_breaches(shift=probe, clinician=unit.clinician, officer=unit.officer, exclude_unit_id=unit.pk)
        for unit in units
    }
    _refuse_breaches([b for found in breaches_by_unit.values() for b in found], override_reason=override_reason)
    if name is not None:
        shift.name = name
    if template is not UNCHANGED:
        shift.template = template
    shift.starts_at, shift.ends_at = new_start, new_end
    shift.save()
    audit.record("shift.changed", shift, actor=actor, changes=audit.diff(before, audit.snapshot(shift, SHIFT_FIELDS)),
                 note=override_reason)  # fmt: skip
    now = timezone.now()
    moves = []
    for unit in units:
        unit.shift_starts_at, unit.shift_ends_at = new_start, new_end
        from_status = unit.status
        if unit.status in (Unit.Status.OFF_DUTY, Unit.Status.AVAILABLE):
            unit.status = _status_for_clock(new_start, new_end, now)
        _record_override(unit, breaches_by_unit[unit.pk], override_reason, actor)
        _save_unit(unit)
        if unit.status != from_status:
            moves.append(unit_status_entry(unit.pk, from_status, unit.status, actor=actor, note="shift moved"))
    audit.record_all(moves)
    return shift


@transaction.atomic
def shift_delete(*, shift: Shift, actor=None) -> None:
    if shift.units.exists():
        raise ConflictError(
            f"{shift.name} still has {shift.units.count()} unit(s); remove them before deleting the shift.",
            code="shift_has_units",
        )
    audit.record("shift.deleted", shift, actor=actor, changes=audit.diff(audit.snapshot(shift, SHIFT_FIELDS), {}))
    shift.delete()


def week_start_of(day: date) -> date:
    """Weeks start on Monday, as on the roster page."""
    return day - timedelta(days=day.weekday())


def local_datetime(day: date, at: time) -> datetime:
    """The instant a local wall clock shows ``at`` on ``day``, in UTC.

    UTC because Python adds and compares two datetimes of the same zone by their wall clocks:
    across a daylight-saving change that is an hour off.
    """
    try:
        return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE)).astimezone(UTC)
    except OverflowError:
        raise ApplicationError(f"{day} is outside the dates this system handles.", code="invalid") from None


@dataclass
class WeekReport:
    """What laying out a week did, for the supervisor to read."""

    shifts_created: list[Shift] = field(default_factory=list)
    units_created: list[Unit] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.shifts_created)} shift(s) created", f"{len(self.units_created)} unit(s) paired"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts) + "."


def shift_from_template(*, template: ShiftTemplate, day: date, actor=None) -> tuple[Shift, bool]:
    """The shift ``template`` gives on local ``day`` (created if new): (shift, created)."""
    starts_at = local_datetime(day, template.start_time)
    end_day = day if template.end_time > template.start_time else day + timedelta(days=1)
    ends_at = local_datetime(end_day, template.end_time)
    existing = Shift.objects.filter(template=template, starts_at=starts_at).first()
    if existing:
        return existing, False
    name = f"{template.name} {day:%a %d %b}"
    return shift_create(name=name, starts_at=starts_at, ends_at=ends_at, template=template, actor=actor), True


@transaction.atomic
def week_build_from_templates(
    *, week_start: date, templates: list[ShiftTemplate] | None = None, actor=None
) -> WeekReport:
    """Create, for each day of the week, one shift per template. Running it again adds nothing."""
    report = WeekReport()
    templates = list(templates if templates is not None else ShiftTemplate.objects.all())
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        for template in templates:
            shift, created = shift_from_template(template=template, day=day, actor=actor)
            if created:
                report.shifts_created.append(shift)
    return report


def _copied_names(source: Shift, starts_at: datetime) -> list[str]:
    """The name a copy of ``source`` gets (and had, if the week was copied before)."""
    if source.template:
        return [f"{source.template.name} {local(starts_at):%a %d %b}"]
    return [source.name]


def week_copy(*, source_week_start: date, target_week_start: date, actor) -> WeekReport:
    """Copy a week's shifts and pairings seven days on (same local clock times).

    Pairings that would break a rule are skipped, each with its reason, so the supervisor can
    settle them one by one; a soft rule is never overridden without being asked.
    """
    report = WeekReport()
    source_shifts = Shift.objects.filter(
        starts_at__gte=local_datetime(source_week_start, time.min),
        starts_at__lt=local_datetime(source_week_start + timedelta(days=7), time.min),
    ).prefetch_related("units__clinician", "units__officer")
    shift_offset = target_week_start - source_week_start
    for source in source_shifts:
        with transaction.atomic():
            start, end = local(source.starts_at), local(source.ends_at)
            starts_at = local_datetime(start.date() + shift_offset, start.time())
            ends_at = local_datetime(end.date() + shift_offset, end.time())
            target = Shift.objects.filter(
                starts_at=starts_at,
                ends_at=ends_at,
                template=source.template,
                name__in=_copied_names(source, starts_at),
            ).first()
            if target is None:
                target = shift_create(
                    name=_copied_names(source, starts_at)[0],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    template=source.template,
                    actor=actor,
                )
                report.shifts_created.append(target)
        for unit in source.units.all():
            if target.units.filter(call_sign=unit.call_sign).exists():
                continue
            try:
                report.units_created.append(
                    unit_create(
                        call_sign=unit.call_sign,
                        shift=target,
                        clinician=unit.clinician,
                        officer=unit.officer,
                        uniformed=unit.uniformed,
                        actor=actor,
                    )
                )
            except ApplicationError as refusal:
                report.skipped.append(f"{unit.call_sign} on {target.name}: {refusal.detail}")
    return report


# --- 3. Units -----------------------------------------------------------------------------------

# Statuses of a unit that is not on a call.
IDLE_STATUSES = (Unit.Status.OFF_DUTY, Unit.Status.AVAILABLE, Unit.Status.OUT_OF_SERVICE)
# Statuses of a unit that is on a call; the call moves them (dispatch.services).
BUSY_STATUSES = (Unit.Status.DISPATCHED, Unit.Status.EN_ROUTE, Unit.Status.ON_SCENE, Unit.Status.TRANSPORTING)


def _status_for_clock(starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    return Unit.Status.AVAILABLE if starts_at <= now < ends_at else Unit.Status.OFF_DUTY


def unit_status_entry(unit_id: int, from_status: str, to_status: str, *, actor=None, note: str = ""):
    """The audit log's entry for a unit's status change, to be written with ``audit.record_all``
    in the transaction that makes it."""
    return audit.entry("unit.status", object_type="unit", object_id=str(unit_id), actor=actor,
                       changes={"status": [from_status, to_status]}, note=note)  # fmt: skip


def _record_override(unit: Unit, breaches: list[Breach], override_reason: str, actor) -> None:
    """Store who broke a soft rule on purpose, and why; a pairing that breaks none has no override."""
    if any(b.kind == SOFT for b in breaches):
        unit.rule_override_reason = override_reason.strip()
        unit.rule_override_by = actor if actor and actor.is_authenticated else None
        unit.rule_override_at = timezone.now()
    else:
        unit.rule_override_reason, unit.rule_override_by, unit.rule_override_at = "", None, None


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
    """Pair a clinician and an officer for a shift, after checking every roster rule."""
    _lock_members(clinician, officer)
    breaches = roster_breaches(shift=shift, clinician=clinician, officer=officer, call_sign=call_sign)
    _refuse_breaches(breaches, override_reason=override_reason)
    now = timezone.now()
    unit = Unit(
        call_sign=call_sign,
        shift=shift,
        clinician=clinician,
        officer=officer,
        uniformed=uniformed,
        shift_starts_at=shift.starts_at,
        shift_ends_at=shift.ends_at,
        status=_status_for_clock(shift.starts_at, shift.ends_at, now),
        status_changed_at=now,
    )
    _record_override(unit, breaches, override_reason, actor)
    _save_unit(unit)
    audit.record("unit.created", unit, actor=actor, changes=audit.diff({}, audit.snapshot(unit, UNIT_FIELDS)),
                 note=override_reason)  # fmt: skip
    return unit


# What the audit log keeps of a unit's pairing.
UNIT_FIELDS = ["call_sign", "shift_id", "clinician_id", "officer_id", "uniformed", "rule_override_reason"]


def _save_unit(unit: Unit) -> Unit:
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
) -> Unit:
    """Change a unit. A new shift or member is checked against every rule again; changing only
    the call sign or the uniform flag leaves the pairing (and any override on it) as it was."""
    unit = _lock_unit(unit.pk)
    before = audit.snapshot(unit, UNIT_FIELDS)
    new_shift = shift or unit.shift
    new_clinician = clinician or unit.clinician
    new_officer = officer or unit.officer
    repairing = (new_shift.pk, new_clinician.pk, new_officer.pk) != (unit.shift_id, unit.clinician_id, unit.officer_id)
    if repairing and unit.status in BUSY_STATUSES:
        raise ConflictError(
            f"{unit.call_sign} is on a call; change the pairing after the call is cleared.", code="unit_busy"
        )
    if repairing:
        _lock_members(new_clinician, new_officer)
        breaches = roster_breaches(
            shift=new_shift, clinician=new_clinician, officer=new_officer, call_sign=call_sign or unit.call_sign,
            exclude_unit_id=unit.pk,
        )  # fmt: skip
    else:
        breaches = [b for b in roster_breaches(shift=new_shift, clinician=new_clinician, officer=new_officer,
                                               call_sign=call_sign or "", exclude_unit_id=unit.pk)
                    if b.member == "call_sign"]  # fmt: skip
    _refuse_breaches(breaches, override_reason=override_reason)
    if repairing:
        _record_override(unit, breaches, override_reason, actor)
    unit.call_sign = call_sign or unit.call_sign
    unit.shift, unit.clinician, unit.officer = new_shift, new_clinician, new_officer
    unit.shift_starts_at, unit.shift_ends_at = new_shift.starts_at, new_shift.ends_at
    if uniformed is not None:
        unit.uniformed = uniformed
    from_status = unit.status
    if unit.status in (Unit.Status.OFF_DUTY, Unit.Status.AVAILABLE):
        unit.status = _status_for_clock(unit.shift_starts_at, unit.shift_ends_at, timezone.now())
    _save_unit(unit)
    changes = audit.diff(before, audit.snapshot(unit, UNIT_FIELDS))
    entries = [audit.entry("unit.changed", unit, actor=actor, changes=changes, note=override_reason)]
    if unit.status != from_status:
        entries.append(unit_status_entry(unit.pk, from_status, unit.status, actor=actor, note="shift changed"))
    audit.record_all(entries)
    return unit


def _lock_unit(pk: int) -> Unit:
    unit = Unit.objects.select_for_update().filter(pk=pk).first()
    if unit is None:
        raise ApplicationError("That unit no longer exists.", code="not_found", status_code=404)
    return unit


@transaction.atomic
def unit_delete(*, unit: Unit, actor=None) -> None:
    unit = _lock_unit(unit.pk)
    if unit.status in BUSY_STATUSES:
        raise ConflictError(
            f"{unit.call_sign} is on a call; it can be removed once the call is cleared.", code="unit_busy"
        )
    try:
        with transaction.atomic():
            audit.record("unit.deleted", unit, actor=actor, changes=audit.diff(audit.snapshot(unit, UNIT_FIELDS), {}))
            unit.delete()
    except IntegrityError as error:  # history (calls it answered) keeps the row
        raise ConflictError(
            f"{unit.call_sign} has answered calls and stays in the record; it cannot be deleted.",
            code="unit_has_history",
        ) from error


# --- 4. Status, location and the clock ------------------------------------------------------


# Called, inside the transaction, whenever units may have become free to take calls. The
# dispatcher registers itself here (dispatch.apps): units know nothing of calls.
units_freed_listeners: list = []


def _serve_waiting_calls() -> None:
    for listener in units_freed_listeners:
        listener()


@transaction.atomic
def unit_set_status(*, unit: Unit, status: str, reason: str = "", actor=None, now: datetime | None = None) -> Unit:
    """A unit's members (or a dispatcher) log it on, back in service, or out of service."""
    now = now or timezone.now()
    unit = _lock_unit(unit.pk)
    reason = (reason or "").strip()
    if status not in (Unit.Status.AVAILABLE, Unit.Status.OUT_OF_SERVICE):
        raise ApplicationError(
            "A unit can only be set available or out of service here; calls move it otherwise.",
            fields={"status": ["Must be available or out_of_service."]},
        )
    if unit.status in BUSY_STATUSES:
        raise ConflictError(
            f"{unit.call_sign} is {unit.get_status_display().lower()} on a call; clear or reassign the call first.",
            code="unit_busy",
        )
    if now >= unit.shift_ends_at:
        raise ConflictError(
            f"{unit.call_sign}'s shift ended at {local(unit.shift_ends_at):%a %H:%M}; it cannot go back on duty.",
            code="shift_over",
        )
    if now < unit.shift_starts_at - settings.ROSTER_EARLY_LOGON:
        raise ConflictError(
            f"{unit.call_sign}'s shift starts at {local(unit.shift_starts_at):%a %H:%M}; "
            f"it can log on from {describe_hours(settings.ROSTER_EARLY_LOGON)} before.",
            code="shift_not_started",
        )
    if status == Unit.Status.OUT_OF_SERVICE and not reason:
        raise ApplicationError(
            "Say why the unit is out of service (meal, training, vehicle…).", fields={"reason": ["Required."]}
        )
    if unit.status == status and unit.out_of_service_reason == (reason if status == Unit.Status.OUT_OF_SERVICE else ""):
        return unit
    audit.record("unit.status", unit, actor=actor, changes={"status": [unit.status, status]}, note=reason)
    unit.status = status
    unit.out_of_service_reason = reason if status == Unit.Status.OUT_OF_SERVICE else ""
    unit.status_changed_at = now
    unit.save(update_fields=["status", "out_of_service_reason", "status_changed_at", "updated_at"])
    if status == Unit.Status.AVAILABLE:
        _serve_waiting_calls()
    return unit


# A phone's clock may run a little ahead; a fix further in the future than this is refused.
LOCATION_CLOCK_SKEW = timedelta(minutes=2)


def unit_record_location(*, unit: Unit, lat: float, lon: float, recorded_at: datetime | None = None) -> bool:
    """Store a location fix unless a newer one is already stored. Returns whether it was stored.

    Fixes arrive out of order from phones on poor networks; a conditional update keeps the
    newest without a lock.
    """
    now = timezone.now()
    recorded_at = recorded_at or now
    if not (-90 <= lat <= 90):
        raise ApplicationError("Latitude must be between -90 and 90.", fields={"lat": ["Between -90 and 90."]})
    if not (-180 <= lon <= 180):
        raise ApplicationError("Longitude must be between -180 and 180.", fields={"lon": ["Between -180 and 180."]})
    if recorded_at > now + LOCATION_CLOCK_SKEW:
        raise ApplicationError(
            "The fix is dated in the future; check the device's clock.", fields={"recorded_at": ["In the future."]}
        )
    stored = Unit.objects.filter(Q(location_at__isnull=True) | Q(location_at__lt=recorded_at), pk=unit.pk).update(
        lat=lat, lon=lon, location_at=recorded_at
    )
    return stored == 1


@transaction.atomic
def units_follow_clock(*, now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Put units on duty at their shift's start and off duty at its end (unless on a call).

    Run by the beat every few seconds and safe to run twice at once: each update is conditional
    on the old status. Returns the ids that came on duty and those that went off.
    """
    now = now or timezone.now()
    moves = []
    starting = list(Unit.objects.on_shift(now).filter(status=Unit.Status.OFF_DUTY).values_list("pk", flat=True))
    came_on = []
    for pk in starting:
        if Unit.objects.filter(pk=pk, status=Unit.Status.OFF_DUTY).update(
            status=Unit.Status.AVAILABLE, status_changed_at=now
        ):
            came_on.append(pk)
            moves.append(unit_status_entry(pk, Unit.Status.OFF_DUTY, Unit.Status.AVAILABLE, note="shift started"))
    ending = list(
        Unit.objects.filter(
            status__in=(Unit.Status.AVAILABLE, Unit.Status.OUT_OF_SERVICE), shift_ends_at__lte=now
        ).values_list("pk", "status")
    )
    went_off = []
    for pk, from_status in ending:
        # Conditional on the status just read, so the audit log's old value is the one replaced;
        # a unit whose status changed in between is taken by the next run.
        if Unit.objects.filter(pk=pk, status=from_status).update(
            status=Unit.Status.OFF_DUTY, out_of_service_reason="", status_changed_at=now
        ):
            went_off.append(pk)
            moves.append(unit_status_entry(pk, from_status, Unit.Status.OFF_DUTY, note="shift ended"))
    audit.record_all(moves)
    # Units that logged on early were already available: their shift starting frees them too.
    started_early = Unit.objects.filter(
        status=Unit.Status.AVAILABLE, shift_starts_at__lte=now, shift_starts_at__gt=now - CLOCK_LOOKBACK
    ).exists()
    if came_on or started_early:
        _serve_waiting_calls()
    return came_on, went_off


# Twice the beat's interval: a shift start is seen by at least one run of units_follow_clock.
CLOCK_LOOKBACK = timedelta(seconds=30)
