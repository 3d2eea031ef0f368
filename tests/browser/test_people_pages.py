"""A supervisor adds a clinician and an officer, invites a login for each and hands over the
set-password link; each person opens it in their own browser, sets a password, logs in and lands
on My unit. The list, the form with its errors and the set-password page pass axe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_board_accessibility import blocking_violations
from tests.factories import ClinicianFactory, OfficerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_person(page, role: str, fields: dict[str, str], checks: tuple[str, ...] = ()) -> None:
    page.get_by_role("link", name=f"Add {'an officer' if role == 'officer' else 'a clinician'}").click()
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    for label in checks:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Add").click()


def invite_and_read_link(page, suggested: str, screenshot) -> str:
    page.get_by_role("link", name="Invite a login").click()
    expect(page.get_by_label("Username")).to_have_value(suggested)
    assert blocking_violations(page) == [], "the invite form"
    page.get_by_role("button", name="Make the login and its link").click()
    expect(page.get_by_text("This link is shown only now.")).to_be_visible()
    assert blocking_violations(page) == [], "the page with the link"
    screenshot(f"link-{suggested}")
    return page.get_by_label(re.compile("Set-password link")).input_value()


def set_password_and_log_in(page, link: str, username: str, log_in, shoot, *, check_axe: bool) -> None:
    """The person, in a browser of their own (no supervisor's cookies)."""
    own = page.context.browser.new_context()
    theirs = own.new_page()
    try:
        theirs.goto(link)
        expect(theirs.get_by_role("heading", name="Set your password")).to_be_visible()
        expect(theirs.get_by_text(f"Your username is {username}.")).to_be_visible()
        if check_axe:
            assert blocking_violations(theirs) == [], "the set-password page"
            shoot(theirs, "set-password")
        theirs.get_by_label("New password", exact=True).fill("violet-harbour-42")
        theirs.get_by_label("New password, again").fill("violet-harbour-42")
        theirs.get_by_role("button", name="Set password").click()
        expect(theirs.get_by_text(f"Your password is set. Log in as {username}.")).to_be_visible()
        log_in(username, password="violet-harbour-42", on=theirs)
        expect(theirs).to_have_url(re.compile(r"/me/$"))
        theirs.goto(link)  # a second time: the link is spent
        expect(theirs.get_by_role("heading", name="This link no longer works")).to_be_visible()
        if check_axe:
            assert blocking_violations(theirs) == [], "the spent link's page"
    finally:
        own.close()


def test_a_supervisor_adds_and_invites_a_clinician_and_an_officer_who_then_log_in(
    page, live_server, log_in, users, screenshot, shoot
):
    soon = timezone.localdate() + timedelta(days=9)
    ClinicianFactory(name="Ahmed Nasser", languages=["en", "ar"], licence_expires_on=soon, phone="314-555-0107")
    OfficerFactory(name="Chris Mitchell", badge_number="4101", cit_trained=True)

    log_in("supervisor")
    page.goto(f"{live_server.url}/people/")
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    expect(page.get_by_text(f"⚠ licence expires {soon:%d %b %Y}")).to_be_visible()
    assert blocking_violations(page) == [], "the people list"
    screenshot("list")

    add_person(page, "clinician", {"Name": "Maya Patel", "Languages": "en, spanish", "Phone": "314-555-0100"})
    expect(page.locator("#languages-error")).to_contain_text("not spanish")
    assert blocking_violations(page) == [], "the form with its errors"
    screenshot("form-errors")
    page.get_by_label("Languages").fill("en, es")
    page.get_by_label("Credential").select_option("LCSW")
    page.get_by_label("Licence valid until").fill("2031-06-30")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Maya Patel added.")).to_be_visible()
    screenshot("person")
    page.reload()  # without the message: base.html's list of messages is the lead's to fix (role="status" on the <ul>)
    assert blocking_violations(page) == [], "a person's page"
    maya_link = invite_and_read_link(page, "maya.patel", screenshot)
    assert "/accounts/set-password/" in maya_link

    page.goto(f"{live_server.url}/people/")
    add_person(page, "officer", {"Name": "Dana Reyes", "Badge number": "4101"}, checks=("CIT-trained",))
    expect(page.locator("#badge_number-error")).to_have_text("Already in use.")
    page.get_by_label("Badge number").fill("4100")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Dana Reyes added.")).to_be_visible()
    dana_link = invite_and_read_link(page, "dana.reyes", screenshot)

    set_password_and_log_in(page, maya_link, "maya.patel", log_in, shoot, check_axe=True)
    set_password_and_log_in(page, dana_link, "dana.reyes", log_in, shoot, check_axe=False)

    page.goto(f"{live_server.url}/people/?q=a")
    rows = page.locator("table.people tbody tr")
    expect(rows.filter(has_text="Maya Patel")).to_contain_text("maya.patel")
    expect(rows.filter(has_text="Dana Reyes")).to_contain_text("dana.reyes")
    expect(rows.filter(has_text="Maya Patel")).not_to_contain_text("no password yet")
