"""The planning page in a browser: a supervisor opens it and reads the week's hours, the short
ones named in words; axe finds nothing serious."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coresponder.localtime import week_start_of
from tests.browser.test_board_accessibility import blocking_violations
from tests.planning.helpers import past_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_opens_planning_and_sees_the_hours_short_of_the_recommendation(page, live_server, users, log_in):
    monday = week_start_of(timezone.localdate())
    for back in range(1, 9):  # a call every Wednesday at 21:30 for eight weeks
        past_call(monday + timedelta(days=2) - timedelta(weeks=back), time(21, 30), travel=15, on_scene=60)
    log_in("supervisor")

    page.goto(f"{live_server.url}/planning/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Planning")
    expect(page.get_by_text("From 8 calls that asked for a unit")).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Recommended")).to_be_visible()
    wednesday_21 = table.get_by_role("row").filter(
        has=page.locator(f"time[datetime^='{monday + timedelta(days=2)}T21:00']")
    )
    expect(wednesday_21).to_contain_text("short by 3")
    expect(page.locator(".short-spans")).to_contain_text("21:00")
    assert blocking_violations(page) == []

    page.get_by_role("link", name="Open this week's roster").click()
    expect(page).to_have_url(f"{live_server.url}/roster/?week={monday.isoformat()}")
    expect(page.get_by_text("below the units the planning model recommends")).to_be_visible()
