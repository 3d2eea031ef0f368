"""The dispatcher's board and the clinician's phone page, in Debian's chromium, with a real
Celery worker dispatching (SPEC §4 "Web pages")."""

import json
import re
import urllib.request

import pytest
import redis
from django.conf import settings
from knox.models import AuthToken
from playwright.sync_api import expect

from dispatch.models import CrisisCall
from tests.factories import ClinicianFactory, OfficerFactory, UserFactory
from tests.places import DOWNTOWN
from tests.processes import process_env, running, start_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def post_call(live_server, token, **fields):
    body = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "suicidal_ideation", "priority": 1, **fields}
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/calls/", data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.load(response)


@pytest.fixture
def intake_token(db):
    return AuthToken.objects.create(user=UserFactory(username="cad", role="intake"))[1]


def test_a_call_from_the_api_appears_dispatched_and_the_dispatcher_reassigns_it(
    page, live_server, log_in, users, unit_at, intake_token, screenshot, no_map_tiles
):
    unit_at(0.5, call_sign="CR-11")
    unit_at(3, call_sign="CR-12")
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    with running(start_worker(process_env(settings.CELERY_BROKER_URL))):
        log_in("dispatcher")
        expect(page).to_have_url(re.compile(r"/board/$"))
        expect(page.get_by_text("No open calls.")).to_be_visible()
        expect(page.locator("#map")).to_have_attribute("data-markers", "2")

        call = post_call(live_server, intake_token, address="4500 Delmar Blvd", external_id="911-42")
        row = page.locator(f"#call-{call['id']}")
        expect(row).to_contain_text("4500 Delmar Blvd", timeout=5000)  # no reload: the board polls
        expect(row.locator(".status")).to_have_text("Dispatched", timeout=5000)
        expect(row).to_contain_text("CR-11")
        expect(page.locator("#map")).to_have_attribute("data-markers", "3", timeout=5000)
        screenshot("dispatched")

        row.get_by_role("button", name="Reassign…").click()
        drawer = page.locator("#drawer")
        expect(drawer.get_by_role("heading")).to_contain_text(f"Reassign call #{call['id']}")
        expect(drawer.locator("tr", has_text="CR-12")).to_contain_text("min")
        expect(drawer.locator("tr", has_text="CR-11")).to_have_count(0)  # busy on this very call
        drawer.get_by_label("Reason (required)").fill("CR-11 flat tyre")
        screenshot("recommendations")
        drawer.get_by_role("button", name="Assign CR-12").click()

        expect(row).to_contain_text("CR-12")
        expect(page.get_by_text(f"Call {call['id']}: CR-12 sent.")).to_be_visible()
        expect(page.locator("#unit-" + str(CrisisCall.objects.get(pk=call["id"]).unit_id))).to_contain_text(
            "Dispatched"
        )
        expect(page.locator("#drawer")).to_be_empty()
        screenshot("reassigned")
    assert CrisisCall.objects.get(pk=call["id"]).events.last().note == "Reassigned from CR-11 to CR-12: CR-11 flat tyre"


def test_a_clinician_works_a_call_from_a_phone_and_the_board_sees_the_unit_free_again(
    page, browser, live_server, log_in, users, unit_at, call_in, screenshot, shoot, no_map_tiles
):
    unit = unit_at(1, call_sign="CR-21", clinician=ClinicianFactory(user=users["clinician"], name="Maya Patel"),
                   officer=OfficerFactory(user=users["officer"], name="Dana Reyes"))  # fmt: skip
    call = call_in(CrisisCall.Status.DISPATCHED, unit=unit, address="1520 Market St", callback_number="314-555-0100",
                   notes="Caller's brother; lives alone.")  # fmt: skip

    log_in("dispatcher")
    unit_row = page.locator(f"#unit-{unit.pk}")
    expect(unit_row).to_contain_text("Dispatched")

    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                        geolocation={"latitude": 38.6402, "longitude": -90.2551}, permissions=["geolocation"])  # fmt: skip
    phone = phone_context.new_page()
    log_in("clinician", on=phone)
    expect(phone).to_have_url(re.compile(r"/me/$"))
    expect(phone.get_by_role("heading", name="CR-21")).to_be_visible()
    expect(phone.locator("#my-call .address")).to_contain_text("1520 Market St")
    expect(phone.get_by_role("link", name="Navigate")).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/dir/\?api=1&destination=38\.6")
    )  # a desktop browser's agent: Google Maps (an iPhone gets Apple Maps, Android geo:)
    expect(phone.get_by_role("link", name="Call back 314-555-0100")).to_have_attribute("href", "tel:314-555-0100")
    shoot(phone, "phone-dispatched")

    phone.get_by_role("button", name="Send my location").click()
    expect(phone.locator("#location-status")).to_contain_text("Location sent")
    unit.refresh_from_db()
    assert (round(unit.lat, 4), round(unit.lon, 4)) == (38.6402, -90.2551)

    for button, status in (("En route", "En route"), ("On scene", "On scene"), ("Clear", "Cleared")):
        phone.get_by_role("button", name=button, exact=True).click()
        if button == "Clear":
            phone.get_by_role("button", name="Yes, clear").click()  # Clear asks first
        expect(phone.locator("#my-call .status")).to_have_text(status)
    expect(phone.get_by_role("button", name="Transporting")).to_have_count(0)

    phone.get_by_label("Disposition").select_option("referred")
    phone.get_by_label("Referred to").fill("Behavioral Health Response")
    phone.get_by_label("Follow up needed").check()
    phone.get_by_label("Narrative (clinical; seen by you and supervisors only)").fill("Safety plan made with client.")
    shoot(phone, "phone-outcome")
    phone.get_by_role("button", name="Record outcome and close").click()
    expect(phone.get_by_text(f"Outcome recorded; call {call.pk} is closed.")).to_be_visible()
    expect(phone.get_by_role("heading", name="No call")).to_be_visible()
    shoot(phone, "phone-closed")

    expect(unit_row).to_contain_text("Available", timeout=5000)  # the board's own polling
    expect(page.locator(f"#call-{call.pk}")).to_have_count(0)
    screenshot("board-after")
    phone_context.close()
    call.refresh_from_db()
    assert (call.status, call.outcome.disposition, call.outcome.follow_up_needed) == ("closed", "referred", True)


def test_a_weapon_flagged_call_is_held_and_the_dispatcher_returns_it_to_911(
    page, live_server, log_in, users, unit_at, intake_token, screenshot, no_map_tiles
):
    unit_at(1, call_sign="CR-31")
    log_in("dispatcher")
    call = post_call(live_server, intake_token, address="900 N Tucker Blvd", weapons=True, external_id="911-77")
    row = page.locator(f"#call-{call['id']}")
    expect(row.locator(".hold-badge")).to_have_text("HOLD — review", timeout=5000)
    expect(row.locator(".flag")).to_have_text("WEAPONS")
    expect(row.get_by_role("button", name="Release…")).to_be_visible()
    screenshot("held")

    row.get_by_text("More").click()  # the moves that end a call are in the row's menu
    row.get_by_role("button", name="Return to 911…").click()
    drawer = page.locator("#drawer")
    expect(drawer.get_by_role("heading")).to_have_text(f"Return call #{call['id']} to 911?")
    drawer.get_by_role("button", name=f"Return call #{call['id']} to 911").click()
    expect(page.get_by_text(f"Call {call['id']}: returned to 911.")).to_be_visible()
    expect(drawer).to_be_empty()
    expect(row).to_have_count(0)
    screenshot("returned")
    assert CrisisCall.objects.get(pk=call["id"]).status == "returned_to_911"


def test_the_board_keeps_working_through_a_server_restart(page, log_in, users, call_in, screenshot):
    """The board is served by a real gunicorn here, stopped and started again under it."""
    from tests.processes import free_port, start_web

    port = free_port()
    env = process_env(settings.CELERY_BROKER_URL, MAP_TILE_URL="")
    web = start_web(env, port)
    try:
        page.goto(f"http://127.0.0.1:{port}/accounts/login/")
        page.get_by_label("Username").fill("dispatcher")
        page.get_by_label("Password").fill("pass-word-123")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_text("No open calls.")).to_be_visible()

        web.stop()
        expect(page.locator("#connection")).to_be_visible(timeout=8000)
        screenshot("server-down")
        call = call_in(CrisisCall.Status.QUEUED, address="Arrived during the restart")

        web = start_web(env, port)
        expect(page.locator("#connection")).to_be_hidden(timeout=10000)
        expect(page.locator(f"#call-{call.pk}")).to_contain_text("Arrived during the restart", timeout=10000)
    finally:
        web.stop()
