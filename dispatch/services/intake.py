"""Intake: a call comes in, once, however often the 911 CAD repeats it (SPEC §2, §3).

In triage mode (``DISPATCH_INTAKE_MODE=triage``) it waits for a crisis counselor. Otherwise a
call with any safety flag is held for a dispatcher's review, and any other is handed to the
automatic dispatcher once the call is committed (never before, and never failing the request
when the broker is down: the sweeper re-sends it). A repeat is an update from 911.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from coresponder import audit, jobs
from coresponder.roles import Role, has_role
from dispatch import safety
from dispatch.models import CallEvent, CrisisCall
from dispatch.services.moves import SYSTEM_SOURCE, record_event
from dispatch.services.updates import UPDATABLE_FIELDS, call_update

S = CrisisCall.Status
# What the audit log keeps of a new call. The caller's details and the address only by their
# length, the place rounded to a block: the audit log is never erased, while these are erased
# from the call after their retention (dispatch.services.retention), and the log is read by
# supervisors.
INTAKE_FIELDS = ["external_id", "received_at", "nature", "priority", *CrisisCall.SAFETY_FLAGS, "language"]


def call_intake(
    *, actor=None, source: str = CallEvent.Source.API, updated_at: datetime | None = None, **fields
) -> tuple[CrisisCall, bool]:
    """Store a diverted call and start its way: triage (the crisis line), or the automatic
    dispatcher once the call is committed -- held for a dispatcher first if any safety flag is
    set. Returns (call, created).

    Idempotent on ``external_id`` within the sender's numbering (``numbering_of``): a repeat,
    even a concurrent one, is an update from 911 of the stored call (``call_update``), which
    answers with the call as updated.
    """
    external_id = fields.get("external_id") or None
    fields["external_id"] = external_id
    fields["external_numbering"] = numbering_of(actor)
    if external_id and (existing := known_call(actor, external_id)):
        return _repeat(existing, actor=actor, source=source, updated_at=updated_at, fields=fields), False
    try:
        with transaction.atomic():
            call = _store(actor=actor, source=source, updated_at=updated_at, fields=fields)
    except IntegrityError:
        # A concurrent request with the same external_id committed first.
        existing = known_call(actor, external_id) if external_id else None
        if existing is None:
            raise
        return _repeat(existing, actor=actor, source=source, updated_at=updated_at, fields=fields), False
    return call, True


def numbering_of(sender) -> str:
    """The numbering a sender's ``external_id`` belongs to: the 911 CAD's for the system and
    every intake login (a second CAD connection repeats the first, never duplicates it), and
    each other person's own: a dispatcher who types an incident number for a phoned-in call
    can neither update nor take the place of the CAD's call with that number."""
    if sender is None or not sender.is_authenticated or has_role(sender, Role.INTAKE):
        return "911"
    return f"user:{sender.pk}"


def known_call(sender, external_id: str) -> CrisisCall | None:
    return CrisisCall.objects.filter(external_numbering=numbering_of(sender), external_id=external_id).first()


def _store(*, actor, source: str, updated_at, fields: dict) -> CrisisCall:
    now = timezone.now()
    fields.setdefault("received_at", now)
    first = S.TRIAGE if settings.DISPATCH_INTAKE_MODE == "triage" else S.RECEIVED
    call = CrisisCall(status=first, status_changed_at=now, source_updated_at=updated_at, **fields)
    # Stored held at once: the database never holds a flagged call waiting for the dispatcher.
    call.status = safety.where_it_waits(call, first)
    call.save(force_insert=True)
    recorded = audit.snapshot(call, INTAKE_FIELDS)
    recorded |= {name: audit.length_only(getattr(call, name)) for name in (*CrisisCall.CALLER_FIELDS, "address")}
    recorded |= {name: round(getattr(call, name), CrisisCall.PLACE_DECIMALS) for name in ("lat", "lon")}
    audit.record("call.created", call, actor=actor, changes=audit.diff({}, recorded))
    note = "Call received by the crisis line" if first == S.TRIAGE else "Call received"
    record_event(call, "", first, actor=actor, source=source, note=note, at=now)
    if call.status == S.HELD:
        record_event(call, first, S.HELD, actor=None, source=SYSTEM_SOURCE, at=now,
                     note=f"Safety screen: {safety.describe(call.safety_flags)}")  # fmt: skip
    elif call.status == S.RECEIVED:
        jobs.assign_soon(call.pk)
    return call


def _repeat(call: CrisisCall, *, actor, source: str, updated_at, fields: dict) -> CrisisCall:
    """The 911 CAD posted a known call again: what it says now updates the call."""
    fields = {name: value for name, value in fields.items() if name in UPDATABLE_FIELDS}
    updated, _ = call_update(call=call, actor=actor, source=source, updated_at=updated_at, **fields)
    return updated
