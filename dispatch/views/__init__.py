"""The dispatcher's board (``board``) and the unit's phone page (``phone``).

Views parse, authorise by role and render; ``dispatch.services`` decides. Each page works as
plain HTML forms and links (a decision's panel is a page of its own without JavaScript); htmx
makes it live (panels refreshed in place, actions without a reload).
"""

import json
from functools import partial

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from coresponder.errors import ApplicationError
from coresponder.roles import Role
from coresponder.web import posted_form
from dispatch import services
from dispatch.forms import CallMoveForm
from dispatch.models import CallEvent, CrisisCall

WEB = CallEvent.Source.WEB
BOARD_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)
MEMBER_ROLES = (Role.CLINICIAN, Role.OFFICER)
# Words on the buttons for each move a dispatcher or member can make.
MOVE_LABELS = {
    CrisisCall.Status.RECEIVED: "Release",
    CrisisCall.Status.HELD: "Hold",
    CrisisCall.Status.QUEUED: "Back to queue",
    CrisisCall.Status.EN_ROUTE: "En route",
    CrisisCall.Status.ON_SCENE: "On scene",
    CrisisCall.Status.TRANSPORTING: "Transporting",
    CrisisCall.Status.CLEARED: "Clear",
    CrisisCall.Status.CANCELLED: "Cancel",
    CrisisCall.Status.RETURNED_TO_911: "Return to 911",
}


def note_added(response, call: CrisisCall):
    """Tell the page (static/js/notes.js) to empty the note box it kept while the panel refreshed."""
    response["HX-Trigger"] = json.dumps({"note-added": {"field": f"note-text-{call.pk}"}})
    return response


def answer_action(request, error: ApplicationError | None, success: str, *, panel: str, context, page: str):
    """After a button on a live page: say what happened, then give htmx the refreshed ``panel``
    template (with ``context(request)``), or send a plain form back to the ``page``."""
    if error is not None:
        messages.error(request, error.detail)
    elif success:
        messages.success(request, success)
    if request.htmx:
        return render(request, panel, context(request))
    return redirect(page)


def posted_move(request, call_id: int, *, after, invalid: str = "Choose a valid status.") -> HttpResponse:
    """A button that moves a call (the board's, the crisis line's): the form's status, through the
    one service every move goes through, answered by ``after(request, error, success)``."""
    call = get_object_or_404(CrisisCall, pk=call_id)

    def do(data):
        services.call_transition(call=call, to_status=data["status"], note=data["note"], actor=request.user, source=WEB)
        call.refresh_from_db()
        return f"Call {call.pk}: {call.get_status_display().lower()}."

    return posted_form(CallMoveForm(request.POST), invalid=invalid, do=do, after=partial(after, request))
