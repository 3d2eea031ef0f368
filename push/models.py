"""A responder's device registered for alerts: one browser's Web Push subscription."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PushDevice(models.Model):
    """Where a person's alerts go: the push service's endpoint for one browser on one device,
    and the keys the browser made to decrypt them. Registered by the phone page, revoked by its
    owner, a supervisor, its session logging out, its owner's login being deactivated, or the push
    service saying the subscription is gone. A revoked device is kept (who revoked it and why) and
    comes back only when a person on that browser taps "Turn on alerts" again."""

    class RevokeReason(models.TextChoices):
        TURNED_OFF = "turned_off", "Turned off on the phone"
        BY_OWNER = "by_owner", "Revoked by its owner"
        BY_SUPERVISOR = "by_supervisor", "Revoked by a supervisor"
        GONE = "gone", "The push service says it is gone"
        LOGGED_OUT = "logged_out", "Logged out"
        DEACTIVATED = "deactivated", "Its owner's login was deactivated"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_devices")
    # A capability URL: whoever holds it (and the keys) reaches the phone. Never shown or logged.
    endpoint = models.CharField(max_length=2048)
    p256dh = models.CharField("browser's public key", max_length=100)
    auth = models.CharField("browser's auth secret", max_length=40)
    label = models.CharField(max_length=80, help_text="The browser and device, e.g. Chrome on Android.")
    created_at = models.DateTimeField(auto_now_add=True)
    # The page registered it again, or a push reached its push service.
    last_used_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(max_length=16, choices=RevokeReason.choices, blank=True)

    class Meta:
        ordering = ["-last_used_at", "-id"]
        constraints = [
            # A browser's subscription is one device, whoever registered it last (a shared phone).
            models.UniqueConstraint(fields=["endpoint"], name="push_device_endpoint_unique"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoke_reason="")
                | Q(revoked_at__isnull=False) & ~Q(revoke_reason=""),
                name="push_device_revoked_with_reason",
            ),
        ]
        indexes = [
            # push.alerts.unit_notify: the active devices of a unit's people.
            models.Index(fields=["user"], condition=Q(revoked_at__isnull=True), name="push_device_active_idx"),
        ]

    def __str__(self):
        return f"{self.label} ({self.user})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
