"""A call's notes: a timeline added to without changing the call's status (SPEC §2 "Notes").

The 911 CAD, dispatchers, crisis counselors and the people who were on the call add notes; a
note marked clinical is written and read only by the call's clinicians (and read by
supervisors), like the narrative (who may do what: dispatch.access). A call takes notes at any time, after it ended too (a follow-up, a late word from
911). The audit log keeps a note's length, never its text: notes are personal data,
erased with the caller's details (dispatch.services.retention).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from coresponder import audit
from coresponder.errors import ApplicationError
from coresponder.models import AuditEntry
from dispatch import access
from dispatch.models import CallEvent, CallNote, CrisisCall
from dispatch.services.moves import lock_call
from units.membership import display_name


def call_add_note(
    *, call: CrisisCall, actor, text: str, clinical: bool = False, source: str = CallEvent.Source.API
) -> CallNote:
    text = (text or "").strip()
    if not text:
        raise ApplicationError("Write the note.", fields={"text": ["Required."]})
    with transaction.atomic():
        call = lock_call(call.pk)
        if not access.may_add_note(actor, call, clinical=clinical):
            raise ApplicationError(
                "Only a clinician who was on the call writes clinical notes."
                if clinical
                else "Only the 911 CAD, a dispatcher, a counselor or the people on the call add notes.",
                code="permission_denied",
                status_code=403,
            )
        note = CallNote.objects.create(
            call=call, author=actor, author_name=display_name(actor), source=source, text=text, clinical=clinical,
            at=timezone.now(),
        )  # fmt: skip
        audit.record("call.note_added", note, actor=actor, changes={
            "call": [None, call.pk], "clinical": [None, clinical], "text": [None, audit.length_only(text)],
        })  # fmt: skip
    return note


# A page that shows a call's notes refreshes itself every few seconds: one audit entry per reader
# and call this often is enough to say who read clinical notes, and when.
CLINICAL_READ_EVERY = timedelta(minutes=10)


def clinical_notes_read(*, call: CrisisCall, actor, notes) -> None:
    """Record in the audit log that ``actor`` was shown clinical notes of ``call`` written by
    someone else (a clinician reading their own notes is not a disclosure)."""
    if not any(note.clinical and note.author_id != actor.pk for note in notes):
        return
    recent = AuditEntry.objects.filter(
        action="call.clinical_notes_read",
        actor=actor,
        object_id=str(call.pk),
        at__gte=timezone.now() - CLINICAL_READ_EVERY,
    )
    if not recent.exists():
        audit.record("call.clinical_notes_read", call, actor=actor)
