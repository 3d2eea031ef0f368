"""How a call answered in person ended, recorded by its clinician."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dispatch.models.calls import CrisisCall


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
    # Clinical data: only the call's clinician and supervisors may read it.
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
