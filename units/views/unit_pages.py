"""One unit from the roster: edit it (call sign, uniform, pairing) or unpair it."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from coresponder.errors import ApplicationError
from coresponder.roles import Role
from coresponder.web import role_required
from units import services
from units.forms.units import UnitEditForm
from units.models import Unit
from units.selectors import unit_has_history
from units.views.roster import roster_url

# A soft rule's sentences go next to the clinician or officer; this one goes by the reason's field.


def _unit(unit_id: int) -> Unit:
    return get_object_or_404(Unit.objects.select_related("shift", "clinician", "officer"), pk=unit_id)


def _back_to_week(unit: Unit) -> str:
    return f"{roster_url(services.week_of(unit.shift_starts_at))}#unit-{unit.pk}"


@role_required(Role.SUPERVISOR)
def unit_edit(request, unit_id: int):
    unit = _unit(unit_id)
    status = 200
    if request.method == "POST":
        form = UnitEditForm(request.POST, unit=unit)
        if not form.is_valid():
            status = 400
        elif not form.has_changed():
            messages.info(request, f"{unit.call_sign}: nothing changed.")
            return redirect(_back_to_week(unit))
        else:
            try:
                changed = services.unit_update(unit=unit, actor=request.user, **form.service_arguments())
            except ApplicationError as refusal:
                form.add_application_error(refusal)
                status = refusal.status_code
            else:
                messages.success(request, f"{changed.call_sign} saved: {changed.clinician} and {changed.officer} "
                                          f"on {changed.shift}.")  # fmt: skip
                return redirect(_back_to_week(changed))
    else:
        form = UnitEditForm(unit=unit)
    context = {"unit": unit, "form": form, "busy": unit.status in Unit.BUSY_STATUSES, "back": _back_to_week(unit)}
    return render(request, "units/unit_form.html", context, status=status)


@role_required(Role.SUPERVISOR)
def unit_unpair(request, unit_id: int):
    unit = _unit(unit_id)
    refusal = None
    if request.method == "POST":
        back, who = _back_to_week(unit), f"{unit.clinician} and {unit.officer}"
        try:
            services.unit_delete(unit=unit, actor=request.user)
        except ApplicationError as error:
            refusal = error
        else:
            live = not unit.draft and unit.shift_ends_at > timezone.now()
            told = " They are told of the change." if live else ""
            messages.success(request, f"{unit.call_sign} unpaired: {who} are no longer on {unit.shift}.{told}")
            return redirect(back)
    context = {
        "unit": unit,
        "busy": unit.status in Unit.BUSY_STATUSES,
        "history": unit_has_history(unit),
        "refusal": refusal,
        "back": _back_to_week(unit),
    }
    return render(request, "units/unit_unpair.html", context, status=refusal.status_code if refusal else 200)


urlpatterns = [
    path("roster/units/<id:unit_id>/", unit_edit, name="unit-edit"),
    path("roster/units/<id:unit_id>/unpair/", unit_unpair, name="unit-unpair"),
]
