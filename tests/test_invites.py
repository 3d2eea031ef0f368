"""Inviting a login: a supervisor makes one for a clinician or officer and is shown a one-time
set-password link; the person sets their password with it and logs in. The link works once,
for 48 hours, and never for a login that has been turned off; no password is typed by the
supervisor, and the token is never stored nor written to the audit log."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.test import Client

from coresponder.invites import username_suggestion
from coresponder.models import AuditEntry
from tests.factories import ClinicianFactory, OfficerFactory, UserFactory
from units.models import Clinician

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "violet-harbour-42"


@pytest.fixture
def supervisor(client, users):
    client.force_login(users["supervisor"])
    return client


def invite(client, role: str, person, username: str, email: str = "") -> str:
    """Invite through the page; the set-password link's path, as the supervisor is shown it."""
    response = client.post(f"/people/{role}/{person.pk}/invite/", {"username": username, "email": email})
    assert response.status_code == 200, response.content.decode()
    return link_in(response)


def link_in(response) -> str:
    found = re.search(r'value="http://testserver(/accounts/set-password/[^"]+)"', response.content.decode())
    assert found, "the page shows the link"
    return found.group(1)


def set_password(link: str, password: str = NEW_PASSWORD) -> Client:
    """Open the link logged out, as the person would, and choose a password."""
    person = Client()
    opened = person.get(link)
    assert opened.status_code == 302, "a valid link hides its token behind a redirect"
    form_url = opened["Location"]
    answer = person.post(form_url, {"new_password1": password, "new_password2": password})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/", answer.content.decode()
    return person


def link_works(link: str) -> bool:
    response = Client().get(link, follow=True)
    return 'name="new_password1"' in response.content.decode()


def can_log_in(username: str, password: str = NEW_PASSWORD) -> bool:
    client = Client()
    return client.post("/accounts/login/", {"username": username, "password": password}).status_code == 302


@pytest.mark.parametrize(("role", "factory"), [("clinician", ClinicianFactory), ("officer", OfficerFactory)])
def test_an_invitation_makes_a_login_in_the_role_with_no_usable_password(supervisor, role, factory):
    person = factory(name="Maya Patel")
    link = invite(supervisor, role, person, "maya.patel", "maya@example.org")
    user = User.objects.get(username="maya.patel")
    assert list(user.groups.values_list("name", flat=True)) == [role]
    assert not user.has_usable_password() and user.email == "maya@example.org" and user.is_active
    person.refresh_from_db()
    assert person.user == user
    entry = AuditEntry.objects.get(action="user.invited")
    assert (entry.actor_name, entry.object_id) == ("supervisor", "maya.patel")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert not AuditEntry.objects.filter(note__contains=token).exists()
    assert not AuditEntry.objects.filter(changes__icontains=token).exists()


def test_the_invite_form_suggests_a_free_username_from_the_name(supervisor):
    UserFactory(username="maya.patel")
    maya = ClinicianFactory(name="Maya  Patel")
    form = supervisor.get(f"/people/clinician/{maya.pk}/invite/").context["form"]
    assert form.initial["username"] == "maya.patel2"
    assert username_suggestion("José Núñez-Díaz", fallback="x") == "jose.nunez.diaz"
    assert username_suggestion("李小龍", fallback="clinician7") == "clinician7"


def test_the_link_sets_the_password_once_and_the_person_lands_on_my_unit(supervisor):
    link = invite(supervisor, "clinician", ClinicianFactory(name="Maya Patel"), "maya.patel")
    set_password(link)
    response = Client().post("/accounts/login/", {"username": "maya.patel", "password": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/me/"
    assert AuditEntry.objects.filter(action="user.password_set", object_id="maya.patel").exists()

    second = Client().get(link, follow=True)
    assert "This link no longer works" in second.content.decode(), "the token held the old password's hash"


def test_the_link_runs_out_after_48_hours(supervisor):
    link = invite(supervisor, "officer", OfficerFactory(name="Dana Reyes"), "dana.reyes")
    later = default_token_generator._now() + timedelta(hours=48, minutes=1)
    with mock.patch.object(default_token_generator, "_now", return_value=later):
        assert not link_works(link)
    almost = default_token_generator._now() + timedelta(hours=47, minutes=59)
    with mock.patch.object(default_token_generator, "_now", return_value=almost):
        assert link_works(link)


def test_a_deactivated_persons_link_does_not_work(supervisor, api):
    dana = OfficerFactory(name="Dana Reyes")
    link = invite(supervisor, "officer", dana, "dana.reyes")
    assert api("supervisor").patch(f"/api/v1/officers/{dana.pk}/", {"active": False}).status_code == 200
    response = Client().get(link, follow=True)
    assert "This link no longer works" in response.content.decode()
    assert not User.objects.get(username="dana.reyes").has_usable_password()


def test_a_taken_username_is_said_by_the_field_and_nothing_is_made(supervisor):
    UserFactory(username="Maya.Patel")
    maya = ClinicianFactory(name="Maya Patel")
    response = supervisor.post(f"/people/clinician/{maya.pk}/invite/", {"username": "maya.patel"})
    assert response.status_code == 409
    assert response.context["form"].errors["username"] == ["Already taken."]
    assert Clinician.objects.get().user is None and User.objects.filter(username="maya.patel").count() == 0


def test_a_bad_username_is_said_by_the_field(supervisor):
    maya = ClinicianFactory(name="Maya Patel")
    response = supervisor.post(f"/people/clinician/{maya.pk}/invite/", {"username": "maya patel!"})
    assert response.status_code == 400 and "username" in response.context["form"].errors
    assert Clinician.objects.get().user is None and not User.objects.filter(username__startswith="maya").exists()


def test_a_person_with_a_login_is_not_invited_twice(supervisor, users):
    maya = ClinicianFactory(name="Maya Patel", user=users["clinician"])
    page = supervisor.get(f"/people/clinician/{maya.pk}/invite/")
    assert page.status_code == 200 and "already has the login" in page.content.decode()
    assert supervisor.post(f"/people/clinician/{maya.pk}/invite/", {"username": "other"}).status_code == 409
    assert not User.objects.filter(username="other").exists()


def test_a_new_link_kills_the_ones_before_it(supervisor):
    maya = ClinicianFactory(name="Maya Patel")
    first = invite(supervisor, "clinician", maya, "maya.patel")
    second = link_in(supervisor.post(f"/people/clinician/{maya.pk}/new-link/"))
    assert not link_works(first)
    set_password(second)
    assert can_log_in("maya.patel")


def test_a_new_link_for_a_forgotten_password_ends_the_old_password_and_sessions(supervisor):
    maya = ClinicianFactory(name="Maya Patel")
    set_password(invite(supervisor, "clinician", maya, "maya.patel"))
    phone = Client()
    phone.post("/accounts/login/", {"username": "maya.patel", "password": NEW_PASSWORD})
    assert phone.get("/me/").status_code == 200

    link = link_in(supervisor.post(f"/people/clinician/{maya.pk}/new-link/"))
    assert not can_log_in("maya.patel"), "the old password stops working"
    assert phone.get("/me/")["Location"].startswith("/accounts/login/"), "their sessions end"
    entry = AuditEntry.objects.get(action="user.password_link")
    assert (entry.object_id, entry.note) == ("maya.patel", "password cleared")
    set_password(link, "a-new-password-77")
    assert can_log_in("maya.patel", "a-new-password-77")


def test_no_new_link_for_a_deactivated_person(supervisor):
    maya = ClinicianFactory(name="Maya Patel")
    invite(supervisor, "clinician", maya, "maya.patel")
    maya.refresh_from_db()
    from units.services import responder_save

    responder_save(responder=maya, role="clinician", active=False)
    response = supervisor.post(f"/people/clinician/{maya.pk}/new-link/", follow=True)
    assert "The login maya.patel is turned off: reactivate Maya Patel first." in response.content.decode()
    assert "/accounts/set-password/" not in response.content.decode()


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "outsider"])
def test_only_supervisors_invite_or_make_links(client, users, who):
    maya = ClinicianFactory(name="Maya Patel")
    client.force_login(users[who])
    assert client.post(f"/people/clinician/{maya.pk}/invite/", {"username": "maya.patel"}).status_code == 403
    assert client.post(f"/people/clinician/{maya.pk}/new-link/").status_code == 403
    assert not User.objects.filter(username="maya.patel").exists()


def test_a_made_up_link_shows_the_page_saying_it_does_not_work(client):
    response = client.get("/accounts/set-password/x/y/")
    assert response.status_code == 200 and "This link no longer works" in response.content.decode()
