"""The Django admin, open to supervisors (and superusers)."""

from django.contrib import admin

from coresponder.roles import Role, has_role


def is_supervisor(request) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or has_role(user, Role.SUPERVISOR))


class SupervisorAdmin(admin.ModelAdmin):
    """Supervisors may use these pages without per-model permissions being granted by hand."""

    def has_module_permission(self, request):
        return is_supervisor(request)

    def has_view_permission(self, request, obj=None):
        return is_supervisor(request)

    def has_add_permission(self, request):
        return is_supervisor(request)

    def has_change_permission(self, request, obj=None):
        return is_supervisor(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deletions go through the services, which check what depends on the row


admin.site.site_header = "Co-responder administration"
admin.site.has_permission = is_supervisor
