"""The dispatcher's board: calls and units, the map, and every dispatcher's action."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from coresponder.errors import ApplicationError
from coresponder.roles import Role, has_role
from coresponder.web import posted_form, role_required
from dispatch import access, safety, selectors, services, transitions
from dispatch.eligibility import why_not
from dispatch.forms import AssignForm, NewCallForm, NoteForm, UnitStatusForm
from dispatch.models import CallAlert, CrisisCall
from dispatch.views import BOARD_ROLES, MOVE_LABELS, WEB, answer_action, note_added, posted_move
from units import services as unit_services
from units.membership import display_name
from units.models import Unit

REASSIGNABLE = transitions.REASSIGNABLE
ASSIGNABLE = {*CrisisCall.WAITING_STATUSES, *transitions.REASSIGNABLE}
# The moves a dispatcher decides in a small panel first: what the button does, in words
# ("Cancel call #12" / "Keep call"), and for a release the safety review it needs.
DECIDED_IN_A_PANEL = {
    CrisisCall.Status.RECEIVED, CrisisCall.Status.CANCELLED, CrisisCall.Status.RETURNED_TO_911,
    CrisisCall.Status.QUEUED, CrisisCall.Status.HELD,
}  # fmt: skip


def timer_thresholds(call: CrisisCall) -> tuple[int | None, int | None]:
    """Seconds in the current status at which the board's timer turns amber and red."""
    if call.status in CrisisCall.WAITING_STATUSES:
        red = settings.DISPATCH_WAIT_ALERT_AFTER[call.priority]
    elif call.status == CrisisCall.Status.DISPATCHED:
        red = settings.DISPATCH_ACK_ALERT_AFTER
    elif call.status == CrisisCall.Status.ON_SCENE:
        red = settings.DISPATCH_SAFETY_CHECK_AFTER
    else:
        return None, None
    return int(red.total_seconds() * settings.DISPATCH_BOARD_AMBER_SHARE), int(red.total_seconds())


def move_label(call: CrisisCall, to_status: str) -> str:
    if call.status == CrisisCall.Status.TRIAGE and to_status == CrisisCall.Status.RECEIVED:
        return "Send a unit"
    return MOVE_LABELS[to_status]


def board_row(call: CrisisCall, *, can_act: bool) -> dict:
    amber, red = timer_thresholds(call)
    moves = transitions.next_statuses(call.status, transitions.DISPATCHER) if can_act else []
    if call.status == CrisisCall.Status.TRIAGE:  # the safety hold decides where a flagged call waits
        moves = [s for s in moves if s != CrisisCall.Status.HELD]
    alerts = [a for a in call.alerts.all() if a.cleared_at is None]
    return {
        "call": call,
        "held": call.status == CrisisCall.Status.HELD,
        # Waiting calls are timed from receipt, others from their last change.
        "since": call.received_at if call.status in CrisisCall.WAITING_STATUSES else call.status_changed_at,
        "amber": amber,
        "red": red,
        "alerts": [a for a in alerts if a.kind != CallAlert.Kind.SAFETY_FLAG_RAISED],
        "safety_alert": next((a for a in alerts if a.kind == CallAlert.Kind.SAFETY_FLAG_RAISED), None),
        "moves": [
            {
                "status": s,
                "label": move_label(call, s),
                # A release is reviewed in a panel; the crisis line's "send a unit" is not a release.
                "panel": s in DECIDED_IN_A_PANEL and call.status != CrisisCall.Status.TRIAGE,
                # Ends the call or frees its unit: outlined in red, and in the row's menu.
                "danger": s in DECIDED_IN_A_PANEL and s != CrisisCall.Status.RECEIVED,
            }
            for s in moves
            if s in MOVE_LABELS and s != CrisisCall.Status.DISPATCHED
        ],
        "can_assign": can_act and call.status in ASSIGNABLE,
        "menu_id": f"menu-call-{call.pk}",
        "reassigning": call.status in REASSIGNABLE,
    }


# What needs the dispatcher now, in the order the strip says it: each a row's reason to come first.
NEEDS = [
    ("held", "held for review"),
    ("not_acknowledged", "not acknowledged"),
    ("overdue", "overdue"),
    ("safety_alert", "safety alert"),
]
OVERDUE = {CallAlert.Kind.WAITING_TOO_LONG, CallAlert.Kind.WAITING_IN_TRIAGE}


def needs_of(row: dict) -> list[str]:
    """Why this call needs the dispatcher now (nothing: it can wait its turn)."""
    kinds = {alert.kind for alert in row["alerts"]}
    return [
        need
        for need, present in (
            ("held", row["call"].status == CrisisCall.Status.HELD),
            ("not_acknowledged", CallAlert.Kind.NOT_ACKNOWLEDGED in kinds),
            ("overdue", bool(kinds & OVERDUE)),
            ("safety_alert", row["safety_alert"] is not None),
        )
        if present
    ]


def needs_strip(rows: list[dict]) -> list[dict]:
    """The strip at the top: how many calls need each thing, each linking to the first such row."""
    strip = []
    for need, words in NEEDS:
        matching = [row for row in rows if need in row["needs"]]
        if matching:
            strip.append({"need": need, "count": len(matching), "words": words, "first": matching[0]["call"].pk})
    return strip


def board_context(request) -> dict:
    now = timezone.now()
    can_act = has_role(request.user, Role.DISPATCHER)
    rows = [board_row(call, can_act=can_act) for call in selectors.board_calls()]
    for row in rows:
        row["needs"] = needs_of(row)
        # One line a row: the next step on the row itself, the moves that end or undo in a menu.
        forward = [move for move in row["moves"] if not move["danger"]]
        row["inline_moves"], row["menu_moves"] = forward, [move for move in row["moves"] if move not in forward]
    # What needs the dispatcher now comes first; the rest keeps its order (waiting, urgency, age).
    rows.sort(key=lambda row: not row["needs"])
    units = list(selectors.board_units(now))
    stale_after = settings.DISPATCH_LOCATION_STALE_AFTER
    for unit in units:
        unit.location_stale = unit.location_at is None or now - unit.location_at > stale_after
    return {
        "rows": rows,
        # Red at the top until acknowledged: a safety flag raised on a call that has a unit.
        "safety_alerts": [row for row in rows if row["safety_alert"]],
        "needs": needs_strip(rows),
        "needing": sum(1 for row in rows if row["needs"]),
        "waiting": sum(1 for r in rows if r["call"].status in CrisisCall.WAITING_STATUSES),
        "active": sum(1 for r in rows if r["call"].status not in CrisisCall.WAITING_STATUSES),
        "units": units,
        # Units the automatic dispatcher could send now.
        "available": sum(1 for u in units if why_not(u, now) is None),
        "can_act": can_act,
        "now": now,
    }


@role_required(*BOARD_ROLES)
def board(request):
    context = board_context(request)
    context["new_call_form"] = NewCallForm()
    context["tile_url"] = settings.MAP_TILE_URL
    return render(request, "dispatch/board.html", context)


@require_GET
@role_required(*BOARD_ROLES)
def board_panels(request):
    return render(request, "dispatch/_board_panels.html", board_context(request))


@require_GET
@role_required(*BOARD_ROLES)
def board_map(request):
    """Markers for the map: units on shift with a location, and open calls."""
    context = board_context(request)
    units = [
        {"id": u.pk, "call_sign": u.call_sign, "status": u.status, "lat": u.lat, "lon": u.lon, "uniformed": u.uniformed}
        for u in context["units"]
        if u.lat is not None
    ]
    calls = [
        {"id": r["call"].pk, "lat": r["call"].lat, "lon": r["call"].lon, "priority": r["call"].priority,
         "status": r["call"].status, "address": r["call"].address, "nature": r["call"].get_nature_display()}
        for r in context["rows"]
    ]  # fmt: skip
    return JsonResponse({"units": units, "calls": calls})


def _after_board_action(request, error: ApplicationError | None = None, success: str = ""):
    return answer_action(request, error, success, panel="dispatch/_board_panels.html", context=board_context,
                         page="board")  # fmt: skip


@require_POST
@role_required(Role.DISPATCHER)
def board_new_call(request):
    form = NewCallForm(request.POST)
    if not form.is_valid():
        context = board_context(request) | {"new_call_form": form, "tile_url": settings.MAP_TILE_URL}
        return render(request, "dispatch/board.html", context, status=400)
    call, _ = services.call_intake(actor=request.user, source=WEB, **form.cleaned_data)
    messages.success(
        request, f"Call {call.pk} at {call.address or 'the map point'} received ({call.get_status_display().lower()})."
    )
    return redirect("board")


@require_POST
@role_required(Role.DISPATCHER)
def board_move(request, call_id: int):
    return posted_move(request, call_id, after=_after_board_action)


@require_GET
@role_required(Role.DISPATCHER)
def board_recommend(request, call_id: int):
    call = get_object_or_404(CrisisCall.objects.select_related("unit"), pk=call_id)
    context = {
        "call": call,
        "recommendations": selectors.recommendations(call, timezone.now()),
        "reassigning": call.status in REASSIGNABLE,
        # A flagged call no one released, sent by hand: the reason is the dispatcher's safety review.
        "review": safety.awaits_release(call),
    }
    return render(request, "dispatch/_recommendations.html", context)


@require_POST
@role_required(Role.DISPATCHER)
def board_assign(request, call_id: int):
    call = get_object_or_404(CrisisCall, pk=call_id)

    def do(data):
        services.call_assign(call=call, actor=request.user, source=WEB, **data)
        return f"Call {call.pk}: {data['unit'].call_sign} sent."

    return posted_form(
        AssignForm(request.POST), invalid="Choose a unit.", do=do, after=partial(_after_board_action, request)
    )


@require_POST
@role_required(Role.DISPATCHER)
def board_unit_status(request, unit_id: int):
    unit = get_object_or_404(Unit, pk=unit_id)

    def do(data):
        unit_services.unit_set_status(unit=unit, actor=request.user, **data)
        unit.refresh_from_db()
        return f"{unit.call_sign}: {unit.get_status_display().lower()}."

    return posted_form(UnitStatusForm(request.POST), invalid="Choose available or out of service.", do=do,
                   after=partial(_after_board_action, request))  # fmt: skip


# --- A call's detail: its notes, and the dispatcher's note form ----------------------------------


def call_detail_context(request, call: CrisisCall, form: NoteForm | None = None) -> dict:
    return {"call": call, "notes": list(access.call_notes_for(request.user, call)),
            "released_by": display_name(call.released_by) if call.released_by else "a dispatcher",
            "note_form": form or NoteForm(call_pk=call.pk), "can_act": has_role(request.user, Role.DISPATCHER)}  # fmt: skip


@require_GET
@role_required(*BOARD_ROLES)
def board_call(request, call_id: int):
    call = get_object_or_404(CrisisCall.objects.select_related("unit__clinician", "unit__officer"), pk=call_id)
    context = call_detail_context(request, call)
    services.clinical_notes_read(call=call, actor=request.user, notes=context["notes"])
    return render(request, "dispatch/_call_detail.html", context)


@require_POST
@role_required(Role.DISPATCHER)
def board_add_note(request, call_id: int):
    call = get_object_or_404(CrisisCall.objects.select_related("unit__clinician", "unit__officer"), pk=call_id)
    form = NoteForm(request.POST, call_pk=call.pk)
    if form.is_valid():
        try:
            services.call_add_note(call=call, actor=request.user, source=WEB, text=form.cleaned_data["text"])
        except ApplicationError as refusal:
            form.add_error("text", refusal.detail)
        else:
            response = render(request, "dispatch/_call_detail.html", call_detail_context(request, call))
            return note_added(response, call)
    # htmx swaps only a 2xx answer: the form comes back with its error, and what was typed.
    return render(request, "dispatch/_call_detail.html", call_detail_context(request, call, form),
                  status=200 if request.htmx else 400)  # fmt: skip


@require_POST
@role_required(Role.DISPATCHER)
def board_acknowledge(request, call_id: int):
    call = get_object_or_404(CrisisCall, pk=call_id)
    try:
        services.call_acknowledge_alerts(call=call, actor=request.user)
    except ApplicationError as refusal:
        return _after_board_action(request, refusal)
    return _after_board_action(request, success=f"Call {call.pk}: safety alert acknowledged.")


def decision_words(call: CrisisCall, to_status: str) -> dict:
    """What the panel for a move says: its question, the button that does it, the one that does not."""
    S = CrisisCall.Status
    unit = f" ({call.unit.call_sign} is freed)" if call.unit_id else ""
    return {
        S.RECEIVED: {"title": f"Release call #{call.pk} for automatic dispatch?", "do": f"Release call #{call.pk}",
                     "keep": "Keep it held"},
        S.CANCELLED: {"title": f"Cancel call #{call.pk}?{unit}", "do": f"Cancel call #{call.pk}", "keep": "Keep call"},
        S.RETURNED_TO_911: {"title": f"Return call #{call.pk} to 911?{unit}", "do": f"Return call #{call.pk} to 911",
                            "keep": "Keep call"},
        S.QUEUED: {"title": f"Put call #{call.pk} back in the queue?{unit}", "do": "Back to queue", "keep": "Keep call"},
        S.HELD: {"title": f"Hold call #{call.pk} for review?{unit}", "do": f"Hold call #{call.pk}", "keep": "Keep call"},
    }[to_status]  # fmt: skip


@require_GET
@role_required(Role.DISPATCHER)
def board_decide(request, call_id: int, to_status: str):
    """The panel in which a dispatcher confirms a move that frees a unit or ends a call, or reviews
    a flagged call's safety before releasing it."""
    call = get_object_or_404(CrisisCall.objects.select_related("unit"), pk=call_id)
    if to_status not in DECIDED_IN_A_PANEL or call.status == CrisisCall.Status.TRIAGE:
        raise Http404
    context = {"call": call, "to_status": to_status, "words": decision_words(call, to_status),
               "release": to_status == CrisisCall.Status.RECEIVED,
               "review": to_status == CrisisCall.Status.RECEIVED and bool(call.safety_flags)}  # fmt: skip
    # Without JavaScript the panel is a page of its own; its form posts as usual.
    return render(request, "dispatch/_decision.html" if request.htmx else "dispatch/decision.html", context)
