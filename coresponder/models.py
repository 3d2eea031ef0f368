from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what to which record, from where, with the old and new values. Append-only:
    on PostgreSQL a trigger (migration coresponder/0002) refuses UPDATE and DELETE."""

    at = models.DateTimeField(auto_now_add=True)
    # PROTECT: a login with a history is deactivated, never deleted (the trigger refuses the
    # UPDATE that SET_NULL would make).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="The username then, or 'system'.")
    ip = models.GenericIPAddressField(null=True, blank=True)
    source = models.CharField(max_length=8, blank=True)  # web, api, system
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # The audit page: newest first, by object, by actor and action.
            models.Index(fields=["at"], name="audit_at_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_name", "action", "at"], name="audit_actor_action_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_type} {self.object_id}"
