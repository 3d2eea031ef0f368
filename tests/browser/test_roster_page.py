"""A supervisor builds a week, pairs a unit and is told, in words, when a pairing conflicts; scrolls a
full week with its headers in view; edits a unit, unpairs one and publishes the week."""

import re
from datetime import date, time

import pytest
from playwright.sync_api import expect

from tests.browser.test_board_accessibility import blocking_violations
from tests.factories import ClinicianFactory, OfficerFactory, ShiftTemplateFactory, UnitFactory
from units import services
from units.models import Shift, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_builds_a_week_pairs_a_unit_and_sees_a_conflict(page, live_server, log_in, users, screenshot):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    ShiftTemplateFactory(name="Night", start_time=time(23), end_time=time(7))
    maya = ClinicianFactory(name="Maya Patel", credential="LCSW")
    ava = ClinicianFactory(name="Ava Brooks", credential="LPC")
    dana = OfficerFactory(name="Dana Reyes", badge_number="4100")
    chris = OfficerFactory(name="Chris Mitchell", badge_number="4101")

    log_in("supervisor")
    expect(page).to_have_url(re.compile(r"/roster/"))
    expect(page.get_by_role("heading", name=re.compile("Roster"))).to_be_visible()
    expect(page.get_by_text("No shifts yet")).to_be_visible()

    page.get_by_role("button", name="Build week from templates").click()
    expect(page.get_by_text("14 shift(s) created")).to_be_visible()
    expect(page.get_by_text(re.compile(r"16[789] hours this week with no non-uniformed unit on duty"))).to_be_visible()

    form = page.locator("#pair-form")
    shift_label = form.get_by_label("Shift").locator("option").nth(1).inner_text()
    form.get_by_label("Shift").select_option(label=shift_label)
    form.get_by_label("Call sign").fill("CR-12")
    form.get_by_label("Clinician").select_option(value=str(maya.pk))
    form.get_by_label("Officer").select_option(value=str(dana.pk))
    form.get_by_role("button", name="Pair unit").click()
    expect(page.get_by_text(re.compile("CR-12 paired: Maya Patel and Dana Reyes"))).to_be_visible()
    expect(page.locator("table.roster").get_by_role("article", name="CR-12")).to_be_visible()
    screenshot("paired")

    form = page.locator("#pair-form")
    form.get_by_label("Shift").select_option(label=shift_label)
    form.get_by_label("Call sign").fill("CR-14")
    form.get_by_label("Clinician").select_option(value=str(ava.pk))
    form.get_by_label("Officer").select_option(value=str(chris.pk))
    # Meanwhile another supervisor pairs Ava on the same shift.
    services.unit_create(call_sign="CR-13", shift=Shift.objects.get(name=shift_label), clinician=ava,
                         officer=OfficerFactory(name="Kelly Nguyen"))  # fmt: skip
    form.get_by_role("button", name="Pair unit").click()
    conflict = page.locator("#clinician-error")
    expect(conflict).to_contain_text("Ava Brooks is already in CR-13 for")
    expect(conflict).to_contain_text("which overlaps this shift.")
    expect(page.locator("table.roster").get_by_text("CR-14")).to_have_count(0)
    screenshot("conflict")


# --- A week for 40 people on one screen ----------------------------------------------------------

MONDAY = date(2030, 3, 4)  # in the future: a draft until published


@pytest.fixture
def full_week(users):
    """Three templates wanting four units each, and four draft units on every shift of the week."""
    for name, start, end in (("Day", 7, 15), ("Evening", 15, 23), ("Night", 23, 7)):
        ShiftTemplateFactory(name=name, start_time=time(start), end_time=time(end), target_units=4)
    services.week_build_from_templates(week_start=MONDAY)
    units = {}
    for shift in Shift.objects.order_by("starts_at"):
        for _ in range(4):
            call_sign = f"CR-{len(units) + 1}"
            units[call_sign] = UnitFactory(shift=shift, call_sign=call_sign, draft=True, status=Unit.Status.OFF_DUTY)
    return units


def test_the_week_keeps_its_day_and_shift_headers_in_view_while_scrolling(
    page, live_server, log_in, full_week, screenshot
):
    page.set_viewport_size({"width": 960, "height": 720})  # a laptop, zoomed: the week is wider than the screen
    log_in("supervisor")
    page.goto(f"{live_server.url}/roster/?week={MONDAY}")
    grid = page.locator(".week-grid-wrap")
    expect(grid.locator("#unit-" + str(full_week["CR-84"].pk))).to_be_attached()
    assert blocking_violations(page) == []

    grid.scroll_into_view_if_needed()
    grid.hover()
    page.mouse.wheel(600, 4000)  # down to the night shifts, across to Sunday
    last = grid.locator(f"#unit-{full_week['CR-84'].pk}")
    expect(last).to_be_in_viewport()

    box = grid.bounding_box()
    saturday = grid.get_by_role("columnheader", name="Sat 9 Mar").bounding_box()
    night = grid.get_by_role("rowheader", name="Night 23:00-07:00").bounding_box()
    assert abs(saturday["y"] - box["y"]) < 4, "the day headers stay at the top of the grid"
    assert abs(night["x"] - box["x"]) < 4, "the shift headers stay at its left"
    assert grid.evaluate("el => el.scrollTop") > 0 and grid.evaluate("el => el.scrollLeft") > 0
    screenshot("scrolled")


def test_the_person_by_day_view_reads_for_forty_people(page, live_server, log_in, full_week, screenshot):
    log_in("supervisor")
    page.goto(f"{live_server.url}/roster/?week={MONDAY}")
    page.get_by_role("link", name="Person × day view").click()
    expect(page.get_by_role("heading", name=re.compile("People by day"))).to_be_visible()
    first = full_week["CR-1"]
    row = page.get_by_role("row", name=re.compile(first.clinician.name + " "))
    expect(row).to_contain_text("CR-1 07:00–15:00")
    expect(row).to_contain_text("8 h")
    assert blocking_violations(page) == []
    screenshot("people")


def test_supervisor_edits_a_unit_unpairs_another_and_publishes_the_week(
    page, live_server, log_in, full_week, screenshot
):
    lapsed = ClinicianFactory(name="Noah Kim", licence_expires_on=date(2029, 1, 31))
    log_in("supervisor")
    page.goto(f"{live_server.url}/roster/?week={MONDAY}")
    expect(page.get_by_text("Draft — not published: its units will not come on duty.")).to_be_visible()

    page.get_by_role("link", name="Edit CR-1", exact=True).click()
    expect(page.get_by_role("heading", name="Edit unit CR-1")).to_be_visible()
    page.get_by_label("Clinician").select_option(label="Noah Kim, LCSW")
    page.get_by_role("button", name="Save CR-1").click()
    expect(page.locator("#clinician-error")).to_contain_text("Noah Kim's licence is valid only until 31 Jan 2029")
    expect(page.locator("#override_reason-error")).to_contain_text("Give a reason")
    assert blocking_violations(page) == []
    screenshot("edit-refused")
    page.get_by_label("Call sign").fill("CR-100")
    page.get_by_label("Override reason").fill("Renewal in the post")
    page.get_by_role("button", name="Save CR-1").click()
    expect(page.get_by_text("CR-100 saved: Noah Kim and")).to_be_visible()
    card = page.locator(f"#unit-{full_week['CR-1'].pk}")
    expect(card).to_contain_text("Noah Kim")
    expect(card).to_contain_text("override: Renewal in the post")
    assert Unit.objects.get(pk=full_week["CR-1"].pk).clinician == lapsed

    page.get_by_role("link", name="Unpair CR-2", exact=True).click()
    expect(page.get_by_role("heading", name="Unpair CR-2?")).to_be_visible()
    assert blocking_violations(page) == []
    page.get_by_role("button", name="Unpair CR-2").click()
    expect(page.get_by_text(re.compile("CR-2 unpaired: .* are no longer on Day Mon 04 Mar."))).to_be_visible()
    expect(page.locator(f"#unit-{full_week['CR-2'].pk}")).to_have_count(0)
    expect(page.locator("#shift-" + str(full_week["CR-1"].shift_id))).to_contain_text("3 of 4 units")

    page.get_by_text("Publish week…").click()
    page.get_by_role("button", name="Publish week").click()
    expect(page.get_by_text("Week published: 83 units live, 0 people told.")).to_be_visible()
    expect(page.get_by_text(re.compile("^Published .* by supervisor"))).to_be_visible()
    assert not Unit.objects.filter(draft=True).exists()
    screenshot("published")
