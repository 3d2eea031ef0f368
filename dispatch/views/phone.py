"""My unit, the page on a responder's phone: the current call, its buttons, the outcome form."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from coresponder.errors import ApplicationError
from coresponder.roles import Role
from coresponder.web import posted_form, role_required
from dispatch import access, selectors, services, transitions
from dispatch.forms import CallMoveForm, NoteForm, OutcomeForm, UnitStatusForm
from dispatch.models import CallAlert, CrisisCall
from dispatch.views import MEMBER_ROLES, MOVE_LABELS, WEB, note_added
from units import services as unit_services
from units.models import Unit


def my_unit_context(request) -> dict:
    now = timezone.now()
    unit = selectors.member_unit(request.user, now)
    call = access.current_call(request.user, unit) if unit else None
    moves = []
    if call is not None:
        moves = [
            {"status": s, "label": MOVE_LABELS[s]} for s in transitions.next_statuses(call.status, transitions.MEMBER)
        ]
    return {
        "unit": unit,
        "on_shift": unit is not None and unit.on_shift_at(now),
        "call": call,
        "moves": moves,
        "may_write_clinical": call is not None and access.may_add_note(request.user, call, clinical=True),
        "cleared": call is not None and call.status == CrisisCall.Status.CLEARED,
        # The buttons a unit with no call shows: log on (or back in service), or out of service.
        "can_log_on": unit is not None and unit.status in (Unit.Status.OFF_DUTY, Unit.Status.OUT_OF_SERVICE),
        "can_go_out_of_service": unit is not None and unit.status == Unit.Status.AVAILABLE,
        "outcome_form": OutcomeForm()
        if call is not None
        and call.status == CrisisCall.Status.CLEARED
        and access.may_record_outcome(request.user, call)
        else None,
        "recent": access.recent_calls(request.user, unit) if unit else [],
        "notes": _notes_read(request, call),
        "note_form": NoteForm(call_pk=call.pk) if call else None,
        # Red until someone on the unit (or the dispatcher) has read it.
        "safety_alert": call.alerts.filter(kind=CallAlert.Kind.SAFETY_FLAG_RAISED, cleared_at__isnull=True).first()
        if call
        else None,
    }


def _notes_read(request, call: CrisisCall | None) -> list:
    if call is None:
        return []
    notes = list(access.call_notes_for(request.user, call))
    services.clinical_notes_read(call=call, actor=request.user, notes=notes)
    return notes


@role_required(*MEMBER_ROLES)
def my_unit(request):
    return render(request, "dispatch/my_unit.html", my_unit_context(request))


@require_GET
@role_required(*MEMBER_ROLES)
def my_unit_panel(request):
    return render(request, "dispatch/_my_call.html", my_unit_context(request))


def _my_call(request, call_id: int) -> CrisisCall:
    call = get_object_or_404(CrisisCall.objects.select_related("unit__clinician", "unit__officer"), pk=call_id)
    if not access.is_on_call(request.user, call):
        raise Http404
    return call


def _after_my_action(request, error: ApplicationError | None = None, success: str = "", outcome_form=None,
                     note_form=None):  # fmt: skip
    if error is not None and outcome_form is None:
        messages.error(request, error.detail)
    elif success:
        messages.success(request, success)
    context = my_unit_context(request)
    if outcome_form is not None:
        context["outcome_form"] = outcome_form
    if note_form is not None:
        context["note_form"] = note_form
    if request.htmx:
        return render(request, "dispatch/_my_call.html", context)
    if outcome_form is not None or note_form is not None:
        return render(request, "dispatch/my_unit.html", context, status=400)
    return redirect("my-unit")


@require_POST
@role_required(*MEMBER_ROLES)
def my_call_move(request, call_id: int):
    call = _my_call(request, call_id)

    def do(data):
        services.call_transition(call=call, to_status=data["status"], actor=request.user, source=WEB)
        return ""

    return posted_form(CallMoveForm(request.POST), invalid="Choose a valid status.", do=do,
                   after=partial(_after_my_action, request))  # fmt: skip


@require_POST
@role_required(Role.CLINICIAN)
def my_call_outcome(request, call_id: int):
    call = _my_call(request, call_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.call_record_outcome(call=call, actor=request.user, source=WEB, **form.cleaned_data)
        except ApplicationError as refusal:
            form.add_application_error(refusal)
        else:
            messages.success(request, f"Outcome recorded; call {call.pk} is closed.")
            return _after_my_action(request)
    return _after_my_action(request, outcome_form=form)


@require_POST
@role_required(*MEMBER_ROLES)
def my_unit_status(request):
    unit = selectors.member_unit(request.user, timezone.now())
    if unit is None:
        raise Http404

    def do(data):
        unit_services.unit_set_status(unit=unit, actor=request.user, **data)
        return ""

    return posted_form(UnitStatusForm(request.POST), invalid="Choose available or out of service.", do=do,
                   after=partial(_after_my_action, request))  # fmt: skip


@require_POST
@role_required(*MEMBER_ROLES)
def my_call_note(request, call_id: int):
    call = _my_call(request, call_id)
    form = NoteForm(request.POST, call_pk=call.pk)
    if form.is_valid():
        try:
            services.call_add_note(call=call, actor=request.user, source=WEB, **form.cleaned_data)
        except ApplicationError as refusal:
            form.add_error("text", refusal.detail)
        else:
            return note_added(_after_my_action(request, success="Note added."), call)
    return _after_my_action(request, note_form=form)


@require_POST
@role_required(*MEMBER_ROLES)
def my_call_acknowledge(request, call_id: int):
    call = _my_call(request, call_id)
    try:
        services.call_acknowledge_alerts(call=call, actor=request.user)
    except ApplicationError as refusal:
        return _after_my_action(request, refusal)
    return _after_my_action(request)
