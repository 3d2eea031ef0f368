"""The board and the phone page without a browser: who may open them and what the forms do."""

import pytest

from dispatch.models import CrisisCall
from tests.conftest import EVERYONE
from tests.factories import ClinicianFactory, OfficerFactory
from tests.places import DOWNTOWN

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


@pytest.mark.parametrize(("who", "status"), [("dispatcher", 200), ("supervisor", 200), ("clinician", 403),
                                             ("officer", 403), ("intake", 403), ("outsider", 403)])  # fmt: skip
def test_the_board_is_for_dispatchers_and_supervisors(client, users, who, status):
    client.force_login(users[who])
    for url in ("/board/", "/board/panels/", "/board/map.json"):
        assert client.get(url).status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("clinician", 200), ("officer", 200), ("dispatcher", 403), ("intake", 403)]
)
def test_my_unit_is_for_clinicians_and_officers(client, users, who, status):
    client.force_login(users[who])
    assert client.get("/me/").status_code == status


@pytest.mark.parametrize(("role", "page"), [("dispatcher", "/board/"), ("supervisor", "/roster/"),
                                            ("clinician", "/me/"), ("officer", "/me/"), ("counselor", "/triage/")])  # fmt: skip
def test_each_role_lands_on_its_own_page(client, users, role, page):
    response = client.post("/accounts/login/", {"username": role, "password": "pass-word-123"}, follow=True)
    assert response.redirect_chain[-1][0] == page


def test_navigation_shows_only_what_the_role_may_use(client, users):
    client.force_login(users["clinician"])
    nav = client.get("/me/").content.decode()
    assert 'href="/me/"' in nav and 'href="/board/"' not in nav and 'href="/roster/"' not in nav


def test_a_supervisor_sees_the_board_but_no_action_buttons(client, users, call_in):
    call_in(S.QUEUED)
    client.force_login(users["supervisor"])
    page = client.get("/board/").content.decode()
    assert "Assign…" not in page and "New call" not in page


def test_a_dispatcher_takes_a_phoned_in_call_with_the_safety_screen(client, users):
    client.force_login(users["dispatcher"])
    body = {"address": "3000 Gravois Ave", "lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "psychosis",
            "priority": 2, "violence": "on"}  # fmt: skip
    response = client.post("/board/calls/new/", body, follow=True)
    call = CrisisCall.objects.get()
    assert (call.status, call.events.first().source) == (S.HELD, "web")
    assert f"Call {call.pk} at 3000 Gravois Ave received (held for review)." in response.content.decode()


def test_a_new_call_without_coordinates_shows_the_field_errors(client, users):
    client.force_login(users["dispatcher"])
    response = client.post("/board/calls/new/", {"address": "somewhere", "nature": "psychosis", "priority": 2})
    assert response.status_code == 400
    assert response.context["new_call_form"].errors["lat"] == ["This field is required."]
    assert not CrisisCall.objects.exists()


def test_a_refused_move_on_the_board_says_why(client, users, call_in):
    call = call_in(S.QUEUED)
    client.force_login(users["dispatcher"])
    response = client.post(f"/board/calls/{call.pk}/move/", {"status": "on_scene"}, HTTP_HX_REQUEST="true")
    assert "A call that is queued cannot become on scene." in response.content.decode()


def test_the_recommendation_list_gives_reasons_for_units_that_cannot_go(client, users, call_in, unit_at):
    call = call_in(S.QUEUED)
    unit_at(1, call_sign="CR-1")
    unit_at(0.5, call_sign="U-1", uniformed=True)
    unit_at(0.2, call_sign="OOS-1", status="out_of_service", out_of_service_reason="meal")
    client.force_login(users["dispatcher"])
    page = client.get(f"/board/calls/{call.pk}/recommend/").content.decode()
    assert "Assign CR-1" in page and "recommended" in page
    assert "uniformed" in page and "Assign U-1" in page, "a dispatcher may send a uniformed unit by hand"
    assert "out of service (meal)" in page and "Assign OOS-1" not in page


def test_the_map_lists_units_and_open_calls(client, users, call_in, unit_at):
    unit_at(1, call_sign="CR-1")
    call_in(S.QUEUED, address="1 Main St")
    client.force_login(users["dispatcher"])
    data = client.get("/board/map.json").json()
    assert [u["call_sign"] for u in data["units"]] == ["CR-1"]
    assert [c["address"] for c in data["calls"]] == ["1 Main St"]


def test_the_phone_page_shows_only_the_members_own_calls(client, users, call_in, unit_at):
    mine = unit_at(1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory())
    other = call_in(S.DISPATCHED, address="Elsewhere")
    call_in(S.DISPATCHED, unit=mine, address="Mine")
    client.force_login(users["clinician"])
    page = client.get("/me/").content.decode()
    assert "Mine" in page and "Elsewhere" not in page
    assert client.post(f"/me/calls/{other.pk}/move/", {"status": "en_route"}).status_code == 404


def test_an_officer_gets_no_outcome_form(client, users, call_in, unit_at):
    unit = unit_at(1, clinician=ClinicianFactory(), officer=OfficerFactory(user=users["officer"]))
    call_in(S.CLEARED, unit=unit)
    client.force_login(users["officer"])
    page = client.get("/me/").content.decode()
    assert "Record outcome" not in page and "The unit's clinician records the outcome." in page


@pytest.mark.parametrize("path", ["/board/calls/99999999999999999999999/recommend/", "/board/calls/abc/move/"])
def test_bad_ids_in_page_paths_are_404s(client, users, path):
    client.force_login(users["dispatcher"])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("who", EVERYONE)
def test_the_crisis_line_page_is_for_counselors_and_supervisors(client, users, who):
    if who is not None:
        client.force_login(users[who])
    response = client.get("/triage/")
    if who is None:
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if who in ("counselor", "supervisor") else 403)


@pytest.mark.parametrize("who", EVERYONE)
def test_a_calls_detail_and_notes_on_the_board_are_for_the_board_and_notes_are_added_by_dispatchers(
    client, users, call_in, who
):
    call = call_in(S.QUEUED)
    if who is not None:
        client.force_login(users[who])
    read = client.get(f"/board/calls/{call.pk}/")
    write = client.post(f"/board/calls/{call.pk}/notes/", {"text": "on the porch"})
    if who is None:
        assert (read.status_code, write.status_code) == (302, 302)
        return
    assert read.status_code == (200 if who in ("dispatcher", "supervisor") else 403)
    assert write.status_code == (200 if who == "dispatcher" else 403)
    assert call.call_notes.count() == (1 if who == "dispatcher" else 0)


def test_a_counselor_decides_from_the_page(client, users, settings):
    from dispatch.services import call_intake

    settings.DISPATCH_INTAKE_MODE = "triage"
    first = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="other", priority=3)[0]
    second = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="other", priority=3)[0]
    client.force_login(users["counselor"])
    client.post(f"/triage/calls/{first.pk}/resolve/", {"phone_disposition": "no_answer"})
    client.post(f"/triage/calls/{second.pk}/decide/", {"status": "received"})
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, first.phone_disposition, second.status) == (S.CLOSED, "no_answer", S.RECEIVED)
    page = client.get("/triage/").content.decode()
    assert "No call is waiting for the crisis line." in page


def test_a_member_of_another_unit_cannot_add_a_note_or_acknowledge_from_the_phone(client, users, call_in):
    call = call_in(S.EN_ROUTE)  # a unit of other people
    client.force_login(users["clinician"])
    assert client.post(f"/me/calls/{call.pk}/notes/", {"text": "x"}).status_code == 404
    assert client.post(f"/me/calls/{call.pk}/acknowledge/").status_code == 404


def test_a_decision_panel_is_a_page_of_its_own_without_javascript(client, users, call_in):
    call = call_in(S.HELD, weapons=True)
    client.force_login(users["dispatcher"])
    page = client.get(f"/board/calls/{call.pk}/decide/cancelled/")
    assert page.status_code == 200 and f"Cancel call #{call.pk}" in page.content.decode()
    assert "<html" in page.content.decode() and "Keep call" in page.content.decode()
    assert client.get(f"/board/calls/{call.pk}/decide/en_route/").status_code == 404
