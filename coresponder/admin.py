"""The Django admin, open to supervisors (and superusers).

The roster and the calls change only through their services (units/services/,
dispatch/services/): they hold the rules the database cannot, and they write the audit log. The
admin therefore only shows those records. What it still changes is logins and their roles (groups),
and every such change is written to the audit log here.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from coresponder import audit
from coresponder.roles import Role, has_role


def is_supervisor(request) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or has_role(user, Role.SUPERVISOR))


class SupervisorAdmin(admin.ModelAdmin):
    """A read-only view of domain records for supervisors, without per-model permissions granted
    by hand. Nobody, superusers included, adds, changes or deletes them here: the roster page, the
    board and the API do, through the services."""

    def has_module_permission(self, request):
        return is_supervisor(request)

    def has_view_permission(self, request, obj=None):
        return is_supervisor(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- logins and roles: the admin is where they are managed, so it writes their audit entries ---

USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]


def _permission_names(permissions) -> list[str]:
    return sorted(
        f"{app}.{codename}" for app, codename in permissions.values_list("content_type__app_label", "codename")
    )


def _user_state(user: User) -> dict:
    state = audit.snapshot(user, USER_FIELDS)
    state["groups"] = sorted(user.groups.values_list("name", flat=True)) if user.pk else []
    state["user_permissions"] = _permission_names(user.user_permissions) if user.pk else []
    state["password"] = user.password  # compared only; never written to the log
    return state


def _group_state(group: Group) -> dict:
    return {"name": group.name, "permissions": _permission_names(group.permissions) if group.pk else []}


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit entry (old and new values, the acting user) for each add, change and
    delete, next to Django's own admin log and in the same transaction."""

    audit_name = ""

    def state(self, obj) -> dict:
        raise NotImplementedError

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:  # before the form changes it: the "old" values
            obj._audit_before = self.state(obj)
        return obj

    def _record(self, request, obj, verb: str, before: dict, after: dict) -> None:
        changes = audit.diff(before, after)
        # A password is logged as having changed, never by its value (not even hashed).
        password_changed = changes.pop("password", None) is not None and verb == "changed"
        if changes or password_changed:
            note = "admin; password changed" if password_changed else "admin"
            audit.record(f"{self.audit_name}.{verb}", obj, actor=request.user, changes=changes, note=note)

    def log_addition(self, request, obj, message):
        self._record(request, obj, "created", {}, self.state(obj))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._record(request, obj, "changed", getattr(obj, "_audit_before", {}), self.state(obj))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            before = self.state(obj)
            self._record(request, obj, "deleted", before, dict.fromkeys(before))
        return super().log_deletions(request, queryset)


class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    audit_name = "user"

    def state(self, obj):
        return _user_state(obj)


class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    """Roles are found by group name (coresponder.roles): renaming or deleting a role's group would
    take the role from everyone in it, so those groups keep their names and stay."""

    audit_name = "group"

    def state(self, obj):
        return _group_state(obj)

    def get_readonly_fields(self, request, obj=None):
        return ["name"] if obj is not None and obj.name in Role.values else []

    def has_delete_permission(self, request, obj=None):
        # Also asked for each group the bulk "delete selected" action would delete.
        return (obj is None or obj.name not in Role.values) and super().has_delete_permission(request, obj)


admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, AuditedGroupAdmin)

admin.site.site_header = "Co-responder administration"
admin.site.has_permission = is_supervisor
