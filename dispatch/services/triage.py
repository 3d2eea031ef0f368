"""The crisis line's decision on a call in triage (SPEC §2 "Crisis-line triage").

A counselor talks with the caller and either resolves the call by phone (``call_resolve_by_phone``,
with a phone disposition, which closes it), sends a unit (``call_transition`` to received: the
automatic dispatcher, or held first if a safety flag is set), or returns it to 911.
"""

from __future__ import annotations

from django.db import transaction

from coresponder.errors import ApplicationError, ConflictError
from dispatch.models import CallEvent, CrisisCall
from dispatch.services.moves import lock_call, move, mover_for
from dispatch.services.notes import call_add_note
from dispatch.transitions import Mover

S = CrisisCall.Status


def call_resolve_by_phone(
    *, call: CrisisCall, actor, disposition: str, note: str = "", source: str = CallEvent.Source.API
) -> CrisisCall:
    if disposition not in CrisisCall.PhoneDisposition.values:
        raise ApplicationError(
            f"{disposition!r} is not a phone disposition.", fields={"phone_disposition": ["Not a phone disposition."]}
        )
    with transaction.atomic():
        call = lock_call(call.pk)
        if mover_for(actor, call) != Mover.COUNSELOR:
            raise ApplicationError(
                "Only a crisis counselor resolves a call by phone.", code="permission_denied", status_code=403
            )
        if call.status != S.TRIAGE:
            raise ConflictError(
                f"Only a call in triage is resolved by phone; this call is {call.get_status_display().lower()}.",
                code="illegal_transition",
            )
        call.phone_disposition = disposition
        move(call, S.CLOSED, mover=Mover.COUNSELOR, actor=actor, source=source,
             note=CrisisCall.PhoneDisposition(disposition).label)  # fmt: skip
        if note.strip():
            # What the counselor wrote is about the caller: a note (erased with the caller's
            # details), never the status history or the audit log, which are kept for good.
            call_add_note(call=call, actor=actor, text=note, source=source)
    return call
