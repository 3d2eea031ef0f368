"""Alerts on the phone, at 390 × 844, as a clinician in a car sees them: "Turn on alerts", a
dispatch that arrives as an encrypted push and rings the open page, and a phone that stays
signed in through an idle hour on shift and is signed out after it.

Headless chromium cannot subscribe to a push service (it has none: ``pushManager.subscribe``
fails with "Registration failed - permission denied"), so the page's push manager is stood in
for by the test: it hands the page a subscription to the test's own push service, with keys the
test holds. Everything else is real -- the permission, the page's script, the server, a Celery
worker, the encryption -- and the test decrypts what the push service received.
"""

import json
import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.db.models import F
from playwright.sync_api import expect

from dispatch.models import CrisisCall
from dispatch.services import call_assign
from push.models import PushDevice
from tests.factories import ClinicianFactory, OfficerFactory
from tests.push_service import PUBLIC_KEY, BrowserKeys, PushService, push_settings, start_push_worker, unb64url
from units.models import Shift, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)
S = CrisisCall.Status
CALLER = {"caller_name": "Jordan Whitaker", "callback_number": "314-555-0199", "notes": "Lives with his mother"}

# The browser's push manager, stood in for (see the module's docstring); and its vibrations, kept.
PUSH_MANAGER = """
(() => {
  const subscription = %s;
  let subscribed = false;
  const made = {
    endpoint: subscription.endpoint,
    options: {applicationServerKey: null},
    toJSON: () => subscription,
    unsubscribe: () => { subscribed = false; return Promise.resolve(true); },
  };
  const pushManager = {
    getSubscription: () => Promise.resolve(subscribed ? made : null),
    subscribe: (options) => {
      window.subscribedWithKey = Array.from(new Uint8Array(options.applicationServerKey));
      subscribed = true;
      return Promise.resolve(made);
    },
  };
  Object.defineProperty(ServiceWorkerContainer.prototype, "ready", {get: () => Promise.resolve({pushManager})});
  window.vibrations = [];
  navigator.vibrate = (pattern) => { window.vibrations.push(pattern); return true; };
})();
"""


@pytest.fixture(scope="module")
def push_service():
    service = PushService()
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def push_on(settings, push_service):
    push_settings(settings)
    push_service.received.clear()


@pytest.fixture
def crew(users, unit_at):
    return unit_at(1, call_sign="CR-41", clinician=ClinicianFactory(user=users["clinician"], name="Maya Patel"),
                   officer=OfficerFactory(user=users["officer"], name="Dana Reyes"))  # fmt: skip


@pytest.fixture
def phone_of(browser, log_in, live_server):
    """``phone_of(keys, endpoint)``: the clinician's phone page, logged in, with the stand-in push
    manager. The notification permission is not given yet: headless chromium answers "denied"
    to its prompt, unless the test gives it first (``allows_notifications``), as a person would."""
    contexts, errors = [], []

    def open_phone(keys: BrowserKeys, endpoint: str):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, user_agent=ANDROID)
        contexts.append(context)
        context.add_init_script(script=PUSH_MANAGER % json.dumps(keys.subscription(endpoint)))
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
        log_in("clinician", on=page)
        expect(page.get_by_role("heading", name="Alerts on this phone")).to_be_visible()
        return page

    yield open_phone
    for context in contexts:
        context.close()
    assert not errors, errors


def test_turning_on_alerts_registers_the_phone_and_a_dispatch_reaches_it(
    users, crew, call_in, push_service, phone_of, live_server, shoot
):
    keys = BrowserKeys()
    phone = phone_of(keys, push_service.endpoint("clinician"))
    expect(phone.locator("#push-status")).to_have_text("Alerts are off on this phone.")
    shoot(phone, "alerts-off")

    allows_notifications(phone, live_server)  # what the person answers to the browser's prompt
    phone.get_by_role("button", name="Turn on alerts").click()

    expect(phone.locator("#push-status")).to_have_text("Alerts are on for this phone.")
    expect(phone.get_by_role("button", name="Turn off alerts on this phone")).to_be_visible()
    assert bytes(phone.evaluate("window.subscribedWithKey")) == unb64url(PUBLIC_KEY), "the server's VAPID key"
    device = PushDevice.objects.get()
    assert (device.user, device.label, device.active) == (users["clinician"], "Chrome on Android", True)
    shoot(phone, "alerts-on")

    worker = start_push_worker()
    try:
        call = call_in(S.QUEUED, priority=1, nature="welfare_check", address="4400 Natural Bridge Ave", **CALLER)
        call_assign(call=call, unit=crew, actor=users["dispatcher"])
        [push] = push_service.wait_for(1)
    finally:
        worker.stop()
    alert = keys.decrypt(push.body)
    assert alert == {"title": "CR-41: new call, priority 1", "body": "Open My unit for the details.", "url": "/me/",
                     "tag": f"call-{call.pk}", "call_id": call.pk, "kind": "assigned", "alert_id": None}  # fmt: skip
    assert not any(detail in json.dumps(alert) for detail in CALLER.values())

    # The page is open too: its next refresh shows the call, rings once and vibrates.
    expect(phone.locator("#my-call")).to_contain_text("4400 Natural Bridge Ave", timeout=8000)
    expect(phone.locator("body")).to_have_attribute("data-new-call-rings", "1")
    assert phone.evaluate("window.vibrations") == [[400, 200, 400]]
    shoot(phone, "new-call")


def test_alerts_blocked_by_the_browser_say_how_to_allow_them(crew, push_service, phone_of):
    phone = phone_of(BrowserKeys(), push_service.endpoint("clinician"))
    phone.get_by_role("button", name="Turn on alerts").click()
    expect(phone.locator("#push-status")).to_contain_text("Alerts are blocked for this site.")
    expect(phone.get_by_role("button", name="Turn on alerts")).to_be_hidden()
    assert not PushDevice.objects.exists()


def test_turning_alerts_off_sticks_across_a_reload(crew, push_service, phone_of, live_server):
    phone = phone_of(BrowserKeys(), push_service.endpoint("clinician"))
    allows_notifications(phone, live_server)
    phone.get_by_role("button", name="Turn on alerts").click()
    expect(phone.locator("#push-status")).to_have_text("Alerts are on for this phone.")
    phone.get_by_role("button", name="Turn off alerts on this phone").click()
    expect(phone.locator("#push-status")).to_have_text("Alerts are off on this phone.")
    assert PushDevice.objects.get().revoke_reason == PushDevice.RevokeReason.TURNED_OFF
    phone.reload()
    expect(phone.locator("#push-status")).to_have_text("Alerts are off on this phone.")
    assert not PushDevice.objects.get().active, "a reload does not turn them back on"


def test_a_device_revoked_from_the_list_stays_revoked_when_the_phone_page_loads_again(
    crew, push_service, phone_of, live_server, shoot
):
    phone = phone_of(BrowserKeys(), push_service.endpoint("clinician"))
    allows_notifications(phone, live_server)
    phone.get_by_role("button", name="Turn on alerts").click()
    expect(phone.locator("#push-status")).to_have_text("Alerts are on for this phone.")

    phone.goto(f"{live_server.url}/me/devices/")
    phone.get_by_role("button", name=re.compile("Revoke")).first.click()
    expect(phone.locator("body")).to_contain_text("No more alerts go to your Chrome on Android.")
    with phone.expect_response(re.compile(r"/api/v1/push/subscriptions/$")) as reposted:
        phone.goto(f"{live_server.url}/me/")
    assert reposted.value.status == 200 and reposted.value.json() == {"active": False}
    expect(phone.locator("#push-status")).to_have_text("Alerts are off on this phone.")
    expect(phone.get_by_role("button", name="Turn on alerts")).to_be_visible()
    device = PushDevice.objects.get()
    assert device.revoke_reason == PushDevice.RevokeReason.BY_OWNER, "the page's own post brings nothing back"
    shoot(phone, "revoked-stays-off")

    phone.get_by_role("button", name="Turn on alerts").click()  # the person asks for them again
    expect(phone.locator("#push-status")).to_have_text("Alerts are on for this phone.")
    assert PushDevice.objects.get().active


def test_a_phone_with_alerts_on_stays_signed_in_through_an_idle_hour_and_is_signed_out_after_the_shift(
    crew, push_service, phone_of, live_server, shoot
):
    phone = phone_of(BrowserKeys(), push_service.endpoint("clinician"))
    allows_notifications(phone, live_server)
    phone.get_by_role("button", name="Turn on alerts").click()
    expect(phone.locator("#push-status")).to_have_text("Alerts are on for this phone.")

    clock_moves(phone, crew, minutes=61)  # an hour with nobody touching the phone, on shift
    with phone.expect_response(re.compile(r"/me/panel/")) as refreshed:
        pass
    assert refreshed.value.status == 200 and "hx-redirect" not in refreshed.value.headers
    expect(phone).to_have_url(f"{live_server.url}/me/")

    clock_moves(phone, crew, minutes=8 * 60)  # the shift (8 hours from an hour before login) and its hour of grace
    expect(phone).to_have_url(re.compile(r"/accounts/login/"), timeout=10000)
    expect(phone.locator("body")).to_contain_text("You were logged out after the end of your shift.")
    shoot(phone, "signed-out-after-shift")


def allows_notifications(page, live_server):
    page.context.grant_permissions(["notifications"], origin=live_server.url)


def clock_moves(page, unit, *, minutes: float):
    """As if ``minutes`` went by: the browser's session's login and last-seen times, and the
    unit's shift, all move back by that much."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME)
    session = import_module(django_settings.SESSION_ENGINE).SessionStore(session_key=key)
    for name in ("auth_started", "last_seen"):
        session[name] -= minutes * 60
    session.save()
    back = timedelta(minutes=minutes)
    Shift.objects.filter(pk=unit.shift_id).update(starts_at=F("starts_at") - back, ends_at=F("ends_at") - back)
    Unit.objects.filter(pk=unit.pk).update(shift_starts_at=F("shift_starts_at") - back,
                                           shift_ends_at=F("shift_ends_at") - back)  # fmt: skip


def test_a_responder_revokes_a_lost_phone_from_another_browser_and_it_is_signed_out(
    users, crew, push_service, phone_of, live_server, browser, log_in, shoot
):
    phone = phone_of(BrowserKeys(), push_service.endpoint("clinician"))
    allows_notifications(phone, live_server)
    phone.get_by_role("button", name="Turn on alerts").click()
    expect(phone.locator("#push-status")).to_have_text("Alerts are on for this phone.")

    desk = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    laptop = desk.new_page()
    log_in("clinician", on=laptop)
    laptop.goto(f"{live_server.url}/me/devices/")
    row = laptop.get_by_role("row", name=re.compile("Chrome on Android"))
    expect(row).to_contain_text("On")
    row.get_by_role("button", name="Revoke Chrome on Android").click()
    expect(laptop.locator(".messages")).to_contain_text("No more alerts go to your Chrome on Android.")
    expect(laptop.get_by_role("row", name=re.compile("Chrome on Android"))).to_contain_text("Off since")
    shoot(laptop, "devices")
    desk.close()

    expect(phone).to_have_url(re.compile(r"/accounts/login/"), timeout=10000)  # its next refresh
