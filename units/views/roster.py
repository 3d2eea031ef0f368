"""The roster page: a supervisor's week of shifts and pairings."""

from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from coresponder.errors import ApplicationError
from coresponder.localtime import in_range, local, week_bounds, week_start_of
from coresponder.roles import Role
from coresponder.web import role_required
from units import services
from units.forms import UnitPairForm
from units.selectors import people_week, roster_week, shifts_in_week


def week_from(request) -> date:
    raw = request.GET.get("week") or request.POST.get("week") or ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = timezone.localdate()
    if not in_range(day):
        day = timezone.localdate()
    return week_start_of(day)


def roster_url(week_start: date) -> str:
    return f"{reverse('roster')}?week={week_start.isoformat()}"


def _week_url(name: str, week_start: date) -> str:
    return f"{reverse(name)}?week={week_start.isoformat()}"


def _publication_context(week_start: date) -> dict:
    """Draft, published or live, for the publication block (units.services.publication)."""
    state = services.week_state(week_start)
    return {
        "publication": state.publication,
        "draft": state.state == "draft",
        "begun": timezone.now() >= week_bounds(week_start)[0],
    }


def _preselected_shift(request) -> dict:
    """The shift a cell's "+ unit" link chose (?shift=<id>), for the pair form to open with."""
    shift = request.GET.get("shift", "")
    return {"shift": shift} if shift.isdigit() and len(shift) < 12 else {}


def render_roster(request, week_start: date, form: UnitPairForm | None = None, status: int = 200):
    form = form or UnitPairForm(shifts=shifts_in_week(week_start), initial=_preselected_shift(request))
    context = {
        "week": roster_week(week_start),
        "form": form,
        "previous_week": week_start - timedelta(days=7),
        "next_week": week_start + timedelta(days=7),
        "this_week": week_start_of(timezone.localdate()),
        "links": {
            "shift_add": _week_url("shift-add", week_start),
            "fill_gaps": _week_url("roster-fill-gaps", week_start),
        },
        **_publication_context(week_start),
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
def roster_publish(request):
    week_start = week_from(request)
    if already := services.week_publication(week_start):
        by = f" by {already.published_by}" if already.published_by else ""
        messages.info(request, f"Week of {week_start:%d %b} was already published on "
                               f"{local(already.published_at):%a %d %b %H:%M}{by}.")  # fmt: skip
        return redirect(roster_url(week_start))
    try:
        result = services.week_publish(week_start=week_start, actor=request.user)
    except ApplicationError as refusal:  # a draft now breaks a rule: nothing is published
        messages.error(request, refusal.detail)
        return redirect(roster_url(week_start))
    units = f"{result.units_made_live} unit{pluralize(result.units_made_live)}"
    people = f"{result.people_told} {'person' if result.people_told == 1 else 'people'}"
    messages.success(request, f"Week published: {units} live, {people} told.")
    return redirect(roster_url(week_start))


@role_required(Role.SUPERVISOR)
def roster_people_week(request):
    week_start = week_from(request)
    context = {
        "week_start": week_start,
        "days": [week_start + timedelta(days=i) for i in range(7)],
        "rows": people_week(week_start),
        "previous_week": week_start - timedelta(days=7),
        "next_week": week_start + timedelta(days=7),
        "this_week": week_start_of(timezone.localdate()),
        **_publication_context(week_start),
    }
    return render(request, "units/people_week.html", context)


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
    path("roster/publish/", roster_publish, name="roster-publish"),
    path("roster/people/", roster_people_week, name="roster-people-week"),
]
