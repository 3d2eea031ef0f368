"""My unit, the page on a responder's phone: the current call, its buttons, the outcome form."""

from __future__ import annotations

import json
import re
from functools import partial
from urllib.parse import quote

from django.conf import settings
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
from units.membership import is_member
from units.models import Unit
from units.views.calendar import schedule_context

S = CrisisCall.Status
IOS = re.compile(r"iPhone|iPad|iPod")


def navigate_url(call: CrisisCall, user_agent: str) -> str:
    """Directions to the call in the phone's own maps app. A ``geo:`` link does nothing on an
    iPhone, so iPhones and iPads get Apple Maps (static/js/my_unit.js also sends an iPad that
    calls itself a Mac there); Android gets the ``geo:`` intent, which opens the driver's chosen
    app; anything else Google Maps' directions, which any browser opens."""
    place = f"{call.lat:.6f},{call.lon:.6f}"
    if IOS.search(user_agent):
        return apple_maps_url(call)
    if "Android" in user_agent:
        return f"geo:{place}?q={place}({quote(call.address or 'Call')})"
    return f"https://www.google.com/maps/dir/?api=1&destination={place}"


def apple_maps_url(call: CrisisCall) -> str:
    return f"https://maps.apple.com/?daddr={call.lat:.6f},{call.lon:.6f}"


def _asked_call_id(request) -> int | None:
    """``?call=<id>``: a cleared call of the user's opened from the shift's list (its outcome)."""
    value = request.GET.get("call", "")
    return int(value) if value.isdigit() and len(value) <= 18 else None


def my_unit_context(request, *, call_id: int | None = None) -> dict:
    now = timezone.now()
    user = request.user
    unit = selectors.member_unit(user, now)
    call = None
    if unit is not None:
        call = (access.current_call(user, unit, call_id) if call_id is not None else None) or access.current_call(
            user, unit
        )
    moves = []
    if call is not None:
        moves = [
            {"status": s, "label": MOVE_LABELS[s]} for s in transitions.next_statuses(call.status, transitions.MEMBER)
        ]
    cleared = call is not None and call.status == S.CLEARED
    outcome_form = OutcomeForm() if cleared and access.may_record_outcome(user, call) else None
    recent = list(access.recent_calls(user, unit)) if unit else []
    shift_over = unit is not None and now >= unit.shift_ends_at
    # Only the unit's members change its status: someone shown a re-paired unit for an outcome they owe does not.
    member = is_member(user, unit)
    return {
        "unit": unit,
        "on_shift": unit is not None and unit.on_shift_at(now),
        "shift_over": shift_over,
        # The phone sends its location by itself while the unit works: on shift, or on a call past its end.
        "tracking": unit is not None and (unit.on_shift_at(now) or unit.status in Unit.BUSY_STATUSES),
        "call": call,
        "asked_call": call is not None and call.pk == call_id,
        "moves": moves,
        "navigate_url": navigate_url(call, request.headers.get("User-Agent", "")) if call else "",
        "apple_maps_url": apple_maps_url(call) if call else "",
        "may_write_clinical": call is not None and access.may_add_note(user, call, clinical=True),
        "cleared": cleared,
        # The buttons a unit with no call shows: log on (or back in service), or out of service.
        "can_log_on": member and unit.status in (Unit.Status.OFF_DUTY, Unit.Status.OUT_OF_SERVICE),
        "can_go_out_of_service": member and unit.status == Unit.Status.AVAILABLE,
        "outcome_form": outcome_form,
        # Beside the outcome form: the unit available for calls, or documenting (out of service).
        "clear_to_choice": outcome_form is not None
        and member
        and not shift_over
        and unit.status in Unit.ON_DUTY_IDLE_STATUSES,
        "documenting": unit is not None and unit_services.is_documenting(unit),
        "recent": recent,
        # The drafts static/js/outcome_draft.js may forget: calls whose outcome is no longer due.
        "outcomes_done": [c.pk for c in recent if c.status != S.CLEARED],
        # Cleared calls of the shift whose outcome is this user's to record, besides the one shown.
        "outcomes_due": [
            c.pk for c in recent if c.status == S.CLEARED and c != call and access.may_record_outcome(user, c)
        ],
        "notes": _notes_read(request, call),
        "note_form": NoteForm(call_pk=call.pk) if call else None,
        # Red until someone on the unit (or the dispatcher) has read it.
        "safety_alert": call.alerts.filter(kind=CallAlert.Kind.SAFETY_FLAG_RAISED, cleared_at__isnull=True).first()
        if call
        else None,
        "send_every_seconds": settings.LOCATION_SEND_EVERY_SECONDS,
        "send_every_metres": settings.LOCATION_SEND_EVERY_METRES,
    }


def _notes_read(request, call: CrisisCall | None) -> list:
    if call is None:
        return []
    notes = list(access.call_notes_for(request.user, call))
    services.clinical_notes_read(call=call, actor=request.user, notes=notes)
    return notes


@role_required(*MEMBER_ROLES)
def my_unit(request):
    context = my_unit_context(request, call_id=_asked_call_id(request))
    return render(request, "dispatch/my_unit.html", {**context, **schedule_context(request.user)})


@require_GET
@role_required(*MEMBER_ROLES)
def my_unit_panel(request):
    """The panel, refreshed every few seconds. While an outcome form is open the panel does not
    refresh (that would wipe what is being typed): its banner asks instead, with
    ``?outcome_open=<call id>``, and shows a new call sent to the unit meanwhile."""
    writing = request.GET.get("outcome_open")
    if writing is not None:
        return render(request, "dispatch/_new_call_banner.html", {"new_call": _new_call_beside(request, writing)})
    return render(request, "dispatch/_my_call.html", my_unit_context(request, call_id=_asked_call_id(request)))


def _new_call_beside(request, writing: str) -> CrisisCall | None:
    unit = selectors.member_unit(request.user, timezone.now())
    call = access.current_call(request.user, unit) if unit else None
    if call is None or call.status not in CrisisCall.WITH_UNIT_STATUSES or str(call.pk) == writing:
        return None
    return call


def _my_call(request, call_id: int) -> CrisisCall:
    call = get_object_or_404(CrisisCall.objects.select_related("unit__clinician", "unit__officer"), pk=call_id)
    if not access.is_on_call(request.user, call):
        raise Http404
    return call


def _after_my_action(request, error: ApplicationError | None = None, success: str = "", outcome_form=None,
                     note_form=None):  # fmt: skip
    if request.htmx and request.htmx.target == "clear-to":  # the unit's status beside the outcome form
        context = {**my_unit_context(request), "clear_to_error": error.detail if error else "", "oob": True}
        return render(request, "dispatch/_clear_to.html", context)
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
        return render(request, "dispatch/my_unit.html", {**context, **schedule_context(request.user)}, status=400)
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
    """Record the outcome; with ``then=available`` (its button is shown while the unit is
    documenting) the unit goes back in service too."""
    call = _my_call(request, call_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.call_record_outcome(call=call, actor=request.user, source=WEB, **form.cleaned_data)
        except ApplicationError as refusal:
            form.add_application_error(refusal)
        else:
            messages.success(request, f"Outcome recorded; call {call.pk} is closed.")
            if request.POST.get("then") == Unit.Status.AVAILABLE:
                _back_in_service(request, call.unit)
            response = _after_my_action(request)
            # static/js/outcome_draft.js forgets the draft it kept on this phone.
            response["HX-Trigger"] = json.dumps({"outcome-recorded": {"call": call.pk}})
            return response
    return _after_my_action(request, outcome_form=form)


def _back_in_service(request, unit: Unit) -> None:
    unit.refresh_from_db()
    if not is_member(request.user, unit):  # re-paired since the call: the unit is the newcomers'
        return
    if not unit_services.is_documenting(unit):  # a new call, or a dispatcher, got there first
        return
    try:
        unit_services.unit_set_status(unit=unit, status=Unit.Status.AVAILABLE, actor=request.user)
    except ApplicationError as refusal:
        messages.warning(request, refusal.detail)
    else:
        messages.success(request, f"{unit.call_sign} is available.")


@require_POST
@role_required(*MEMBER_ROLES)
def my_unit_status(request):
    unit = selectors.member_unit(request.user, timezone.now())
    if not is_member(request.user, unit):
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
