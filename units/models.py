"""The roster: the people, their shifts, and the units they are paired into.

The rules that decide who may be paired when live in ``units/services/rules.py``; the database holds
every invariant it can as a named constraint, so that even a bypassed service cannot store a
broken roster.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Credential(models.TextChoices):
    LCSW = "LCSW", "Licensed clinical social worker (LCSW)"
    LPC = "LPC", "Licensed professional counselor (LPC)"
    LMFT = "LMFT", "Licensed marriage and family therapist (LMFT)"
    RN = "RN", "Registered nurse (RN)"
    PSYCHOLOGIST = "PSYD", "Psychologist (PhD/PsyD)"
    PEER = "PEER", "Certified peer specialist"
    OTHER = "OTHER", "Other"


class Responder(models.Model):
    """What clinicians and officers have in common."""

    name = models.CharField(max_length=120)
    languages = models.JSONField(
        default=list, blank=True, help_text="ISO 639-1 codes of the languages spoken, e.g. ['en', 'es']."
    )
    phone = models.CharField(max_length=30, blank=True, help_text="A number the supervisor can reach them on.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What a responder must hold to be paired (a clinician's licence, an officer's CIT training),
    # in a supervisor's words; each kind says which of its fields holds the expiry date.
    credential_label: str
    credential_expiry_field: str

    class Meta:
        abstract = True
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def credential_expires_on(self) -> date | None:
        return getattr(self, self.credential_expiry_field)


class Clinician(Responder):
    credential = models.CharField(max_length=8, choices=Credential.choices)
    licence_number = models.CharField(max_length=40, blank=True)
    licence_expires_on = models.DateField(null=True, blank=True, help_text="The last day the licence is valid.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="clinician"
    )

    credential_label = "licence"
    credential_expiry_field = "licence_expires_on"

    class Meta(Responder.Meta):
        pass


class Officer(Responder):
    badge_number = models.CharField(max_length=20)
    cit_trained = models.BooleanField("CIT-trained", default=False)
    cit_trained_on = models.DateField("CIT training date", null=True, blank=True)
    cit_expires_on = models.DateField(
        "CIT training valid until", null=True, blank=True, help_text="The last day the CIT training is valid."
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="officer"
    )

    credential_label = "CIT training"
    credential_expiry_field = "cit_expires_on"

    class Meta(Responder.Meta):
        constraints = [models.UniqueConstraint(fields=["badge_number"], name="officer_badge_number_unique")]


ALL_WEEKDAYS = 0b1111111  # Monday is bit 0, Sunday bit 6


class ShiftTemplate(models.Model):
    """A named daily window (Day 07-15, Night 23-07) on some days of the week, with the number of
    non-uniformed units the program wants on it. An end at or before the start means the next day.
    A retired template lays out no more shifts; the shifts it made keep it."""

    name = models.CharField(max_length=40)
    start_time = models.TimeField()
    end_time = models.TimeField()
    weekdays = models.PositiveSmallIntegerField(
        default=ALL_WEEKDAYS, help_text="The days it runs, as bits: Monday 1, Tuesday 2, ... Sunday 64."
    )
    target_units = models.PositiveSmallIntegerField(
        default=1, help_text="How many non-uniformed units the program wants on each of its shifts."
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    MAX_TARGET_UNITS = 50

    class Meta:
        ordering = ["start_time", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="shift_template_name_unique"),
            models.CheckConstraint(condition=~Q(start_time=F("end_time")), name="shift_template_not_empty"),
            models.CheckConstraint(
                condition=Q(weekdays__gte=1, weekdays__lte=ALL_WEEKDAYS), name="shift_template_runs_some_day"
            ),
            models.CheckConstraint(condition=Q(target_units__lte=50), name="shift_template_target_in_range"),
        ]

    def __str__(self):
        return f"{self.name} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def days_of_week(self) -> list[int]:
        """ISO weekday numbers (Monday 1 ... Sunday 7) the template runs on."""
        return [day for day in range(1, 8) if self.weekdays & (1 << (day - 1))]

    def runs_on(self, day: date) -> bool:
        return bool(self.weekdays & (1 << day.weekday()))

    @staticmethod
    def weekdays_from(days_of_week) -> int:
        return sum(1 << (day - 1) for day in set(days_of_week))


class WeekPublication(models.Model):
    """A roster week a supervisor published: its units come on duty at their shifts' start, and
    its people are told of every change. A week without one, built in advance, is a draft
    (units.services.publication)."""

    week_start = models.DateField(unique=True, help_text="The Monday the week begins (program time zone).")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            # Django's week_day: Sunday 1 ... Saturday 7.
            models.CheckConstraint(condition=Q(week_start__week_day=2), name="week_publication_starts_monday"),
        ]

    def __str__(self):
        return f"Week of {self.week_start:%d %b %Y}"


class Shift(models.Model):
    name = models.CharField(max_length=60)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    template = models.ForeignKey(ShiftTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="shift_starts_before_it_ends"),
            models.CheckConstraint(
                condition=Q(ends_at__lte=F("starts_at") + timedelta(hours=16)), name="shift_at_most_16_hours"
            ),
            # One shift per template and start: two supervisors pressing "Build week" at once lay the
            # week out once (units.services.shifts takes the other's shift on this conflict). A
            # shift without a template (NULL) is never a duplicate. Migration units/0004 settled
            # the duplicates made before.
            models.UniqueConstraint(fields=["template", "starts_at"], name="shift_one_per_template_and_start"),
        ]
        indexes = [
            # units.selectors.shifts_in_week and the roster page look shifts up by time window.
            models.Index(fields=["starts_at", "ends_at"], name="shift_window_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


class UnitQuerySet(models.QuerySet):
    def on_shift(self, now) -> "UnitQuerySet":
        """Units whose shift covers ``now``."""
        return self.filter(shift_starts_at__lte=now, shift_ends_at__gt=now)


class Unit(models.Model):
    """One clinician and one officer paired for one shift."""

    class Status(models.TextChoices):
        OFF_DUTY = "off_duty", "Off duty"
        AVAILABLE = "available", "Available"
        DISPATCHED = "dispatched", "Dispatched"
        EN_ROUTE = "en_route", "En route"
        ON_SCENE = "on_scene", "On scene"
        TRANSPORTING = "transporting", "Transporting"
        OUT_OF_SERVICE = "out_of_service", "Out of service"

    # The status sets, defined here once. A unit on a call mirrors the call's status
    # (dispatch.models.CrisisCall.WITH_UNIT_STATUSES has the same names).
    BUSY_STATUSES = (Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.TRANSPORTING)
    # On duty and not on a call: what the unit's members or a dispatcher set
    # (units.services.unit_set_status), and what the shift's end turns off duty (the clock).
    ON_DUTY_IDLE_STATUSES = (Status.AVAILABLE, Status.OUT_OF_SERVICE)
    # What the shift's window alone decides: available inside it, off duty outside it.
    CLOCK_STATUSES = (Status.OFF_DUTY, Status.AVAILABLE)

    call_sign = models.CharField(max_length=16)
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="units")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="units")
    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="units")
    uniformed = models.BooleanField(default=False)
    # In a week not yet published (units.services.publication): it never comes on duty.
    draft = models.BooleanField(default=False)

    # A copy of the shift's window, kept equal to it by units.services. It lets PostgreSQL's
    # exclusion constraints below, and the dispatcher's eligibility query, read a single row.
    shift_starts_at = models.DateTimeField(editable=False)
    shift_ends_at = models.DateTimeField(editable=False)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFF_DUTY)
    status_changed_at = models.DateTimeField()
    out_of_service_reason = models.CharField(max_length=200, blank=True)

    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    location_at = models.DateTimeField(null=True, blank=True)

    # A soft roster rule (rest, weekly hours) broken on purpose, and who decided it.
    rule_override_reason = models.CharField(max_length=300, blank=True)
    rule_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_override_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["shift_starts_at", "call_sign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "call_sign"], name="unit_call_sign_unique_per_shift"),
            models.CheckConstraint(
                condition=Q(shift_starts_at__lt=F("shift_ends_at")), name="unit_shift_window_in_order"
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="unit_latitude_in_range"
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180), name="unit_longitude_in_range"
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lon__isnull=True, location_at__isnull=True)
                | Q(lat__isnull=False, lon__isnull=False, location_at__isnull=False),
                name="unit_location_complete_or_absent",
            ),
            models.CheckConstraint(
                condition=Q(status="out_of_service") | Q(out_of_service_reason=""),
                name="unit_reason_only_when_out_of_service",
            ),
            # A draft week's units never come on duty, whatever path tries.
            models.CheckConstraint(condition=Q(draft=False) | Q(status="off_duty"), name="unit_draft_stays_off_duty"),
            # On PostgreSQL, migration units/0002 adds two exclusion constraints,
            # unit_clinician_no_overlapping_shifts and unit_officer_no_overlapping_shifts.
        ]
        indexes = [
            # dispatch.eligibility.eligible_units: available units whose shift covers now.
            models.Index(fields=["status", "shift_starts_at", "shift_ends_at"], name="unit_status_window_idx"),
        ]

    def __str__(self):
        return self.call_sign

    @property
    def has_location(self) -> bool:
        return self.location_at is not None

    def on_shift_at(self, now) -> bool:
        return self.shift_starts_at <= now < self.shift_ends_at


class CalendarFeed(models.Model):
    """A responder's private calendar address (``/calendar/<token>.ics``). Only the token's
    SHA-256 is stored: the address is shown once, when made; making a new one revokes the old."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar of {self.user}"
