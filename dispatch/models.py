"""Crisis calls, their history, the units sent to them and how they ended.

Every change to these rows goes through ``dispatch/services/``; the allowed status moves are
in ``dispatch/transitions.py``. The database holds the dispatcher's two hard invariants as
constraints on ``Assignment``: a unit is never on two active calls, a call never on two units.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from units.models import Unit


class CrisisCall(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        HELD = "held", "Held for review"
        QUEUED = "queued", "Queued"
        DISPATCHED = "dispatched", "Dispatched"
        EN_ROUTE = "en_route", "En route"
        ON_SCENE = "on_scene", "On scene"
        TRANSPORTING = "transporting", "Transporting"
        CLEARED = "cleared", "Cleared"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"
        RETURNED_TO_911 = "returned_to_911", "Returned to 911"

    # The status sets, defined here once and used by the constraints, the state machine, the
    # services, the selectors and the templates alike.
    # A unit is on the call; the unit's own status mirrors the call's (Unit.BUSY_STATUSES).
    WITH_UNIT_STATUSES = (Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.TRANSPORTING)
    # Waiting for a unit (held: for a dispatcher's review first).
    WAITING_STATUSES = (Status.RECEIVED, Status.HELD, Status.QUEUED)
    # Waiting for the automatic dispatcher, which sends units to calls in these statuses only.
    AUTO_DISPATCH_STATUSES = (Status.RECEIVED, Status.QUEUED)
    # Nothing more happens to the call.
    TERMINAL_STATUSES = (Status.CLOSED, Status.CANCELLED, Status.RETURNED_TO_911)
    # On the board: waiting, with a unit, or cleared and waiting for its outcome.
    OPEN_STATUSES = (*WAITING_STATUSES, *WITH_UNIT_STATUSES, Status.CLEARED)
    # The safety screen (SPEC §2): any of these set holds the call for a dispatcher's review.
    SAFETY_FLAGS = ("weapons", "violence", "medical_emergency")

    class Nature(models.TextChoices):
        SUICIDAL_IDEATION = "suicidal_ideation", "Suicidal ideation"
        WELFARE_CHECK = "welfare_check", "Welfare check"
        PSYCHOSIS = "psychosis", "Psychosis"
        SUBSTANCE_USE = "substance_use", "Substance use"
        FAMILY_CONFLICT = "family_conflict", "Family conflict"
        OTHER = "other", "Other"

    class Priority(models.IntegerChoices):
        EMERGENT = 1, "1 – emergent"
        URGENT = 2, "2 – urgent"
        ROUTINE = 3, "3 – routine"

    # NULL, not "", for calls phoned in without one: the unique constraint ignores NULLs.
    external_id = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, help_text="The 911 CAD incident number; the idempotency key."
    )
    received_at = models.DateTimeField(default=timezone.now)
    lat = models.FloatField()
    lon = models.FloatField()
    address = models.CharField(max_length=300, blank=True)
    nature = models.CharField(max_length=24, choices=Nature.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    weapons = models.BooleanField(default=False)
    violence = models.BooleanField(default=False)
    medical_emergency = models.BooleanField(default=False)
    language = models.CharField(max_length=2, blank=True, help_text="ISO 639-1 code of the language needed.")
    caller_name = models.CharField(max_length=120, blank=True)
    callback_number = models.CharField(max_length=32, blank=True)
    notes = models.TextField(blank=True, max_length=4000)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # The unit on the call now, or the last one for a cleared or closed call. Kept by
    # dispatch.services together with the Assignment rows, which hold the constraints.
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="calls")

    dispatched_at = models.DateTimeField(null=True, blank=True)
    en_route_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=Q(external_id__isnull=False), name="call_external_id_unique"
            ),
            models.CheckConstraint(condition=Q(lat__gte=-90, lat__lte=90), name="call_latitude_in_range"),
            models.CheckConstraint(condition=Q(lon__gte=-180, lon__lte=180), name="call_longitude_in_range"),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=3), name="call_priority_1_to_3"),
        ]
        indexes = [
            # dispatch.selectors.queued_calls, board_calls and the sweeper: calls by status, then age.
            models.Index(fields=["status", "priority", "received_at"], name="call_status_priority_idx"),
            # The reports and the list filters by date range.
            models.Index(fields=["received_at"], name="call_received_at_idx"),
        ]

    # The same invariant as Assignment's, on the call's own unit column. Added after Meta because
    # Meta's body cannot see the status sets above.
    Meta.constraints.append(
        models.UniqueConstraint(
            fields=["unit"], condition=Q(status__in=list(WITH_UNIT_STATUSES)), name="call_one_active_per_unit"
        )
    )

    def __str__(self):
        return f"Call {self.external_id or self.pk}"

    @property
    def safety_flags(self) -> list[str]:
        """The safety screen's flags that are set on this call."""
        return [name for name in self.SAFETY_FLAGS if getattr(self, name)]


class Assignment(models.Model):
    """A unit sent to a call, from dispatch until it is freed (cleared, reassigned, cancelled)."""

    class EndReason(models.TextChoices):
        CLEARED = "cleared", "Cleared"
        REASSIGNED = "reassigned", "Reassigned"
        REQUEUED = "requeued", "Declined or returned to the queue"
        CANCELLED = "cancelled", "Cancelled"

    call = models.ForeignKey(CrisisCall, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
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


class CallEvent(models.Model):
    """One status change of a call. Append-only: rows are never changed or deleted."""

    class Source(models.TextChoices):
        SYSTEM = "system", "System"
        WEB = "web", "Web"
        API = "api", "API"

    call = models.ForeignKey(CrisisCall, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=CrisisCall.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CrisisCall.Status.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=8, choices=Source.choices)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["call", "at"], name="call_event_call_at_idx")]  # GET /calls/{id}/events/

    def __str__(self):
        return f"{self.call}: {self.from_status or '-'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Call events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Call events are append-only.")


class CallAlert(models.Model):
    """Something about a call a dispatcher must look at, raised and cleared by the sweeper."""

    class Kind(models.TextChoices):
        WAITING_TOO_LONG = "waiting_too_long", "Waiting too long"
        NOT_ACKNOWLEDGED = "not_acknowledged", "Dispatch not acknowledged"
        SAFETY_CHECK_DUE = "safety_check_due", "Safety check due"

    call = models.ForeignKey(CrisisCall, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

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


class Outcome(models.Model):
    class Disposition(models.TextChoices):
        RESOLVED_ON_SCENE = "resolved_on_scene", "Resolved on scene (safety plan)"
        REFERRED = "referred", "Referred to community services"
        TRANSPORT_CRISIS_CENTER = "transport_crisis_center", "Voluntary transport to a crisis center"
        TRANSPORT_EMERGENCY_DEPARTMENT = (
            "transport_emergency_department",
            "Voluntary transport to an emergency department",
        )
        EMERGENCY_DETENTION = "emergency_detention", "Emergency detention (involuntary)"
        MEDICAL_TRANSPORT = "medical_transport", "Medical transport"
        ARREST = "arrest", "Arrest"
        NO_CONTACT = "no_contact", "No contact (gone on arrival)"
        REFUSED_SERVICES = "refused_services", "Refused services"
        OTHER = "other", "Other"

    call = models.OneToOneField(CrisisCall, on_delete=models.CASCADE, related_name="outcome")
    disposition = models.CharField(max_length=32, choices=Disposition.choices)
    referral = models.CharField(max_length=200, blank=True)
    arrest_made = models.BooleanField(default=False)
    force_used = models.BooleanField(default=False)
    follow_up_needed = models.BooleanField(default=False)
    # Clinical data: only the unit's clinician and supervisors may read it.
    narrative = models.TextField(blank=True, max_length=10000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(disposition="arrest") | Q(arrest_made=True), name="outcome_arrest_disposition_has_arrest"
            ),
        ]

    def __str__(self):
        return f"{self.get_disposition_display()} ({self.call})"
