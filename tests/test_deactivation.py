"""Deactivating a clinician or officer ends their access: their API tokens stop working, their
web sessions end, their logins are refused, their password is cleared, and the audit log says
each; reactivating turns the login back on, but they log in only once they set a password with a
new link, and their old tokens and sessions stay gone. Nobody is deactivated while a unit of
theirs is on shift or not off duty."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from coresponder.models import AuditEntry
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory, UserFactory
from tests.test_invites import can_log_in, link_in, set_password
from units.models import Clinician, Unit

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def logged_in(username):
    client = Client()
    assert client.post(LOGIN, {"username": username, "password": "pass-word-123"}).status_code == 302
    return client


PEOPLE = [("clinicians", ClinicianFactory, "clinician"), ("officers", OfficerFactory, "officer")]


@pytest.mark.parametrize(("collection", "factory", "who"), PEOPLE)
def test_deactivating_a_person_ends_their_tokens_sessions_and_logins(api, users, collection, factory, who):
    person = factory(user=users[who])
    token = token_client(users[who])
    phone, laptop = logged_in(who), logged_in(who)
    assert token.get("/api/v1/calls/").status_code == 200
    assert phone.get("/me/").status_code == 200

    answer = api("supervisor").patch(f"/api/v1/{collection}/{person.pk}/", {"active": False})
    assert answer.status_code == 200 and answer.json()["active"] is False

    assert token.get("/api/v1/calls/").status_code == 401, "the token no longer works"
    for client in (phone, laptop):
        assert client.get("/me/")["Location"].startswith(LOGIN), "every session has ended"
    refused = Client().post(LOGIN, {"username": who, "password": "pass-word-123"})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session

    audited = {e.action: (e.actor_name, e.note) for e in AuditEntry.objects.filter(action__in=[
        "auth.login_disabled", "auth.sessions_ended", "token.revoked"])}  # fmt: skip
    assert audited == {
        "auth.login_disabled": ("supervisor", ""),
        "auth.sessions_ended": ("supervisor", "2 session(s)"),
        "token.revoked": ("supervisor", f"1 token(s) of {who}"),
    }


@pytest.mark.parametrize(("collection", "factory", "who"), PEOPLE)
def test_reactivating_a_person_turns_their_login_on_but_they_need_a_new_link(api, users, collection, factory, who):
    """A deactivated person has left the program: their old password (written down, shared, saved
    on a phone they no longer have) does not come back with them. Their supervisor gives them a
    new set-password link, as to a new starter."""
    person = factory(user=users[who])
    token = token_client(users[who])
    api("supervisor").patch(f"/api/v1/{collection}/{person.pk}/", {"active": False})
    api("supervisor").patch(f"/api/v1/{collection}/{person.pk}/", {"active": True})

    old_password = Client().post(LOGIN, {"username": who, "password": "pass-word-123"})
    assert old_password.status_code == 200, "the password they had before they left no longer works"
    assert token.get("/api/v1/calls/").status_code == 401, "a token revoked stays revoked"
    assert AuditEntry.objects.filter(action="auth.login_enabled", object_id=who, actor_name="supervisor").count() == 1
    assert (
        AuditEntry.objects.filter(action="auth.password_cleared", object_id=who, actor_name="supervisor").count() == 1
    )

    supervisor = Client()
    supervisor.force_login(users["supervisor"])
    link = link_in(supervisor.post(f"/people/{who}/{person.pk}/new-link/"))
    set_password(link)
    assert can_log_in(who), "a new link lets them back in"


def test_other_changes_to_a_person_leave_their_access_alone(api, users):
    person = ClinicianFactory(user=users["clinician"])
    token = token_client(users["clinician"])
    phone = logged_in("clinician")
    api("supervisor").patch(f"/api/v1/clinicians/{person.pk}/", {"name": "Maya Patel-Ruiz"})
    assert token.get("/api/v1/calls/").status_code == 200
    assert phone.get("/me/").status_code == 200
    assert not AuditEntry.objects.filter(action__startswith="auth.login_").exclude(action="auth.login").exists()


def test_unlinking_a_login_while_deactivating_still_ends_its_access(api, users):
    login = UserFactory(username="leaving", role="clinician")
    clinician = ClinicianFactory(user=login)
    token = AuthToken.objects.create(user=login)[1]
    answer = api("supervisor").patch(f"/api/v1/clinicians/{clinician.pk}/", {"active": False, "username": None})
    assert answer.status_code == 200, answer.json()
    login.refresh_from_db()
    assert not login.is_active and not login.groups.exists()
    old_token = APIClient()
    old_token.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert old_token.get("/api/v1/calls/").status_code == 401
    assert not AuthToken.objects.filter(user=login).exists()


def test_a_responder_who_has_been_on_calls_keeps_their_login(api, users, call_in, unit_at):
    clinician = ClinicianFactory(user=users["clinician"])
    call_in("on_scene", unit=unit_at(1, clinician=clinician, officer=OfficerFactory()))
    answer = api("supervisor").patch(f"/api/v1/clinicians/{clinician.pk}/", {"username": "newhire"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "responder_has_history")
    clinician.refresh_from_db()
    assert clinician.user == users["clinician"], "their calls' clinical data stays theirs"


def test_deactivating_on_the_people_page_ends_their_access_too(client, users):
    person = OfficerFactory(name="Dana Reyes", user=users["officer"])
    phone = logged_in("officer")
    client.force_login(users["supervisor"])
    form = client.get(f"/people/officer/{person.pk}/").context["form"].initial
    body = {k: v for k, v in form.items() if v not in (None, False, True)} | {"languages": form["languages"]}
    assert client.post(f"/people/officer/{person.pk}/", body).status_code == 302
    assert phone.get("/me/")["Location"].startswith(LOGIN), "their session has ended"
    assert Client().post(LOGIN, {"username": "officer", "password": "pass-word-123"}).status_code == 200


def test_a_person_on_a_unit_on_shift_now_is_not_deactivated_and_keeps_their_access(api, users, unit_at):
    unit = unit_at(1, call_sign="CR-4", clinician=ClinicianFactory(name="Maya Patel", user=users["clinician"]))
    phone = logged_in("clinician")
    answer = api("supervisor").patch(f"/api/v1/clinicians/{unit.clinician_id}/", {"active": False})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "on_current_unit")
    assert phone.get("/me/").status_code == 200, "a unit on shift keeps its clinician logged in"


# A unit off its shift's window that is not off duty still holds its people: busy on a call past
# the shift's end, logged on before it starts, or set out of service after it ended.
ENGAGED = [
    (Unit.Status.ON_SCENE, timedelta(hours=-9), timedelta(minutes=-30), "on a call in CR-4 (on scene)"),
    (Unit.Status.AVAILABLE, timedelta(minutes=20), timedelta(hours=8, minutes=20), "available in CR-4 before its shift starts"),
    (Unit.Status.OUT_OF_SERVICE, timedelta(hours=-9), timedelta(hours=-1), "out of service in CR-4 after its shift ended"),
]  # fmt: skip


@pytest.mark.parametrize(("status", "starts", "ends", "said"), ENGAGED)
def test_a_person_whose_unit_is_not_off_duty_is_not_deactivated_even_outside_its_shift(
    api, users, status, starts, ends, said
):
    now = timezone.now()
    shift = ShiftFactory(starts_at=now + starts, ends_at=now + ends)
    reason = "meal" if status == Unit.Status.OUT_OF_SERVICE else ""
    unit = UnitFactory(call_sign="CR-4", shift=shift, status=status, out_of_service_reason=reason,
                       clinician=ClinicianFactory(name="Maya Patel", user=users["clinician"]))  # fmt: skip
    phone = logged_in("clinician")
    answer = api("supervisor").patch(f"/api/v1/clinicians/{unit.clinician_id}/", {"active": False})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "on_current_unit")
    assert answer.json()["error"]["detail"].startswith(f"Maya Patel is {said}")
    assert Clinician.objects.get().active
    assert phone.get("/me/").status_code == 200, "their unit keeps its clinician logged in"
