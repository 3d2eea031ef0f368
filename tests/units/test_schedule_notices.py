"""Telling people of their shifts: publishing a week, or changing a published one, e-mails each
responder their week as it now is and pushes their phones a notice that says only that.

The roster's services send the task units.tasks.tell_schedule to the real broker (Redis); these
tests read it there and run it here, where Django's test mailbox collects the e-mails. The last
test runs it in a real Celery worker that pushes to a real push service on this machine.
"""

import base64
import json
import logging
from datetime import time, timedelta

import pytest
import redis
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from coresponder.localtime import local_datetime, week_start_of
from push.models import PushDevice
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory, UserFactory
from tests.processes import free_port, process_env, start_worker
from tests.push_service import PUSH_ENV, BrowserKeys, PushService, push_settings
from units import services
from units.models import Unit
from units.tasks import tell_schedule

pytestmark = pytest.mark.django_db
TELL = "units.tasks.tell_schedule"
DELIVER_SCHEDULE = "push.tasks.deliver_schedule"


def next_monday():
    return week_start_of(timezone.localdate()) + timedelta(days=7)


def week_label(monday):
    return f"{monday.day} {monday:%b}"


@pytest.fixture(autouse=True)
def own_cache(settings):
    """The notices remember what they sent in the cache: a fresh one per test."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "notices"}}
    cache.clear()


@pytest.fixture
def queue(settings):
    """``queue()``: the (task, args) sent to the broker since the last call, taken off it."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.flushdb()

    def take():
        raw = client.lrange("celery", 0, -1)
        client.delete("celery")
        messages = [json.loads(item) for item in raw]
        return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]

    return take


def run_tells(queue) -> list[list]:
    """Run every tell_schedule queued, as a worker would; returns their arguments."""
    told = [args for task, args in queue() if task == TELL]
    for args in told:
        tell_schedule(*args)
    return told


@pytest.fixture
def crew():
    """Maya (clinician) and Dana (officer) have addresses; Chris (officer) has none; Sam
    (clinician) is in no unit yet."""

    def login(username, role, email=""):
        return UserFactory(username=username, role=role, email=email)

    return {
        "maya": ClinicianFactory(name="Maya Patel", user=login("maya", "clinician", "maya@city.example")),
        "sam": ClinicianFactory(name="Sam Okafor", user=login("sam", "clinician", "sam@city.example")),
        "dana": OfficerFactory(name="Dana Reyes", user=login("dana", "officer", "dana@city.example")),
        "chris": OfficerFactory(name="Chris Mitchell", user=login("chris", "officer")),
    }


def shift_in(monday, day: int, hour: int = 7, hours: int = 8, name: str = "Day"):
    starts = local_datetime(monday + timedelta(days=day), time(hour))
    return ShiftFactory(name=name, starts_at=starts, ends_at=starts + timedelta(hours=hours))


def pair(call_sign, shift, clinician, officer):
    return services.unit_create(call_sign=call_sign, shift=shift, clinician=clinician, officer=officer)


def mail_to(address):
    sent = [m for m in mail.outbox if m.to == [address]]
    assert len(sent) == 1, f"{len(sent)} e-mails to {address}"
    return sent[0]


def phone(user, endpoint="https://fcm.googleapis.com/fcm/send/x", keys=None) -> PushDevice:
    keys = keys or BrowserKeys()
    return PushDevice.objects.create(user=user, endpoint=f"{endpoint}-{user.pk}", p256dh=keys.p256dh, auth=keys.auth,
                                     label="Chrome on Android", last_used_at=timezone.now())  # fmt: skip


def test_publishing_a_week_emails_each_responder_exactly_their_own_shifts(
    crew, queue, django_capture_on_commit_callbacks
):
    monday = next_monday()
    pair("CR-11", shift_in(monday, 0), crew["maya"], crew["dana"])
    pair("CR-12", shift_in(monday, 1, hour=23, name="Night"), crew["maya"], crew["chris"])
    assert run_tells(queue) == [], "a draft week tells nobody"

    with django_capture_on_commit_callbacks(execute=True):
        published = services.week_publish(week_start=monday, actor=None)

    told = run_tells(queue)
    assert published.people_told == 3
    assert sorted(args[0] for args in told) == sorted(crew[p].user.pk for p in ("maya", "dana", "chris"))
    assert {args[1] for args in told} == {monday.isoformat()} and {args[2] for args in told} == {"published"}
    assert len(mail.outbox) == 2, "one e-mail each to Maya and Dana; Chris has no address"
    maya = mail_to("maya@city.example")
    assert maya.subject == f"Your shifts for the week of {week_label(monday)} (published)"
    tuesday = monday + timedelta(days=1)
    assert f"Mon {monday.day} {monday:%b}" in maya.body and "07:00–15:00  CR-11 with Dana Reyes" in maya.body
    assert f"Tue {tuesday.day} {tuesday:%b}" in maya.body
    assert "23:00–07:00 (next day)  CR-12 with Chris Mitchell" in maya.body
    assert maya.body.startswith("Hello Maya Patel,")
    dana = mail_to("dana@city.example")
    assert "CR-11 with Maya Patel" in dana.body and "CR-12" not in dana.body


def test_a_change_to_a_published_week_tells_the_old_and_the_new_members(
    crew, queue, django_capture_on_commit_callbacks
):
    monday = next_monday()
    unit = pair("CR-11", shift_in(monday, 2), crew["maya"], crew["dana"])
    with django_capture_on_commit_callbacks(execute=True):
        services.week_publish(week_start=monday, actor=None)
    run_tells(queue)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.unit_update(unit=unit, clinician=crew["sam"])

    told = run_tells(queue)
    assert sorted(args[0] for args in told) == sorted(crew[p].user.pk for p in ("maya", "sam", "dana"))
    assert {args[2] for args in told} == {"changed"}
    maya, sam, dana = (mail_to(f"{p}@city.example") for p in ("maya", "sam", "dana"))
    assert maya.subject == f"Your shifts for the week of {week_label(monday)} (changed)"
    assert "no shifts this week" in maya.body and "CR-11" not in maya.body
    assert "CR-11 with Dana Reyes" in sam.body
    assert "CR-11 with Sam Okafor" in dana.body and "Maya" not in dana.body


def test_drafts_and_ended_shifts_tell_nobody(crew, queue, django_capture_on_commit_callbacks):
    draft = pair("CR-11", shift_in(next_monday(), 3), crew["maya"], crew["dana"])
    assert draft.draft
    with django_capture_on_commit_callbacks(execute=True):
        services.unit_update(unit=draft, officer=crew["chris"])
        services.unit_delete(unit=draft)
    # A live unit whose shift ended yesterday: removing it is no news to anyone.
    yesterday = timezone.now() - timedelta(days=1)
    ended = UnitFactory(shift=ShiftFactory(starts_at=yesterday - timedelta(hours=8), ends_at=yesterday),
                        clinician=crew["maya"], officer=crew["dana"], status=Unit.Status.OFF_DUTY)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.unit_delete(unit=ended)

    assert run_tells(queue) == []
    # Told of a week whose only unit of theirs is a draft, a person reads that they have no shifts.
    later = next_monday() + timedelta(days=7)
    assert pair("CR-12", shift_in(later, 0), crew["sam"], crew["chris"]).draft
    tell_schedule(crew["sam"].user.pk, later.isoformat(), "changed")
    assert "CR-12" not in mail_to("sam@city.example").body


def test_an_inactive_login_is_told_nothing(crew, queue, settings, django_capture_on_commit_callbacks):
    push_settings(settings)
    monday = next_monday()
    pair("CR-11", shift_in(monday, 0), crew["maya"], crew["dana"])
    for person in ("maya", "dana"):
        phone(crew[person].user)
    # Unticked in the admin: the login is refused, though her phone is still registered.
    type(crew["maya"].user).objects.filter(pk=crew["maya"].user.pk).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.week_publish(week_start=monday, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert len(run_tells(queue)) == 2, "the week names both; the task tells only Dana"

    assert [m.to for m in mail.outbox] == [["dana@city.example"]]
    pushes = [args for task, args in queue() if task == DELIVER_SCHEDULE]
    assert [args[1] for args in pushes] == [crew["dana"].user.pk], "Dana's phone only"


def test_the_same_notice_delivered_twice_is_sent_once_and_a_later_change_again(
    crew, queue, django_capture_on_commit_callbacks
):
    monday = next_monday()
    unit = pair("CR-11", shift_in(monday, 0), crew["maya"], crew["dana"])
    with django_capture_on_commit_callbacks(execute=True):
        services.week_publish(week_start=monday, actor=None)
    told = run_tells(queue)
    for args in told:  # a worker that died after sending: the broker hands the task out again
        tell_schedule(*args)
    assert len(mail.outbox) == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.unit_update(unit=unit, officer=crew["chris"])
    mail.outbox.clear()
    run_tells(queue)
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@city.example", "maya@city.example"]
    assert "CR-11 with Chris Mitchell" in mail_to("maya@city.example").body


def test_a_mail_server_that_is_down_is_logged_never_raised_and_the_push_still_goes(
    crew, queue, settings, caplog, django_capture_on_commit_callbacks
):
    push_settings(settings)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    monday = next_monday()
    pair("CR-11", shift_in(monday, 0), crew["maya"], crew["chris"])
    device = phone(crew["maya"].user)

    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.WARNING):
        tell_schedule(crew["maya"].user.pk, monday.isoformat(), "published")

    assert f"Schedule e-mail to user {crew['maya'].user.pk} for the week of {monday} not sent" in caplog.text
    assert "maya@city.example" not in caplog.text
    assert [args for task, args in queue() if task == DELIVER_SCHEDULE] == [
        [device.pk, crew["maya"].user.pk, monday.isoformat(), "published"]
    ]


@pytest.mark.django_db(transaction=True)
def test_a_published_week_reaches_the_phone_saying_only_that_and_a_busy_push_service_is_tried_again(settings):
    """A real worker: the e-mail cannot go (no mail server), the push does, on the second try."""
    push_settings(settings)
    service = PushService(answers=[503])
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    env = process_env(settings.CELERY_BROKER_URL, **PUSH_ENV, EMAIL_HOST="127.0.0.1", EMAIL_PORT=free_port())
    worker = start_worker(env, name="schedule-worker")
    try:
        maya = ClinicianFactory(name="Maya Patel", user=UserFactory(username="maya", role="clinician",
                                                                    email="maya@city.example"))  # fmt: skip
        keys = BrowserKeys()
        phone(maya.user, endpoint=service.endpoint("maya"), keys=keys)
        monday = next_monday()
        pair("CR-11", shift_in(monday, 0), maya, OfficerFactory(name="Dana Reyes"))

        services.week_publish(week_start=monday, actor=None)

        received = service.wait_for(2)
        assert keys.decrypt(received[1].body) == {
            "title": f"Schedule published: week of {week_label(monday)}",
            "body": "Open My unit for your shifts.",
            "url": "/me/#schedule",
            "tag": f"schedule-{monday.isoformat()}",
        }
        assert received[1].headers["urgency"] == "normal"
        assert received[1].headers["ttl"] == str(24 * 3600)
        assert "Schedule e-mail to user" in worker.output() and "maya@city.example" not in worker.output()
        assert "Schedule push to device" in worker.output(), "the 503 was tried again"
    finally:
        worker.stop()
        service.stop()
