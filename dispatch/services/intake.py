"""Intake: a call comes in, once, however often the 911 CAD repeats it (SPEC §2, §3).

A call with any safety flag is held for a dispatcher's review; any other is handed to the
automatic dispatcher once the call is committed (never before, and never failing the request
when the broker is down: the sweeper re-sends it).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from coresponder import audit, jobs
from dispatch.models import CallEvent, CrisisCall
from dispatch.services.moves import SYSTEM_SOURCE, move, record_event
from dispatch.transitions import Mover

S = CrisisCall.Status
# What the audit log keeps of a new call. The caller's details only by their length: the audit
# log is never erased, while these are erased from the call after their retention
# (dispatch.services.retention), and the log is read by supervisors.
INTAKE_FIELDS = ["external_id", "received_at", "lat", "lon", "address", "nature", "priority",
                 *CrisisCall.SAFETY_FLAGS, "language"]  # fmt: skip
PERSONAL_FIELDS = ["caller_name", "callback_number", "notes"]


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
            record_event(call, "", S.RECEIVED, actor=actor, source=source, note="Call received", at=now)
            if call.safety_flags:
                flags = ", ".join(flag.replace("_", " ") for flag in call.safety_flags)
                move(call, S.HELD, mover=Mover.SYSTEM, actor=None, source=SYSTEM_SOURCE, note=f"Safety screen: {flags}")
            else:
                jobs.assign_soon(call.pk)
    except IntegrityError:
        # A concurrent request with the same external_id committed first.
        existing = CrisisCall.objects.filter(external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing, False
    return call, True
