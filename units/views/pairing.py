"""Pairing units from the roster page: the pair form, the people free for a shift, Fill the gaps."""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from coresponder.errors import ApplicationError
from coresponder.roles import Role
from coresponder.web import role_required
from units import services
from units.forms import AcceptSuggestionsForm, UnitPairForm
from units.selectors import shifts_in_week
from units.services.gaps import gaps_accept, week_gaps
from units.views.roster import render_roster, roster_url, week_from

# What the pair form keeps when it is drawn again for another shift.
PAIR_FORM_INITIAL = ("shift", "call_sign", "clinician", "officer")


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


@require_GET
@role_required(Role.SUPERVISOR)
def roster_pair_form(request):
    """The pair form for a chosen shift (``?week=&shift=``), its people lists showing who is free:
    htmx swaps the lists in when the shift changes; a plain visit gets the roster page with it."""
    week_start = week_from(request)
    initial = {name: request.GET[name] for name in PAIR_FORM_INITIAL if request.GET.get(name)}
    form = UnitPairForm(shifts=shifts_in_week(week_start), initial=initial)
    if request.htmx:
        return render(request, "units/_pair_form.html", {"form": form, "week": {"week_start": week_start}})
    return render_roster(request, week_start, form=form)


def _fill_gaps_page(request, week_start, *, errors=(), status=200):
    context = {
        "plan": week_gaps(week_start),
        "published": services.week_publication(week_start) is not None,
        "errors": errors,
        "previous_week": week_start - timedelta(days=7),
        "next_week": week_start + timedelta(days=7),
    }
    return render(request, "units/fill_gaps.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def roster_fill_gaps(request):
    """Suggested pairings for the week's shifts below their target; accepting the ticked ones
    pairs them all, or none if any is refused now."""
    week_start = week_from(request)
    if request.method == "GET":
        return _fill_gaps_page(request, week_start)
    form = AcceptSuggestionsForm(request.POST, shifts=shifts_in_week(week_start))
    if not form.is_valid():
        return _fill_gaps_page(request, week_start, errors=form.errors["pick"], status=400)
    try:
        units = gaps_accept(picks=form.cleaned_data["pick"], actor=request.user)
    except ApplicationError as refusal:
        return _fill_gaps_page(request, week_start, errors=[refusal.detail], status=refusal.status_code)
    drafts = " as drafts (the week is not published)" if units[0].draft else ""
    call_signs = ", ".join(f"{unit.call_sign} on {unit.shift}" for unit in units)
    messages.success(request, f"{len(units)} unit{'s' if len(units) > 1 else ''} paired{drafts}: {call_signs}.")
    return redirect(roster_url(week_start))


urlpatterns = [
    path("roster/pair/", roster_pair_unit, name="roster-pair-unit"),
    path("roster/pair/form/", roster_pair_form, name="roster-pair-form"),
    path("roster/fill-gaps/", roster_fill_gaps, name="roster-fill-gaps"),
]
