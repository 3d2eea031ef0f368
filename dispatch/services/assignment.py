"""Sending units to calls: a dispatcher's choice, the automatic dispatcher, and the queue (SPEC §3).

- ``call_assign``: a dispatcher sends a unit, or moves the call to another unit;
- ``call_auto_assign``: the automatic dispatcher sends the best eligible unit to one call, or
  queues it;
- ``queue_serve``: waiting calls, in priority then age, are matched with the units free now
  (``dispatch.matching``: never worse than greedy).

Which units may go is ``dispatch.eligibility``'s to say; how they rank, ``dispatch.selectors``.
The invariants (SPEC §3.5) -- a unit never on two active calls, a call never on two units --
are database constraints on Assignment and on the call's unit column, with row locks in
front; each function here re-reads under a lock and returns early when there is nothing left to
do, so running it twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from coresponder import jobs
from coresponder.errors import ApplicationError, ConflictError
from dispatch import eligibility, matching, safety, transitions
from dispatch.models import CallAlert, CallEvent, CrisisCall
from dispatch.selectors import (
    UNIT_ROW_FIELDS,
    UnitRow,
    declined_unit_ids,
    queued_calls,
    rank,
    ranked_candidates,
    stale_expression,
)
from dispatch.services.moves import SYSTEM_SOURCE, lock_call, move, mover_for, reassign, refuse_imported
from dispatch.transitions import Mover
from units.models import Unit

logger = logging.getLogger(__name__)
S = CrisisCall.Status


# --- A dispatcher's choice ----------------------------------------------------------------------


def call_assign(
    *, call: CrisisCall, unit: Unit, actor, reason: str = "", source: str = CallEvent.Source.API
) -> CrisisCall:
    """A dispatcher sends ``unit`` to ``call``, or moves the call to it from another unit.

    The dispatcher may send any unit ``eligibility.why_not`` allows by hand: available, on shift,
    both members active, uniformed or not (that is the point of holding a call for review). A
    reassignment frees the old unit and needs a reason.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        call = lock_call(call.pk)
        refuse_imported(call)
        if mover_for(actor, call) != Mover.DISPATCHER:
            raise ApplicationError("Only a dispatcher may assign units.", code="permission_denied", status_code=403)
        reassigning = call.status in transitions.REASSIGNABLE
        if reassigning and call.unit_id == unit.pk:
            return call
        if not reassigning and call.status not in CrisisCall.WAITING_STATUSES:
            raise ConflictError(
                f"A call that is {call.get_status_display().lower()} cannot be assigned a unit.",
                code="illegal_transition",
            )
        if reassigning and not reason:
            raise ApplicationError("Say why the call is reassigned.", fields={"reason": ["Required to reassign."]})
        if refusal := safety.sent_by_hand_refusal(call, reason):
            raise ApplicationError(
                refusal, code="review_note_required", fields={"reason": ["Required for a flagged call."]}
            )
        now = timezone.now()
        new_unit = (
            Unit.objects.select_for_update(of=("self",))
            .select_related("clinician", "officer")
            .filter(pk=unit.pk)
            .first()
        )
        refusal = eligibility.why_not(new_unit, now, by_hand=True) if new_unit else None
        sentence = refusal.sentence if refusal else ("" if new_unit else "That unit no longer exists.")
        if sentence:
            raise ConflictError(sentence, code="unit_unavailable", fields={"unit": [sentence]})
        row = UnitRow(new_unit.pk, False, new_unit.status_changed_at, new_unit.lat, new_unit.lon)
        eta_seconds = rank([row], lat=call.lat, lon=call.lon)[0].eta_seconds
        if reassigning:
            reassign(call, new_unit, actor=actor, source=source, reason=reason, eta_seconds=eta_seconds, now=now)
        else:
            note = f"Assigned {new_unit.call_sign}" + (f": {reason}" if reason else "")
            move(call, S.DISPATCHED, mover=Mover.DISPATCHER, actor=actor, source=source, note=note,
                  unit=new_unit, eta_seconds=eta_seconds, now=now)  # fmt: skip
    return call


# --- The automatic dispatcher -------------------------------------------------------------------


def _claim_unit(unit_id: int, now: datetime) -> Unit | None:
    """Lock a unit the ranking just chose, skipping it if another worker holds it or it is no
    longer eligible (``eligibility.still_eligible``, read under the lock)."""
    return (
        eligibility.still_eligible(now)
        .select_for_update(skip_locked=True)
        .filter(pk=unit_id)
        .only("pk", "call_sign", "status", "clinician_id", "officer_id")  # the audit entry; who is sent
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
            .filter(pk=call_id, status__in=CrisisCall.AUTO_DISPATCH_STATUSES)
            .first()
        )
        if call is None:
            return None
        if call.status == S.QUEUED or call.others_waiting:
            # Calls wait already: this one joins them, and the queue serves all in order.
            if call.status == S.RECEIVED:
                move(call, S.QUEUED, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE,
                      note="Calls already waiting", now=now)  # fmt: skip
            _serve_locked_queue(now)
            call.refresh_from_db()
            return call
        # Only a call that was dispatched before can have been given back by a unit.
        declined = declined_unit_ids([call.pk]).get(call.pk, set()) if call.dispatched_at else set()
        candidates = ranked_candidates(
            lat=call.lat, lon=call.lon, now=now, language=call.language, exclude_unit_ids=declined
        )
        for candidate in candidates:
            unit = _claim_unit(candidate.unit_id, now)
            if unit is None:
                continue  # another worker holds it, or it stopped being eligible
            move(call, S.DISPATCHED, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE,
                  note=_dispatch_note(unit, candidate), unit=unit, eta_seconds=candidate.eta_seconds, now=now)  # fmt: skip
            return call
        # Queued; the QUEUED move asks the queue to be served, which retries units that were
        # only busy being assigned to other calls a moment ago.
        note = "Eligible units were all being assigned elsewhere" if candidates else "No eligible unit"
        move(call, S.QUEUED, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE, note=note, now=now)
    return call


def _dispatch_note(unit: Unit, candidate) -> str:
    if candidate.eta_seconds is None:
        return f"Eligible unit {unit.call_sign}; its location is unknown"
    minutes = f"about {candidate.eta_seconds / 60:.0f} min away"
    if candidate.speaks_language:  # not always the nearest: see Candidate.cost_seconds
        note = f"Eligible unit {unit.call_sign}, {minutes}, speaks {candidate.language.upper()}"
    else:
        note = f"Nearest eligible unit {unit.call_sign}, {minutes}"
    return note + (" (last location is stale)" if candidate.stale else "")


# --- The queue -------------------------------------------------------------------------------------

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
        for row in eligibility.eligible_units(now)
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
        by_unit = {c.unit_id: c for c in rank(rows, lat=call.lat, lon=call.lon, language=call.language)}
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
                move(call, S.DISPATCHED, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE,
                      note=_dispatch_note(unit, candidate) + " (from the queue)", unit=unit,
                      eta_seconds=candidate.eta_seconds, now=now)  # fmt: skip
        except IntegrityError:
            call.refresh_from_db()
            missed = True
            continue
        dispatched += 1
    if missed:
        jobs.serve_queue_soon(countdown=0.5)
    return dispatched
