"""The roster in the admin: read-only (see coresponder.admin.SupervisorAdmin). People, shifts and
pairings change on the roster page or through the API, which apply the roster rules and write
the audit log."""

from django.contrib import admin

from coresponder.admin import SupervisorAdmin
from units.models import Clinician, Officer, Shift, ShiftTemplate, Unit


@admin.register(Clinician)
class ClinicianAdmin(SupervisorAdmin):
    list_display = ["name", "credential", "active", "user"]
    list_filter = ["active", "credential"]
    search_fields = ["name"]


@admin.register(Officer)
class OfficerAdmin(SupervisorAdmin):
    list_display = ["name", "badge_number", "cit_trained", "active", "user"]
    list_filter = ["active", "cit_trained"]
    search_fields = ["name", "badge_number"]


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(SupervisorAdmin):
    list_display = ["name", "start_time", "end_time"]


@admin.register(Shift)
class ShiftAdmin(SupervisorAdmin):
    list_display = ["name", "starts_at", "ends_at", "template"]
    date_hierarchy = "starts_at"


@admin.register(Unit)
class UnitAdmin(SupervisorAdmin):
    list_display = ["call_sign", "shift", "clinician", "officer", "uniformed", "status"]
    list_filter = ["status", "uniformed"]
    search_fields = ["call_sign", "clinician__name", "officer__name"]
