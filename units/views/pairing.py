"""Pairing a unit from the roster page."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from coresponder.errors import ApplicationError
from coresponder.roles import Role
from coresponder.web import role_required
from units import services
from units.forms import UnitPairForm
from units.selectors import shifts_in_week
from units.views.roster import render_roster, roster_url, week_from


@require_POST
@role_required(Role.SUPERVISOR)
def roster_pair_unit(request):
    week_start = week_from(request)
    form = UnitPairForm(request.POST, shifts=shifts_in_week(week_start))
    if form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as refusal:
            form.add_application_error(refusal)
        else:
            messages.success(request, f"{unit.call_sign} paired: {unit.clinician} and {unit.officer} on {unit.shift}.")
            if request.htmx:  # a full reload shows the new unit in the week and the coverage
                return HttpResponseClientRedirect(roster_url(week_start))
            return redirect(roster_url(week_start))
    return render_roster(request, week_start, form=form, status=200 if request.htmx else 400)


urlpatterns = [
    path("roster/pair/", roster_pair_unit, name="roster-pair-unit"),
]
