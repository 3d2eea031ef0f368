"""Crisis calls: intake, every status change, and the automatic dispatcher.

Read top to bottom:

1. sending work to the Celery workers -- always after commit, never failing the caller;
2. intake -- a call comes in, once, however often the 911 CAD repeats it;
3. ``call_transition`` -- the one way a call changes status; every other function here that
   moves a call goes through ``_move``, its locked core;
4. manual assignment and reassignment by a dispatcher;
5. the automatic dispatcher -- one call at a time, and the queue when units free up;
6. the outcome that closes a call;
7. the sweeper that recovers lost work and raises alerts.

The invariants (SPEC §3.5): a unit is never on two active calls and a call never on two units
(database constraints on Assignment and on the call's unit column, with row locks in front);
no call is lost (intake commits before anything is sent, and the sweeper re-sends what was
not dispatched); running any task twice changes nothing the second time (each re-reads the
call under a lock and returns early when there is nothing left to do).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from coresponder import audit
from coresponder.celery import app as celery_app
from coresponder.errors import ApplicationError, ConflictError
from coresponder.roles import Role, has_role
from dispatch import matching, transitions
from dispatch.models import Assignment, CallAlert, CallEvent, CrisisCall, Outcome
from dispatch.selectors import (
    UNIT_ROW_FIELDS,
    UnitRow,
    declined_unit_ids,
    eligible_units,
    queued_calls,
    rank,
    ranked_candidates,
    stale_expression,
)
from dispatch.transitions import Mover
from units.models import Unit
from units.services import unit_status_entry

logger = logging.getLogger(__name__)
# What the audit log keeps of a new call and of an outcome. The caller's details and the
# narrative only by their length: the audit log is never erased, while these are erased from
# the call after their retention (calls_erase_personal_data); and the log is read by
# supervisors, the narrative is the clinician's.
INTAKE_FIELDS = ["external_id", "received_at", "lat", "lon", "address", "nature", "priority", "weapons", "violence",
                 "medical_emergency", "language"]  # fmt: skip
PERSONAL_FIELDS = ["caller_name", "callback_number", "notes"]
OUTCOME_AUDIT_FIELDS = ["disposition", "referral", "arrest_made", "force_used", "follow_up_needed"]
S = CrisisCall.Status
SYSTEM_SOURCE = CallEvent.Source.SYSTEM


# --- 1. Sending work to the workers -------------------------------------------------------------


def _send_after_commit(task_name: str, *args, countdown: float | None = None) -> None:
    """Queue a Celery task once the current transaction commits.

    A broker that is down must never fail the request that stored the call: the failure is
    logged and the sweeper sends the work again once the broker is back.
    """

    def send():
        try:
            celery_app.send_task(
                task_name, args=args, countdown=countdown, retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY
            )
        except Exception:
            logger.warning("Could not reach the broker to send %s%s; the sweeper will retry.", task_name, args)

    transaction.on_commit(send, robust=True)


def assign_soon(call_id: int) -> None:
    _send_after_commit("dispatch.tasks.assign_call", call_id)


def queue_serve_soon(*, countdown: float | None = None) -> None:
    """Units became free: serve waiting calls once the current transaction commits."""
    _send_after_commit("dispatch.tasks.serve_queue", countdown=countdown)


# --- 2. Intake ----------------------------------------------------------------------------------


def call_intake(*, actor=None, source: str = CallEvent.Source.API, **fields) -> tuple[CrisisCall, bool]:
    """Store a diverted call and start its dispatch. Returns (call, created).

    Idempotent on ``external_id``: a repeat, even a concurrent one, returns the stored call.
    A call with any safety flag is held for a dispatcher; otherwise the automatic dispatcher
    is asked to assign it once the call is committed.
    """
    external_id = fields.get("external_id") or None
    fields["external_id"] = external_id
    if external_id:
        existing = CrisisCall.objects.filter(external_id=external_id).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            now = timezone.now()
            fields.setdefault("received_at", now)
            call = CrisisCall.objects.create(status=S.RECEIVED, status_changed_at=now, **fields)
            recorded = audit.snapshot(call, INTAKE_FIELDS)
            recorded |= {name: audit.length_only(getattr(call, name)) for name in PERSONAL_FIELDS}
            audit.record("call.created", call, actor=actor, changes=audit.diff({}, recorded))
            _record_event(call, "", S.RECEIVED, actor=actor, source=source, note="Call received", at=now)
            if call.safety_flags:
                flags = ", ".join(flag.replace("_", " ") for flag in call.safety_flags)
                _move(
                    call, S.HELD, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE, note=f"Safety screen: {flags}"
                )
            else:
                assign_soon(call.pk)
    except IntegrityError:
        # A concurrent request with the same external_id committed first.
        existing = CrisisCall.objects.filter(external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing, False
    return call, True


# --- 3. Status changes ----------------------------------------------------------------------------


def mover_for(actor, call: CrisisCall) -> Mover | None:
    """What kind of mover ``actor`` is for ``call``: a dispatcher, a member of its unit, or neither."""
    if actor is None:
        return Mover.SYSTEM
    if has_role(actor, Role.DISPATCHER):
        return Mover.DISPATCHER
    if call.unit_id and actor.pk in (call.unit.clinician.user_id, call.unit.officer.user_id):
        return Mover.MEMBER
    return None


def _lock_call(call_id: int) -> CrisisCall:
    try:
        return (
            CrisisCall.objects.select_for_update(of=("self",))
            .select_related("unit__clinician", "unit__officer")
            .get(pk=call_id)
        )
    except CrisisCall.DoesNotExist:
        raise ApplicationError("There is no such call.", code="not_found", status_code=404) from None


def call_transition(
    *, call: CrisisCall, to_status: str, actor=None, source: str = SYSTEM_SOURCE, note: str = ""
) -> CrisisCall:
    """Move a call to ``to_status`` if the state machine and the actor's role allow it.

    Refused moves raise ConflictError (409) and change nothing. Moving to the status the call
    already has changes nothing. Dispatching needs a unit: use ``call_assign``.
    """
    with transaction.atomic():
        call = _lock_call(call.pk)
        mover = mover_for(actor, call)
        if mover is None:
            raise ApplicationError(
                "Only a dispatcher or the call's unit may move it.", code="permission_denied", status_code=403
            )
        if call.status == to_status:
            return call
        _check_move(call, to_status, mover)
        if to_status == S.DISPATCHED:
            raise ConflictError("Choose the unit to send: use assign.", code="unit_required")
        _move(call, to_status, mover=mover, actor=actor, source=source, note=note)
    return call


def _check_move(call: CrisisCall, to_status: str, mover: Mover | None) -> None:
    if to_status not in S.values:
        raise ApplicationError(f"{to_status!r} is not a call status.", fields={"status": ["Not a call status."]})
    if not transitions.is_allowed(call.status, to_status):
        raise ConflictError(
            f"A call that is {call.get_status_display().lower()} cannot become {S(to_status).label.lower()}.",
            code="illegal_transition",
        )
    if transitions.may_move(Mover.OUTCOME, call.status, to_status):
        raise ConflictError("A cleared call is closed by recording its outcome.", code="outcome_required")
    if mover is None or not transitions.may_move(mover, call.status, to_status):
        raise ApplicationError(
            f"Only a dispatcher may make this call {S(to_status).label.lower()}.",
            code="permission_denied",
            status_code=403,
        )


def _move(
    call: CrisisCall,
    to_status: str,
    *,
    mover: Mover,
    actor,
    source: str,
    note: str = "",
    unit: Unit | None = None,
    eta_seconds: float | None = None,
    now: datetime | None = None,
) -> None:
    """The core of every status change, on a call locked by the caller: the unit follows, the
    milestone is stamped, alerts that no longer apply are cleared, the event is written."""
    now = now or timezone.now()
    from_status, from_unit_id = call.status, call.unit_id
    assert transitions.may_move(mover, from_status, to_status), (from_status, to_status, mover)
    event_unit_id = call.unit_id

    if to_status == S.DISPATCHED:
        unit_moves = [_engage_unit(call, unit, actor=actor, eta_seconds=eta_seconds, now=now)]
        event_unit_id = unit.pk
    elif to_status in transitions.WITH_UNIT:
        unit_moves = [_unit_follows(call, to_status, actor=actor, now=now)]
    elif from_status in transitions.WITH_UNIT:
        reason = {
            S.CLEARED: Assignment.EndReason.CLEARED,
            S.QUEUED: Assignment.EndReason.REQUEUED,
            S.CANCELLED: Assignment.EndReason.CANCELLED,
        }[to_status]
        unit_moves = [_release_unit(call, reason=reason, actor=actor, now=now)]
        if to_status == S.QUEUED:  # given back: waiting again, for another unit
            call.unit = None
    else:
        unit_moves = []
    if to_status == S.RECEIVED:  # released from hold: the dispatcher lets a co-responder unit go
        assign_soon(call.pk)
    if to_status == S.QUEUED:
        queue_serve_soon()

    milestone = transitions.MILESTONES.get(to_status)
    if milestone and getattr(call, milestone) is None:
        setattr(call, milestone, now)
    _save_status(call, to_status, now)
    _record_event(call, from_status, to_status, actor=actor, source=source, note=note, at=now, unit_id=event_unit_id,
                  from_unit_id=from_unit_id, unit_moves=unit_moves)  # fmt: skip


STATUS_FIELDS = ["status", "status_changed_at", "unit", *transitions.MILESTONES.values()]


def _save_status(call: CrisisCall, to_status: str, now: datetime) -> None:
    call.status = to_status
    call.status_changed_at = now
    call.save(update_fields=STATUS_FIELDS)
    _clear_alerts_not_applying(call, now)


def _reassign(call: CrisisCall, new_unit: Unit, *, actor, source, reason, eta_seconds, now) -> None:
    """Move a dispatched or en-route call (locked) to another unit (locked): the old unit is
    freed and the call is dispatched again, to the new one. ``dispatched_at`` keeps the first
    dispatch (the call's wait); ``en_route_at`` is cleared, for the new unit to set."""
    from_status, old_unit = call.status, call.unit
    unit_moves = [
        _release_unit(call, reason=Assignment.EndReason.REASSIGNED, actor=actor, now=now),
        _engage_unit(call, new_unit, actor=actor, eta_seconds=eta_seconds, now=now),
    ]
    call.en_route_at = None
    _save_status(call, S.DISPATCHED, now)
    note = f"Reassigned from {old_unit.call_sign} to {new_unit.call_sign}: {reason}"
    _record_event(call, from_status, S.DISPATCHED, actor=actor, source=source, note=note, at=now, unit_id=new_unit.pk,
                  from_unit_id=old_unit.pk, unit_moves=unit_moves)  # fmt: skip


# The functions that move a call's unit return the audit entry for the unit's move, unwritten:
# ``_record_event`` writes it with the call's own entry, in one INSERT.


def _engage_unit(call: CrisisCall, unit: Unit, *, actor, eta_seconds, now):
    """Put a unit (locked by the caller, its status read with the lock) on the call. The
    Assignment insert comes first: its constraints are the backstop that refuses a unit
    already on a call."""
    Assignment.objects.create(
        call=call,
        unit=unit,
        started_at=now,
        assigned_by=actor,
        eta_seconds=round(eta_seconds) if eta_seconds is not None else None,
    )
    Unit.objects.filter(pk=unit.pk).update(status=Unit.Status.DISPATCHED, status_changed_at=now)
    call.unit = unit
    return unit_status_entry(
        unit.pk, unit.status, Unit.Status.DISPATCHED, actor=actor, note=f"Dispatched to call {call.pk}"
    )


def _unit_follows(call: CrisisCall, to_status: str, *, actor, now: datetime):
    """The call's unit takes the call's new status (en route, on scene, transporting). The unit
    is locked to read the status it leaves: a unit on a call mirrors the call, but the audit
    log records what the row held, not what it should have held."""
    unit = Unit.objects.select_for_update().only("pk", "status").get(pk=call.unit_id)
    from_status = unit.status
    unit.status, unit.status_changed_at = to_status, now
    unit.save(update_fields=["status", "status_changed_at", "updated_at"])
    return unit_status_entry(unit.pk, from_status, to_status, actor=actor, note=f"Call {call.pk}")


def _release_unit(call: CrisisCall, *, reason: str, actor, now: datetime):
    """End the call's active assignment and free its unit: available, or off duty if its shift
    has ended. Waiting calls are then served."""
    Assignment.objects.filter(call=call, ended_at__isnull=True).update(ended_at=now, end_reason=reason)
    unit = Unit.objects.select_for_update().get(pk=call.unit_id)
    from_status = unit.status
    unit.status = Unit.Status.AVAILABLE if now < unit.shift_ends_at else Unit.Status.OFF_DUTY
    unit.status_changed_at = now
    unit.save(update_fields=["status", "status_changed_at", "updated_at"])
    if unit.status == Unit.Status.AVAILABLE:
        queue_serve_soon()
    return unit_status_entry(
        unit.pk, from_status, unit.status, actor=actor, note=f"Released from call {call.pk}: {reason}"
    )


def _record_event(call, from_status, to_status, *, actor, source, note, at, unit_id=None, from_unit_id=None,
                  unit_moves=()) -> None:  # fmt: skip
    """The call's own history, and the audit log's entries for the same change: the call's
    status (and unit, if it changed) and its units' moves, written in one INSERT."""
    if from_status:
        changes = {"status": [from_status, to_status]}
        if from_unit_id != call.unit_id:
            changes["unit"] = [from_unit_id, call.unit_id]
        audit.record_all([audit.entry("call.status", call, actor=actor, changes=changes, note=note), *unit_moves])
    CallEvent.objects.create(
        call=call,
        from_status=from_status,
        to_status=to_status,
        at=at,
        actor=actor if actor is not None and actor.is_authenticated else None,
        source=source,
        note=note[:500],
        unit_id=unit_id,
    )


# --- 4. Manual assignment -------------------------------------------------------------------------


def call_assign(
    *, call: CrisisCall, unit: Unit, actor, reason: str = "", source: str = CallEvent.Source.API
) -> CrisisCall:
    """A dispatcher sends ``unit`` to ``call``, or moves the call to it from another unit.

    The dispatcher may send any available unit on shift, uniformed or not (that is the point of
    holding a call for review). A reassignment frees the old unit and needs a reason.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        call = _lock_call(call.pk)
        if mover_for(actor, call) != Mover.DISPATCHER:
            raise ApplicationError("Only a dispatcher may assign units.", code="permission_denied", status_code=403)
        reassigning = call.status in transitions.REASSIGNABLE
        if reassigning and call.unit_id == unit.pk:
            return call
        if not reassigning and call.status not in transitions.WAITING:
            raise ConflictError(
                f"A call that is {call.get_status_display().lower()} cannot be assigned a unit.",
                code="illegal_transition",
            )
        if reassigning and not reason:
            raise ApplicationError("Say why the call is reassigned.", fields={"reason": ["Required to reassign."]})
        now = timezone.now()
        new_unit = Unit.objects.select_for_update().filter(pk=unit.pk).first()
        refusal = _unit_unavailable_reason(new_unit, now) if new_unit else "That unit no longer exists."
        if refusal:
            raise ConflictError(refusal, code="unit_unavailable", fields={"unit": [refusal]})
        row = UnitRow(new_unit.pk, False, new_unit.status_changed_at, new_unit.lat, new_unit.lon)
        eta_seconds = rank([row], lat=call.lat, lon=call.lon)[0].eta_seconds
        if reassigning:
            _reassign(call, new_unit, actor=actor, source=source, reason=reason, eta_seconds=eta_seconds, now=now)
        else:
            note = f"Assigned {new_unit.call_sign}" + (f": {reason}" if reason else "")
            _move(call, S.DISPATCHED, mover=Mover.DISPATCHER, actor=actor, source=source, note=note,
                  unit=new_unit, eta_seconds=eta_seconds, now=now)  # fmt: skip
    return call


def _unit_unavailable_reason(unit: Unit, now: datetime) -> str:
    if unit.status != Unit.Status.AVAILABLE:
        return f"{unit.call_sign} is {unit.get_status_display().lower()}, not available."
    if not unit.on_shift_at(now):
        return f"{unit.call_sign} is not on shift now."
    return ""


# --- 5. The automatic dispatcher ----------------------------------------------------------------


def _pause_for_fault_tests() -> None:
    """Test-only: wait on a PostgreSQL advisory lock the fault test holds, so that it can kill
    this worker with the assignment written but not committed."""
    key = settings.DISPATCH_TEST_PAUSE_LOCK
    if key and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _claim_unit(unit_id: int, now: datetime) -> Unit | None:
    """Lock a unit the ranking just chose, skipping it if another worker holds it or it is no
    longer available on shift. (Its members' active flags were read by the ranking an instant
    ago; only a supervisor changes them, and not while a unit is on shift.)"""
    return (
        Unit.objects.on_shift(now)
        .select_for_update(skip_locked=True)
        .filter(pk=unit_id, status=Unit.Status.AVAILABLE, uniformed=False)
        .only("pk", "call_sign", "status")  # the status for the audit log's unit.status entry
        .first()
    )


def call_auto_assign(*, call_id: int, now: datetime | None = None) -> CrisisCall | None:
    """Send the best eligible unit to a received or queued call (SPEC §3), or queue it.

    Safe to run any number of times, at once or one after another: a call another worker is
    handling is skipped, a call already dispatched (or held, or closed) is left alone.
    """
    for _attempt in range(3):
        try:
            return _auto_assign_once(call_id, now or timezone.now())
        except IntegrityError:
            # A constraint caught a race the row locks did not; the transaction is gone, so
            # start again from a fresh read.
            logger.warning("Assignment of call %s hit a constraint; trying again.", call_id)
    return None  # the sweeper tries again


def _auto_assign_once(call_id: int, now: datetime) -> CrisisCall | None:
    with transaction.atomic():
        # One statement locks the call and learns whether others wait and whether it has alerts.
        call = (
            CrisisCall.objects.select_for_update(skip_locked=True, of=("self",))
            .annotate(
                others_waiting=Exists(queued_calls().exclude(pk=OuterRef("pk"))),
                has_alerts=Exists(CallAlert.objects.filter(call=OuterRef("pk"), cleared_at__isnull=True)),
            )
            .filter(pk=call_id, status__in=(S.RECEIVED, S.QUEUED))
            .first()
        )
        if call is None:
            return None
        if call.status == S.QUEUED or call.others_waiting:
            # Calls wait already: this one joins them, and the queue serves all in order.
            if call.status == S.RECEIVED:
                _move(call, S.QUEUED, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE,
                      note="Calls already waiting", now=now)  # fmt: skip
            _serve_locked_queue(now)
            call.refresh_from_db()
            return call
        # Only a call that was dispatched before can have been given back by a unit.
        declined = declined_unit_ids([call.pk]).get(call.pk, set()) if call.dispatched_at else set()
        candidates = ranked_candidates(lat=call.lat, lon=call.lon, now=now, exclude_unit_ids=declined)
        for candidate in candidates:
            unit = _claim_unit(candidate.unit_id, now)
            if unit is None:
                continue  # another worker holds it, or it stopped being eligible
            _move(call, S.DISPATCHED, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE,
                  note=_dispatch_note(unit, candidate), unit=unit, eta_seconds=candidate.eta_seconds, now=now)  # fmt: skip
            _pause_for_fault_tests()
            return call
        # Queued; the QUEUED move asks the queue to be served, which retries units that were
        # only busy being assigned to other calls a moment ago.
        note = "Eligible units were all being assigned elsewhere" if candidates else "No eligible unit"
        _move(call, S.QUEUED, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE, note=note, now=now)
    return call


def _dispatch_note(unit: Unit, candidate) -> str:
    if candidate.eta_seconds is None:
        return f"Eligible unit {unit.call_sign}; its location is unknown"
    note = f"Nearest eligible unit {unit.call_sign}, about {candidate.eta_seconds / 60:.0f} min away"
    return note + (" (last location is stale)" if candidate.stale else "")


# How many waiting calls and free units one pass of the queue considers.
QUEUE_BATCH = 100
QUEUE_UNITS = 300
# A unit that declined a call costs this much for it: never chosen while another unit can go.
DECLINED = float("1e12")


def queue_serve(*, now: datetime | None = None) -> int:
    """Serve waiting calls with the units free now. Returns how many were dispatched."""
    now = now or timezone.now()
    with transaction.atomic():
        return _serve_locked_queue(now)


def _serve_locked_queue(now: datetime) -> int:
    """One pass of the queue. Calls are locked (a concurrent pass takes others); units are
    planned from a plain read and each chosen one is claimed with SKIP LOCKED, so a pass never
    holds units it does not send. If a chosen unit was taken meanwhile, another pass follows."""
    calls = list(queued_calls().select_for_update(skip_locked=True)[:QUEUE_BATCH])
    if not calls:
        return 0
    rows = [
        UnitRow(*row)
        for row in eligible_units(now)
        .annotate(stale=stale_expression(now))
        .order_by("status_changed_at", "pk")
        .values_list(*UNIT_ROW_FIELDS)[:QUEUE_UNITS]
    ]
    if not rows:
        return 0
    declined = declined_unit_ids([call.pk for call in calls])
    free = {row.pk for row in rows}
    # Priority, then age, decides who is served; a call only its decliners could take waits.
    served = [call for call in calls if free - declined.get(call.pk, set())][: len(rows)]
    costs, candidates = [], []
    for call in served:
        by_unit = {c.unit_id: c for c in rank(rows, lat=call.lat, lon=call.lon)}
        candidates.append(by_unit)
        weight = settings.DISPATCH_PRIORITY_WEIGHTS.get(call.priority, 1.0)
        refused = declined.get(call.pk, set())
        costs.append([DECLINED if row.pk in refused else weight * by_unit[row.pk].matching_cost for row in rows])
    dispatched, missed = 0, False
    for index, column in enumerate(matching.plan(costs)):
        if costs[index][column] >= DECLINED:
            continue
        call, candidate = served[index], candidates[index][rows[column].pk]
        unit = _claim_unit(candidate.unit_id, now)
        if unit is None:
            missed = True
            continue
        try:
            with transaction.atomic():
                _move(call, S.DISPATCHED, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE,
                      note=_dispatch_note(unit, candidate) + " (from the queue)", unit=unit,
                      eta_seconds=candidate.eta_seconds, now=now)  # fmt: skip
        except IntegrityError:
            call.refresh_from_db()
            missed = True
            continue
        dispatched += 1
    if missed:
        queue_serve_soon(countdown=0.5)
    if dispatched:
        _pause_for_fault_tests()
    return dispatched


# --- 6. Outcome -------------------------------------------------------------------------------------


def call_record_outcome(*, call: CrisisCall, actor, source: str = CallEvent.Source.API, **fields) -> Outcome:
    """The assigned clinician (or a supervisor) records how a cleared call ended; it closes."""
    with transaction.atomic():
        call = _lock_call(call.pk)
        is_clinician = call.unit_id is not None and actor.pk == call.unit.clinician.user_id
        if not (is_clinician or has_role(actor, Role.SUPERVISOR)):
            raise ApplicationError(
                "Only the unit's clinician or a supervisor may record the outcome.",
                code="permission_denied",
                status_code=403,
            )
        if call.status != S.CLEARED:
            raise ConflictError(
                f"The outcome is recorded once the call is cleared; this call is {call.get_status_display().lower()}.",
                code="illegal_transition",
            )
        if fields.get("disposition") == Outcome.Disposition.ARREST:
            fields["arrest_made"] = True
        outcome = Outcome.objects.create(call=call, recorded_by=actor, **fields)
        recorded = audit.snapshot(outcome, OUTCOME_AUDIT_FIELDS)
        recorded["narrative"] = audit.length_only(outcome.narrative, "characters of clinical notes")
        audit.record("outcome.created", outcome, actor=actor, changes=audit.diff({}, recorded))
        _move(
            call,
            S.CLOSED,
            mover=Mover.OUTCOME,
            actor=actor,
            source=source,
            note=f"Outcome: {outcome.get_disposition_display()}",
        )
    return outcome


# --- 7. The sweeper -----------------------------------------------------------------------------


@dataclass
class SweepReport:
    resent: list[int] = field(default_factory=list)
    served: int = 0
    raised: list[tuple[int, str]] = field(default_factory=list)
    cleared: int = 0


# Which statuses each alert belongs to: leaving them clears the alert at once.
ALERT_STATUSES = {
    CallAlert.Kind.WAITING_TOO_LONG: transitions.WAITING,
    CallAlert.Kind.NOT_ACKNOWLEDGED: frozenset({S.DISPATCHED}),
    CallAlert.Kind.SAFETY_CHECK_DUE: frozenset({S.ON_SCENE}),
}


def _clear_alerts_not_applying(call: CrisisCall, now: datetime) -> None:
    if getattr(call, "has_alerts", True) is False:  # known to have none: skip the statement
        return
    stale_kinds = [kind for kind, statuses in ALERT_STATUSES.items() if call.status not in statuses]
    CallAlert.objects.filter(call=call, cleared_at__isnull=True, kind__in=stale_kinds).update(cleared_at=now)


def _alerts_due(now: datetime) -> set[tuple[int, str]]:
    waiting = Q()
    for priority, after in settings.DISPATCH_WAIT_ALERT_AFTER.items():
        waiting |= Q(priority=priority, received_at__lt=now - after)
    due = {
        CallAlert.Kind.WAITING_TOO_LONG: CrisisCall.objects.filter(waiting, status__in=transitions.WAITING),
        CallAlert.Kind.NOT_ACKNOWLEDGED: CrisisCall.objects.filter(
            status=S.DISPATCHED, status_changed_at__lt=now - settings.DISPATCH_ACK_ALERT_AFTER
        ),
        CallAlert.Kind.SAFETY_CHECK_DUE: CrisisCall.objects.filter(
            status=S.ON_SCENE, status_changed_at__lt=now - settings.DISPATCH_SAFETY_CHECK_AFTER
        ),
    }
    return {(pk, kind) for kind, calls in due.items() for pk in calls.values_list("pk", flat=True)}


def sweep(*, now: datetime | None = None) -> SweepReport:
    """Recover lost work and keep alerts true (SPEC §3.4). Safe with two beats running: the
    assignment skips calls and units another worker holds, and alerts are unique per kind."""
    now = now or timezone.now()
    report = SweepReport()
    stuck = CrisisCall.objects.filter(status=S.RECEIVED, status_changed_at__lt=now - settings.DISPATCH_RESEND_AFTER)
    for call_id in stuck.order_by("priority", "received_at").values_list("pk", flat=True):
        if call_auto_assign(call_id=call_id):
            report.resent.append(call_id)
    report.served = queue_serve()

    due = _alerts_due(now)
    active = set(CallAlert.objects.filter(cleared_at__isnull=True).values_list("call_id", "kind"))
    new = sorted(due - active)
    CallAlert.objects.bulk_create(
        [CallAlert(call_id=pk, kind=kind, raised_at=now) for pk, kind in new], ignore_conflicts=True
    )
    report.raised = new
    for pk, kind in active - due:
        report.cleared += CallAlert.objects.filter(call_id=pk, kind=kind, cleared_at__isnull=True).update(
            cleared_at=now
        )
    if report.resent or report.served or report.raised:
        logger.info(
            "Sweep: re-sent %s, served %s from the queue, raised %s", report.resent, report.served, report.raised
        )
    return report


# --- 8. Retention ---------------------------------------------------------------------------------


def calls_erase_personal_data(*, now: datetime | None = None) -> tuple[int, int]:
    """Blank what identifies a caller once RETENTION_CALLER_DETAILS_DAYS have passed since a call
    ended, and the clinical narrative after RETENTION_NARRATIVE_DAYS. The call, its timings and
    disposition stay for the program's reports. Returns (calls, narratives) erased."""
    now = now or timezone.now()
    ended = Q(status__in=transitions.TERMINAL)
    details_before = now - timedelta(days=settings.RETENTION_CALLER_DETAILS_DAYS)
    calls = CrisisCall.objects.filter(ended, status_changed_at__lt=details_before).exclude(
        caller_name="", callback_number="", notes=""
    )
    erased_calls = 0
    for call_id in calls.values_list("pk", flat=True).iterator():
        CrisisCall.objects.filter(pk=call_id).update(caller_name="", callback_number="", notes="")
        audit.record("call.personal_data_erased", object_type="crisiscall", object_id=str(call_id),
                     note=f"caller details older than {settings.RETENTION_CALLER_DETAILS_DAYS} days")  # fmt: skip
        erased_calls += 1
    narratives_before = now - timedelta(days=settings.RETENTION_NARRATIVE_DAYS)
    outcomes = Outcome.objects.filter(recorded_at__lt=narratives_before).exclude(narrative="")
    erased_narratives = 0
    for outcome_id, call_id in outcomes.values_list("pk", "call_id").iterator():
        Outcome.objects.filter(pk=outcome_id).update(narrative="")
        audit.record("outcome.narrative_erased", object_type="call", object_id=str(call_id),
                     note=f"older than {settings.RETENTION_NARRATIVE_DAYS} days")  # fmt: skip
        erased_narratives += 1
    return erased_calls, erased_narratives
