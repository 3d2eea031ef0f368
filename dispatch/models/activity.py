"""What happens to a call over time: the units sent (Assignment), its history (CallEvent), what
needs a dispatcher's eye (CallAlert) and its notes (CallNote).

The database holds the dispatcher's two hard invariants as constraints on ``Assignment``: a unit
is never on two active calls, a call never on two units.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from dispatch.models.calls import CrisisCall
from units.models import Clinician, Officer, Unit


class Assignment(models.Model):
    """A unit sent to a call, from dispatch until it is freed (cleared, reassigned, cancelled).

    It keeps the clinician and the officer who made up the unit when it was sent: the people who
    were on the call. A unit can be re-paired later; what its earlier calls hold (caller details,
    the narrative, clinical notes) stays with the people who were there (dispatch.access).
    """

    class EndReason(models.TextChoices):
        CLEARED = "cleared", "Cleared"
        REASSIGNED = "reassigned", "Reassigned"
        REQUEUED = "requeued", "Declined or returned to the queue"
        CANCELLED = "cancelled", "Cancelled"

    call = models.ForeignKey(CrisisCall, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="assignments")
    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="assignments")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    eta_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            # The dispatcher's invariants, held by the database under any concurrency.
            models.UniqueConstraint(
                fields=["unit"], condition=Q(ended_at__isnull=True), name="assignment_one_active_per_unit"
            ),
            models.UniqueConstraint(
                fields=["call"], condition=Q(ended_at__isnull=True), name="assignment_one_active_per_call"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.unit} on {self.call}"

    def save(self, *args, **kwargs):
        if self.pk is None:  # who were on it: the unit's pair as it is sent
            self.clinician_id = self.clinician_id or self.unit.clinician_id
            self.officer_id = self.officer_id or self.unit.officer_id
        super().save(*args, **kwargs)


class CallEvent(models.Model):
    """One change of a call: of its status, or of what is known of it (an update from 911 or a
    dispatcher's correction, naming the fields). Append-only: rows are never changed or deleted
    (on PostgreSQL a trigger refuses it, dispatch migration 0003), except that retention blanks
    the notes people wrote once they are past their time (dispatch.services.retention), and the
    actor or unit becomes NULL if that login or unit is ever deleted."""

    class Source(models.TextChoices):
        SYSTEM = "system", "System"
        WEB = "web", "Web"
        API = "api", "API"

    class Kind(models.TextChoices):
        STATUS = "status", "Status change"
        UPDATED = "updated", "Updated"

    call = models.ForeignKey(CrisisCall, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=CrisisCall.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CrisisCall.Status.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=8, choices=Source.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    # An update keeps the status (from = to) and names the fields it changed in its note.
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.STATUS)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["call", "at"], name="call_event_call_at_idx")]  # GET /calls/{id}/events/
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="updated") | Q(from_status=F("to_status")), name="event_update_keeps_status"
            )
        ]

    def __str__(self):
        return f"{self.call}: {self.from_status or '-'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Call events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Call events are append-only.")


class CallAlert(models.Model):
    """Something about a call a dispatcher must look at. The sweeper raises and clears the timed
    ones; a safety flag raised on a call that has a unit stays until someone acknowledges it."""

    class Kind(models.TextChoices):
        WAITING_TOO_LONG = "waiting_too_long", "Waiting too long"
        WAITING_IN_TRIAGE = "waiting_in_triage", "Waiting in triage too long"
        NOT_ACKNOWLEDGED = "not_acknowledged", "Dispatch not acknowledged"
        SAFETY_CHECK_DUE = "safety_check_due", "Safety check due"
        SAFETY_FLAG_RAISED = "safety_flag_raised", "Safety flag raised"

    # The kinds the sweeper keeps true by the clock; the others are cleared by people.
    TIMED_KINDS = (Kind.WAITING_TOO_LONG, Kind.WAITING_IN_TRIAGE, Kind.NOT_ACKNOWLEDGED, Kind.SAFETY_CHECK_DUE)

    call = models.ForeignKey(CrisisCall, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    # What the alert says beyond its kind, e.g. which safety flags were raised.
    note = models.CharField(max_length=200, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            # Two sweepers at once raise an alert once.
            models.UniqueConstraint(
                fields=["call", "kind"], condition=Q(cleared_at__isnull=True), name="alert_one_active_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.call}"


class CallNote(models.Model):
    """A line in a call's timeline, added without changing its status: by the 911 CAD, a
    dispatcher, a counselor or the unit's members. A clinical note is read only by the call's
    clinician and supervisors, like the narrative. Personal data: its text is erased with the
    caller's details (dispatch.services.retention)."""

    call = models.ForeignKey(CrisisCall, on_delete=models.CASCADE, related_name="call_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Who wrote it, as shown; kept when the login is deleted.
    author_name = models.CharField(max_length=150)
    source = models.CharField(max_length=8, choices=CallEvent.Source.choices)
    text = models.TextField(max_length=2000)
    clinical = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["call", "at"], name="call_note_call_at_idx")]  # GET /calls/{id}/notes/
        constraints = [
            models.CheckConstraint(
                condition=~Q(text="") | Q(erased_at__isnull=False), name="note_has_text_until_erased"
            )
        ]

    def __str__(self):
        return f"Note on {self.call} by {self.author_name}"
