"""Every status change of a call, in one place (SPEC §2; the table is dispatch/transitions.py).

``call_transition`` is the way a person moves a call; every other service that moves one
(intake, assignment, outcome) calls ``move``, the locked core: the unit follows the call (through
units.services: only the units app writes unit rows), the milestone is stamped, alerts that no longer
apply are cleared, and the status event and the audit entries are written together.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from coresponder import audit, jobs
from coresponder.errors import ApplicationError, ConflictError
from coresponder.roles import Role, has_role
from dispatch import access, safety, transitions
from dispatch.models import Assignment, CallAlert, CallEvent, CrisisCall
from dispatch.transitions import Mover
from push import alerts as push_alerts
from units import services as roster
from units.models import Unit

S = CrisisCall.Status
SYSTEM_SOURCE = CallEvent.Source.SYSTEM


def mover_for(actor, call: CrisisCall) -> Mover | None:
    """What kind of mover ``actor`` is for ``call``: a dispatcher, a member of its unit, or neither."""
    if actor is None:
        return Mover.SYSTEM
    if has_role(actor, Role.DISPATCHER):
        return Mover.DISPATCHER
    if has_role(actor, Role.COUNSELOR) and call.status == S.TRIAGE:
        return Mover.COUNSELOR
    if access.is_on_call(actor, call):
        return Mover.MEMBER
    return None


def lock_call(call_id: int) -> CrisisCall:
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
        call = lock_call(call.pk)
        mover = mover_for(actor, call)
        if mover is None:
            raise ApplicationError(
                "Only a dispatcher or the call's unit (in triage, a counselor) may move it.",
                code="permission_denied",
                status_code=403,
            )
        if call.status == to_status:
            return call
        check_move(call, to_status, mover)
        if to_status == S.DISPATCHED:
            raise ConflictError("Choose the unit to send: use assign.", code="unit_required")
        move(call, to_status, mover=mover, actor=actor, source=source, note=note)
    return call


def check_move(call: CrisisCall, to_status: str, mover: Mover | None) -> None:
    refuse_imported(call)
    if to_status not in S.values:
        raise ApplicationError(f"{to_status!r} is not a call status.", fields={"status": ["Not a call status."]})
    if not transitions.is_allowed(call.status, to_status):
        raise ConflictError(
            f"A call that is {call.get_status_display().lower()} cannot become {S(to_status).label.lower()}.",
            code="illegal_transition",
        )
    if transitions.may_move(Mover.OUTCOME, call.status, to_status):
        raise ConflictError("A cleared call is closed by recording its outcome.", code="outcome_required")
    if call.status == S.TRIAGE and to_status == S.CLOSED:
        raise ConflictError("Say how the call ended by phone: use resolve.", code="disposition_required")
    if mover is None or not transitions.may_move(mover, call.status, to_status):
        raise ApplicationError(
            f"Only a dispatcher may make this call {S(to_status).label.lower()}.",
            code="permission_denied",
            status_code=403,
        )


def move(
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
    """The core of every status change, on a call locked by the caller: the safety hold is asked,
    the unit follows, the milestone is stamped, alerts that no longer apply are cleared, the
    event is written."""
    refuse_imported(call)
    now = now or timezone.now()
    from_status, from_unit_id = call.status, call.unit_id
    if from_status == S.HELD and to_status == S.RECEIVED:  # the dispatcher lets a co-responder unit go
        if refusal := safety.release_refusal(call, note):
            raise ApplicationError(
                refusal, code="review_note_required", fields={"note": ["Required to release a flagged call."]}
            )
        call.released_at, call.released_by = now, actor if actor is not None and actor.is_authenticated else None
        note = note or "Released for automatic dispatch"
    if to_status == S.DISPATCHED and mover == Mover.SYSTEM and not safety.may_send_automatically(call):
        raise ConflictError(
            f"Call {call.pk} is flagged ({safety.describe(call.safety_flags)}) and no dispatcher has released it: "
            "it is never sent automatically.",
            code="safety_hold",
        )
    if (waits := safety.where_it_waits(call, to_status)) != to_status:
        flags = safety.describe(call.safety_flags)
        note = "; ".join(filter(None, [note, f"Flagged ({flags}), not released: held for a dispatcher's review"]))
        to_status = waits
    assert transitions.may_move(mover, from_status, to_status), (from_status, to_status, mover)
    event_unit_id = call.unit_id

    if to_status == S.DISPATCHED:
        unit_moves = [_engage_unit(call, unit, actor=actor, eta_seconds=eta_seconds, now=now)]
        event_unit_id = unit.pk
        push_alerts.notify_unit_soon(call, push_alerts.ASSIGNED)  # the unit's phones, once this commits
    elif to_status in CrisisCall.WITH_UNIT_STATUSES:
        unit_moves = [roster.unit_follow_call(call.unit_id, to_status, call_id=call.pk, actor=actor, now=now,
                                              call_place=(call.lat, call.lon))]  # fmt: skip
    elif from_status in CrisisCall.WITH_UNIT_STATUSES:
        reason = {
            S.CLEARED: Assignment.EndReason.CLEARED,
            S.QUEUED: Assignment.EndReason.REQUEUED,
            S.HELD: Assignment.EndReason.REQUEUED,
            S.CANCELLED: Assignment.EndReason.CANCELLED,
        }[to_status]
        unit_moves = [_release_unit(call, reason=reason, actor=actor, now=now)]
        if to_status in CrisisCall.WAITING_STATUSES:  # given back: waiting again, for another unit
            call.unit = None
    else:
        unit_moves = []
    if to_status == S.RECEIVED:  # released from hold, or sent on by the crisis line
        jobs.assign_soon(call.pk)
    if to_status == S.QUEUED:
        jobs.serve_queue_soon()

    milestone = transitions.MILESTONES.get(to_status)
    if milestone and getattr(call, milestone) is None:
        setattr(call, milestone, now)
    save_status(call, to_status, now)
    record_event(call, from_status, to_status, actor=actor, source=source, note=note, at=now, unit_id=event_unit_id,
                  from_unit_id=from_unit_id, unit_moves=unit_moves)  # fmt: skip


def refuse_imported(call: CrisisCall) -> None:
    """An imported call (planning.importing) is history: no path moves, sends or queues it. Its
    status (closed, constraint ``call_imported_is_closed_history``) refuses every move already;
    this says why, should a path ever reach one."""
    if call.imported_at is not None:
        raise ConflictError(
            f"Call {call.pk} was imported from a CAD export: it is history and is never dispatched or moved.",
            code="imported_call",
        )


STATUS_FIELDS = ["status", "status_changed_at", "unit", "released_at", "released_by", "phone_disposition",
                 *transitions.MILESTONES.values()]  # fmt: skip


def save_status(call: CrisisCall, to_status: str, now: datetime) -> None:
    call.status = to_status
    call.status_changed_at = now
    call.save(update_fields=STATUS_FIELDS)
    clear_alerts_not_applying(call, now)


def reassign(call: CrisisCall, new_unit: Unit, *, actor, source, reason, eta_seconds, now) -> None:
    """Move a dispatched or en-route call (locked) to another unit (locked): the old unit is
    freed and the call is dispatched again, to the new one. ``dispatched_at`` keeps the first
    dispatch (the call's wait); ``en_route_at`` is cleared, for the new unit to set."""
    refuse_imported(call)
    from_status, old_unit = call.status, call.unit
    unit_moves = [
        _release_unit(call, reason=Assignment.EndReason.REASSIGNED, actor=actor, now=now),
        _engage_unit(call, new_unit, actor=actor, eta_seconds=eta_seconds, now=now),
    ]
    call.en_route_at = None
    save_status(call, S.DISPATCHED, now)
    push_alerts.notify_reassigned_soon(call, from_unit=old_unit)  # both units' phones, once this commits
    note = f"Reassigned from {old_unit.call_sign} to {new_unit.call_sign}: {reason}"
    record_event(call, from_status, S.DISPATCHED, actor=actor, source=source, note=note, at=now, unit_id=new_unit.pk,
                  from_unit_id=old_unit.pk, unit_moves=unit_moves)  # fmt: skip


# The functions that move a call's unit return the audit entry for the unit's move, unwritten:
# ``record_event`` writes it with the call's own entry, in one INSERT.


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
    call.unit = unit
    return roster.unit_engage(unit, call_id=call.pk, actor=actor, now=now)


def _release_unit(call: CrisisCall, *, reason: str, actor, now: datetime):
    """End the call's active assignment and free its unit (waiting calls are then served)."""
    Assignment.objects.filter(call=call, ended_at__isnull=True).update(ended_at=now, end_reason=reason)
    return roster.unit_release(call.unit_id, call_id=call.pk, reason=reason, actor=actor, now=now,
                               cleared=reason == Assignment.EndReason.CLEARED)  # fmt: skip


def record_event(call, from_status, to_status, *, actor, source, note, at, unit_id=None, from_unit_id=None,
                  unit_moves=()) -> None:  # fmt: skip
    """The call's own history, and the audit log's entries for the same change: the call's
    status (and unit, if it changed) and its units' moves, written in one INSERT. A person's
    note (a reason, a release review) enters the audit log by its length only: the history's
    copy is erased after its retention, the log never is."""
    if from_status:
        changes = {"status": [from_status, to_status]}
        if from_unit_id != call.unit_id:
            changes["unit"] = [from_unit_id, call.unit_id]
        by_a_person = actor is not None and actor.is_authenticated
        logged_note = audit.length_only(note, "characters of note") if by_a_person else note
        audit.record_all([audit.entry("call.status", call, actor=actor, changes=changes, note=logged_note),
                          *unit_moves])  # fmt: skip
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


# Which statuses each alert belongs to: leaving them clears the alert at once.
ALERT_STATUSES = {
    CallAlert.Kind.WAITING_TOO_LONG: CrisisCall.WAITING_STATUSES,
    CallAlert.Kind.WAITING_IN_TRIAGE: frozenset({S.TRIAGE}),
    CallAlert.Kind.NOT_ACKNOWLEDGED: frozenset({S.DISPATCHED}),
    CallAlert.Kind.SAFETY_CHECK_DUE: frozenset({S.ON_SCENE}),
    # Until acknowledged, while the call is open; a held call shows its flags anyway.
    CallAlert.Kind.SAFETY_FLAG_RAISED: frozenset({*CrisisCall.WITH_UNIT_STATUSES, S.CLEARED}),
}


def clear_alerts_not_applying(call: CrisisCall, now: datetime) -> None:
    if getattr(call, "has_alerts", True) is False:  # known to have none: skip the statement
        return
    stale_kinds = [kind for kind, statuses in ALERT_STATUSES.items() if call.status not in statuses]
    CallAlert.objects.filter(call=call, cleared_at__isnull=True, kind__in=stale_kinds).update(cleared_at=now)
