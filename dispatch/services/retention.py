"""Retention: what identifies a caller (details, notes), and clinical data (the narrative,
clinical notes), are erased after their time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from coresponder import audit
from dispatch.models import CallNote, CrisisCall, Outcome


def calls_erase_personal_data(*, now: datetime | None = None) -> tuple[int, int]:
    """Blank what identifies a caller once RETENTION_CALLER_DETAILS_DAYS have passed since a call
    ended, and the clinical narrative after RETENTION_NARRATIVE_DAYS. The call, its timings and
    disposition stay for the program's reports. Returns (calls, narratives) erased."""
    now = now or timezone.now()
    ended = Q(status__in=CrisisCall.TERMINAL_STATUSES)
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
    _erase_notes(ended_before=details_before, clinical_before=narratives_before, now=now)
    return erased_calls, erased_narratives


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
