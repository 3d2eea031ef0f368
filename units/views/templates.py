"""Shift templates and single shifts."""

from django.shortcuts import render
from django.urls import path

from coresponder.roles import Role
from coresponder.web import role_required


@role_required(Role.SUPERVISOR)
def shift_templates(request):
    return render(request, "units/shift_templates.html", {})


urlpatterns = [
    path("roster/templates/", shift_templates, name="shift-templates"),
]
