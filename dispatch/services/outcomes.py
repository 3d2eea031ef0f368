"""The outcome: how a cleared call ended, recorded by its clinician (or a supervisor); it closes
the call. The narrative is clinical data: the audit log keeps only its length, and each time
the API shows it to someone, that reading is audited."""

from __future__ import annotations

from django.db import transaction

from coresponder import audit
from coresponder.errors import ApplicationError, ConflictError
from dispatch import access
from dispatch.models import CallEvent, CrisisCall, Outcome
from dispatch.services.moves import lock_call, move
from dispatch.transitions import Mover

S = CrisisCall.Status
OUTCOME_AUDIT_FIELDS = ["disposition", "arrest_made", "force_used", "follow_up_needed"]


def call_record_outcome(*, call: CrisisCall, actor, source: str = CallEvent.Source.API, **fields) -> Outcome:
    """The assigned clinician (or a supervisor) records how a cleared call ended; it closes."""
    with transaction.atomic():
        call = lock_call(call.pk)
        if not access.may_record_outcome(actor, call):
            raise ApplicationError(
                "Only the clinician who was on the call or a supervisor may record the outcome.",
                code="permission_denied",
                status_code=403,
            )
        if call.status != S.CLEARED:
            raise ConflictError(
                f"The outcome is recorded once the call is cleared; this call is {call.get_status_display().lower()}.",
                code="illegal_transition",
            )
        if fields.get("disposition") == Outcome.Disposition.ARREST:
            fields["arrest_made"] = True
        outcome = Outcome.objects.create(call=call, recorded_by=actor, **fields)
        recorded = audit.snapshot(outcome, OUTCOME_AUDIT_FIELDS)
        # Clinical data (the referral can name a substance-use provider: 42 CFR Part 2) by length.
        recorded["referral"] = audit.length_only(outcome.referral)
        recorded["narrative"] = audit.length_only(outcome.narrative, "characters of clinical notes")
        audit.record("outcome.created", outcome, actor=actor, changes=audit.diff({}, recorded))
        move(
            call,
            S.CLOSED,
            mover=Mover.OUTCOME,
            actor=actor,
            source=source,
            note=f"Outcome: {outcome.get_disposition_display()}",
        )
    return outcome


def outcome_narratives_read(*, outcomes: list[Outcome], actor) -> None:
    """Record in the audit log that ``actor`` was shown these outcomes' narratives."""
    audit.record_all(
        [
            audit.entry(
                "outcome.narrative_read", outcome, actor=actor, object_id=str(outcome.call_id), object_type="call"
            )
            for outcome in outcomes
            if outcome.narrative
        ]
    )
