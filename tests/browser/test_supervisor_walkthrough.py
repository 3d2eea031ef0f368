"""Issue 16's "Done when", walked through the pages as a supervisor would, top to bottom:

1. invite a clinician and an officer (a set-password link each);
2. create a shift template with a target (Late, 18:00-02:00, every day, one unit);
3. build next week (a draft) from it, fill its gaps with the suggestions, see the drafts and the
   coverage against the target;
4. pair an officer whose CIT training has expired: refused by the field, then overridden;
5. publish the week;
6. the invited clinician, in a browser of their own, sets a password, reads the shift on My unit
   and in the calendar feed.

Set up without the pages, as a supervisor would not do it there: the supervisor's own login
(``users``), and three people already on the books (factories): Noah Kim, a clinician, and Chris
Mitchell and Sam Ortiz, officers. With them the gaps are filled evenly: two clinicians and two
officers who can take the week's seven Late shifts (Sam's training is expired: never suggested).
"""

import re
from datetime import UTC, date, time, timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from coresponder.localtime import local_datetime, week_start_of
from tests.browser.test_board_accessibility import PHONE, blocking_violations
from tests.factories import ClinicianFactory, OfficerFactory
from units.models import Shift

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1280, "height": 800}
MAYAS_PASSWORD = "violet-harbour-42"
OVERRIDE = "Sam's CIT refresher is booked for 9 Dec; approved by the program lead"


def shift_name(day: date) -> str:
    """How a shift built from the Late template is named (units.services.shifts.shift_from_template)."""
    return f"Late {day:%a %d %b}"


def watch_for_script_errors(page) -> list[str]:
    """As the autouse check does for ``page``: a CSP violation or a script error on another page."""
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    return problems


# --- 1. People ---------------------------------------------------------------------------------


def open_people(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()


def add_person(page, role: str, fields: dict[str, str], choices=(), checks: tuple[str, ...] = ()) -> None:
    """From the People page: Add a clinician (or an officer), fill in the form, Add."""
    open_people(page)
    adding = "an officer" if role == "officer" else "a clinician"
    page.get_by_role("link", name=f"Add {adding}").click()
    expect(page).to_have_url(re.compile(rf"/people/add/\?role={role}$"))
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    for label, option in choices:
        page.get_by_label(label, exact=True).select_option(label=option)
    for label in checks:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text(f"{fields['Name']} added.")).to_be_visible()


def invite_login(page, username: str) -> str:
    """On the person's page: Invite a login, keep the suggested username; the link shown, once."""
    page.get_by_role("link", name="Invite a login").click()
    expect(page.get_by_label("Username")).to_have_value(username)
    page.get_by_role("button", name="Make the login and its link").click()
    expect(page.get_by_text("This link is shown only now.")).to_be_visible()
    link = page.get_by_label(re.compile("Set-password link")).input_value()
    assert re.fullmatch(r"http://[^/]+/accounts/set-password/[\w-]+/[\w-]+/", link), link
    return link


def set_expiry_on_edit_form(page, name: str, label: str, expiry: date) -> None:
    open_people(page)
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_label(label, exact=True).fill(expiry.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"{name} saved.")).to_be_visible()


# --- 2-5. The roster ---------------------------------------------------------------------------


def shift_cell(page, name: str):
    """One shift in the week grid, found by its "+ unit" link."""
    return page.locator(".shift").filter(has=page.get_by_role("link", name=f"+ unit to {name}", exact=True))


def choose(select, has_text: str) -> None:
    """Pick the one option of a people list that names ``has_text`` (its label carries hours, rest...)."""
    option = select.locator("option", has_text=has_text)
    expect(option).to_have_count(1)
    select.select_option(value=option.get_attribute("value"))


def field_of(form, label: str):
    """The form field (label, input, help and errors) of ``label``."""
    return form.locator(".field").filter(has=form.page.get_by_label(label, exact=True))


# --- 6. The clinician's own browser -----------------------------------------------------------


def set_password_and_log_in(phone, link: str, username: str, log_in) -> None:
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Set your password")).to_be_visible()
    phone.get_by_label("New password", exact=True).fill(MAYAS_PASSWORD)
    phone.get_by_label("New password, again").fill(MAYAS_PASSWORD)
    phone.get_by_role("button", name="Set password").click()
    expect(phone.get_by_text(f"Your password is set. Log in as {username}.")).to_be_visible()
    log_in(username, password=MAYAS_PASSWORD, on=phone)
    expect(phone).to_have_url(re.compile(r"/me/$"))


def calendar_events(context, url: str) -> list:
    answer = context.request.get(url)
    assert answer.ok and answer.headers["content-type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(answer.body()).walk("VEVENT")


def test_supervisor_walkthrough(page, live_server, log_in, users, screenshot, shoot):
    ClinicianFactory(name="Noah Kim", languages=["en", "es"])
    OfficerFactory(name="Chris Mitchell", badge_number="4101", cit_trained=True)
    OfficerFactory(name="Sam Ortiz", badge_number="4107", cit_trained=True, cit_trained_on=date(2024, 11, 2))
    monday = week_start_of(timezone.localdate()) + timedelta(days=7)  # next week: a draft
    tuesday = monday + timedelta(days=1)
    expired = timezone.localdate() - timedelta(days=10)
    page.set_viewport_size(DESK)
    log_in("supervisor")

    # 1. A clinician and an officer, each with a login to hand over.
    add_person(page, "clinician", {"Name": "Maya Patel", "Licence number": "LCSW-2231", "Languages": "en, es",
                                   "Phone": "314-555-0100"},
               choices=[("Credential", "Licensed clinical social worker (LCSW)")])  # fmt: skip
    mayas_link = invite_login(page, "maya.patel")
    add_person(page, "officer", {"Name": "Dana Reyes", "Badge number": "4100", "Phone": "314-555-0101"},
               checks=("CIT-trained",))  # fmt: skip
    invite_login(page, "dana.reyes")
    # Sam's CIT training ran out: the supervisor records it on his page.
    set_expiry_on_edit_form(page, "Sam Ortiz", "CIT training valid until", expired)
    expect(page.get_by_text(f"⚠ CIT training expired {expired:%d %b %Y}")).to_be_visible()

    open_people(page)
    people = page.locator("table.people")
    for name, login in (("Maya Patel", "maya.patel"), ("Dana Reyes", "dana.reyes")):
        row = people.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
        expect(row).to_contain_text(login)
        expect(row).to_contain_text("no password yet")
    expect(people.get_by_role("row").filter(has_text="Sam Ortiz")).to_contain_text("CIT training expired")
    assert blocking_violations(page) == [], "the people list"
    screenshot("people")

    # 2. A template with a target.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shift templates").click()
    page.get_by_role("link", name="Add a template").click()
    page.get_by_label("Name").fill("Late")
    page.get_by_label("Starts").fill("18:00")
    page.get_by_label("Ends").fill("02:00")
    page.get_by_label("Target non-uniformed units").fill("1")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        expect(page.get_by_label(day)).to_be_checked()
    assert blocking_violations(page) == [], "the template form"
    screenshot("template")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_text("Template Late saved.")).to_be_visible()
    late = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Late"))
    expect(late).to_contain_text("18:00–02:00 (ends next day)")
    expect(late).to_contain_text("Every day")

    # 3. Next week, built from the template and filled from the suggestions.
    page.get_by_role("link", name="Back to the roster").click()
    page.get_by_role("link", name="Next week →").click()
    expect(page.get_by_role("heading", name=f"Roster week of {monday:%a} {monday.day} {monday:%b %Y}")).to_be_visible()
    expect(page.get_by_text("Draft — not published")).to_be_visible()
    page.get_by_role("button", name="Build week from templates").click()
    expect(page.get_by_text(re.compile(r"built from templates: \d shift\(s\) created"))).to_be_visible()
    shifts = Shift.objects.count()  # 7, or 6 in the week the clocks skip 02:00
    expect(page.get_by_text(f"built from templates: {shifts} shift(s) created")).to_be_visible()
    expect(shift_cell(page, shift_name(monday))).to_contain_text("0 of 1 unit")
    expect(page.get_by_text(re.compile(r"\d+ hours below the target"))).to_be_visible()

    page.get_by_role("link", name="Fill the gaps…").click()
    expect(page.get_by_text(f"{shifts} units short of the shifts' targets this week.")).to_be_visible()
    suggestions = page.get_by_role("table", name="Suggested pairings").locator("tbody tr")
    expect(suggestions).to_have_count(shifts)
    expect(page.get_by_text("Sam Ortiz")).to_have_count(0)  # expired: never suggested
    # Hours spread evenly: Maya and Chris (first by name) on Monday, Noah and Dana on Tuesday.
    expect(suggestions.filter(has_text=shift_name(monday))).to_contain_text("Maya Patel")
    expect(suggestions.filter(has_text=shift_name(monday))).to_contain_text("Chris Mitchell")
    expect(suggestions.filter(has_text=shift_name(tuesday))).to_contain_text("Noah Kim")
    expect(suggestions.filter(has_text=shift_name(tuesday))).to_contain_text("Dana Reyes")
    assert blocking_violations(page) == [], "fill the gaps"
    screenshot("fill-gaps")
    page.get_by_role("button", name="Accept selected").click()

    expect(page.get_by_text(re.compile(rf"{shifts} units paired as drafts"))).to_be_visible()
    mondays = shift_cell(page, shift_name(monday))
    expect(mondays.get_by_role("article", name="CR-11")).to_contain_text("draft")
    expect(mondays).to_contain_text("1 of 1 unit")
    expect(page.locator(".unit-card.draft")).to_have_count(shifts)
    coverage = page.get_by_role("region", name=re.compile("Coverage by non-uniformed units"))
    expect(coverage).to_contain_text("planned")
    expect(coverage).to_contain_text("No hour of this week is below its target.")
    expect(coverage.get_by_role("list", name=f"{monday:%A} {monday.day} {monday:%B}, hour by hour")).to_contain_text(
        "18:00: 1/1 units"
    )
    assert blocking_violations(page) == [], "the roster with drafts"
    screenshot("roster-draft")

    # 4. Sam's expired CIT training: refused by the field, then overridden with a reason.
    shift_cell(page, shift_name(tuesday)).get_by_role("link", name=re.compile(r"^\+ unit")).click()
    form = page.locator("#pair-form")
    expect(form.get_by_label("Shift")).to_have_value(str(Shift.objects.get(name=shift_name(tuesday)).pk))
    expect(form.get_by_label("Call sign")).to_have_value("CR-12")
    expect(form.get_by_label("Clinician")).not_to_contain_text("Noah Kim")  # on CR-11 that evening
    choose(form.get_by_label("Clinician"), "Maya Patel")
    officers = form.get_by_label("Officer")
    expect(officers.locator("option", has_text="Sam Ortiz")).to_contain_text(
        "needs override: CIT training expired by then"
    )
    choose(officers, "Sam Ortiz")
    form.get_by_role("button", name="Pair unit").click()
    refusal = field_of(form, "Officer").get_by_role("alert")
    expect(refusal).to_have_text(
        f"Sam Ortiz's CIT training is valid only until {expired:%d %b %Y}, before this shift ends."
    )
    expect(form.get_by_label("Officer").locator("option:checked")).to_contain_text("Sam Ortiz")  # still chosen
    assert blocking_violations(page) == [], "the pair form with its refusal"
    screenshot("pair-refused")

    form.get_by_label("Override reason").fill(OVERRIDE)
    form.get_by_role("button", name="Pair unit").click()
    expect(page.get_by_text(f"CR-12 paired: Maya Patel and Sam Ortiz on {shift_name(tuesday)}.")).to_be_visible()
    card = shift_cell(page, shift_name(tuesday)).get_by_role("article", name="CR-12")
    expect(card).to_contain_text(f"override: {OVERRIDE}")
    expect(card).to_contain_text(f"⚠ Sam Ortiz: CIT training expired {expired:%d %b %Y}")
    expect(card).to_contain_text("draft")

    # 5. Publish.
    page.get_by_text("Publish week…").click()
    page.get_by_role("button", name="Publish week", exact=True).click()
    expect(page.get_by_text(re.compile(rf"Week published: {shifts + 1} units live, 2 people told\."))).to_be_visible()
    expect(page.get_by_text("Published", exact=True)).to_be_visible()
    expect(page.locator(".unit-card.draft")).to_have_count(0)
    assert blocking_violations(page) == [], "the published roster"
    screenshot("roster-published")

    # 6. Maya, on her phone: a password, her schedule, her calendar.
    own = page.context.browser.new_context(viewport=PHONE)
    phone = own.new_page()
    problems = watch_for_script_errors(phone)
    try:
        set_password_and_log_in(phone, mayas_link, "maya.patel", log_in)
        schedule = phone.get_by_role("region", name="My schedule")
        monday_shift = schedule.get_by_role("listitem").filter(has_text=shift_name(monday))
        expect(monday_shift).to_contain_text(f"{monday:%a} {monday.day} {monday:%b} 18:00–02:00 (next day)")
        expect(monday_shift).to_contain_text("CR-11 with Chris Mitchell")
        expect(schedule.get_by_role("listitem").filter(has_text=shift_name(tuesday))).to_contain_text(
            "CR-12 with Sam Ortiz"
        )
        assert blocking_violations(phone) == [], "My unit with the schedule"
        shoot(phone, "my-schedule")

        schedule.get_by_role("button", name="Make a calendar link").click()
        expect(phone.get_by_role("heading", name="Your calendar link")).to_be_visible()
        events = calendar_events(own, phone.get_by_label("Calendar address").input_value())
        (event,) = [e for e in events if str(e["summary"]) == f"CR-11: {shift_name(monday)}"]
        starts = local_datetime(monday, time(18)).astimezone(UTC)
        assert f"DTSTART:{starts:%Y%m%dT%H%M%SZ}" in event.to_ical().decode()
        assert event.decoded("dtstart") == starts
    finally:
        own.close()
    assert problems == []
