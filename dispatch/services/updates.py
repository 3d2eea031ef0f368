"""Updates from 911 and a dispatcher's corrections (SPEC §2 "Updates from 911").

The 911 CAD re-posts a call with the same ``external_id`` when it learns more; a dispatcher
corrects a call with ``PATCH /calls/{id}/``. Both come here, under the same rules:

- the changed fields are applied and recorded as an ``updated`` event naming them (personal
  fields by name only, never their values), and in the audit log;
- a raised safety flag clears any release (dispatch/safety.py): a call waiting for the automatic
  dispatcher is held again; on a call that has a unit it raises a safety alert, red on the board
  and on the unit's phone until someone acknowledges it -- the unit is not pulled back;
- lowering a flag never releases a held call;
- a call that has ended (closed, cancelled, returned to 911) refuses any change (409);
- an update dated (``updated_at``) before the last one applied changes nothing;
- a moved location re-ranks a call waiting for a unit.

The call is locked for the whole update, so an update and an assignment of the same call are
taken one after the other, never interleaved.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from coresponder import audit, jobs
from coresponder.errors import ApplicationError, ConflictError
from dispatch import safety
from dispatch.models import CallAlert, CallEvent, CrisisCall
from dispatch.services.moves import SYSTEM_SOURCE, lock_call, move, mover_for
from dispatch.transitions import Mover
from push import alerts as push_alerts

S = CrisisCall.Status
# What an update may change. The rest (status, unit, times, external_id) is the system's.
UPDATABLE_FIELDS = ["lat", "lon", "address", "nature", "priority", *CrisisCall.SAFETY_FLAGS, "language",
                    "caller_name", "callback_number", "notes"]  # fmt: skip
# Named, never shown, in the call's history and the audit log: they identify the person in crisis.
PERSONAL_FIELDS = frozenset({*CrisisCall.CALLER_FIELDS, *CrisisCall.PLACE_FIELDS})


def call_update(
    *, call: CrisisCall, actor, source: str, updated_at: datetime | None = None, **changes
) -> tuple[CrisisCall, list[str]]:
    """Apply an update to ``call``. Returns the call and the names of the fields that changed
    (none for a stale update or one that repeats what is stored)."""
    changes = {name: value for name, value in changes.items() if name in UPDATABLE_FIELDS}
    if not _worth_a_lock(call.pk, changes, updated_at):
        # A repeat that says what is stored, and is not newer: answered without locking the
        # call, so the automatic dispatcher is never made to skip it for nothing.
        return CrisisCall.objects.get(pk=call.pk), []
    with transaction.atomic():
        call = lock_call(call.pk)
        if _stale(call, updated_at):
            return call, []  # an older report than the one applied: out of order, changes nothing
        changed = [name for name, value in changes.items() if getattr(call, name) != value]
        if not changed:
            # Nothing new, but the newest report so far: a report older than it changes nothing
            # later, even if it arrives after this one.
            call.source_updated_at = updated_at
            call.save(update_fields=["source_updated_at"])
            return call, []
        if call.status in CrisisCall.TERMINAL_STATUSES:
            raise ConflictError(
                f"Call {call.pk} is {call.get_status_display().lower()}; it can no longer be changed.",
                code="call_ended",
            )
        now = timezone.now()
        raised = safety.raised_flags(call, changes)
        before = {name: getattr(call, name) for name in changed}
        if raised and call.status in CrisisCall.AUTO_DISPATCH_STATUSES:
            # Held first, then the flags stored: the database never sees a flagged call waiting
            # for the automatic dispatcher.
            move(call, S.HELD, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE, now=now,
                 note=f"Safety flag raised by an update: {safety.describe(raised)}")  # fmt: skip
        for name in changed:
            setattr(call, name, changes[name])
        if raised:
            call.released_at, call.released_by = None, None
        if updated_at is not None:
            call.source_updated_at = updated_at
        call.save(update_fields=[*changed, "released_at", "released_by", "source_updated_at"])
        _record_update(call, before, actor=actor, source=source, now=now)
        if raised and call.status not in CrisisCall.WAITING_STATUSES and call.status != S.TRIAGE:
            _raise_safety_alert(call, raised, now)
            push_alerts.notify_unit_soon(call, push_alerts.SAFETY_ALERT)  # the unit's phones, once this commits
        elif {"lat", "lon"} & set(changed) and call.status in CrisisCall.AUTO_DISPATCH_STATUSES:
            # Waiting for a unit: rank it again from where it is now.
            jobs.assign_soon(call.pk) if call.status == S.RECEIVED else jobs.serve_queue_soon()
    return call, changed


def _stale(call: CrisisCall, updated_at: datetime | None) -> bool:
    return updated_at is not None and call.source_updated_at is not None and updated_at < call.source_updated_at


def _worth_a_lock(call_id: int, changes: dict, updated_at: datetime | None) -> bool:
    """Whether the update may change anything: a field, or the time of the newest report."""
    call = CrisisCall.objects.filter(pk=call_id).first()
    if call is None:
        return True  # the locked read says "no such call"
    if _stale(call, updated_at):
        return False
    newer = updated_at is not None and (call.source_updated_at is None or updated_at > call.source_updated_at)
    return newer or any(getattr(call, name) != value for name, value in changes.items())


def _record_update(call: CrisisCall, before: dict, *, actor, source: str, now: datetime) -> None:
    named = ", ".join(
        name if name in PERSONAL_FIELDS else f"{name} ({_shown(before[name])} → {_shown(getattr(call, name))})"
        for name in before
    )
    after = {name: getattr(call, name) for name in before}
    audit.record("call.changed", call, actor=actor, changes={
        name: (["(personal)", "(personal)"] if name in PERSONAL_FIELDS else [before[name], after[name]])
        for name in before
    })  # fmt: skip
    CallEvent.objects.create(
        call=call, kind=CallEvent.Kind.UPDATED, from_status=call.status, to_status=call.status, at=now,
        actor=actor if actor is not None and actor.is_authenticated else None, source=source,
        note=f"Updated: {named}"[:500], unit_id=call.unit_id,
    )  # fmt: skip


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value not in ("", None) else "—"


def _raise_safety_alert(call: CrisisCall, raised: list[str], now: datetime) -> None:
    """Red on the board and on the unit's phone until acknowledged; one open alert per call,
    naming every flag raised since it was last acknowledged."""
    alert = CallAlert.objects.filter(call=call, kind=CallAlert.Kind.SAFETY_FLAG_RAISED, cleared_at__isnull=True).first()
    if alert is None:
        CallAlert.objects.create(call=call, kind=CallAlert.Kind.SAFETY_FLAG_RAISED, raised_at=now,
                                 note=safety.describe(raised))  # fmt: skip
    else:
        named = dict.fromkeys([*alert.note.split(", "), *safety.describe(raised).split(", ")])
        alert.note = ", ".join(named)[:200]
        alert.save(update_fields=["note"])


def call_acknowledge_alerts(*, call: CrisisCall, actor) -> int:
    """A dispatcher or a member of the call's unit has read the call's safety alerts: they stop
    showing red. Who and when are kept on each alert. Returns how many were acknowledged."""
    with transaction.atomic():
        call = lock_call(call.pk)
        if mover_for(actor, call) not in (Mover.DISPATCHER, Mover.MEMBER):
            raise ApplicationError(
                "Only a dispatcher or the call's unit acknowledges its safety alerts.",
                code="permission_denied",
                status_code=403,
            )
        alerts = CallAlert.objects.filter(call=call, kind=CallAlert.Kind.SAFETY_FLAG_RAISED, cleared_at__isnull=True)
        acknowledged = alerts.update(cleared_at=timezone.now(), acknowledged_by=actor)
        if acknowledged:
            audit.record("call.safety_alert_acknowledged", call, actor=actor)
    return acknowledged
