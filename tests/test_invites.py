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

from coresponder.errors import ConflictError
from coresponder.models import AuditEntry
from tests.factories import ClinicianFactory, OfficerFactory, UserFactory
from units.models import Clinician
from units.services.invites import login_invite, username_suggestion

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


def test_of_two_invitations_at_once_the_second_is_refused_and_the_first_login_and_link_stay(supervisor):
    maya = ClinicianFactory(name="Maya Patel")
    second_tab = Clinician.objects.get(pk=maya.pk)  # read by a second supervisor before the first invited
    first = invite(supervisor, "clinician", maya, "maya.patel")
    with pytest.raises(ConflictError) as refused:
        login_invite(responder=second_tab, role="clinician", username="mpatel")
    assert (refused.value.status_code, refused.value.code) == (409, "has_login")
    assert Clinician.objects.get().user.username == "maya.patel"
    assert not User.objects.filter(username="mpatel").exists()
    assert link_works(first), "the first login and its link survive"


@pytest.mark.parametrize("typed", ["root", "ROOT"])
def test_a_supervisor_cannot_take_over_an_administrators_login(supervisor, api, typed):
    root = User.objects.create_superuser("root", "root@example.org", "root-password-123")
    maya = ClinicianFactory(name="Maya Patel")
    answer = api("supervisor").patch(f"/api/v1/clinicians/{maya.pk}/", {"username": typed}, format="json")
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "username_taken")
    assert answer.json()["error"]["fields"] == {"username": ["Belongs to an administrator's login."]}

    Clinician.objects.filter(pk=maya.pk).update(user=root)  # linked before the service checked this
    response = supervisor.post(f"/people/clinician/{maya.pk}/new-link/", follow=True)
    page = response.content.decode()
    assert "The login root is an administrator&#x27;s; a responder needs a login of their own." in page
    assert "/accounts/set-password/" not in page
    root.refresh_from_db()
    assert root.check_password("root-password-123") and root.is_superuser


def test_a_new_link_is_refused_for_a_login_outside_the_persons_role(supervisor, users):
    maya = ClinicianFactory(name="Maya Patel", user=users["dispatcher"])  # linked before the service checked this
    response = supervisor.post(f"/people/clinician/{maya.pk}/new-link/", follow=True)
    assert "The login dispatcher has the role dispatcher" in response.content.decode()
    assert can_log_in("dispatcher", "pass-word-123"), "the dispatcher's password is untouched"


def test_a_link_given_before_deactivation_stays_dead_after_reactivation(supervisor, api):
    dana = OfficerFactory(name="Dana Reyes")
    before = invite(supervisor, "officer", dana, "dana.reyes")
    assert api("supervisor").patch(f"/api/v1/officers/{dana.pk}/", {"active": False}).status_code == 200
    assert api("supervisor").patch(f"/api/v1/officers/{dana.pk}/", {"active": True}).status_code == 200
    assert not link_works(before)
    set_password(link_in(supervisor.post(f"/people/officer/{dana.pk}/new-link/")))
    assert can_log_in("dana.reyes")


def test_a_reset_password_is_told_to_the_person_by_e_mail(supervisor, mailoutbox, django_capture_on_commit_callbacks):
    maya = ClinicianFactory(name="Maya Patel")
    set_password(invite(supervisor, "clinician", maya, "maya.patel", "maya@example.org"))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert supervisor.post(f"/people/clinician/{maya.pk}/new-link/").status_code == 200
    [mail] = mailoutbox
    assert (mail.to, mail.subject) == (["maya@example.org"], "Your password was reset")
    assert "(login maya.patel) was reset by supervisor on " in mail.body
    assert "If you did not ask for this, tell your supervisor now." in mail.body
    assert AuditEntry.objects.filter(action="user.password_link", note="password cleared").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        supervisor.post(f"/people/clinician/{maya.pk}/new-link/")  # no password to clear this time
    assert len(mailoutbox) == 1, "a new link for someone with no password yet tells nobody"


def test_a_mail_server_that_fails_leaves_the_reset_done_and_is_logged(
    supervisor, settings, caplog, django_capture_on_commit_callbacks
):
    maya = ClinicianFactory(name="Maya Patel")
    set_password(invite(supervisor, "clinician", maya, "maya.patel", "maya@example.org"))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there: connection refused
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor.post(f"/people/clinician/{maya.pk}/new-link/")
    assert response.status_code == 200 and link_in(response)
    assert not can_log_in("maya.patel"), "the reset is done"
    assert "Could not tell login maya.patel that their password was reset" in caplog.text
