"""Retention: what identifies a caller, and the clinical narrative, are erased after their time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from coresponder import audit
from dispatch.models import CrisisCall, Outcome


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
    return erased_calls, erased_narratives
