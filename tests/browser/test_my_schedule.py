"""A clinician reads their published shifts on My unit, makes a calendar link, and the address
given serves the shift to a calendar app."""

import re
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.test_board_accessibility import PHONE, blocking_violations
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory
from units.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_sees_their_shift_makes_a_calendar_link_and_the_feed_has_it(
    page, live_server, log_in, users, screenshot
):
    starts = timezone.now().replace(second=0, microsecond=0) + timedelta(days=2)
    shift = ShiftFactory(name="Day", starts_at=starts, ends_at=starts + timedelta(hours=8))
    maya = ClinicianFactory(name="Maya Patel", user=users["clinician"])
    unit = UnitFactory(call_sign="CR-31", shift=shift, clinician=maya, officer=OfficerFactory(name="Dana Reyes"),
                       status=Unit.Status.OFF_DUTY)  # fmt: skip
    page.set_viewport_size(PHONE)

    log_in("clinician")
    expect(page).to_have_url(re.compile(r"/me/$"))
    schedule = page.locator("#schedule")
    expect(schedule.get_by_role("heading", name="My schedule")).to_be_visible()
    expect(schedule).to_contain_text("CR-31 with Dana Reyes")
    assert blocking_violations(page) == []
    screenshot("my-schedule")

    schedule.get_by_role("button", name="Make a calendar link").click()
    expect(page.get_by_role("heading", name="Your calendar link")).to_be_visible()
    address = page.get_by_label("Calendar address")
    expect(address).to_have_attribute("readonly", "")
    url = address.input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/calendar/[A-Za-z0-9_-]{{43}}\.ics", url)
    expect(page.get_by_role("link", name="Add to my calendar")).to_have_attribute(
        "href", "webcal://" + url.removeprefix("http://")
    )
    assert blocking_violations(page) == []
    screenshot("calendar-link")

    with urllib.request.urlopen(url) as answer:  # what a calendar app does: no login, no cookie
        assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(answer.read())
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "CR-31: Day" and str(event["description"]) == "Dana Reyes"
    assert event.decoded("dtstart") == unit.shift_starts_at

    page.get_by_role("link", name="Back to My unit").click()
    schedule = page.locator("#schedule")
    expect(schedule.get_by_role("button", name="Make a new calendar link")).to_be_visible()
    schedule.get_by_role("button", name="Stop my calendar link").click()
    expect(page.get_by_role("heading", name="Calendar link stopped")).to_be_visible()
    assert blocking_violations(page) == []
    page.get_by_role("link", name="Back to My unit").click()
    expect(page.locator("#schedule").get_by_role("button", name="Make a calendar link")).to_be_visible()
