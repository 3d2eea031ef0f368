"""Alerts on the unit's phones, for real: the phone registers its subscription through the API,
a dispatcher sends the unit (or reassigns the call, or 911 raises a flag), a real Celery worker
sends the push to a real HTTP push service on this machine, and the test -- playing the
browser -- decrypts it with the subscription's own keys."""

import time

import pytest
from py_vapid import Vapid02

from coresponder.models import AuditEntry
from dispatch.models import CrisisCall
from dispatch.services import call_assign, call_update
from push.models import PushDevice
from tests.factories import ClinicianFactory, OfficerFactory, UserFactory
from tests.processes import wait_until
from tests.push_service import (
    PUBLIC_KEY,
    SUBJECT,
    BrowserKeys,
    PushService,
    push_settings,
    start_push_worker,
    vapid_claims,
)

pytestmark = pytest.mark.django_db(transaction=True)
S = CrisisCall.Status
CALLER = {"caller_name": "Jordan Whitaker", "callback_number": "314-555-0199", "notes": "Lives with his mother"}


@pytest.fixture(scope="module")
def push_service():
    service = PushService()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def push_worker(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        worker = start_push_worker()
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def push_on(settings, push_service):
    push_settings(settings)
    push_service.answers.clear()
    push_service.received.clear()


@pytest.fixture
def crew(users, unit_at):
    return unit_at(1, call_sign="CR-41", clinician=ClinicianFactory(user=users["clinician"], name="Maya Patel"),
                   officer=OfficerFactory(user=users["officer"], name="Dana Reyes"))  # fmt: skip


def registers(client, user, endpoint, keys=None):
    """The phone page's post, as the browser sends it: the session, and JSON."""
    keys = keys or BrowserKeys()
    client.force_login(user)
    answer = client.post("/api/v1/push/subscriptions/", keys.subscription(endpoint), content_type="application/json",
                         headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36"})  # fmt: skip
    assert answer.status_code == 201, answer.content
    return keys


def test_an_assignment_reaches_both_phones_of_the_unit_encrypted_for_each(
    client, users, crew, call_in, push_service, push_worker
):
    clinician_phone = registers(client, users["clinician"], push_service.endpoint("clinician"))
    officer_phone = registers(client, users["officer"], push_service.endpoint("officer"))
    registers(client, UserFactory(username="other-clinician", role="clinician"), push_service.endpoint("other"))
    call = call_in(S.QUEUED, priority=1, nature="welfare_check", address="4400 Natural Bridge Ave", **CALLER)

    started = time.monotonic()
    call_assign(call=call, unit=crew, actor=users["dispatcher"])
    assert time.monotonic() - started < 1, "the dispatch does not wait for the push"

    received = {push.path.split("/")[2].split("-")[0]: push for push in push_service.wait_for(2)}
    time.sleep(0.5)
    assert sorted(received) == ["clinician", "officer"], "the unit's two people, nobody else"
    for phone, push in ((clinician_phone, received["clinician"]), (officer_phone, received["officer"])):
        assert phone.decrypt(push.body) == {
            "title": "CR-41: new call, priority 1",
            "body": "Open My unit for the details.",
            "url": "/me/",
            "tag": f"call-{call.pk}",
            "call_id": call.pk,
            "kind": "assigned",
            "alert_id": None,
        }
        plain = str(phone.decrypt(push.body)).lower()
        assert not any(detail.lower() in plain for detail in CALLER.values()), "no caller details on a lock screen"
        assert "welfare" not in plain and "natural bridge" not in plain, "no nature, no address on a lock screen"
        assert push.headers["content-encoding"] == "aes128gcm"
        assert push.headers["ttl"] == "600"
        assert push.headers["urgency"] == "high"
        key, claims = vapid_claims(push.headers["authorization"])
        assert Vapid02.verify(push.headers["authorization"]), "signed by the server's VAPID key"
        assert key == PUBLIC_KEY
        assert claims["aud"] == push_service.origin and claims["sub"] == SUBJECT
        assert 0 < claims["exp"] - time.time() <= 24 * 3600
    with pytest.raises(Exception):  # noqa: B017 -- another browser's keys open nothing
        BrowserKeys().decrypt(received["clinician"].body)


def test_a_reassignment_tells_the_new_unit_and_the_old_one(
    client, users, crew, unit_at, call_in, push_service, push_worker
):
    old_phone = registers(client, users["clinician"], push_service.endpoint("old"))
    other = unit_at(2, call_sign="CR-7", clinician=ClinicianFactory(user=UserFactory(username="c7", role="clinician")))
    new_phone = registers(client, other.clinician.user, push_service.endpoint("new"))
    call = call_in(S.DISPATCHED, unit=crew, priority=2, nature="psychosis", address="3100 Gravois Ave")

    call_assign(call=call, unit=other, actor=users["dispatcher"], reason="closer")

    received = {push.path.split("/")[2].split("-")[0]: push for push in push_service.wait_for(2)}
    assert new_phone.decrypt(received["new"].body)["title"] == "CR-7: new call, priority 2"
    taken_off = old_phone.decrypt(received["old"].body)
    assert taken_off["title"] == "CR-41: taken off call"
    assert taken_off["body"] == "Open My unit for the details."
    assert taken_off["kind"] == "taken_off"


def test_a_safety_flag_raised_by_911_rings_the_units_phone(client, users, crew, call_in, push_service, push_worker):
    phone = registers(client, users["officer"], push_service.endpoint("officer"))
    call = call_in(S.EN_ROUTE, unit=crew, priority=2, nature="family_conflict", address="5200 Delmar Blvd")

    call_update(call=call, actor=users["intake"], source="api", weapons=True)

    alert = phone.decrypt(push_service.wait_for(1)[0].body)
    assert alert["kind"] == "safety_alert"
    assert alert["title"] == "CR-41: safety flag raised"
    assert alert["body"] == "Open My unit for the details."
    assert "weapons" not in str(alert).lower() and "delmar" not in str(alert).lower(), "no flags, no address"


def test_a_push_service_that_says_the_subscription_is_gone_revokes_the_device(
    client, users, crew, call_in, push_service, push_worker
):
    registers(client, users["clinician"], push_service.endpoint("clinician"))
    push_service.answers.append(410)
    call_assign(call=call_in(S.QUEUED), unit=crew, actor=users["dispatcher"])

    push_service.wait_for(1)
    device = wait_until(lambda: PushDevice.objects.filter(revoked_at__isnull=False).first(), timeout=10,
                        message="device revoked")  # fmt: skip
    assert device.revoke_reason == PushDevice.RevokeReason.GONE
    assert AuditEntry.objects.filter(action="push.device_revoked", object_id=str(device.pk)).exists()
    time.sleep(1)
    assert len(push_service.received) == 1, "a subscription that is gone is not tried again"


def test_a_failing_push_service_is_tried_a_bounded_number_of_times(
    client, users, crew, call_in, push_service, push_worker
):
    registers(client, users["clinician"], push_service.endpoint("clinician"))
    push_service.answers.extend([503, 500, 502, 500, 500])
    given_up = push_worker.output().count("given up")
    call_assign(call=call_in(S.QUEUED), unit=crew, actor=users["dispatcher"])

    push_service.wait_for(3)  # the first try and WEBPUSH_RETRIES=2 more
    time.sleep(2)
    assert len(push_service.received) == 3
    assert PushDevice.objects.get().active, "a failing push service is no reason to forget the phone"
    assert push_worker.output().count("given up after 3 tries") == given_up + 1


def test_a_push_service_that_is_down_never_delays_or_fails_the_assignment(api, users, crew, call_in, push_worker):
    import socket

    silent = socket.socket()  # accepts connections and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    registers_to = f"http://127.0.0.1:{silent.getsockname()[1]}/wpush/nobody-home"
    from django.test import Client

    registers(Client(), users["clinician"], registers_to)
    call = call_in(S.QUEUED)
    given_up = push_worker.output().count("given up")

    started = time.monotonic()
    answer = api("dispatcher").post(f"/api/v1/calls/{call.pk}/assign/", {"unit": crew.pk}, format="json")
    elapsed = time.monotonic() - started

    assert answer.status_code == 200, answer.content
    assert elapsed < 1, f"the dispatch took {elapsed:.1f} s"
    call.refresh_from_db()
    assert (call.status, call.unit_id) == (S.DISPATCHED, crew.pk)
    wait_until(
        lambda: push_worker.output().count("given up after 3 tries") > given_up,
        timeout=20,
        message="the worker gave up",
    )
    silent.close()
