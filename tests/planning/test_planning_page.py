"""The planning page: a supervisor's week of demand against staffing, short hours in words."""

from datetime import date, time, timedelta

import pytest

from tests.factories import ClinicianFactory, OfficerFactory, ShiftTemplateFactory
from tests.planning.helpers import past_call
from units import services
from units.models import Shift

pytestmark = pytest.mark.django_db
WEEK = date(2030, 6, 17)


@pytest.mark.parametrize(("who", "status"), [("supervisor", 200), ("dispatcher", 403), ("clinician", 403)])
def test_only_supervisors_open_the_planning_page(client, users, who, status):
    client.force_login(users[who])
    assert client.get("/planning/").status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/planning/").status_code == 302


def test_the_page_shows_each_hour_and_names_the_hours_short_of_the_recommendation(client, users):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15), target_units=1)
    services.week_build_from_templates(week_start=WEEK)
    shift = Shift.objects.get(name="Day Tue 18 Jun")
    services.unit_create(call_sign="CR-1", shift=shift, clinician=ClinicianFactory(), officer=OfficerFactory())
    for back in range(1, 9):
        past_call(WEEK + timedelta(days=1) - timedelta(weeks=back), time(9, 30), travel=15, on_scene=60)
    client.force_login(users["supervisor"])

    html = client.get(f"/planning/?week={WEEK}").content.decode()

    assert "From <strong>8 calls</strong> that asked for a unit in the\n    8 weeks" in html
    # One call a week at 09:30: 0.5 expected at 09:00 (3 units), 0.25 at 08:00 and 10:00 (2 units).
    assert "Tue 18 Jun 09:00 – Tue 18 Jun 10:00: 1 on duty, 3 recommended (short by 2)" in html
    assert "Tue 18 Jun 10:00 – Tue 18 Jun 11:00: 1 on duty, 2 recommended (short by 1)" in html
    assert '<tr class="short">' in html and "<strong>short by 2</strong>" in html
    assert 'href="/roster/?week=2030-06-17"' in html

    roster = client.get(f"/roster/?week={WEEK}").content.decode()
    assert "below the units the planning model recommends" in roster
    assert "Tue 18 Jun 09:00 – Tue 18 Jun 10:00: 1 on duty, 3 recommended" in roster


def test_a_week_with_no_history_says_so_and_a_bad_week_shows_this_week(client, users):
    client.force_login(users["supervisor"])
    assert "No calls in the 8 weeks before this one" in client.get("/planning/?week=2030-06-17").content.decode()
    assert client.get("/planning/?week=garbage").status_code == 200
    assert client.get("/planning/?week=1900-01-08").status_code == 200
