"""The roster page without a browser: who may open it, and what its forms do."""

from datetime import time

import pytest
from django.utils import timezone

from coresponder.localtime import week_start_of
from tests.factories import ClinicianFactory, OfficerFactory, ShiftTemplateFactory
from units.models import Shift, Unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "intake", "outsider"])
def test_only_supervisors_open_the_roster(client, users, who):
    client.force_login(users[who])
    assert client.get("/roster/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/roster/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_supervisor_lands_on_the_roster_after_logging_in(client, users):
    response = client.post("/accounts/login/", {"username": "supervisor", "password": "pass-word-123"}, follow=True)
    assert response.redirect_chain[-1][0] == "/roster/"


def test_building_the_week_from_templates_says_what_it_did(client, users):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    client.force_login(users["supervisor"])
    response = client.post("/roster/build-week/", {"week": "2030-03-06"}, follow=True)
    assert "Week of 04 Mar built from templates: 7 shift(s) created, 0 unit(s) paired." in response.content.decode()
    assert Shift.objects.count() == 7


def test_a_refused_pairing_keeps_the_form_with_the_sentence_next_to_the_field(client, users):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    client.force_login(users["supervisor"])
    week = week_start_of(timezone.localdate()).isoformat()
    client.post("/roster/build-week/", {"week": week})
    shift = Shift.objects.order_by("starts_at").first()
    clinician = ClinicianFactory(name="Maya Patel")
    body = {"week": week, "shift": shift.pk, "call_sign": "CR-1", "clinician": clinician.pk}
    client.post("/roster/pair/", {**body, "officer": OfficerFactory().pk})
    response = client.post("/roster/pair/", {**body, "call_sign": "CR-2", "officer": OfficerFactory().pk})
    assert response.status_code == 400
    assert response.context["form"].errors["clinician"][0].startswith("Maya Patel is already in CR-1 for")
    assert Unit.objects.count() == 1


def test_a_pairing_through_htmx_reloads_the_page(client, users):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    client.force_login(users["supervisor"])
    week = week_start_of(timezone.localdate()).isoformat()
    client.post("/roster/build-week/", {"week": week})
    shift = Shift.objects.first()
    body = {"week": week, "shift": shift.pk, "call_sign": "CR-1", "clinician": ClinicianFactory().pk}
    response = client.post("/roster/pair/", {**body, "officer": OfficerFactory().pk}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/roster/?week={week}"


def test_the_demo_roster_loads_once_and_covers_every_hour(client, users, settings):
    from units.demo import seed_demo
    from units.selectors import roster_week

    first = seed_demo()
    again = seed_demo()
    assert (first.created_people, first.created_units) == (36, 96)
    assert (again.created_people, again.created_units) == (0, 0)
    assert roster_week(week_start_of(timezone.localdate())).gap_hours == 0


def test_the_roster_page_survives_a_week_at_the_end_of_the_calendar(client, users):
    client.force_login(users["supervisor"])
    assert client.get("/roster/?week=9999-12-31").status_code == 200
