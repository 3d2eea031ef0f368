"""Who reads a responder's roster data, every way it leaves: a clinician's phone and licence
numbers, her login's name and her shifts ahead, against every kind of person -- supervisor,
dispatcher, the officer paired with her, another clinician, an officer not paired with her,
intake, counselor, a login with no role, nobody -- through the API, the pages (people, person,
My unit, the calendar feed), the audit log and its CSV, the schedule e-mail and push."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from coresponder.localtime import week_bounds, week_start_of
from push.alerts import schedule_payload
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UserFactory
from units import services
from units.models import Clinician
from units.services import notices

pytestmark = pytest.mark.django_db

PHONE, LICENCE, LOGIN, CALL_SIGN = "314-555-0142", "LCSW-998877", "maya.patel", "CR-77"
PEOPLE = ["supervisor", "dispatcher", "partner", "other_clinician", "other_officer", "intake", "counselor",
          "outsider", None]  # fmt: skip


@pytest.fixture
def program(users):
    """Maya, a clinician with a login, paired with Dana (an officer with a login) next week, published."""
    maya_login = UserFactory(username=LOGIN, role="clinician", email="maya@example.org")
    maya = services.responder_save(responder=Clinician(), role="clinician", name="Maya Patel", credential="LCSW",
                                   phone=PHONE, licence_number=LICENCE, actor=users["supervisor"])  # fmt: skip
    Clinician.objects.filter(pk=maya.pk).update(user=maya_login)
    maya.refresh_from_db()
    partner = UserFactory(username="dana", role="officer")
    starts_at = week_bounds(week_start_of(timezone.localdate()) + timedelta(days=7))[0] + timedelta(hours=10)
    shift = ShiftFactory(name="Day Mon", starts_at=starts_at, ends_at=starts_at + timedelta(hours=8))
    services.unit_create(call_sign=CALL_SIGN, shift=shift, clinician=maya, officer=OfficerFactory(user=partner))
    services.week_publish(week_start=services.week_of(starts_at), actor=users["supervisor"])
    logins = {
        **users,
        "partner": partner,
        "other_clinician": ClinicianFactory(user=UserFactory(username="noah", role="clinician")).user,
        "other_officer": OfficerFactory(user=UserFactory(username="chris", role="officer")).user,
    }
    return {"maya": maya, "logins": logins}


def pages_seen_by(who, program) -> str:
    """Everything ``who`` gets from the pages and the API that might hold Maya's data."""
    client, api = Client(), APIClient()
    if who is not None:
        client.force_login(program["logins"][who])
        api.force_authenticate(program["logins"][who])
    maya = program["maya"]
    answers = [
        api.get("/api/v1/clinicians/"),
        api.get(f"/api/v1/clinicians/{maya.pk}/"),
        api.get("/api/v1/units/"),
        client.get("/people/"),
        client.get(f"/people/clinician/{maya.pk}/"),
        client.get("/me/"),
        client.get("/audit/"),
        client.get("/audit.csv"),
    ]
    return " ".join(body(response) for response in answers)


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


@pytest.mark.parametrize("who", PEOPLE)
def test_a_responders_numbers_login_and_shifts_reach_only_those_who_need_them(program, who):
    seen = pages_seen_by(who, program)

    assert (PHONE in seen) == (who in ("supervisor", "dispatcher")), "the phone: the roster's and the console's"
    assert (LICENCE in seen) == (who in ("supervisor", "dispatcher")), "the licence number: the same"
    assert (LOGIN in seen) == (who == "supervisor"), "a login's name: the supervisors' alone"
    # Her shift ahead: the roster's people, and the officer she works it with (his own shift).
    assert (CALL_SIGN in seen) == (who in ("supervisor", "dispatcher", "partner"))


def test_the_schedule_e_mail_and_push_tell_her_shifts_and_nothing_more(program, settings):
    # The notices remember what they sent in the cache: a fresh one, as tests/units/test_schedule_notices.py does.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "whose"}}
    maya = program["maya"]
    mail.outbox.clear()
    notices.schedule_tell(user_id=maya.user_id, week_start=services.week_of(timezone.now() + timedelta(days=7)),
                          kind="published")  # fmt: skip
    body = " ".join(message.body + message.subject for message in mail.outbox)
    assert CALL_SIGN in body and PHONE not in body and LICENCE not in body
    assert [message.to for message in mail.outbox] == [["maya@example.org"]]
    payload = str(schedule_payload(services.week_of(timezone.now() + timedelta(days=7)), "published"))
    assert CALL_SIGN not in payload and "Maya" not in payload, "a lock screen shows the week only"
