"""The devices alerts go to: who may register one and what is taken, the lists a responder and a
supervisor see and revoke from, and push turned off, or on for a laptop, by its keys."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from coresponder.models import AuditEntry
from dispatch.models import CrisisCall
from dispatch.services import call_assign
from push import checks, vapid
from push.models import PushDevice
from tests.conftest import EVERYONE, expected
from tests.factories import ClinicianFactory, ShiftFactory, UnitFactory
from tests.push_service import BrowserKeys

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
SUBSCRIPTIONS = "/api/v1/push/subscriptions/"
FCM = "https://fcm.googleapis.com/fcm/send/"
ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


@pytest.fixture(autouse=True)
def push_on(settings):
    settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY = vapid.generate()
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:dispatch-admin@city.example"


def phone(user, *, name="phone", keys=None) -> tuple[Client, dict]:
    client = Client(headers={"User-Agent": ANDROID_CHROME})
    client.force_login(user)
    return client, (keys or BrowserKeys()).subscription(FCM + name)


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize("who", EVERYONE)
def test_only_a_clinician_or_an_officer_registers_a_device(api, who):
    answer = api(who).post(SUBSCRIPTIONS, BrowserKeys().subscription(FCM + "x"), format="json")
    assert answer.status_code == expected(201, who, {"clinician", "officer"})


def test_a_registration_is_named_audited_and_repeated_without_noise(users):
    client, subscription = phone(users["clinician"])
    first = post(client, SUBSCRIPTIONS, subscription)
    assert first.status_code == 201 and first.json()["label"] == "Chrome on Android"
    again = post(client, SUBSCRIPTIONS, subscription)  # every load of the page sends it
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    entries = AuditEntry.objects.filter(action="push.device_registered")
    assert entries.count() == 1
    assert FCM not in str(list(entries.values())), "the endpoint is a capability: never in the log"


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
        "https://10.0.0.5/internal",
        "http://fcm.googleapis.com/fcm/send/x",  # not https
        "https://fcm.googleapis.com.evil.example/x",
        "https://user:pw@fcm.googleapis.com/x",
        "ftp://fcm.googleapis.com/x",
        "not a url",
        # urllib.parse reads an Apple host in these; requests would connect to 10.0.0.5
        "https://10.0.0.5\\.push.apple.com/x",
        "https://10.0.0.5\\@fcm.googleapis.com/x",
        "https://fcm.googleapis.com\\@10.0.0.5/x",
        "https://10.0.0.5%2f.push.apple.com/x",  # a percent-encoded host
        "https://fcm%2egoogleapis.com/x",
        "https://fcm.googleapis.com /x",
        "https://fcm.googleapis.com:8443/x",  # a push service's host, another port
        "https://fcm.googleapis.com:80/x",
    ],
)
def test_a_subscription_can_only_point_at_a_push_service(users, endpoint):
    client, subscription = phone(users["clinician"])
    answer = post(client, SUBSCRIPTIONS, subscription | {"endpoint": endpoint})
    assert answer.status_code == 400 and "endpoint" in answer.json()["error"]["fields"]
    assert not PushDevice.objects.exists()


def test_a_push_services_own_port_written_out_is_taken(users):
    client, subscription = phone(users["clinician"])
    answer = post(client, SUBSCRIPTIONS, subscription | {"endpoint": "https://fcm.googleapis.com:443/fcm/send/x"})
    assert answer.status_code == 201


def test_apples_and_mozillas_push_services_are_taken(users):
    client, subscription = phone(users["clinician"])
    for endpoint in ("https://web.push.apple.com/QGvd", "https://updates.push.services.mozilla.com/wpush/v2/gAAA"):
        assert post(client, SUBSCRIPTIONS, subscription | {"endpoint": endpoint}).status_code == 201


@pytest.mark.parametrize(
    ("keys", "field"),
    [({"p256dh": "not-a-key", "auth": "tBHItJI5svbpez7KI4CCXg"}, "p256dh"), ({"auth": "c2hvcnQ"}, "auth")],
)
def test_keys_that_are_not_a_browsers_are_refused(users, keys, field):
    client, subscription = phone(users["clinician"])
    answer = post(client, SUBSCRIPTIONS, subscription | {"keys": subscription["keys"] | keys})
    assert answer.status_code == 400 and field in answer.json()["error"]["fields"]


def test_a_shared_phone_follows_whoever_registered_it_last(users):
    keys = BrowserKeys()
    first, subscription = phone(users["clinician"], keys=keys)
    assert post(first, SUBSCRIPTIONS, subscription).status_code == 201
    second, _ = phone(users["officer"])
    assert post(second, SUBSCRIPTIONS, subscription).status_code == 201
    device = PushDevice.objects.get()
    assert device.user == users["officer"] and device.active


def test_turning_alerts_off_on_the_phone_keeps_it_signed_in(users):
    client, subscription = phone(users["clinician"])
    post(client, SUBSCRIPTIONS, subscription)
    answer = post(client, "/api/v1/push/subscriptions/revoke/", {"endpoint": subscription["endpoint"]})
    assert answer.json() == {"revoked": True}
    assert PushDevice.objects.get().revoke_reason == PushDevice.RevokeReason.TURNED_OFF
    assert client.get("/me/").status_code == 200
    outsider, _ = phone(users["officer"])
    assert post(outsider, "/api/v1/push/subscriptions/revoke/", {"endpoint": subscription["endpoint"]}).json() == {
        "revoked": False
    }, "nobody turns off another's phone by its endpoint"


def test_a_responder_sees_and_revokes_only_their_own_devices(users):
    mine, subscription = phone(users["clinician"], name="mine")
    post(mine, SUBSCRIPTIONS, subscription)
    theirs, other = phone(users["officer"], name="theirs")
    post(theirs, SUBSCRIPTIONS, other)
    mine_id = PushDevice.objects.get(user=users["clinician"]).pk
    theirs_id = PushDevice.objects.get(user=users["officer"]).pk

    page = mine.get("/me/devices/").content.decode()
    assert f'id="device-{mine_id}"' in page and f'id="device-{theirs_id}"' not in page
    assert "Chrome on Android" in page and "fcm.googleapis.com" in page and "/fcm/send/" not in page
    assert mine.post(f"/devices/{theirs_id}/revoke/").status_code == 404
    assert PushDevice.objects.get(pk=theirs_id).active
    assert mine.post(f"/devices/{mine_id}/revoke/")["Location"] == "/me/devices/"
    assert PushDevice.objects.get(pk=mine_id).revoke_reason == PushDevice.RevokeReason.BY_OWNER
    assert "Off since" in mine.get("/me/devices/").content.decode()


@pytest.mark.parametrize("who", EVERYONE)
def test_only_a_supervisor_sees_everyones_devices(client, users, who):
    if who is not None:
        client.force_login(users[who])
    answer = client.get("/devices/")
    assert answer.status_code == (302 if who is None else expected(200, who, {"supervisor"}))


def test_a_supervisor_revokes_anyones_device_and_it_is_audited(users):
    owner, subscription = phone(users["officer"])
    post(owner, SUBSCRIPTIONS, subscription)
    device = PushDevice.objects.get()
    desk = Client()
    desk.force_login(users["supervisor"])
    assert f'id="device-{device.pk}"' in desk.get("/devices/").content.decode()
    desk.post(f"/devices/{device.pk}/revoke/", {"back": "all"})
    device.refresh_from_db()
    assert (device.revoke_reason, device.revoked_by) == (PushDevice.RevokeReason.BY_SUPERVISOR, users["supervisor"])
    assert AuditEntry.objects.filter(action="push.device_revoked", object_id=str(device.pk), actor_name="supervisor")


def test_a_registered_phones_session_is_kept_until_a_long_shifts_end_and_grace(users, settings):
    settings.SESSION_SHIFT_GRACE = timedelta(minutes=60)
    started = timezone.now() - timedelta(hours=1)
    shift = ShiftFactory(starts_at=started, ends_at=started + timedelta(hours=16))
    UnitFactory(shift=shift, clinician=ClinicianFactory(user=users["clinician"]))
    client, subscription = phone(users["clinician"])
    post(client, SUBSCRIPTIONS, subscription)
    kept_until = client.session.get_expiry_date()
    assert kept_until >= shift.ends_at + timedelta(minutes=59), "the session row outlives the usual 13 hours"


def test_without_keys_in_production_push_is_off_said_and_dispatch_unchanged(
    settings, users, call_in, unit_at, broker_messages, django_capture_on_commit_callbacks
):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    settings.DEBUG = False
    [warning] = checks.push_configured(None)
    assert warning.id == "push.W001" and "WEBPUSH_VAPID_PRIVATE_KEY is not set" in warning.msg

    with django_capture_on_commit_callbacks(execute=True):
        call_assign(call=call_in(S.QUEUED), unit=unit_at(1), actor=users["dispatcher"])
    assert "push.tasks.notify_unit" not in [name for name, _ in broker_messages()]


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("WEBPUSH_VAPID_PRIVATE_KEY", "not-a-key", "is not a P-256 private key"),
        ("WEBPUSH_VAPID_PUBLIC_KEY", vapid.generate()[1], "is not the public half"),
        ("WEBPUSH_VAPID_SUBJECT", "admin@city.example", "must be mailto:"),
    ],
    ids=["private key", "public key of another pair", "subject"],  # the same on every xdist worker
)
def test_a_broken_key_or_subject_turns_push_off_with_a_warning_not_a_crash(settings, setting, value, said):
    setattr(settings, setting, value)
    assert vapid.keys() is None
    [warning] = checks.push_configured(None)
    assert said in warning.msg


def test_with_debug_on_a_key_pair_is_made_once_into_var_and_kept(settings, tmp_path):
    settings.DEBUG, settings.VAR_DIR = True, tmp_path
    settings.WEBPUSH_VAPID_PRIVATE_KEY = settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_SUBJECT = ""
    made = vapid.keys()
    assert made is not None and (tmp_path / vapid.DEV_KEY_FILE).exists()
    vapid._load.cache_clear()  # as another process (the worker) would read it
    assert vapid.keys().public_key == made.public_key
    assert checks.push_configured(None) == []


def test_the_vapid_keys_command_prints_lines_that_turn_push_on(settings, capsys):
    call_command("vapid_keys", "--subject", "mailto:ops@city.example")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    settings.WEBPUSH_VAPID_PRIVATE_KEY = lines["WEBPUSH_VAPID_PRIVATE_KEY"]
    settings.WEBPUSH_VAPID_PUBLIC_KEY = lines["WEBPUSH_VAPID_PUBLIC_KEY"]
    settings.WEBPUSH_VAPID_SUBJECT = lines["WEBPUSH_VAPID_SUBJECT"]
    assert vapid.keys().public_key == lines["WEBPUSH_VAPID_PUBLIC_KEY"]


def test_the_phone_page_carries_the_public_key_for_the_browser(users, unit_at, settings):
    unit_at(1, clinician=ClinicianFactory(user=users["clinician"]))
    client, _ = phone(users["clinician"])
    page = client.get("/me/").content.decode()
    assert f'data-key="{vapid.keys().public_key}"' in page and "Turn on alerts" in page
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    assert "Alerts are off on this server" in client.get("/me/").content.decode()


def test_the_pages_own_post_does_not_bring_back_a_revoked_device_but_the_tap_does(users):
    client, subscription = phone(users["clinician"])
    first = post(client, SUBSCRIPTIONS, subscription | {"explicit": True})
    assert first.status_code == 201 and first.json()["active"] is True
    device = PushDevice.objects.get()
    assert client.post(f"/devices/{device.pk}/revoke/").status_code == 302

    again = post(client, SUBSCRIPTIONS, subscription)  # the page loads again: its own post
    assert again.status_code == 200 and again.json() == {"active": False}
    device.refresh_from_db()
    assert not device.active and device.revoke_reason == PushDevice.RevokeReason.BY_OWNER
    assert AuditEntry.objects.filter(action="push.device_registered").count() == 1

    tapped = post(client, SUBSCRIPTIONS, subscription | {"explicit": True})  # "Turn on alerts"
    assert tapped.status_code == 201 and tapped.json()["active"] is True
    assert PushDevice.objects.get().active


def test_deactivating_a_login_revokes_its_devices(users, unit_at, call_in):
    from coresponder.accounts import access_end
    from push import alerts

    client, subscription = phone(users["clinician"])
    assert post(client, SUBSCRIPTIONS, subscription).status_code == 201
    crew = unit_at(1, clinician=ClinicianFactory(user=users["clinician"]))
    call = call_in(S.DISPATCHED, unit=crew)
    assert alerts.unit_notify(call_id=call.pk, unit_id=crew.pk, kind=alerts.ASSIGNED) == 1, "before: one device"
    access_end(user=users["clinician"], actor=users["supervisor"])
    device = PushDevice.objects.get()
    assert not device.active and device.revoke_reason == PushDevice.RevokeReason.DEACTIVATED
    assert AuditEntry.objects.filter(action="push.device_revoked", actor=users["supervisor"]).exists()
    assert alerts.unit_notify(call_id=call.pk, unit_id=crew.pk, kind=alerts.ASSIGNED) == 0, "a push goes nowhere"
