"""The server's rules behind the phone page (issue 15): a unit arriving is where its call is; what
a unit becomes when its call clears (DISPATCH_CLEAR_TO); a call worked past the end of the shift
stays on the page until its outcome is recorded; the page's Navigate link for each phone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import CrisisCall
from dispatch.services import call_transition
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory
from units.models import Unit

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
HTMX = {"HX-Request": "true"}


@pytest.fixture
def crew(users, unit_at):
    """The standing clinician's and officer's unit, 3 km from where calls are."""
    return unit_at(3, call_sign="CR-7", clinician=ClinicianFactory(user=users["clinician"], name="Maya Patel"),
                   officer=OfficerFactory(user=users["officer"], name="Dana Reyes"))  # fmt: skip


def logged_in(client, user):
    client.force_login(user)
    return client


# --- The snap: on arrival the unit is where its call is --------------------------------------


@pytest.mark.parametrize("path", ["api", "phone", "board"])
def test_arriving_puts_the_unit_at_the_calls_place_whoever_reports_it(client, api, users, crew, call_in, path):
    call = call_in(S.EN_ROUTE, unit=crew, lat=38.6402, lon=-90.2551)
    before = timezone.now()
    if path == "api":
        response = api("clinician").post(f"/api/v1/calls/{call.pk}/transition/", {"status": "on_scene"})
    elif path == "phone":
        response = logged_in(client, users["clinician"]).post(f"/me/calls/{call.pk}/move/", {"status": "on_scene"})
    else:
        response = logged_in(client, users["dispatcher"]).post(f"/board/calls/{call.pk}/move/", {"status": "on_scene"})
    assert response.status_code in (200, 302)
    crew.refresh_from_db()
    assert (crew.status, crew.lat, crew.lon) == (Unit.Status.ON_SCENE, 38.6402, -90.2551)
    assert crew.location_at >= before, "the arrival is the unit's newest fix"


def test_en_route_leaves_the_unit_where_its_phone_put_it(users, crew, call_in):
    where = (crew.lat, crew.lon)
    call = call_in(S.DISPATCHED, unit=crew)
    call_transition(call=call, to_status=S.EN_ROUTE, actor=users["clinician"])
    crew.refresh_from_db()
    assert (crew.lat, crew.lon) == where


def test_a_phone_fix_taken_before_the_arrival_does_not_move_the_unit_back_one_after_does(api, users, crew, call_in):
    call = call_in(S.EN_ROUTE, unit=crew, lat=38.6402, lon=-90.2551)
    call_transition(call=call, to_status=S.ON_SCENE, actor=users["clinician"])
    crew.refresh_from_db()
    arrived_at = crew.location_at
    late = api("clinician").post(f"/api/v1/units/{crew.pk}/location/",
                                 {"lat": 38.70, "lon": -90.30, "recorded_at": (arrived_at - timedelta(seconds=20)).isoformat()})  # fmt: skip
    assert (late.json()["stored"], late.json()["ignored"]) == (False, "older")
    after = api("clinician").post(f"/api/v1/units/{crew.pk}/location/",
                                  {"lat": 38.6403, "lon": -90.2552, "recorded_at": (arrived_at + timedelta(seconds=30)).isoformat()})  # fmt: skip
    assert after.json()["stored"] is True


# --- DISPATCH_CLEAR_TO: what a unit becomes when its call clears ------------------------------


def test_by_default_a_unit_is_available_the_moment_its_call_clears(users, crew, call_in):
    call_transition(call=call_in(S.ON_SCENE, unit=crew), to_status=S.CLEARED, actor=users["clinician"])
    crew.refresh_from_db()
    assert (crew.status, crew.out_of_service_reason) == (Unit.Status.AVAILABLE, "")


def test_with_clear_to_documenting_a_cleared_unit_is_out_of_service_documenting(users, crew, call_in, settings):
    settings.DISPATCH_CLEAR_TO = "documenting"
    call_transition(call=call_in(S.ON_SCENE, unit=crew), to_status=S.CLEARED, actor=users["clinician"])
    crew.refresh_from_db()
    assert (crew.status, crew.out_of_service_reason) == (Unit.Status.OUT_OF_SERVICE, "Documenting")


def test_documenting_applies_to_a_cleared_call_only_a_cancelled_one_frees_the_unit(users, crew, call_in, settings):
    settings.DISPATCH_CLEAR_TO = "documenting"
    call_transition(call=call_in(S.EN_ROUTE, unit=crew), to_status=S.CANCELLED, actor=users["dispatcher"])
    crew.refresh_from_db()
    assert crew.status == Unit.Status.AVAILABLE


def test_a_unit_cleared_after_its_shift_ended_goes_off_duty_even_when_documenting(users, call_in, settings):
    settings.DISPATCH_CLEAR_TO = "documenting"
    unit = UnitFactory(shift=ShiftFactory(starts_at=timezone.now() - timedelta(hours=9)), status=Unit.Status.ON_SCENE)
    call_transition(call=call_in(S.ON_SCENE, unit=unit), to_status=S.CLEARED, actor=users["dispatcher"])
    unit.refresh_from_db()
    assert (unit.status, unit.out_of_service_reason) == (Unit.Status.OFF_DUTY, "")


OUTCOME = {"disposition": "resolved_on_scene", "narrative": "Safety plan made."}


def test_recording_the_outcome_and_go_available_ends_documenting(client, users, crew, call_in, settings):
    settings.DISPATCH_CLEAR_TO = "documenting"
    call = call_in(S.ON_SCENE, unit=crew)
    call_transition(call=call, to_status=S.CLEARED, actor=users["clinician"])
    phone = logged_in(client, users["clinician"])
    page = phone.get("/me/").content.decode()
    assert "Record outcome and go available" in page and "CR-7 is documenting" in page
    phone.post(f"/me/calls/{call.pk}/outcome/", {**OUTCOME, "then": "available"})
    crew.refresh_from_db()
    assert (crew.status, crew.out_of_service_reason) == (Unit.Status.AVAILABLE, "")


def test_recording_the_outcome_alone_keeps_the_unit_documenting(client, users, crew, call_in, settings):
    settings.DISPATCH_CLEAR_TO = "documenting"
    call = call_in(S.ON_SCENE, unit=crew)
    call_transition(call=call, to_status=S.CLEARED, actor=users["clinician"])
    logged_in(client, users["clinician"]).post(f"/me/calls/{call.pk}/outcome/", OUTCOME)
    crew.refresh_from_db()
    call.refresh_from_db()
    assert (call.status, crew.status, crew.out_of_service_reason) == (
        S.CLOSED,
        Unit.Status.OUT_OF_SERVICE,
        "Documenting",
    )


def test_the_available_or_documenting_buttons_answer_with_their_own_part_only(client, users, crew, call_in):
    call = call_in(S.ON_SCENE, unit=crew)
    call_transition(call=call, to_status=S.CLEARED, actor=users["clinician"])
    phone = logged_in(client, users["clinician"])
    part = phone.post("/me/status/", {"status": "out_of_service", "reason": "Documenting"},
                      headers={**HTMX, "HX-Target": "clear-to"}).content.decode()  # fmt: skip
    crew.refresh_from_db()
    assert (crew.status, crew.out_of_service_reason) == (Unit.Status.OUT_OF_SERVICE, "Documenting")
    assert 'id="clear-to"' in part and "Available for calls" in part
    assert 'id="outcome-submit" class="big-buttons" hx-swap-oob="true"' in part, "the form's buttons follow"
    assert "Record outcome and go available" in part
    assert "Narrative" not in part, "the form being typed is not sent back"


# --- The call stays after the shift ends --------------------------------------------------------


@pytest.fixture
def ended_crew(users):
    """The standing clinician's and officer's unit, whose shift ended an hour ago."""
    return UnitFactory(call_sign="CR-9", shift=ShiftFactory(starts_at=timezone.now() - timedelta(hours=9)),
                       clinician=ClinicianFactory(user=users["clinician"]),
                       officer=OfficerFactory(user=users["officer"]))  # fmt: skip


def test_a_call_worked_past_the_end_of_the_shift_stays_on_both_members_pages(client, users, ended_crew, call_in):
    call_in(S.ON_SCENE, unit=ended_crew, address="4100 Lindell Blvd")
    for who in ("clinician", "officer"):
        page = logged_in(client, users[who]).get("/me/").content.decode()
        assert "4100 Lindell Blvd" in page and "(shift ended)" in page


def test_after_the_shift_the_clinician_still_gets_the_outcome_form_of_the_cleared_call(client, users, ended_crew,
                                                                                     call_in):  # fmt: skip
    call = call_in(S.CLEARED, unit=ended_crew, address="4100 Lindell Blvd")
    page = logged_in(client, users["clinician"]).get("/me/").content.decode()
    assert "4100 Lindell Blvd" in page and "Record outcome and close" in page
    assert "is documenting" not in page and "Documenting — no new calls" not in page, "off duty: nothing to choose"
    client.post(f"/me/calls/{call.pk}/outcome/", OUTCOME)
    assert "<h1>No unit</h1>" in client.get("/me/").content.decode(), "recorded: the ended shift's unit is gone"


def test_after_the_shift_the_officer_is_not_held_by_a_cleared_call_that_is_the_clinicians_to_record(
    client, users, ended_crew, call_in
):
    call_in(S.CLEARED, unit=ended_crew, address="4100 Lindell Blvd")
    assert "<h1>No unit</h1>" in logged_in(client, users["officer"]).get("/me/").content.decode()


def test_the_next_shifts_unit_takes_over_once_it_may_log_on(client, users, ended_crew, call_in):
    call_in(S.CLEARED, unit=ended_crew, address="4100 Lindell Blvd")
    UnitFactory(call_sign="CR-10", shift=ShiftFactory(starts_at=timezone.now() + timedelta(minutes=10)),
                clinician=ended_crew.clinician, officer=OfficerFactory(), status=Unit.Status.OFF_DUTY)  # fmt: skip
    page = logged_in(client, users["clinician"]).get("/me/").content.decode()
    assert "CR-10" in page and "4100 Lindell Blvd" not in page


def test_the_shifts_list_is_in_the_refreshed_panel_with_each_calls_current_status(client, users, crew, call_in):
    call = call_in(S.DISPATCHED, unit=crew, address="2 Olive St")
    phone = logged_in(client, users["clinician"])
    call_transition(call=call, to_status=S.EN_ROUTE, actor=users["clinician"])
    panel = phone.get("/me/panel/", headers={**HTMX, "HX-Trigger": "my-call"}).content.decode()
    assert "This shift's calls" in panel
    assert f'<li id="recent-{call.pk}">' in panel and '— <span class="recent-status">en route</span>' in panel


# --- A new call while the outcome form is open ----------------------------------------------------


def test_the_banner_shows_a_new_call_sent_while_the_outcome_form_is_open(client, users, crew, call_in):
    cleared = call_in(S.CLEARED, unit=crew, address="2 Olive St")
    phone = logged_in(client, users["clinician"])
    banner = f"/me/panel/?outcome_open={cleared.pk}"
    assert "New call" not in phone.get(banner, headers=HTMX).content.decode()
    call_in(S.DISPATCHED, unit=crew, address="77 Gravois Ave")
    shown = phone.get(banner, headers=HTMX).content.decode()
    assert "New call:" in shown and "77 Gravois Ave" in shown and "Open it" in shown
    page = phone.get("/me/").content.decode()
    assert "77 Gravois Ave" in page and f'href="/me/?call={cleared.pk}">Record outcome</a>' in page
    opened = phone.get(f"/me/?call={cleared.pk}").content.decode()
    assert "Record outcome and close" in opened and "2 Olive St" in opened


# --- Navigate: the phone's own maps app -----------------------------------------------------------

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


@pytest.mark.parametrize(
    ("agent", "link"),
    [
        (IPHONE, 'href="https://maps.apple.com/?daddr=38.640200,-90.255100"'),
        (ANDROID, 'href="geo:38.640200,-90.255100?q=38.640200,-90.255100(1520%20Market%20St)"'),
        (DESKTOP, 'href="https://www.google.com/maps/dir/?api=1&amp;destination=38.640200,-90.255100"'),
    ],
    ids=["iphone", "android", "elsewhere"],
)
def test_navigate_opens_the_phones_own_maps_app(client, users, crew, call_in, agent, link):
    call_in(S.DISPATCHED, unit=crew, lat=38.6402, lon=-90.2551, address="1520 Market St")
    page = logged_in(client, users["clinician"]).get("/me/", headers={"User-Agent": agent}).content.decode()
    assert link in page


# --- A location sent by itself is no sign of a person ---------------------------------------------


def test_location_fixes_sent_by_themselves_do_not_keep_an_idle_session_alive_a_tap_does(client, crew):
    from tests.test_sessions import PHONE_POLL, log_in, sent_to_login, time_passes

    assert log_in(client, "clinician").status_code == 302
    fix = {"lat": 38.6, "lon": -90.2}
    time_passes(client, minutes=20)
    assert client.post(f"/api/v1/units/{crew.pk}/location/", fix, content_type="application/json").status_code == 200
    time_passes(client, minutes=20)  # 40 minutes since login, 20 since the tap
    automatic = client.post(f"/api/v1/units/{crew.pk}/location/", fix, content_type="application/json",
                            headers={"X-Polling": "1"})  # fmt: skip
    assert automatic.status_code == 200
    time_passes(client, minutes=11)  # 31 minutes since the tap, 11 since the automatic fix
    assert sent_to_login(client.get("/me/panel/", headers=PHONE_POLL), "/me/")
