"""The roster page: a supervisor's week of shifts and pairings."""

from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from coresponder.localtime import week_start_of
from coresponder.roles import Role
from coresponder.web import role_required
from units import services
from units.forms import UnitPairForm
from units.selectors import roster_week, shifts_in_week


def week_from(request) -> date:
    raw = request.GET.get("week") or request.POST.get("week") or ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = timezone.localdate()
    if not date(1900, 1, 8) <= day <= date(9000, 1, 1):  # keeps every week's arithmetic in range
        day = timezone.localdate()
    return week_start_of(day)


def roster_url(week_start: date) -> str:
    return f"{reverse('roster')}?week={week_start.isoformat()}"


def render_roster(request, week_start: date, form: UnitPairForm | None = None, status: int = 200):
    form = form or UnitPairForm(shifts=shifts_in_week(week_start))
    context = {
        "week": roster_week(week_start),
        "form": form,
        "previous_week": week_start - timedelta(days=7),
        "next_week": week_start + timedelta(days=7),
        "this_week": week_start_of(timezone.localdate()),
    }
    template = "units/_pair_form.html" if request.htmx and request.method == "POST" else "units/roster.html"
    return render(request, template, context, status=status)


@role_required(Role.SUPERVISOR)
def roster(request):
    return render_roster(request, week_from(request))


@require_POST
@role_required(Role.SUPERVISOR)
def roster_build_week(request):
    week_start = week_from(request)
    report = services.week_build_from_templates(week_start=week_start, actor=request.user)
    messages.success(request, f"Week of {week_start:%d %b} built from templates: {report.summary()}")
    return redirect(roster_url(week_start))


@require_POST
@role_required(Role.SUPERVISOR)
def roster_copy_week(request):
    week_start = week_from(request)
    report = services.week_copy(
        source_week_start=week_start - timedelta(days=7), target_week_start=week_start, actor=request.user
    )
    messages.success(request, f"Last week copied: {report.summary()}")
    for reason in report.skipped:
        messages.warning(request, f"Skipped {reason}")
    return redirect(roster_url(week_start))


urlpatterns = [
    path("roster/", roster, name="roster"),
    path("roster/build-week/", roster_build_week, name="roster-build-week"),
    path("roster/copy-week/", roster_copy_week, name="roster-copy-week"),
]
