"""A crisis call: what 911 (or the crisis line) knows of it, where it stands, and the safety hold."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from units.models import Unit


class CrisisCall(models.Model):
    class Status(models.TextChoices):
        TRIAGE = "triage", "In triage"
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
    # On the board: in triage, waiting, with a unit, or cleared and waiting for its outcome.
    OPEN_STATUSES = (Status.TRIAGE, *WAITING_STATUSES, *WITH_UNIT_STATUSES, Status.CLEARED)
    # The safety screen (SPEC §2, the St. Louis diversion criteria): any of these set holds the
    # call for a dispatcher's review (dispatch/safety.py).
    SAFETY_FLAGS = ("weapons", "violence", "medical_emergency", "self_harm_in_progress")
    # What identifies the person in crisis: erased after RETENTION_CALLER_DETAILS_DAYS
    # (dispatch.services.retention), and in the permanent record (the audit log, the call's
    # history) by length or by name only. The coordinates stay, rounded to PLACE_DECIMALS.
    CALLER_FIELDS = ("caller_name", "callback_number", "notes")
    PLACE_FIELDS = ("address", "lat", "lon")
    PLACE_DECIMALS = 3  # about 110 m north-south, 90 m east-west at St. Louis: a block, not a door
    # Where an imported call whose export gave no place is stored (lat and lon are required):
    # only ever on an imported call, and read there as "no place" (the calls export writes blanks).
    IMPORTED_WITHOUT_PLACE = (0.0, 0.0)

    class PhoneDisposition(models.TextChoices):
        """How a call the crisis line resolved without a unit ended (triage mode)."""

        RESOLVED_BY_PHONE = "resolved_by_phone", "Resolved by phone"
        REFERRED_BY_PHONE = "referred_by_phone", "Referred by phone"
        NO_ANSWER = "no_answer", "No answer"

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
    # Whose numbering ``external_id`` is in (dispatch.services.intake.numbering_of): the 911 CAD's,
    # shared by every intake login, or one person's who phoned calls in. A number a dispatcher
    # typed never stands for, or swallows, the CAD's call with the same number.
    external_numbering = models.CharField(max_length=24, default="911")
    received_at = models.DateTimeField(default=timezone.now)
    lat = models.FloatField()
    lon = models.FloatField()
    address = models.CharField(max_length=300, blank=True)
    nature = models.CharField(max_length=24, choices=Nature.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    weapons = models.BooleanField(default=False)
    violence = models.BooleanField(default=False)
    medical_emergency = models.BooleanField(default=False)
    self_harm_in_progress = models.BooleanField("actively harming self", default=False)
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

    # The safety hold (dispatch/safety.py): a dispatcher's release of a flagged call, which lets
    # the automatic dispatcher send it. Raising a flag again clears it.
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The sender's time of the last update applied (911's `updated_at`): an older one is stale.
    source_updated_at = models.DateTimeField(null=True, blank=True)
    # Triage mode: how the crisis line closed the call without a unit.
    phone_disposition = models.CharField(max_length=20, choices=PhoneDisposition.choices, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    # Set on calls imported from a CAD export (planning.importing): history, never dispatched.
    # An imported call is closed, without a unit, from the start (constraint below); the
    # services refuse to move it (dispatch.services.moves.refuse_imported).
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_numbering", "external_id"],
                condition=Q(external_id__isnull=False),
                name="call_external_id_unique_per_numbering",
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

    # Added after Meta because Meta's body cannot see the status sets above.
    Meta.constraints += [
        # The same invariant as Assignment's, on the call's own unit column.
        models.UniqueConstraint(
            fields=["unit"], condition=Q(status__in=list(WITH_UNIT_STATUSES)), name="call_one_active_per_unit"
        ),
        # The safety hold, held by the database too: a flagged call no dispatcher has released
        # is never where the automatic dispatcher looks (dispatch/safety.py).
        models.CheckConstraint(
            condition=~Q(status__in=list(AUTO_DISPATCH_STATUSES))
            | Q(released_at__isnull=False)
            | Q(**dict.fromkeys(SAFETY_FLAGS, False)),
            name="call_flagged_waits_for_release",
        ),
        models.CheckConstraint(
            condition=Q(phone_disposition="") | Q(status=Status.CLOSED), name="call_phone_disposition_only_closed"
        ),
        # An imported call is history: closed, with no unit, so no dispatch path can take it.
        models.CheckConstraint(
            condition=Q(imported_at__isnull=True) | Q(status=Status.CLOSED, unit__isnull=True),
            name="call_imported_is_closed_history",
        ),
    ]

    def __str__(self):
        return f"Call {self.external_id or self.pk}"

    @property
    def safety_flags(self) -> list[str]:
        """The safety screen's flags that are set on this call."""
        return [name for name in self.SAFETY_FLAGS if getattr(self, name)]

    @property
    def safety_flag_labels(self) -> list[str]:
        """The flags set, in words: "weapons", "medical emergency", "actively harming self"."""
        return [self._meta.get_field(name).verbose_name for name in self.safety_flags]
