"""The board under pressure (issue 13), as a dispatcher at 3 a.m. sees it: what needs them now
comes first and is counted in the tab's title, a new event sounds once, a flagged call is
released only with a safety review."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import CallAlert, CrisisCall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = CrisisCall.Status
DESK = {"width": 1440, "height": 900}


def test_a_held_call_and_a_stale_dispatch_come_first_the_title_counts_them_and_a_new_one_sounds(
    page, log_in, users, call_in, screenshot, no_map_tiles
):
    page.set_viewport_size(DESK)
    call_in(S.QUEUED, address="2 Quiet St", priority=1)
    call_in(S.EN_ROUTE, address="3 Busy Ave", priority=1)
    held = call_in(S.HELD, weapons=True, address="1 Held Rd", priority=3)
    stale = call_in(S.DISPATCHED, address="4 Silent Ct", priority=3)
    CallAlert.objects.create(call=stale, kind=CallAlert.Kind.NOT_ACKNOWLEDGED, raised_at=timezone.now())
    log_in("dispatcher")
    expect(page).to_have_title(re.compile(r"^\(2\) Board"))
    rows = page.locator("tr.call")
    expect(rows.nth(0)).to_contain_text("1 Held Rd")
    expect(rows.nth(0).locator(".hold-badge")).to_have_text("HOLD — review")
    expect(rows.nth(1)).to_contain_text("4 Silent Ct")
    strip = page.locator(".needs-now")
    expect(strip).to_contain_text("1 held for review · 1 not acknowledged")
    expect(strip.get_by_role("link", name="1 held for review")).to_have_attribute("href", f"#call-{held.pk}")
    screenshot("needs-now")

    page.locator("body").click()  # a person at the console: the browser lets the page make sound
    call_in(S.HELD, violence=True, address="5 New Way")
    expect(page).to_have_title(re.compile(r"^\(3\) Board"), timeout=6000)
    expect(page.locator("body")).to_have_attribute("data-tones", "1")

    page.get_by_role("button", name="Sound on").click()  # muted for this console, remembered
    call_in(S.HELD, medical_emergency=True, address="6 Later Ln")
    expect(page).to_have_title(re.compile(r"^\(4\) Board"), timeout=6000)
    expect(page.locator("body")).to_have_attribute("data-tones", "1")
    page.reload()
    expect(page.get_by_role("button", name="Sound off")).to_be_visible()


def test_release_without_a_safety_review_is_refused_and_with_one_it_is_recorded(
    page, log_in, users, call_in, screenshot, no_map_tiles
):
    call = call_in(S.HELD, weapons=True, address="7 Knife Rd")
    log_in("dispatcher")
    row = page.locator(f"#call-{call.pk}")
    row.get_by_role("button", name="Release…").click()
    drawer = page.locator("#drawer")
    expect(drawer).to_contain_text("WEAPONS")
    drawer.get_by_role("button", name=f"Release call #{call.pk}").click()
    expect(page.locator(".toasts")).to_contain_text("is safe for a plain-clothes team")
    expect(drawer.get_by_role("button", name=f"Release call #{call.pk}")).to_be_visible(), "the panel stays open"
    call.refresh_from_db()
    assert call.status == S.HELD

    drawer.get_by_label("Safety review: why a plain-clothes team may go (required)").fill("Knife handed to a neighbour")
    screenshot("release-review")
    drawer.get_by_role("button", name=f"Release call #{call.pk}").click()
    expect(drawer).to_be_empty()
    call.refresh_from_db()
    assert call.released_by == users["dispatcher"]
    assert call.events.get(to_status=S.RECEIVED).note == "Knife handed to a neighbour"


def test_a_refresh_keeps_the_dispatchers_place_and_a_refusal_stays_until_dismissed(
    page, log_in, users, call_in, no_map_tiles
):
    call = call_in(S.QUEUED, address="8 Focus St")
    log_in("dispatcher")
    notes = page.locator(f"#call-{call.pk}").get_by_role("button", name="Notes…")
    notes.focus()
    marker = notes.evaluate_handle("button => { button.seenBefore = true; return button; }")
    page.wait_for_timeout(6500)  # two refreshes of the panels
    expect(notes).to_be_focused()
    assert marker.evaluate("button => button.isConnected && button.seenBefore"), "the same button, morphed in place"

    # A refusal -- a flagged call released without a safety review -- stays through refreshes
    # until it is dismissed.
    flagged = call_in(S.HELD, weapons=True, address="9 Toast Rd")
    page.locator(f"#call-{flagged.pk}").get_by_role("button", name="Release…").click()
    page.locator("#drawer").get_by_role("button", name=f"Release call #{flagged.pk}").click()
    toast = page.locator(".toasts .toast.msg-error")
    expect(toast).to_contain_text("is safe for a plain-clothes team")
    page.wait_for_timeout(7000)
    expect(toast).to_be_visible()
    toast.get_by_role("button", name="Dismiss").click()
    expect(toast).to_have_count(0)


def test_a_new_calls_location_is_set_on_purpose_and_never_by_a_click_on_a_marker(
    page, log_in, users, unit_at, no_map_tiles
):
    unit = unit_at(1, call_sign="CR-61")
    log_in("dispatcher")
    page.get_by_text("New call").click()
    lat, lon = page.get_by_label("Latitude"), page.get_by_label("Longitude")
    map_box = page.locator("#map")
    expect(map_box).to_have_attribute("data-markers", "1")

    def click_at(latitude, longitude):
        point = map_box.evaluate(
            "(map, ll) => map.leafletMap.latLngToContainerPoint(ll)", {"lat": latitude, "lng": longitude}
        )
        map_box.click(position={"x": point["x"], "y": point["y"]})

    page.mouse.click(10, 10)  # nowhere in particular
    map_box.click(position={"x": 40, "y": 300})
    expect(lat).to_have_value("")  # a click on the map outside the mode changes nothing

    page.get_by_role("button", name="Set location on map").click()
    click_at(unit.lat, unit.lon)  # on the unit's marker
    expect(lat).to_have_value("")
    map_box.click(position={"x": 60, "y": 320})
    expect(lat).not_to_have_value("")
    placed = (lat.input_value(), lon.input_value())
    click_at(unit.lat, unit.lon)
    assert (lat.input_value(), lon.input_value()) == placed, "the marker click never reached the map"
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Set location on map")).to_have_attribute("aria-pressed", "false")


def test_j_a_enter_sends_the_recommended_unit_and_question_mark_lists_the_keys(
    page, log_in, users, call_in, unit_at, no_map_tiles
):
    near = unit_at(0.5, call_sign="CR-81")
    unit_at(4, call_sign="CR-82")
    call = call_in(S.QUEUED, address="10 Keyboard Rd")
    log_in("dispatcher")
    expect(page.locator(f"#call-{call.pk}")).to_be_visible()
    page.wait_for_load_state("load")  # the page's scripts are listening
    page.keyboard.press("?")
    expect(page.get_by_label("Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_label("Keyboard shortcuts")).to_be_hidden()
    page.keyboard.press("j")
    expect(page.locator(f"#call-{call.pk}")).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator("#drawer").get_by_role("button", name="Assign CR-81")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#call-{call.pk}")).to_contain_text("CR-81")
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.DISPATCHED, near)


def test_at_1440_by_900_six_calls_and_eight_units_fit_above_the_fold(
    page, log_in, users, call_in, unit_at, screenshot, no_map_tiles
):
    page.set_viewport_size(DESK)
    for i in range(8):
        unit_at(0.3 * (i + 1), call_sign=f"CR-9{i}")
    statuses = [S.HELD, S.QUEUED, S.QUEUED, S.DISPATCHED, S.EN_ROUTE, S.ON_SCENE]
    for i, status in enumerate(statuses):
        call_in(status, address=f"{100 + i} Long Avenue Northwest", weapons=status == S.HELD)
    log_in("dispatcher")
    expect(page.locator("tr.call")).to_have_count(6)
    screenshot("fold")
    last_call = page.locator("tr.call").nth(5).bounding_box()
    eighth_unit = page.locator("tr.unit-row").nth(7).bounding_box()
    assert last_call["y"] + last_call["height"] <= 900, last_call
    assert eighth_unit["y"] + eighth_unit["height"] <= 900, eighth_unit
    # Every row's actions are in view, not cut off or scrolled away.
    frame = page.locator("section[aria-labelledby=calls-title] .table-wrap").bounding_box()
    for actions in page.locator("tr.call td.actions").all():
        box = actions.bounding_box()
        assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, (box, frame)
