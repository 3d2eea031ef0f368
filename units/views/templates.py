"""Shift templates (list, add, edit, retire, reactivate) and single shifts (add, edit, delete)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from coresponder.errors import ApplicationError
from coresponder.localtime import describe_hours, describe_window, week_start_of
from coresponder.roles import Role
from coresponder.web import role_required
from units import services
from units.forms.shifts import WEEKDAYS, ShiftEditForm, ShiftForm, ShiftTemplateForm
from units.models import Shift, ShiftTemplate, Unit
from units.services.templates import template_reactivate, template_retire, template_save
from units.views.roster import roster_url, week_from

SHORT_DAYS = {day: name[:3] for day, name in WEEKDAYS}


def describe_days(days: list[int]) -> str:
    """``Every day``, ``Mon–Fri``, ``Sat, Sun`` or ``Mon, Wed, Fri``."""
    if len(days) == 7:
        return "Every day"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{SHORT_DAYS[days[0]]}–{SHORT_DAYS[days[-1]]}"
    return ", ".join(SHORT_DAYS[day] for day in days)


# --- Shift templates ------------------------------------------------------------------------------


@role_required(Role.SUPERVISOR)
def shift_templates(request):
    templates = ShiftTemplate.objects.order_by("-active", "start_time", "name")
    rows = [{"template": t, "days": describe_days(t.days_of_week), "overnight": t.end_time <= t.start_time}
            for t in templates]  # fmt: skip
    return render(request, "units/shift_templates.html", {"rows": rows})


def _template_form_page(request, template: ShiftTemplate):
    status = 200
    if request.method == "POST":
        form = ShiftTemplateForm(request.POST)
        if form.is_valid():
            try:
                saved = template_save(template=template, actor=request.user, **form.cleaned_data)
            except ApplicationError as refusal:
                form.add_application_error(refusal)
                status = refusal.status_code
            else:
                messages.success(request, f"Template {saved.name} saved.")
                return redirect("shift-templates")
        else:
            status = 400
    else:
        form = ShiftTemplateForm(initial=ShiftTemplateForm.initial_for(template))
    return render(request, "units/shift_template_form.html", {"form": form, "template": template}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.SUPERVISOR)
def shift_template_add(request):
    return _template_form_page(request, ShiftTemplate())


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.SUPERVISOR)
def shift_template_edit(request, template_id: int):
    return _template_form_page(request, get_object_or_404(ShiftTemplate, pk=template_id))


@require_POST
@role_required(Role.SUPERVISOR)
def shift_template_retire(request, template_id: int):
    template = template_retire(template=get_object_or_404(ShiftTemplate, pk=template_id), actor=request.user)
    messages.success(request, f"{template.name} retired: weeks built from now on have no {template.name} shifts. "
                              "The shifts it already made stay on the roster.")  # fmt: skip
    return redirect("shift-templates")


@require_POST
@role_required(Role.SUPERVISOR)
def shift_template_reactivate(request, template_id: int):
    template = template_reactivate(template=get_object_or_404(ShiftTemplate, pk=template_id), actor=request.user)
    messages.success(request, f"{template.name} is active again: weeks built from now on have its shifts.")
    return redirect("shift-templates")


# --- Single shifts --------------------------------------------------------------------------------


def _saved(request, shift: Shift, verb: str):
    messages.success(request, f"{shift.name} {verb}: {describe_window(shift.starts_at, shift.ends_at)} "
                              f"({describe_hours(shift.duration)}).")  # fmt: skip
    return redirect(roster_url(services.week_of(shift.starts_at)))


def _shift_page(request, form, *, shift=None, week_start=None, status=200):
    week_start = week_start or services.week_of(shift.starts_at)
    units = list(shift.units.select_related("clinician", "officer").order_by("call_sign")) if shift else []
    context = {"form": form, "shift": shift, "units": units, "week_start": week_start, "back": roster_url(week_start)}
    return render(request, "units/shift_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.SUPERVISOR)
def shift_add(request):
    week_start = week_from(request)
    if request.method != "POST":
        today = timezone.localdate()
        day = today if week_start_of(today) == week_start else week_start
        return _shift_page(request, ShiftForm(initial={"date": day}), week_start=week_start)
    form = ShiftForm(request.POST)
    if not form.is_valid():
        return _shift_page(request, form, week_start=week_start, status=400)
    fields = {name: form.cleaned_data[name] for name in ("name", "starts_at", "ends_at", "template")}
    try:
        shift = services.shift_create(actor=request.user, **fields)
    except ApplicationError as refusal:
        form.add_application_error(refusal)
        return _shift_page(request, form, week_start=week_start, status=refusal.status_code)
    return _saved(request, shift, "added")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.SUPERVISOR)
def shift_edit(request, shift_id: int):
    shift = get_object_or_404(Shift, pk=shift_id)
    if request.method != "POST":
        return _shift_page(request, ShiftEditForm(initial=ShiftEditForm.initial_for(shift), shift=shift), shift=shift)
    form = ShiftEditForm(request.POST, shift=shift)
    if not form.is_valid():
        return _shift_page(request, form, shift=shift, status=400)
    try:
        shift = services.shift_update(shift=shift, actor=request.user, **form.changes())
    except Shift.DoesNotExist:  # deleted by someone else meanwhile
        raise Http404("This shift has been deleted.") from None
    except ApplicationError as refusal:
        form.add_application_error(refusal)
        return _shift_page(request, form, shift=shift, status=refusal.status_code)
    return _saved(request, shift, "saved")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.SUPERVISOR)
def shift_delete(request, shift_id: int):
    shift = get_object_or_404(Shift, pk=shift_id)
    week_start = services.week_of(shift.starts_at)
    refusal, status = None, 200
    units = list(shift.units.select_related("clinician", "officer").order_by("call_sign"))
    if request.method == "POST":
        try:
            services.shift_delete(shift=shift, actor=request.user)
        except Shift.DoesNotExist:  # deleted by someone else meanwhile
            raise Http404("This shift has been deleted.") from None
        except ApplicationError as error:
            refusal, status = error.detail, error.status_code
        else:
            unpaired = f"; {len(units)} unit{'s' if len(units) != 1 else ''} unpaired" if units else ""
            messages.success(
                request, f"{shift.name} deleted ({describe_window(shift.starts_at, shift.ends_at)}){unpaired}."
            )
            return redirect(roster_url(week_start))
    context = {
        "shift": shift,
        "units": units,
        "busy": [unit for unit in units if unit.status in Unit.BUSY_STATUSES],
        "refusal": refusal,
        "back": roster_url(week_start),
    }
    return render(request, "units/shift_delete.html", context, status=status)


urlpatterns = [
    path("roster/templates/", shift_templates, name="shift-templates"),
    path("roster/templates/add/", shift_template_add, name="shift-template-add"),
    path("roster/templates/<id:template_id>/", shift_template_edit, name="shift-template-edit"),
    path("roster/templates/<id:template_id>/retire/", shift_template_retire, name="shift-template-retire"),
    path("roster/templates/<id:template_id>/reactivate/", shift_template_reactivate, name="shift-template-reactivate"),
    path("roster/shifts/add/", shift_add, name="shift-add"),
    path("roster/shifts/<id:shift_id>/", shift_edit, name="shift-edit"),
    path("roster/shifts/<id:shift_id>/delete/", shift_delete, name="shift-delete"),
]
