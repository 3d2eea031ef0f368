"""Every page as assistive technology reads it: axe-core (axe-playwright-python ships it, so no
CDN is asked) finds no serious or critical violation on any page any role can open, nor in the
states a person sees them in (drawers and menus open, a form with its errors, the outcome form).

Which pages there are is read from the URL conf, not listed here: every named route outside the
API is asked for, with the Django test client, by every role (and by nobody); each answer that is a
whole HTML page is then opened in chromium by that role and checked. A page added later is
checked without anyone remembering to add it. A route that no role can open with the sample
arguments below fails the test until it is given arguments or listed, with a reason, in
``NOT_CHECKED``; a new fragment (an htmx partial) fails it until a test below opens it in its page.
"""

from datetime import time, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter
from django.utils import timezone
from playwright.sync_api import expect

from coresponder.converters import IdConverter
from dispatch.models import CrisisCall, Outcome
from tests.conftest import ALL_ROLES
from tests.factories import CallFactory, ClinicianFactory, OfficerFactory, ShiftTemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = CrisisCall.Status
BLOCKING_IMPACTS = ("serious", "critical")
# Blocking too, whatever impact axe gives them: the issue found them on our pages. A header cell
# with no text says nothing to a screen reader going down a column; a page with no h1 has no
# heading to jump to.
ALSO_BLOCKING = {"empty-table-header", "page-has-heading-one"}

# Routes never opened, and why. Everything else the URL conf names is.
NOT_CHECKED = {
    "api/": "the API: JSON, its schema, and Swagger UI (a third-party page for developers)",
    "admin:": "Django's own admin: its templates are Django's, checked upstream, and only for staff",
    "healthz": "JSON for load balancers (and a 503 here, where beat does not run)",
    "calendar-feed": "a calendar app's .ics feed (text/calendar), opened by its private token",
}
# Fragments htmx swaps into a page, and the test here that opens each one inside its page.
FRAGMENTS = {
    "board-panels": "the board itself (it is the board's calls and units)",
    "board-call": "test_the_board_with_every_drawer_and_menu_open (Notes…)",
    "board-recommend": "test_the_board_with_every_drawer_and_menu_open (Assign…)",
    "board-decide": "test_the_board_with_every_drawer_and_menu_open (Release…); without htmx a page",
    "my-unit-panel": "/me/ itself",
    "triage-panel": "/triage/ itself",
}
WHO = [*ALL_ROLES, "outsider", None]  # None: nobody logged in
# Clinicians and officers open their pages on a phone.
PHONE_ROLES = {"clinician", "officer"}
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 720}
# What a page must show for its check to mean anything: the states the program fixture sets up.
SHOWS = {
    ("/me/", "clinician"): "Disposition",  # the outcome form of a cleared call
    ("/me/", "officer"): "3 Olive St",  # a call on its way, with its buttons
    ("/board/", "dispatcher"): "2 Queue St",
    ("/triage/", "counselor"): "4 Phone Ln",
    ("/roster/", "supervisor"): "CR-21",
    ("/reports/", "supervisor"): "Dispositions",
}


def blocking_violations(page) -> list[str]:
    """axe's blocking findings on the page as it is now, each with where it is."""
    results = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]} of {len(v['nodes'])}"
        for v in results["violations"]
        if v["impact"] in BLOCKING_IMPACTS or v["id"] in ALSO_BLOCKING
    ]


def named_routes(resolver=None, prefix: str = "", namespace: str = ""):
    """(name, route, {argument: converter}) of every named route in the URL conf."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_routes(entry, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route, getattr(entry.pattern, "converters", {})


def excluded(name: str, route: str) -> bool:
    return any(name == key or name.startswith(key) or route.startswith(key) for key in NOT_CHECKED)


@pytest.fixture
def program(users, unit_at, call_in):
    """A program mid-shift: every page has something in it. The clinician's unit has cleared a
    call and owes its outcome; the officer is in another unit on its way to a call."""
    now = timezone.now()
    unit_at(1, call_sign="CR-71")
    unit_at(3, call_sign="CR-72", uniformed=True)
    clinicians_unit = unit_at(2, call_sign="CR-21",
                              clinician=ClinicianFactory(user=users["clinician"], name="Maya Patel", languages=["en", "es"]))  # fmt: skip
    officers_unit = unit_at(4, call_sign="CR-22", officer=OfficerFactory(user=users["officer"], name="Dana Reyes"))
    call_in(S.CLEARED, unit=clinicians_unit, address="1520 Market St")
    on_the_way = call_in(S.DISPATCHED, unit=officers_unit, address="3 Olive St", callback_number="314-555-0100")
    held = call_in(S.HELD, weapons=True, address="1 Held Rd")
    queued = call_in(S.QUEUED, address="2 Queue St", language="es")
    call_in(S.TRIAGE, address="4 Phone Ln", caller_name="A caller")
    last_month = (now.replace(day=1) - timedelta(days=10)).replace(hour=14)
    for disposition in (Outcome.Disposition.REFERRED, Outcome.Disposition.RESOLVED_ON_SCENE):
        closed = CallFactory(status=S.CLOSED, received_at=last_month, status_changed_at=last_month)
        Outcome.objects.create(call=closed, disposition=disposition, recorded_at=last_month)
    template = ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15), target_units=2)
    return {"held": held, "queued": queued, "on_the_way": on_the_way, "unit": clinicians_unit, "template": template}


def sample_arguments(name: str, arguments: dict, program) -> dict:
    """What to put in a route's URL: a real call, unit or report table where the name says which;
    otherwise any value of the right shape, which is enough for a route that only takes a POST
    (a GET answers 405 whatever the id). A GET route that needs a real one fails the test as
    unreached until it is given one here."""
    if name == "board-decide":
        return {"call_id": program["held"].pk, "to_status": S.RECEIVED}
    unit = program["unit"]
    samples = {"call_id": program["queued"].pk, "unit_id": unit.pk, "table": "calls", "role": "clinician",
               "person_id": unit.clinician_id, "shift_id": unit.shift_id, "template_id": program["template"].pk}  # fmt: skip
    return {
        argument: samples.get(argument, 1 if isinstance(converter, IdConverter | IntConverter) else "x")
        for argument, converter in arguments.items()
    }


def pages_by_role(users, program) -> tuple[dict, set, list]:
    """Ask every named route, as every role, what it answers to GET: whole pages (to check, by
    who sees them), fragments, and routes nobody could open (a test bug, or a missing sample)."""
    clients = {}
    for who in WHO:
        clients[who] = Client(raise_request_exception=False)
        if who is not None:
            clients[who].force_login(users[who])
    pages: dict[str | None, list[str]] = {}
    fragments, unreached = set(), []
    for name, route, arguments in named_routes():
        if excluded(name, route):
            continue
        url = reverse(name, kwargs=sample_arguments(name, arguments, program))
        answers = {}
        for who, client in clients.items():
            response = client.get(url)
            answers[who] = response.status_code
            html = response.status_code == 200 and response["Content-Type"].startswith("text/html")
            if html and b"<html" in response.content[:500].lower():
                pages.setdefault(who, []).append(url)
            elif html:
                fragments.add(name)
        if not any(status in (200, 405) for status in answers.values()):  # 405: not a GET route
            unreached.append(f"{name} {url}: {answers}")
    return pages, fragments, unreached


def test_every_page_any_role_can_open_has_no_serious_or_critical_violation(
    page, live_server, log_in, users, program, no_map_tiles
):
    pages, fragments, unreached = pages_by_role(users, program)
    opened = {url for urls in pages.values() for url in urls}
    # The discovery found the pages the issue names (it would pass vacuously if it found none).
    assert {"/accounts/login/", "/me/", "/board/", "/roster/", "/reports/", "/audit/", "/triage/", "/"} <= opened
    assert {"/people/", "/roster/templates/", "/roster/people/", f"/roster/units/{program['unit'].pk}/"} <= opened

    found = {}
    for who, urls in pages.items():
        page.context.clear_cookies()
        page.set_viewport_size(PHONE if who in PHONE_ROLES else DESK)
        if who is not None:
            log_in(who)
        for url in urls:
            response = page.goto(live_server.url + url)
            # The page asked for, as that role: not the login page after a failed log-in, nor a redirect.
            # (Every url here answered 200 without a redirect to the test client: see pages_by_role.)
            assert response.status == 200, f"{url} as {who}: {response.status}"
            assert page.url == live_server.url + url, f"{url} as {who} ended on {page.url}"
            expect(page.locator("main")).to_be_visible()
            if (url, who) in SHOWS:
                expect(page.locator("main")).to_contain_text(SHOWS[url, who])
            if problems := blocking_violations(page):
                found[f"{url} as {who or 'nobody'}"] = problems
    assert found == {}
    assert unreached == [], "no role could GET these: give them sample arguments or a reason in NOT_CHECKED"
    assert fragments <= set(FRAGMENTS), f"new fragments {fragments - set(FRAGMENTS)}: open them in a test here"


def test_the_error_pages_and_a_refused_login_have_no_serious_or_critical_violation(page, live_server, log_in, users):
    log_in("dispatcher", password="wrong-password")
    expect(page.get_by_role("alert")).to_be_visible()
    assert blocking_violations(page) == []
    log_in("clinician")
    for url, status in (("/board/", 403), ("/no-such-page/", 404)):
        response = page.goto(live_server.url + url)
        assert response.status == status
        assert blocking_violations(page) == [], url


def test_the_board_with_every_drawer_and_menu_open(page, log_in, users, program, no_map_tiles):
    held, queued, on_the_way = program["held"], program["queued"], program["on_the_way"]
    log_in("dispatcher")
    expect(page.locator(f"#call-{queued.pk}")).to_be_visible()
    assert blocking_violations(page) == []

    page.get_by_text("New call").click()
    page.get_by_role("button", name="Take call").click()  # empty: every field's error shows
    expect(page.locator(".has-error").first).to_be_visible()
    assert blocking_violations(page) == [], "the new-call form with its errors"

    page.locator(f"#call-{queued.pk}").get_by_role("button", name="Assign…").click()
    expect(page.locator("#drawer table.recs")).to_be_visible()
    expect(page.locator("#drawer")).to_contain_text("speaks ES: Maya Patel")  # the caller needs Spanish
    assert blocking_violations(page) == [], "the assign drawer"

    page.locator(f"#call-{on_the_way.pk}").get_by_role("button", name="Notes…").click()
    expect(page.locator("#call-detail")).to_be_visible()
    assert blocking_violations(page) == [], "a call's notes"

    page.locator(f"#call-{held.pk}").get_by_role("button", name="Release…").click()
    expect(page.locator("#drawer .decision")).to_be_visible()
    assert blocking_violations(page) == [], "the release decision"

    for menu in page.locator("details.menu summary").all():
        menu.click()
    page.get_by_role("button", name="Keys (?)").click()
    expect(page.locator("#keys-help")).to_be_visible()
    assert blocking_violations(page) == [], "every row's menu and the keys list open"

    page.get_by_role("button", name="Set location on map").click()
    page.locator("#map").click()
    expect(page.locator(".call-pin")).to_be_visible()
    assert blocking_violations(page) == [], "placing a new call on the map"
