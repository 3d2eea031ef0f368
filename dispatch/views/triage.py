"""The crisis line's page (triage mode): calls waiting for a counselor, with their wait timers and
the three decisions -- resolved by phone, send a unit, return to 911."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from coresponder.errors import ApplicationError
from coresponder.roles import Role
from coresponder.web import posted_form, role_required
from dispatch import selectors, services
from dispatch.forms import ResolveForm
from dispatch.models import CrisisCall
from dispatch.views import WEB, answer_action, posted_move

S = CrisisCall.Status
# The moves a counselor makes here besides resolving, in the counselor's words.
DECISIONS = [
    {"status": S.RECEIVED, "label": "Send a unit", "confirm": False},
    {"status": S.RETURNED_TO_911, "label": "Return to 911", "confirm": True},
]


def triage_context(request) -> dict:
    alert_after = int(settings.DISPATCH_TRIAGE_ALERT_AFTER.total_seconds())
    return {
        "calls": selectors.triage_calls(),
        "resolve_form": ResolveForm(),
        "decisions": DECISIONS,
        "amber": int(alert_after * settings.DISPATCH_BOARD_AMBER_SHARE),
        "red": alert_after,
        "triage_mode": settings.DISPATCH_INTAKE_MODE == "triage",
    }


@role_required(Role.COUNSELOR, Role.SUPERVISOR)
def triage(request):
    return render(request, "dispatch/triage.html", triage_context(request))


@require_GET
@role_required(Role.COUNSELOR, Role.SUPERVISOR)
def triage_panel(request):
    return render(request, "dispatch/_triage_panel.html", triage_context(request))


def _after_decision(request, error: ApplicationError | None = None, success: str = ""):
    return answer_action(request, error, success, panel="dispatch/_triage_panel.html", context=triage_context,
                         page="triage")  # fmt: skip


@require_POST
@role_required(Role.COUNSELOR)
def triage_resolve(request, call_id: int):
    call = get_object_or_404(CrisisCall, pk=call_id)

    def do(data):
        services.call_resolve_by_phone(call=call, actor=request.user, source=WEB, disposition=data["phone_disposition"],
                                       note=data["note"])  # fmt: skip
        return f"Call {call.pk} closed: {CrisisCall.PhoneDisposition(data['phone_disposition']).label.lower()}."

    return posted_form(ResolveForm(request.POST), invalid="Choose how the call ended.", do=do,
                       after=partial(_after_decision, request))  # fmt: skip


@require_POST
@role_required(Role.COUNSELOR)
def triage_decide(request, call_id: int):
    return posted_move(request, call_id, after=_after_decision, invalid="Choose a decision.")
