"""My schedule on My unit: the responder's published shifts of the next 14 days, and the calendar
link, shown once when made."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from coresponder.localtime import local
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory
from units.models import CalendarFeed, Unit
from units.views.calendar import schedule_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def maya(users):
    return ClinicianFactory(name="Maya Patel", user=users["clinician"])


def unit_for(clinician, starts_at, *, call_sign, partner="Dana Reyes", draft=False, hours=8):
    shift = ShiftFactory(name="Day", starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))
    return UnitFactory(call_sign=call_sign, shift=shift, clinician=clinician, officer=OfficerFactory(name=partner),
                       draft=draft, status=Unit.Status.OFF_DUTY)  # fmt: skip


def my_unit(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/me/")
    assert response.status_code == 200
    return response.content.decode()


def schedule_section(html: str) -> str:
    return re.search(r'<section class="card schedule" id="schedule".*?</section>', html, re.S).group(0)


def test_my_unit_lists_the_published_shifts_of_the_next_14_days_only(maya, users):
    now = timezone.now()
    soon = unit_for(maya, now + timedelta(days=2), call_sign="CR-31")
    unit_for(maya, now + timedelta(days=5), call_sign="CR-32", partner="Chris Mitchell")
    unit_for(maya, now + timedelta(days=3), call_sign="CR-33", draft=True)  # a week not published
    unit_for(maya, now - timedelta(hours=10), call_sign="CR-34")  # ended two hours ago
    unit_for(maya, now + timedelta(days=15), call_sign="CR-35")  # beyond the fortnight
    unit_for(ClinicianFactory(), now + timedelta(days=1), call_sign="CR-36")  # someone else's

    section = schedule_section(my_unit(users["clinician"]))

    start = local(soon.shift_starts_at)
    assert f"{start:%a} {start.day} {start:%b}" in section
    assert f"{start:%H:%M}–" in section
    assert "CR-31 with Dana Reyes" in section and "CR-32 with Chris Mitchell" in section
    for hidden in ("CR-33", "CR-34", "CR-35", "CR-36"):
        assert hidden not in section
    assert section.index("CR-31") < section.index("CR-32"), "in order"


def test_with_nothing_published_my_unit_says_so_and_offers_a_calendar_link(maya, users):
    unit_for(maya, timezone.now() + timedelta(days=2), call_sign="CR-33", draft=True)

    section = schedule_section(my_unit(users["clinician"]))

    assert "No published shifts in the next 14 days." in section
    assert "Make a calendar link" in section and "Stop my calendar link" not in section


def test_the_calendar_link_is_shown_once_and_my_unit_then_offers_a_new_one_or_to_stop_it(maya, users):
    unit_for(maya, timezone.now() + timedelta(days=2), call_sign="CR-31")
    client = Client()
    client.force_login(users["clinician"])

    shown = client.post("/me/calendar/", secure=True).content.decode()

    url = re.search(r'value="(https://testserver/calendar/[A-Za-z0-9_-]{43}\.ics)"', shown).group(1)
    assert f'href="webcal://{url.removeprefix("https://")}"' in shown
    assert "This is the only time it is shown." in shown
    feed = Client().get(url.removeprefix("https://testserver"))
    assert feed.status_code == 200 and b"SUMMARY:CR-31: Day" in feed.content
    page = client.get("/me/", secure=True).content.decode()
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in page, "shown once: My unit never shows it again"
    section = schedule_section(page)
    assert "Make a new calendar link" in section and "Stop my calendar link" in section

    stopped = client.post("/me/calendar/revoke/", secure=True)
    assert "Your calendar link no longer works" in stopped.content.decode()
    assert not CalendarFeed.objects.exists()
    assert Client().get(url.removeprefix("https://testserver")).status_code == 404


def test_the_schedule_costs_my_unit_two_queries(maya, users, django_assert_num_queries):
    for day in range(1, 8):
        unit_for(maya, timezone.now() + timedelta(days=day), call_sign=f"CR-{day}")
    with django_assert_num_queries(2):
        context = schedule_context(users["clinician"])
        assert [shift.partner for shift in context["schedule"]] == ["Dana Reyes"] * 7


def test_an_officer_sees_the_clinician_as_partner(users):
    unit = unit_for(ClinicianFactory(name="Maya Patel"), timezone.now() + timedelta(days=1), call_sign="CR-41")
    unit.officer.user = users["officer"]
    unit.officer.save()

    assert "CR-41 with Maya Patel" in schedule_section(my_unit(users["officer"]))
