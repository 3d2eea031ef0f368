"""People: the program's clinicians and officers, their credentials, and their logins."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from coresponder.errors import ApplicationError
from coresponder.localtime import local, week_start_of
from coresponder.roles import Role
from coresponder.web import role_required
from units.forms.people import RESPONDER_FORMS, InviteForm, PeopleFilterForm
from units.models import Clinician, Officer, Unit
from units.selectors import people_directory
from units.services.invites import login_invite, login_link_renew, username_suggestion
from units.services.people import responder_current_unit, responder_save, responder_units_ahead, unit_engagement
from units.services.rules import credential_warning
from units.views.roster import roster_url

MODELS = {"clinician": Clinician, "officer": Officer}
GROUPS = {"clinician": Role.CLINICIAN, "officer": Role.OFFICER}


def unit_on_roster(unit: Unit) -> str:
    """The unit's card on the roster page, in its week."""
    return f"{roster_url(week_start_of(local(unit.shift_starts_at).date()))}#unit-{unit.pk}"


@role_required(Role.SUPERVISOR)
def people(request):
    form = PeopleFilterForm(request.GET)
    valid = form.is_valid()
    filters = form.cleaned_data if valid else {"q": "", "role": "both", "active": "active", "language": ""}
    rows = people_directory(**{"expiring": False, **filters}, now=timezone.now())
    for row in rows:
        row.unit_link = unit_on_roster(row.unit) if row.unit else ""
    return render(request, "units/people.html", {"form": form, "rows": rows}, status=200 if valid else 400)


def _person(role: str, person_id: int) -> Clinician | Officer:
    if role not in MODELS:
        raise Http404("No such kind of person.")
    return get_object_or_404(MODELS[role].objects.select_related("user"), pk=person_id)


def person_url(role: str, person: Clinician | Officer) -> str:
    return reverse("person", kwargs={"role": role, "person_id": person.pk})


@role_required(Role.SUPERVISOR)
def person_add(request):
    role = request.GET.get("role") or "clinician"
    if role not in MODELS:
        raise Http404("No such kind of person.")
    form_class, status = RESPONDER_FORMS[role], 200
    form = form_class(request.POST if request.method == "POST" else None, initial={"active": True})
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                person = responder_save(responder=MODELS[role](), role=GROUPS[role], actor=request.user,
                                        **form.service_fields())  # fmt: skip
            except ApplicationError as refusal:
                form.add_application_error(refusal)
                status = refusal.status_code
            else:
                messages.success(request, f"{person.name} added. Invite a login for them below when they need one.")
                return redirect(person_url(role, person))
    return render(request, "units/person_form.html", {"form": form, "role": role, "person": None}, status=status)


@role_required(Role.SUPERVISOR)
def person_edit(request, role: str, person_id: int):
    person = _person(role, person_id)
    form_class, status = RESPONDER_FORMS[role], 200
    if request.method == "POST":
        form, status = form_class(request.POST), 400
        was_active = person.active
        if form.is_valid():
            try:
                person = responder_save(responder=person, role=GROUPS[role], actor=request.user,
                                        expected_updated_at=form.cleaned_data["updated_at"], **form.service_fields())  # fmt: skip
            except ApplicationError as refusal:
                form.add_application_error(refusal)
                status = refusal.status_code
                person = _person(role, person_id)  # as stored: the refused change was not made
            else:
                _say_saved(request, person, was_active)
                return redirect(person_url(role, person))
    else:
        form = form_class(initial=form_class.initial_of(person))
    return render(request, "units/person_form.html", _person_context(person, role, form), status=status)


def _say_saved(request, person, was_active: bool) -> None:
    if was_active and not person.active:
        ahead = responder_units_ahead(person, timezone.now()).count()
        ended = ": their login, password and sessions have ended" if person.user_id else ""
        messages.success(request, f"{person.name} deactivated{ended}.")
        if ahead:
            messages.warning(request, f"{person.name} is still paired in {ahead} unit(s) ahead: re-pair them below.")
    elif not was_active and person.active and person.user_id:
        messages.success(request, f"{person.name} reactivated: their login {person.user.get_username()} is on again.")
        messages.warning(
            request,
            f"{person.name} has no password: it was cleared when they were deactivated. Give them a new "
            "set-password link (Login, below) so they can log in.",
        )
    else:
        messages.success(request, f"{person.name} saved.")


def _person_context(person, role: str, form) -> dict:
    now = timezone.now()
    ahead = list(responder_units_ahead(person, now))
    for unit in ahead:
        unit.roster_link = unit_on_roster(unit)
    current = responder_current_unit(person, now)
    return {"form": form, "role": role, "person": person, "units_ahead": ahead, "current_unit": current,
            "current_engagement": unit_engagement(current, now) if current else "",
            "warning": credential_warning(person, local(now).date())}  # fmt: skip


@role_required(Role.SUPERVISOR)
def person_invite(request, role: str, person_id: int):
    person = _person(role, person_id)
    context = {"person": person, "role": role}
    if request.method == "POST" and person.user_id:  # invited meanwhile, in another tab
        return render(request, "units/person_invite.html", {**context, "form": None}, status=409)
    if request.method == "POST":
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                link = login_invite(responder=person, role=GROUPS[role], actor=request.user, **form.cleaned_data)
            except ApplicationError as refusal:
                form.add_application_error(refusal)
                return render(
                    request, "units/person_invite.html", {**context, "form": form}, status=refusal.status_code
                )
            return _show_link(request, person, role, link, invited=True)
        return render(request, "units/person_invite.html", {**context, "form": form}, status=400)
    suggestion = "" if person.user_id else username_suggestion(person.name, fallback=f"{role}{person.pk}")
    form = InviteForm(initial={"username": suggestion})
    return render(request, "units/person_invite.html", {**context, "form": form})


@require_POST
@role_required(Role.SUPERVISOR)
def person_new_link(request, role: str, person_id: int):
    person = _person(role, person_id)
    try:
        link = login_link_renew(responder=person, role=GROUPS[role], actor=request.user)
    except ApplicationError as refusal:
        messages.error(request, refusal.detail)
        return redirect(person_url(role, person))
    return _show_link(request, person, role, link, invited=False)


def _show_link(request, person, role: str, link: str, *, invited: bool):
    """The set-password link, shown this once: it is stored nowhere."""
    person.refresh_from_db()
    expires = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    context = {"person": person, "role": role, "link": request.build_absolute_uri(link), "invited": invited,
               "expires": expires}  # fmt: skip
    return render(request, "units/person_link.html", context)


urlpatterns = [
    path("people/", people, name="people"),
    path("people/add/", person_add, name="person-add"),
    path("people/<str:role>/<id:person_id>/", person_edit, name="person"),
    path("people/<str:role>/<id:person_id>/invite/", person_invite, name="person-invite"),
    path("people/<str:role>/<id:person_id>/new-link/", person_new_link, name="person-new-link"),
]
