"""A supervisor fills a draft week's gaps from the suggestions, and pairs by hand with a form that
shows who is free for the shift."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coresponder.localtime import week_start_of
from tests.browser.test_board_accessibility import blocking_violations
from tests.factories import ClinicianFactory, OfficerFactory, ShiftTemplateFactory
from units import services
from units.models import Shift, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_week():
    return week_start_of(timezone.localdate()) + timedelta(days=7)


def test_supervisor_accepts_all_but_one_suggestion_and_sees_the_drafts_on_the_roster(
    page, live_server, log_in, users, screenshot
):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15), weekdays=1, target_units=3)  # Mondays
    week = next_week()
    services.week_build_from_templates(week_start=week)
    for name in ("Maya Patel", "Noah Kim", "Olivia Grant"):
        ClinicianFactory(name=name)
    for name in ("Dana Reyes", "Chris Mitchell", "Kelly Nguyen"):
        OfficerFactory(name=name)

    log_in("supervisor")
    page.goto(f"{live_server.url}/roster/fill-gaps/?week={week}")
    expect(page.get_by_role("heading", name=re.compile("Fill the gaps"))).to_be_visible()
    expect(page.get_by_text("3 units short of the shifts' targets this week.")).to_be_visible()
    suggestions = page.locator("table.suggestions tbody tr")
    expect(suggestions).to_have_count(3)
    expect(suggestions.first).to_contain_text("Maya Patel, LCSW (8 h this week)")
    assert blocking_violations(page) == []
    screenshot("suggestions")

    page.get_by_label(re.compile("Accept CR-12 on Day")).uncheck()
    page.get_by_role("button", name="Accept selected").click()
    expect(page).to_have_url(re.compile(rf"/roster/\?week={week}"))
    expect(page.get_by_text(re.compile("2 units paired as drafts"))).to_be_visible()
    roster = page.locator("table.roster")
    for call_sign in ("CR-11", "CR-13"):
        expect(roster.get_by_role("article", name=call_sign)).to_contain_text("draft")
    expect(roster.get_by_role("article", name="CR-12")).to_have_count(0)
    assert set(Unit.objects.values_list("call_sign", "draft")) == {("CR-11", True), ("CR-13", True)}

    page.goto(f"{live_server.url}/roster/fill-gaps/?week={week}")
    expect(page.locator("table.suggestions tbody tr")).to_have_count(1)
    expect(page.locator("table.suggestions")).to_contain_text("CR-12")


def test_choosing_a_shift_lists_only_the_people_free_for_it_with_their_hours(
    page, live_server, log_in, users, screenshot
):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15), weekdays=0b11)  # Monday, Tuesday
    week = next_week()
    services.week_build_from_templates(week_start=week)
    monday, tuesday = Shift.objects.order_by("starts_at")
    busy = ClinicianFactory(name="Busy Bee")
    ClinicianFactory(name="Maya Patel", languages=["en", "es"], licence_expires_on=week)  # valid Monday only
    services.unit_create(call_sign="CR-11", shift=monday, clinician=busy, officer=OfficerFactory(name="Dana Reyes"))
    OfficerFactory(name="Chris Mitchell", badge_number="4101")

    log_in("supervisor")
    page.goto(f"{live_server.url}/roster/?week={week}")
    form = page.locator("#pair-form")
    form.get_by_label("Shift").select_option(label=monday.name)
    clinicians = form.get_by_label("Clinician")
    expect(clinicians.locator("option", has_text="in 7 days")).to_have_count(1)
    expect(clinicians).not_to_contain_text("Busy Bee")
    expect(clinicians).to_contain_text("Maya Patel, LCSW · 8 h in 7 days · no shift before · en, es")
    expect(form.get_by_label("Officer")).to_contain_text("Chris Mitchell (#4101) · 8 h in 7 days")
    expect(form.get_by_label("Officer")).not_to_contain_text("Dana Reyes")

    form.get_by_label("Shift").select_option(label=tuesday.name)
    expect(clinicians.locator("option", has_text="in 7 days")).to_have_count(2)
    expect(clinicians).to_contain_text("Busy Bee, LCSW · 16 h in 7 days · rest 16 h")
    expect(clinicians).to_contain_text("needs override: licence expired by then")
    assert blocking_violations(page) == []
    screenshot("candidates")

    form.get_by_label("Call sign").fill("CR-12")
    clinicians.select_option(label=clinicians.locator("option", has_text="Busy Bee").inner_text())
    officers = form.get_by_label("Officer")
    officers.select_option(label=officers.locator("option", has_text="Dana Reyes").inner_text())
    form.get_by_role("button", name="Pair unit").click()
    expect(page.get_by_text(re.compile("CR-12 paired: Busy Bee and Dana Reyes"))).to_be_visible()
