"""What issue 12 adds, as the people at the board, in the car and on the crisis line see it:
notes reach the phone, a flag raised by 911 turns the board and the phone red, a counselor
resolves a call by phone."""

import json
import re
import urllib.request

import pytest
from knox.models import AuthToken
from playwright.sync_api import expect

from dispatch.models import CallAlert, CrisisCall
from tests.factories import ClinicianFactory, OfficerFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
S = CrisisCall.Status


@pytest.fixture
def crew(users, unit_at):
    return unit_at(1, call_sign="CR-41", clinician=ClinicianFactory(user=users["clinician"], name="Maya Patel"),
                   officer=OfficerFactory(user=users["officer"], name="Dana Reyes"))  # fmt: skip


@pytest.fixture
def phone(browser, log_in, users, crew):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in("clinician", on=page)
    yield page
    context.close()


def test_a_dispatcher_adds_a_note_and_the_unit_reads_it_on_the_phone(page, phone, log_in, crew, call_in, shoot,
                                                                    screenshot, no_map_tiles):  # fmt: skip
    call = call_in(S.EN_ROUTE, unit=crew, address="3100 Gravois Ave")
    expect(phone.locator("#my-call .address")).to_contain_text("3100 Gravois Ave", timeout=8000)
    expect(phone.get_by_text("No notes yet.")).to_be_visible()

    log_in("dispatcher")
    page.locator(f"#call-{call.pk}").get_by_role("button", name="Notes…").click()
    detail = page.locator("#call-detail")
    expect(detail.get_by_role("heading", level=2)).to_contain_text(f"Call #{call.pk}")
    detail.get_by_label("Add a note").fill("Caller says he has a knife in the kitchen")
    detail.get_by_role("button", name="Add note").click()
    expect(detail.locator(".timeline")).to_contain_text("Dispatcher: Caller says he has a knife in the kitchen")
    expect(detail.get_by_label("Add a note")).to_have_value("")
    screenshot("board-note")

    # No reload: the phone's panel refreshes itself.
    expect(phone.locator(".timeline")).to_contain_text("Caller says he has a knife in the kitchen", timeout=8000)
    phone.get_by_label("Add a note").fill("On Gravois, two minutes out")
    phone.get_by_role("button", name="Add note").click()
    expect(phone.locator(".timeline li").first).to_contain_text("Maya Patel: On Gravois, two minutes out")
    shoot(phone, "phone-notes")
    expect(detail.locator(".timeline li").first).to_contain_text("On Gravois, two minutes out", timeout=8000)


def test_a_flag_raised_by_911_turns_the_board_row_and_the_phone_red_until_acknowledged(
    page, phone, log_in, live_server, crew, call_in, shoot, screenshot, no_map_tiles
):
    call = call_in(S.DISPATCHED, unit=crew, address="4200 Natural Bridge Ave", external_id="911-500")
    log_in("dispatcher")
    row = page.locator(f"#call-{call.pk}")
    expect(row).to_contain_text("4200 Natural Bridge Ave")
    expect(page.locator(".safety-alerts")).to_have_count(0)

    token = AuthToken.objects.create(user=UserFactory(username="cad", role="intake"))[1]
    body = {"external_id": "911-500", "lat": call.lat, "lon": call.lon, "nature": call.nature,
            "priority": call.priority, "weapons": True}  # fmt: skip
    request = urllib.request.Request(f"{live_server.url}/api/v1/calls/", data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    expect(row).to_have_class(re.compile(r"safety-alert"), timeout=5000)
    expect(page.locator(".safety-alerts")).to_contain_text(f"Call #{call.pk}")
    expect(page.locator(".safety-alerts")).to_contain_text("weapons")
    expect(row.locator(".status")).to_have_text("Dispatched"), "the unit is not pulled back"
    screenshot("board-red")

    alert = phone.locator(".safety-alert-card")
    expect(alert).to_contain_text("WEAPONS", timeout=8000)
    expect(alert).to_have_css("background-color", "rgb(153, 27, 27)")
    shoot(phone, "phone-red")
    phone.get_by_role("button", name="I have read this").click()
    expect(alert).to_have_count(0)
    expect(page.locator(".safety-alerts")).to_have_count(0, timeout=5000)
    assert CallAlert.objects.get(call=call).acknowledged_by.username == "clinician"


def test_a_counselor_resolves_a_call_by_phone(page, log_in, users, settings, screenshot):
    from dispatch.services import call_intake

    settings.DISPATCH_INTAKE_MODE = "triage"
    call, _ = call_intake(lat=38.63, lon=-90.2, nature="suicidal_ideation", priority=2, address="1 Crisis Ln",
                          callback_number="314-555-0199")  # fmt: skip
    log_in("counselor")
    expect(page).to_have_url(re.compile(r"/triage/$"))
    card = page.locator(f"#triage-{call.pk}")
    expect(card).to_contain_text("Suicidal ideation")
    expect(card.get_by_role("link", name="314-555-0199")).to_have_attribute("href", "tel:314-555-0199")
    screenshot("triage")
    card.get_by_label("Resolved by phone").select_option("referred_by_phone")
    card.get_by_placeholder("note (optional)").fill("988 follow-up tomorrow")
    card.get_by_role("button", name="Close call").click()
    expect(page.get_by_text(f"Call {call.pk} closed: referred by phone.")).to_be_visible()
    expect(card).to_have_count(0)
    call.refresh_from_db()
    assert (call.status, call.phone_disposition) == (S.CLOSED, "referred_by_phone")
