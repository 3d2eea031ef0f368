"""The phone page in a car with no signal (issue 15, item 6): it opens from the copy the service
worker kept, says since when it is out of date, queues the status taps it cannot send and sends
them in order when the network is back, explaining any the server refuses; a logout leaves no
copy behind. In Debian's chromium at 390x844, through the service worker at /sw.js."""

import json
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from dispatch import services
from dispatch.models import CrisisCall
from tests.factories import ClinicianFactory, OfficerFactory

PHONE = {"width": 390, "height": 844}
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The test's own page is the phone, so that conftest's check for CSP violations and script
    # errors watches it (the worker's own fetches included).
    pytest.mark.browser_context_args(viewport=PHONE, is_mobile=True, has_touch=True, service_workers="allow"),
]
S = CrisisCall.Status
OFFLINE_BANNER = re.compile(r"^Offline — last updated \d\d:\d\d$")


@pytest.fixture
def crew(users, unit_at):
    return unit_at(1, call_sign="CR-41", clinician=ClinicianFactory(user=users["clinician"], name="Maya Patel"),
                   officer=OfficerFactory(user=users["officer"], name="Dana Reyes"))  # fmt: skip


def open_phone_page_online(page, log_in, live_server):
    """Logs the clinician in and waits until the worker has kept the phone page for offline use."""
    log_in("clinician")
    expect(page).to_have_url(re.compile(r"/me/$"))
    deadline = time.monotonic() + 10
    kept = """async () => {
                const registration = await navigator.serviceWorker.getRegistration();
                return Boolean(registration && registration.active && await caches.match("/me/"));
              }"""
    while not page.evaluate(kept):
        assert time.monotonic() < deadline, "the service worker did not keep the phone page"
        page.wait_for_timeout(100)


def go_offline(context):
    """No network for the pages and for the service worker: with this Playwright and chromium the
    worker's own fetches fail too (Playwright issue 2311 was about older versions), which the
    first test proves by finding the saved copy, not the server's newer page."""
    context.set_offline(True)


def go_online(context):
    context.set_offline(False)


def serious_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is (the banner, the queue)."""
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in ("serious", "critical")]


def status_of(call) -> str:
    call.refresh_from_db()
    return call.status


def test_the_phone_page_opens_offline_from_its_saved_copy_and_says_since_when(
    page, context, log_in, live_server, crew, call_in, shoot
):
    call = call_in(S.DISPATCHED, unit=crew, address="3100 Gravois Ave")
    open_phone_page_online(page, log_in, live_server)
    expect(page.locator("#my-call .address")).to_contain_text("3100 Gravois Ave")
    expect(page.locator(".offline-banner")).to_be_hidden()
    kept = page.evaluate("async () => (await (await caches.open('coresponder-phone-v1')).keys()).map((r) => r.url)")
    paths = {urlsplit(url).path for url in kept}
    assert "/me/" in paths and all(path in ("/me/", "/me/panel/") or path.startswith("/static/") for path in paths)

    # The dispatcher corrects the address meanwhile: a page from the server would show it.
    CrisisCall.objects.filter(pk=call.pk).update(address="3300 Gravois Ave")
    go_offline(context)
    page.reload()
    expect(page.locator(".offline-banner")).to_have_text(OFFLINE_BANNER)
    expect(page.locator("#my-call .address")).to_contain_text("3100 Gravois Ave")
    expect(page.get_by_role("heading", name="CR-41")).to_be_visible()
    shoot(page, "offline")

    go_online(context)
    expect(page.locator(".offline-banner")).to_be_hidden()
    expect(page.locator("#my-call .address")).to_contain_text("3300 Gravois Ave", timeout=8000)


def test_saved_copies_are_kept_by_their_whole_address_and_the_new_call_banner_is_never_kept(
    page, context, log_in, live_server, crew, call_in
):
    """/me/?call=N must not overwrite /me/, nor the banner's ?outcome_open=N poll the panel."""
    call = call_in(S.DISPATCHED, unit=crew, address="3100 Gravois Ave")
    open_phone_page_online(page, log_in, live_server)
    page.evaluate(f"""async () => {{
        for (const url of ["/me/panel/", "/me/panel/?outcome_open={call.pk}", "/me/?call={call.pk}"]) {{
          await (await fetch(url)).text();
        }}
        await new Promise((resolve) => setTimeout(resolve, 500));  // the worker stores after answering
      }}""")
    saved = page.evaluate("""async () => {
        const cache = await caches.open('coresponder-phone-v1');
        const pages = {};
        for (const request of await cache.keys()) {
          const url = new URL(request.url);
          if (!url.pathname.startsWith('/static/')) { pages[url.pathname + url.search] = await (await cache.match(request)).text(); }
        }
        return pages;
      }""")
    assert set(saved) == {"/me/", "/me/panel/", f"/me/?call={call.pk}"}
    assert 'id="my-call"' in saved["/me/panel/"] and "<html" in saved["/me/"].lower()


def queued_taps(page) -> list[str]:
    """The queue on the phone itself (IndexedDB), in order."""
    return page.evaluate(
        """() => new Promise((resolve) => {
             const opening = indexedDB.open("coresponder-offline", 1);
             opening.onupgradeneeded = () => opening.result.createObjectStore("taps", {keyPath: "id", autoIncrement: true});
             opening.onsuccess = () => {
               const request = opening.result.transaction("taps").objectStore("taps").getAll();
               request.onsuccess = () => { opening.result.close(); resolve(request.result.map((tap) => tap.status)); };
             };
           })"""
    )


def test_status_taps_made_offline_are_queued_and_sent_in_order_when_back_online(
    page, context, log_in, live_server, crew, call_in, shoot
):
    call = call_in(S.DISPATCHED, unit=crew)
    open_phone_page_online(page, log_in, live_server)
    taps = page.locator(".offline-taps")

    go_offline(context)
    page.get_by_role("button", name="En route", exact=True).click()
    expect(taps).to_contain_text("Queued: En route (will send when back online)")
    expect(page.locator(".offline-banner")).to_have_text(OFFLINE_BANNER)
    # Tapped again, unsure the first one took: queued again, and harmless.
    page.get_by_role("button", name="En route", exact=True).click()
    expect(taps.get_by_text("Queued: En route (will send when back online)")).to_have_count(2)
    assert queued_taps(page) == ["en_route", "en_route"]
    assert status_of(call) == S.DISPATCHED
    assert serious_accessibility_violations(page) == []
    shoot(page, "queued")

    go_online(context)
    expect(taps.get_by_text("Sent: En route")).to_have_count(2)
    expect(page.locator(".offline-banner")).to_be_hidden()
    expect(page.locator("#my-call .status")).to_have_text("En route")
    assert status_of(call) == S.EN_ROUTE
    # The second was a move to the status the call already had: the call moved once.
    assert call.events.filter(to_status=S.EN_ROUTE).count() == 1
    assert queued_taps(page) == []
    shoot(page, "sent")
    page.get_by_role("button", name="Dismiss").click()
    expect(taps).to_be_hidden()


@pytest.mark.parametrize("meanwhile", ["reassigned", "cancelled"])
def test_a_queued_tap_the_server_refuses_is_explained(
    page, context, log_in, live_server, users, crew, unit_at, call_in, shoot, meanwhile
):
    call = call_in(S.DISPATCHED, unit=crew)
    open_phone_page_online(page, log_in, live_server)
    go_offline(context)
    page.get_by_role("button", name="En route", exact=True).click()
    expect(page.locator(".offline-taps")).to_contain_text("Queued: En route")

    dispatcher = users["dispatcher"]
    if meanwhile == "reassigned":
        services.call_assign(call=call, unit=unit_at(2, call_sign="CR-52"), actor=dispatcher, reason="CR-41 has a flat")
        explained = "Not sent: En route — the call is no longer with your unit (it was reassigned or ended)."
    else:
        services.call_transition(call=call, to_status=S.CANCELLED, actor=dispatcher, source="web")
        explained = "Not sent: En route — A call that is cancelled cannot become en route."

    go_online(context)
    expect(page.locator(".offline-taps li.refused")).to_have_text(explained)
    assert status_of(call) == (S.DISPATCHED if meanwhile == "reassigned" else S.CANCELLED)
    assert not call.events.filter(to_status=S.EN_ROUTE).exists()
    assert queued_taps(page) == []
    assert serious_accessibility_violations(page) == []
    shoot(page, "refused")


def test_queued_taps_outlive_an_ended_session_and_are_sent_after_logging_in_again(
    page, context, log_in, live_server, crew, call_in
):
    call = call_in(S.DISPATCHED, unit=crew)
    open_phone_page_online(page, log_in, live_server)
    go_offline(context)
    page.get_by_role("button", name="En route", exact=True).click()
    expect(page.locator(".offline-taps")).to_contain_text("Queued: En route")

    Session.objects.all().delete()  # the session ends while the phone has no network
    go_online(context)
    expect(page).to_have_url(re.compile(r"/accounts/login/"), timeout=10000)
    expect(page.locator("main")).to_contain_text(
        "1 status tap is kept on this phone: it is sent when you log in again."
    )
    assert status_of(call) == S.DISPATCHED

    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".offline-taps")).to_contain_text("Sent: En route")
    assert status_of(call) == S.EN_ROUTE


def test_logging_out_leaves_no_copy_of_the_phone_page_and_no_queued_tap(
    page, context, log_in, live_server, crew, call_in
):
    call_in(S.DISPATCHED, unit=crew, address="3100 Gravois Ave")
    open_phone_page_online(page, log_in, live_server)
    # The network drops the tap though the phone thinks it is online: queued all the same.
    context.route("**/me/calls/*/move/", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="En route", exact=True).click()
    expect(page.locator(".offline-taps")).to_contain_text("Queued: En route")

    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert dialogs == ["1 status tap has not been sent yet. Logging out drops it. Log out anyway?"]
    assert page.evaluate("async () => (await caches.keys()).filter((name) => name.startsWith('coresponder-'))") == []
    assert page.evaluate("async () => (await indexedDB.databases()).map((db) => db.name)") == []

    go_offline(context)
    page.goto(f"{live_server.url}/me/")
    expect(page.get_by_role("heading", name="Offline")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Gravois")


def test_a_copy_older_than_any_login_can_last_is_not_shown(page, context, log_in, live_server, crew, call_in, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT = timedelta(seconds=6)  # the worker reads it from /sw.js
    call_in(S.DISPATCHED, unit=crew, address="3100 Gravois Ave")
    open_phone_page_online(page, log_in, live_server)
    go_offline(context)
    page.wait_for_timeout(6500)
    page.reload()
    expect(page.get_by_role("heading", name="Offline")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Gravois")
    assert page.evaluate("async () => Boolean(await caches.match('/me/'))") is False


def test_chromium_finds_the_phone_page_installable(page, context, log_in, live_server, crew):
    open_phone_page_online(page, log_in, live_server)
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest") and manifest["errors"] == []
    assert manifest["manifest"]["startUrl"].endswith("/me/") and manifest["manifest"]["display"] == "kStandalone"
    # A test browser's profile is an incognito one, which is never offered an install: every
    # other criterion (manifest, icons, secure origin, worker) is met.
    errors = [error["errorId"] for error in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert errors == ["in-incognito"]


def test_a_push_shows_a_notification_and_its_tap_opens_the_call_on_the_phone_page(
    page, context, log_in, live_server, crew
):
    context.grant_permissions(["notifications"], origin=live_server.url)
    open_phone_page_online(page, log_in, live_server)
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 5
    while not registrations:
        assert time.monotonic() < deadline, "no service worker registration"
        page.wait_for_timeout(100)

    payload = {"title": "CR-41: new call", "body": "Welfare check, 1200 Market St", "url": "/me/?call=7",
               "tag": "call-7", "call_id": 7, "kind": "assigned"}  # fmt: skip
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url, "data": json.dumps(payload),
             "registrationId": registrations[0]["registrationId"]})  # fmt: skip
    shown = """async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => (
                 {title: n.title, body: n.body, tag: n.tag, requireInteraction: n.requireInteraction,
                  renotify: n.renotify, url: n.data.url, vibrates: n.vibrate.length > 0}))"""
    deadline = time.monotonic() + 5
    while not (notifications := page.evaluate(shown)):
        assert time.monotonic() < deadline, "no notification shown"
        page.wait_for_timeout(100)
    assert notifications == [{"title": "CR-41: new call", "body": "Welfare check, 1200 Market St", "tag": "call-7",
                              "requireInteraction": True, "renotify": True, "url": "/me/?call=7", "vibrates": True}]  # fmt: skip

    # The person taps it (a script cannot click a system notification: the worker is handed the
    # event a tap makes): the open phone page goes to the call.
    context.service_workers[0].evaluate(
        """async () => {
             const [notification] = await self.registration.getNotifications();
             self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
           }"""
    )
    expect(page).to_have_url(re.compile(r"/me/\?call=7$"))
    assert page.evaluate(shown) == []
