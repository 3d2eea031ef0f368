"""A supervisor builds a week, pairs a unit and is told, in words, when a pairing conflicts."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ClinicianFactory, OfficerFactory, ShiftTemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_builds_a_week_pairs_a_unit_and_sees_a_conflict(page, live_server, log_in, users, screenshot):
    from datetime import time

    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    ShiftTemplateFactory(name="Night", start_time=time(23), end_time=time(7))
    ClinicianFactory(name="Maya Patel", credential="LCSW")
    OfficerFactory(name="Dana Reyes", badge_number="4100")
    OfficerFactory(name="Chris Mitchell", badge_number="4101")

    log_in("supervisor")
    expect(page).to_have_url(re.compile(r"/roster/"))
    expect(page.get_by_role("heading", name=re.compile("Roster"))).to_be_visible()
    expect(page.get_by_text("No shifts yet")).to_be_visible()

    page.get_by_role("button", name="Build week from templates").click()
    expect(page.get_by_text("14 shift(s) created")).to_be_visible()
    expect(page.get_by_text("168 hours this week with no non-uniformed unit on duty")).to_be_visible()

    form = page.locator("#pair-form")
    shift_label = form.get_by_label("Shift").locator("option").nth(1).inner_text()
    form.get_by_label("Shift").select_option(label=shift_label)
    form.get_by_label("Call sign").fill("CR-12")
    form.get_by_label("Clinician").select_option(label="Maya Patel, LCSW")
    form.get_by_label("Officer").select_option(label="Dana Reyes (#4100)")
    form.get_by_role("button", name="Pair unit").click()
    expect(page.get_by_text(re.compile("CR-12 paired: Maya Patel and Dana Reyes"))).to_be_visible()
    expect(page.locator("table.roster").get_by_text("CR-12")).to_be_visible()
    screenshot("paired")

    form = page.locator("#pair-form")
    form.get_by_label("Shift").select_option(label=shift_label)
    form.get_by_label("Call sign").fill("CR-14")
    form.get_by_label("Clinician").select_option(label="Maya Patel, LCSW")
    form.get_by_label("Officer").select_option(label="Chris Mitchell (#4101)")
    form.get_by_role("button", name="Pair unit").click()
    conflict = page.locator("#clinician-error")
    expect(conflict).to_contain_text("Maya Patel is already in CR-12 for")
    expect(conflict).to_contain_text("which overlaps this shift.")
    expect(page.locator("table.roster").get_by_text("CR-14")).to_have_count(0)
    screenshot("conflict")
