"""Roles are Django groups. One place says which exist and how to ask about them."""

from django.db import models
from rest_framework.permissions import BasePermission


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", "Shift supervisor"
    DISPATCHER = "dispatcher", "Dispatcher"
    CLINICIAN = "clinician", "Clinician"
    OFFICER = "officer", "Officer"
    INTAKE = "intake", "911 CAD (intake)"
    COUNSELOR = "counselor", "Crisis-line counselor"


def user_roles(user) -> frozenset[str]:
    if not user or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_coresponder_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        user._coresponder_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_permission(*roles: str) -> type[BasePermission]:
    """A DRF permission class admitting users in any of ``roles``."""

    class HasRole(BasePermission):
        message = "Your role does not allow this."

        def has_permission(self, request, view):
            return has_role(request.user, *roles)

    HasRole.__name__ = "Has" + "Or".join(role.title() for role in roles)
    return HasRole


def allow(*roles: str):
    """Declare, on an API operation (a viewset's method or action), the roles that may call it.
    ``RolesOfOperation`` reads it; an operation without one takes its view's ``allowed_roles``."""

    def mark(operation):
        operation.allowed_roles = frozenset(roles)
        return operation

    return mark


class RolesOfOperation(BasePermission):
    """Admits users in one of the roles the operation declares with ``@allow``."""

    message = "Your role does not allow this."

    def has_permission(self, request, view):
        operation = getattr(view, view.action or "", None)
        return has_role(request.user, *getattr(operation, "allowed_roles", view.allowed_roles))


def roles_context(request):
    roles = user_roles(getattr(request, "user", None))
    return {"roles": roles}
