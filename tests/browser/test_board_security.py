"""The board in Debian's chromium: typed text on the map stays text, and a board nobody works
at times out to the login page (SPEC §4 "Web pages"; README "Logins and sessions")."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dispatch.models import CrisisCall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LOGGED_OUT = "You were logged out after inactivity. Please log in again."


def tooltip_on_the_only_marker(page):
    """Points at the map's one marker (fitted to the middle of the map) and returns its tooltip
    element's HTML and text. The map redraws every 3 s, which closes an open tooltip, so the
    pointer moves until one is read."""
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    read = """() => { const t = document.querySelector(".leaflet-tooltip");
                      return t ? {html: t.innerHTML, text: t.textContent} : null; }"""
    for _ in range(10):
        page.mouse.move(x - 60, y - 60)
        page.wait_for_timeout(100)
        page.mouse.move(x, y)
        for _ in range(10):  # Leaflet opens it after its own throttle of the pointer's moves
            found = page.evaluate(read)
            if found:
                return found
            page.wait_for_timeout(50)
    raise AssertionError("no tooltip opened over the marker")


@pytest.mark.parametrize("marker", ["call", "unit"])
def test_text_typed_into_a_call_or_a_call_sign_shows_as_text_on_the_map(
    page, log_in, users, unit_at, call_in, no_map_tiles, screenshot, marker
):
    if marker == "call":
        call_in(CrisisCall.Status.QUEUED, address='<b>1520</b> Market <img src="/x" class="injected">')
        typed = '<b>1520</b> Market <img src="/x" class="injected">'
    else:
        unit_at(1, call_sign="<u>CR-9</u>")
        typed = "<u>CR-9</u>"
    log_in("dispatcher")
    expect(page.locator("#map")).to_have_attribute("data-markers", "1")
    tooltip = tooltip_on_the_only_marker(page)
    screenshot("tooltip")
    assert typed in tooltip["text"], "shown as the characters typed"
    assert not re.search(r"<(b|u|img)\b", tooltip["html"]), "never made into elements"
    assert page.locator("img.injected").count() == 0


def test_a_board_nobody_works_at_goes_to_the_login_page_and_back(
    page, live_server, log_in, users, settings, no_map_tiles, screenshot
):
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=4)
    log_in("dispatcher")
    expect(page).to_have_url(re.compile(r"/board/$"))
    expect(page.get_by_text("No open calls.")).to_be_visible()
    # The panels poll every 3 s and the map every 3 s; neither is the dispatcher.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/board/$"), timeout=12_000)
    expect(page.get_by_text(LOGGED_OUT)).to_be_visible()
    expect(page.get_by_role("heading", name="Log in")).to_have_count(1)  # the whole page, not a panel
    screenshot("logged-out")

    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    page.get_by_label("Username").fill("dispatcher")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/board/")
    expect(page.get_by_text("No open calls.")).to_be_visible()


def test_a_dispatcher_typing_a_phoned_in_call_is_not_logged_out(page, log_in, users, settings, no_map_tiles):
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=5)
    log_in("dispatcher")
    page.locator("summary", has_text="New call").click()
    address = page.get_by_label("Address")
    address.click()
    typed = "4500 Delmar Blvd"
    for letter in typed:  # 8 s of typing: longer than the idle limit, and no request of its own
        address.press_sequentially(letter)
        page.wait_for_timeout(500)
    expect(page).to_have_url(re.compile(r"/board/$"))
    expect(address).to_have_value(typed)
    expect(page).to_have_url(re.compile(r"/accounts/login/"), timeout=12_000)  # then the desk is empty
