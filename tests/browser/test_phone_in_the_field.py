"""The phone page as a clinician in a car uses it (issue 15), at 390 × 844 in Debian's chromium:
the location goes by itself and the unit lands on its call on arrival; the call stays after the
shift; documenting or available beside the outcome form, which a new call never wipes and which
survives a reload as a draft; a double tap cannot skip a status; Navigate and Call back are big
and open the phone's own apps."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import CrisisCall
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory
from units.models import Shift, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
S = CrisisCall.Status
HERE = {"latitude": 38.6402, "longitude": -90.2551}
DOWN_THE_ROAD = {"latitude": 38.6450, "longitude": -90.2551}  # about 530 m north
SCENE = (38.6270, -90.1994)
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.4 Mobile/15E148 Safari/604.1")  # fmt: skip
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 "
           "Mobile Safari/537.36")  # fmt: skip


@pytest.fixture
def crew(users, unit_at):
    """The standing clinician's and officer's unit, never located yet."""
    return unit_at(None, call_sign="CR-51", clinician=ClinicianFactory(user=users["clinician"], name="Maya Patel"),
                   officer=OfficerFactory(user=users["officer"], name="Dana Reyes"))  # fmt: skip


@pytest.fixture
def phone(browser, log_in):
    """``phone(**context_options)``: a logged-in clinician's phone page."""
    contexts = []

    def open_phone(who="clinician", **options):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, **options)
        contexts.append(context)
        page = context.new_page()
        log_in(who, on=page)
        expect(page).to_have_url(re.compile(r"/me/$"))
        return page

    yield open_phone
    for context in contexts:
        context.close()


def eventually(check, timeout=10.0):
    """Wait for the database to show what the page did."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def unit_place(unit):
    unit.refresh_from_db()
    return None if unit.lat is None else (round(unit.lat, 4), round(unit.lon, 4))


def tap(page, name):
    page.get_by_role("button", name=name, exact=True).tap()


# --- Location by itself ---------------------------------------------------------------------------


def test_the_phone_sends_its_location_by_itself_and_again_once_it_moves(phone, crew, call_in, settings, shoot):
    settings.LOCATION_SEND_EVERY_SECONDS = 2
    settings.LOCATION_MIN_INTERVAL = timedelta(seconds=1)
    call_in(S.DISPATCHED, unit=crew, address="1520 Market St")
    page = phone(geolocation=HERE, permissions=["geolocation"])

    assert eventually(lambda: unit_place(crew) == (38.6402, -90.2551)), "no tap: the first fix went by itself"
    expect(page.locator("#location-status")).to_contain_text(re.compile(r"Location sent (just now|\d+ s ago)"))
    first_at = crew.location_at
    # The phone moves once the rate limit has passed: a fix dated within LOCATION_MIN_INTERVAL of
    # the stored one is ignored by design, and an emulated position keeps its timestamp, so a
    # move made sooner (a busy test machine got here in under a second) would never be sent.
    page.wait_for_timeout(1200)

    page.context.set_geolocation(DOWN_THE_ROAD)
    assert eventually(lambda: unit_place(crew) == (38.645, -90.2551)), "moved: sent again"
    assert crew.location_at > first_at
    expect(page.locator("#location-status")).to_contain_text("Location sent")
    expect(page.locator("#location-problem")).to_be_hidden()
    shoot(page, "location-sent")


def test_arriving_puts_the_unit_on_its_call_and_a_later_phone_fix_does_not_undo_it(phone, crew, call_in):
    call = call_in(S.DISPATCHED, unit=crew, address="1520 Market St")
    page = phone(geolocation=HERE, permissions=["geolocation"])
    assert eventually(lambda: unit_place(crew) == (38.6402, -90.2551))

    tap(page, "En route")
    expect(page.locator("#my-call .status")).to_have_text("En route")
    tap(page, "On scene")
    expect(page.locator("#my-call .status")).to_have_text("On scene")
    assert eventually(lambda: unit_place(crew) == (round(call.lat, 4), round(call.lon, 4))), "the snap on arrival"
    page.wait_for_timeout(2500)
    assert unit_place(crew) == (round(call.lat, 4), round(call.lon, 4)), "the phone's older fix did not move it back"


def test_a_phone_that_refuses_location_says_how_to_allow_it(phone, crew, call_in, shoot):
    call_in(S.DISPATCHED, unit=crew)
    page = phone()  # location never allowed: the browser refuses
    problem = page.locator("#location-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("Location is off for this page.")
    problem.get_by_text("How to allow it").tap()
    expect(problem.get_by_text("Permissions → Location → Allow")).to_be_visible()
    expect(problem.get_by_text("Settings → Privacy & Security → Location Services")).to_be_visible()
    expect(page.get_by_role("button", name="Send my location")).to_be_visible()
    shoot(page, "location-refused")
    assert unit_place(crew) is None


# --- The call stays after the shift ends -------------------------------------------------------


def test_after_the_shift_ends_the_call_and_its_outcome_form_stay_on_the_phone(phone, users, call_in, shoot):
    now = timezone.now()
    unit = UnitFactory(call_sign="CR-52", shift=ShiftFactory(starts_at=now - timedelta(hours=7, minutes=50)),
                       clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory())  # fmt: skip
    call = call_in(S.ON_SCENE, unit=unit, address="4100 Lindell Blvd")
    page = phone()
    expect(page.locator("#my-call .address")).to_contain_text("4100 Lindell Blvd")

    # The shift ends while the unit is on scene: the page refreshes itself, the call stays.
    Shift.objects.filter(pk=unit.shift_id).update(starts_at=now - timedelta(hours=9), ends_at=now - timedelta(hours=1))
    Unit.objects.filter(pk=unit.pk).update(
        shift_starts_at=now - timedelta(hours=9), shift_ends_at=now - timedelta(hours=1)
    )
    page.reload()
    expect(page.get_by_text("(shift ended)")).to_be_visible()
    expect(page.locator("#my-call .address")).to_contain_text("4100 Lindell Blvd")
    tap(page, "Clear")
    tap(page, "Yes, clear")
    expect(page.locator("#my-call .status")).to_have_text("Cleared")
    unit.refresh_from_db()
    assert unit.status == Unit.Status.OFF_DUTY, "cleared after its shift: off duty, nothing to choose"
    expect(page.locator("#clear-to")).to_have_count(0)

    page.reload()  # still there, later, with the form
    page.get_by_label("Disposition").select_option("resolved_on_scene")
    page.get_by_label("Narrative (clinical; seen by you and supervisors only)").fill("Worked past the shift.")
    shoot(page, "after-shift-outcome")
    page.get_by_role("button", name="Record outcome and close").tap()
    expect(page.get_by_text(f"Outcome recorded; call {call.pk} is closed.")).to_be_visible()
    call.refresh_from_db()
    assert call.status == S.CLOSED


# --- Documenting or available, beside the outcome form ---------------------------------------


def test_documenting_keeps_the_unit_out_of_service_until_the_outcome_goes_available(phone, crew, call_in, settings,
                                                                                   shoot):  # fmt: skip
    settings.DISPATCH_CLEAR_TO = "documenting"
    call_in(S.ON_SCENE, unit=crew, address="1520 Market St")
    page = phone()
    tap(page, "Clear")
    expect(page.locator("#move-confirm")).to_contain_text("Clear call")
    tap(page, "Yes, clear")
    expect(page.locator("#clear-to")).to_contain_text("CR-51 is documenting")
    crew.refresh_from_db()
    assert (crew.status, crew.out_of_service_reason) == (Unit.Status.OUT_OF_SERVICE, "Documenting")

    narrative = page.get_by_label("Narrative (clinical; seen by you and supervisors only)")
    narrative.fill("Met the client on the porch.")
    tap(page, "Available for calls")
    expect(page.locator("#clear-to")).to_contain_text("CR-51 is available")
    assert eventually(lambda: Unit.objects.get(pk=crew.pk).status == Unit.Status.AVAILABLE)
    expect(narrative).to_have_value("Met the client on the porch."), "the form being typed is left alone"
    expect(page.get_by_role("button", name="Record outcome and close")).to_be_visible()

    tap(page, "Documenting — no new calls")
    expect(page.locator("#clear-to")).to_contain_text("CR-51 is documenting")
    assert eventually(lambda: Unit.objects.get(pk=crew.pk).status == Unit.Status.OUT_OF_SERVICE)
    page.get_by_label("Disposition").select_option("resolved_on_scene")
    shoot(page, "documenting")
    tap(page, "Record outcome and go available")
    expect(page.locator("#my-call .messages")).to_contain_text("CR-51 is available.")
    crew.refresh_from_db()
    assert (crew.status, crew.out_of_service_reason) == (Unit.Status.AVAILABLE, "")


def test_by_default_the_unit_is_available_when_cleared_and_a_new_call_shows_as_a_banner_over_the_form(
    phone, crew, call_in, shoot
):
    first = call_in(S.ON_SCENE, unit=crew, address="1520 Market St")
    page = phone()
    tap(page, "Clear")
    tap(page, "Yes, clear")
    expect(page.locator("#clear-to")).to_contain_text("CR-51 is available")
    assert Unit.objects.get(pk=crew.pk).status == Unit.Status.AVAILABLE
    narrative = page.get_by_label("Narrative (clinical; seen by you and supervisors only)")
    narrative.fill("Client safe with sister.")
    page.get_by_label("Referred to").fill("Behavioral Health Response")

    call_in(S.DISPATCHED, unit=crew, address="77 Gravois Ave")  # the dispatcher sends CR-51 again
    banner = page.locator("#new-call-banner")
    expect(banner).to_contain_text("New call: Welfare check, 77 Gravois Ave", timeout=10000)
    expect(narrative).to_have_value("Client safe with sister."), "the banner does not wipe the form"
    shoot(page, "new-call-banner")

    banner.get_by_role("link", name="Open it").tap()
    expect(page.locator("#my-call .address")).to_contain_text("77 Gravois Ave")
    page.locator(f"#recent-{first.pk}").get_by_role("link", name="Record outcome").tap()
    expect(page.locator("#my-call .address")).to_contain_text("1520 Market St")
    expect(narrative).to_have_value("Client safe with sister."), "the draft came back"
    expect(page.get_by_label("Referred to")).to_have_value("Behavioral Health Response")


def draft_keys(page):
    return page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('coresponder:outcome-draft:'))")


def test_the_outcome_draft_survives_a_reload_and_a_new_login_and_is_forgotten_once_saved(phone, log_in, crew,
                                                                                        call_in, users):  # fmt: skip
    call = call_in(S.CLEARED, unit=crew, address="1520 Market St")
    page = phone()
    narrative = page.get_by_label("Narrative (clinical; seen by you and supervisors only)")
    narrative.fill("Draft: safety plan made.")
    page.get_by_label("Disposition").select_option("referred")
    page.reload()
    expect(narrative).to_have_value("Draft: safety plan made.")
    expect(page.get_by_label("Disposition")).to_have_value("referred")

    page.goto("about:blank")
    page.context.clear_cookies()  # the session ended by itself
    log_in("clinician", on=page)
    expect(narrative).to_have_value("Draft: safety plan made.")
    assert draft_keys(page) == [f"coresponder:outcome-draft:{users['clinician'].pk}:{call.pk}"]

    page.get_by_role("button", name="Record outcome and close").tap()
    expect(page.get_by_text(f"Outcome recorded; call {call.pk} is closed.")).to_be_visible()
    assert draft_keys(page) == []


def test_logging_out_forgets_the_draft_on_a_shared_phone(phone, log_in, crew, call_in):
    call_in(S.CLEARED, unit=crew, address="1520 Market St")
    page = phone()
    page.get_by_label("Narrative (clinical; seen by you and supervisors only)").fill("Not for the next person.")
    assert len(draft_keys(page)) == 1
    page.get_by_role("button", name="Log out").tap()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert draft_keys(page) == []


def test_logging_out_from_another_page_forgets_the_draft_too(phone, log_in, crew, call_in):
    """The drafts' script is the phone page's only; the logout that forgets them is every page's."""
    call_in(S.CLEARED, unit=crew, address="1520 Market St")
    page = phone()
    page.get_by_label("Narrative (clinical; seen by you and supervisors only)").fill("Not for the next person.")
    assert len(draft_keys(page)) == 1
    page.goto(page.url.replace("/me/", "/me/devices/"))
    expect(page).to_have_url(re.compile(r"/me/devices/$"))
    page.get_by_role("button", name="Log out").tap()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert draft_keys(page) == []


# --- One hand in a moving car ---------------------------------------------------------------------


def test_a_double_tap_cannot_skip_from_en_route_to_on_scene_and_undo_cancels_a_tap(phone, crew, call_in, shoot):
    call = call_in(S.DISPATCHED, unit=crew, address="1520 Market St")
    page = phone()
    button = page.get_by_role("button", name="En route", exact=True)
    box = button.bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.touchscreen.tap(*centre)
    page.wait_for_timeout(500)
    page.touchscreen.tap(*centre)  # where "On scene" would be once en route
    page.wait_for_timeout(2500)
    call.refresh_from_db()
    assert call.status == S.EN_ROUTE, "the second tap landed on a locked button, not on On scene"
    assert call.events.filter(to_status=S.ON_SCENE).count() == 0
    expect(page.locator("#my-call .status")).to_have_text("En route")

    tap(page, "On scene")
    expect(page.locator("#move-pending")).to_contain_text("Sending “On scene”")
    shoot(page, "counting-down")
    page.get_by_role("button", name="Undo").tap()
    page.wait_for_timeout(2000)
    call.refresh_from_db()
    assert call.status == S.EN_ROUTE, "Undo: nothing was sent"
    expect(page.get_by_role("button", name="On scene", exact=True)).to_be_enabled()

    tap(page, "On scene")
    expect(page.locator("#my-call .status")).to_have_text("On scene")
    tap(page, "Clear")
    tap(page, "Not yet")
    page.wait_for_timeout(500)
    call.refresh_from_db()
    assert call.status == S.ON_SCENE, "Clear asks first"


SWAP_THE_PANEL = """() => {
  document.getElementById("my-call").dataset.old = "1";
  htmx.ajax("GET", "/me/panel/", {source: document.body, target: "#my-call", swap: "outerHTML"});
}"""


def test_a_tap_still_goes_when_the_panel_is_replaced_during_its_hold(phone, crew, call_in):
    """A note, "I have read this" or the offline queue's refresh swaps #my-call while a tap
    counts down: the tap goes from the new panel, whose buttons come back afterwards."""
    call = call_in(S.DISPATCHED, unit=crew, address="1520 Market St")
    page = phone()
    tap(page, "En route")
    expect(page.locator("#move-pending")).to_contain_text("Sending “En route”")
    page.evaluate(SWAP_THE_PANEL)
    expect(page.locator("#my-call:not([data-old])")).to_have_count(1)  # a new panel, mid-hold
    expect(page.locator("#my-call .status")).to_have_text("En route")
    assert eventually(lambda: CrisisCall.objects.get(pk=call.pk).status == S.EN_ROUTE), "the tap was not lost"
    expect(page.get_by_role("button", name="On scene", exact=True)).to_be_enabled()


def test_a_tap_on_hold_goes_at_once_when_the_phone_goes_to_the_background(phone, crew, call_in):
    call = call_in(S.DISPATCHED, unit=crew, address="1520 Market St")
    page = phone()
    tap(page, "En route")
    page.evaluate("""() => {
      Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
      document.dispatchEvent(new Event("visibilitychange"));
    }""")
    assert eventually(lambda: CrisisCall.objects.get(pk=call.pk).status == S.EN_ROUTE, timeout=1.0), (
        "sent before the hold ended"
    )


SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'a[href], button, select, input:not([type=hidden]), textarea, summary'))
  .filter(el => el.getClientRects().length && !el.closest('[hidden]') && !el.classList.contains('skip'))
  .map(el => {
    const target = (el.type === 'checkbox' || el.type === 'radio') && el.closest('label') ? el.closest('label') : el;
    const box = target.getBoundingClientRect();
    return {what: (target.textContent || target.name || target.id || target.tagName).trim().slice(0, 40),
            css: getComputedStyle(target).minHeight + " " + getComputedStyle(target).display,
            width: Math.round(box.width), height: Math.round(box.height)};
  })
  .filter(t => t.width < 44 || t.height < 44)"""


@pytest.mark.parametrize(
    ("agent", "maps"),
    [(IPHONE, "https://maps.apple.com/?daddr=38.627000,-90.199400"),
     (ANDROID, "geo:38.627000,-90.199400?q=38.627000,-90.199400(1520%20Market%20St)")],
    ids=["iphone", "android"],
)  # fmt: skip
def test_navigate_and_call_back_are_big_and_open_the_phones_own_apps(phone, crew, call_in, agent, maps, shoot):
    call_in(S.DISPATCHED, unit=crew, address="1520 Market St", callback_number="314-555-0100", weapons=True,
            caller_name="Sam")  # fmt: skip
    page = phone(user_agent=agent)
    card = page.locator(".current-call")
    expect(card.locator("> *").first).to_have_text("⚠ WEAPONS FLAGGED"), "the safety flags come first"
    navigate = page.get_by_role("link", name="Navigate")
    expect(navigate).to_have_attribute("href", maps)
    call_back = page.get_by_role("link", name="Call back 314-555-0100")
    expect(call_back).to_have_attribute("href", "tel:314-555-0100")
    for link in (navigate, call_back):
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300, box
    assert page.evaluate(SMALL_TARGETS) == [], "every tap target is at least 44 px"
    shoot(page, "call-card")


def test_every_tap_target_on_the_phone_page_is_at_least_44_px(phone, crew, call_in):
    call_in(S.CLEARED, unit=crew, address="1520 Market St", callback_number="314-555-0100")
    page = phone()
    expect(page.get_by_role("button", name="Record outcome and close")).to_be_visible()
    assert page.evaluate(SMALL_TARGETS) == []
    Unit.objects.filter(pk=crew.pk).update(status=Unit.Status.AVAILABLE)
    CrisisCall.objects.update(status=S.CLOSED)
    page.reload()
    expect(page.get_by_role("heading", name="No call")).to_be_visible()
    assert page.evaluate(SMALL_TARGETS) == []
