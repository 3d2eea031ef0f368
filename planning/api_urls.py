"""The planning API: /api/v1/planning/..."""

from django.urls import path

from planning.api import StaffingAPI

urlpatterns = [path("staffing/", StaffingAPI.as_view(), name="api-planning-staffing")]
