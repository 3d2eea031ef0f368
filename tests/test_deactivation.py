"""Deactivating a clinician or officer ends their access: their API tokens stop working, their
web sessions end, their logins are refused, and the audit log says each; reactivating lets them
log in again with their password, but their old tokens and sessions stay gone."""

import pytest
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from coresponder.models import AuditEntry
from tests.factories import ClinicianFactory, OfficerFactory, UserFactory

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
def test_reactivating_a_person_lets_them_log_in_again_but_revives_no_token(api, users, collection, factory, who):
    person = factory(user=users[who])
    token = token_client(users[who])
    api("supervisor").patch(f"/api/v1/{collection}/{person.pk}/", {"active": False})
    api("supervisor").patch(f"/api/v1/{collection}/{person.pk}/", {"active": True})

    assert logged_in(who).get("/me/").status_code == 200
    assert token.get("/api/v1/calls/").status_code == 401, "a token revoked stays revoked"
    assert AuditEntry.objects.filter(action="auth.login_enabled", object_id=who, actor_name="supervisor").count() == 1


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
