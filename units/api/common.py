"""What the roster's API views share: who may read and write, and how ids look in paths."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from coresponder.roles import Role, has_role, role_permission

IsSupervisor = role_permission(Role.SUPERVISOR)
IsSupervisorOrDispatcher = role_permission(Role.SUPERVISOR, Role.DISPATCHER)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Ids in paths are bounded so that a huge number is a 404, never a database overflow.
ID_PATTERN = "[0-9]{1,18}"


class SupervisorWritesDispatcherReads(BasePermission):
    message = "Only supervisors may change the roster."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return has_role(request.user, Role.SUPERVISOR, Role.DISPATCHER)
        return has_role(request.user, Role.SUPERVISOR)
