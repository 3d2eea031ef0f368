"""Retention: what identifies a caller, and clinical data, are erased after their time.

After RETENTION_CALLER_DETAILS_DAYS from a call's end: the caller's details (name, callback
number, notes), the address (the coordinates stay, rounded to a block, for the reports' maps
and areas), the call's notes that are not clinical, and the notes people wrote in its history
(reasons, release reviews). After RETENTION_NARRATIVE_DAYS from the outcome: the narrative and
the referral; clinical notes that long after they were written. The call, its timings, its
units and its disposition stay for the program's reports. Each erasure is audited by count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Round
from django.utils import timezone

from coresponder import audit
from dispatch.models import CallEvent, CallNote, CrisisCall, Outcome


def calls_erase_personal_data(*, now: datetime | None = None) -> tuple[int, int]:
    """Erase what is past its retention. Returns (calls, outcomes) whose data was erased."""
    now = now or timezone.now()
    details_before = now - timedelta(days=settings.RETENTION_CALLER_DETAILS_DAYS)
    narratives_before = now - timedelta(days=settings.RETENTION_NARRATIVE_DAYS)
    ended = Q(status__in=CrisisCall.TERMINAL_STATUSES, status_changed_at__lt=details_before)
    erased_calls = 0
    for call_id in _calls_with_personal_data(ended).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            _erase_call(call_id)
        erased_calls += 1
    outcomes = Outcome.objects.filter(recorded_at__lt=narratives_before).exclude(narrative="", referral="")
    erased_outcomes = 0
    for outcome_id, call_id in outcomes.values_list("pk", "call_id").iterator():
        Outcome.objects.filter(pk=outcome_id).update(narrative="", referral="")
        audit.record("outcome.narrative_erased", object_type="call", object_id=str(call_id),
                     note=f"narrative and referral older than {settings.RETENTION_NARRATIVE_DAYS} days")  # fmt: skip
        erased_outcomes += 1
    _erase_notes(ended_before=details_before, clinical_before=narratives_before, now=now)
    return erased_calls, erased_outcomes


def _people_wrote() -> QuerySet[CallEvent]:
    """Events a person made, with a note: free text, or system text beside it (erased too)."""
    return CallEvent.objects.filter(actor__isnull=False).exclude(note="")


def _calls_with_personal_data(ended: Q):
    people_wrote = _people_wrote()
    return CrisisCall.objects.filter(ended).filter(
        ~Q(caller_name="", callback_number="", notes="", address="")
        | Q(pk__in=people_wrote.values("call_id"))
        # Coordinates finer than a block (a float rounded twice is unchanged).
        | ~Q(lat=Round("lat", CrisisCall.PLACE_DECIMALS), lon=Round("lon", CrisisCall.PLACE_DECIMALS))
    )


def _erase_call(call_id: int) -> None:
    blank = dict.fromkeys((*CrisisCall.CALLER_FIELDS, "address"), "")
    CrisisCall.objects.filter(pk=call_id).update(
        **blank, lat=Round("lat", CrisisCall.PLACE_DECIMALS), lon=Round("lon", CrisisCall.PLACE_DECIMALS)
    )
    # The one change the history's append-only rule lets through (dispatch migration 0003).
    events = _people_wrote().filter(call_id=call_id).update(note="")
    audit.record("call.personal_data_erased", object_type="crisiscall", object_id=str(call_id),
                 note=f"caller details, address and {events} history note(s) older than "
                      f"{settings.RETENTION_CALLER_DETAILS_DAYS} days")  # fmt: skip


def _erase_notes(*, ended_before: datetime, clinical_before: datetime, now: datetime) -> int:
    """A call's notes are personal data: erased with the caller's details once the call ended;
    clinical notes, like the narrative, after RETENTION_NARRATIVE_DAYS. Returns how many."""
    notes = CallNote.objects.filter(erased_at__isnull=True).filter(
        Q(clinical=False, call__status__in=CrisisCall.TERMINAL_STATUSES, call__status_changed_at__lt=ended_before)
        | Q(clinical=True, at__lt=clinical_before)
    )
    erased = notes.update(text="", erased_at=now)
    if erased:
        audit.record("call.notes_erased", object_type="callnote", note=f"{erased} note(s) past their retention")
    return erased
