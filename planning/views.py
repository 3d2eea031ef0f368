"""The planning page: a week's demand against its staffing, hour by hour (supervisors)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from coresponder.localtime import in_range, week_start_of
from coresponder.roles import Role
from coresponder.web import role_required
from planning.staffing import staffing_for_week
from units.views.roster import roster_url, week_from


@role_required(Role.SUPERVISOR)
def planning(request):
    week_start = week_from(request)
    if not in_range(week_start - timedelta(weeks=settings.PLANNING_HISTORY_WEEKS)):
        week_start = week_start_of(timezone.localdate())  # as the roster does with a date it cannot handle
    staffing = staffing_for_week(week_start)
    days: dict = {}
    for hour in staffing.hours:
        days.setdefault(hour.start.date(), []).append(hour)
    context = {
        "staffing": staffing,
        "demand": staffing.forecast.demand,
        "days": list(days.items()),
        "history_end": week_start - timedelta(days=1),
        "previous_week": week_start - timedelta(days=7),
        "next_week": week_start + timedelta(days=7),
        "this_week": week_start_of(timezone.localdate()),
        "roster_link": roster_url(week_start),
        "api_link": f"{reverse('api-planning-staffing')}?week={week_start.isoformat()}",
    }
    return render(request, "planning/planning.html", context)


urlpatterns = [path("planning/", planning, name="planning")]
