"""The diversion figures (SPEC §2 triage, issue 12): what became of the calls 911 diverted, hand
computed on a known set of calls, on the page, in the API and in the CSV."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch import reports
from dispatch.models import CallEvent, CrisisCall, Outcome
from tests.factories import CallFactory, ShiftFactory, UnitFactory

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
S = CrisisCall.Status
WEEK = reports.Range(first=date(2030, 3, 4), last=date(2030, 3, 10))  # Monday to Sunday
QUERY = {"from": "2030-03-04", "to": "2030-03-10"}  # the API's names
PAGE = {"start": "2030-03-04", "end": "2030-03-10"}  # the page's


def at(day, hour=9, **after):
    return datetime(2030, 3, day, hour, tzinfo=CHICAGO) + timedelta(**after)


def in_person(day, minutes, disposition, phoned_in=False, **outcome):
    received = at(day)
    call = CallFactory(received_at=received, status=S.CLOSED, dispatched_at=received + timedelta(minutes=1),
                       on_scene_at=received + timedelta(minutes=minutes), nature="psychosis",
                       **({"external_id": None} if phoned_in else {}))  # fmt: skip
    Outcome.objects.create(call=call, disposition=disposition, **outcome)
    return call


@pytest.fixture
def week():
    """Six calls in the week, one in the week before, and a unit on duty two days of the seven."""
    CallFactory(received_at=at(4), status=S.CLOSED, phone_disposition="resolved_by_phone", nature="suicidal_ideation")
    in_person(5, 10, "referred")
    in_person(6, 20, "arrest", phoned_in=True, arrest_made=True)
    in_person(7, 30, "transport_emergency_department", force_used=True)
    held = CallFactory(received_at=at(8), status=S.RETURNED_TO_911, nature="welfare_check")
    CallEvent.objects.create(call=held, from_status=S.RECEIVED, to_status=S.HELD, source="system")
    CallFactory(received_at=at(11, 1), status=S.CANCELLED)  # 11 March, 01:00 Chicago: the next week
    CallFactory(received_at=at(10, 22), status=S.CANCELLED, nature="welfare_check")
    in_person(1, 40, "referred")  # the week before
    shift = ShiftFactory(starts_at=at(5, 0), ends_at=at(5, 16))
    UnitFactory(shift=shift)
    UnitFactory(shift=ShiftFactory(starts_at=at(6, 0), ends_at=at(6, 16)))


def test_the_counts_say_what_became_of_every_call(week):
    figures = reports.diversion(WEEK)
    c = figures.counts
    assert (c.received, c.from_911, c.resolved_by_phone, c.in_person, c.held, c.returned_to_911, c.cancelled) == (
        6, 5, 1, 3, 1, 1, 1
    )  # fmt: skip
    assert (figures.in_person_with_outcome, figures.in_person_without_arrest_or_force) == (3, 1)
    assert figures.without_arrest_or_force_share == pytest.approx(1 / 3)


def test_the_tiles_against_the_week_before(week):
    figures = reports.diversion(WEEK)
    # Ended: one by phone, three in person; in the community: the phone call and the referral.
    assert figures.tiles.resolved_in_community == pytest.approx(2 / 4)
    # On scene after 10, 20 and 30 minutes; the target is 20 minutes.
    assert (figures.tiles.median_minutes, figures.tiles.within_target) == (20.0, pytest.approx(2 / 3))
    # Two 16-hour shifts in a week of 167 hours: the clocks go forward on Sunday 10 March 2030.
    assert figures.tiles.coverage == pytest.approx(32 / 167)
    assert (figures.previous.resolved_in_community, figures.previous.median_minutes) == (1.0, 40.0)
    assert (figures.previous.within_target, figures.previous.coverage) == (0.0, 0.0)


def test_by_nature_and_by_week(week):
    figures = reports.diversion(reports.Range(first=date(2030, 3, 4), last=date(2030, 3, 17)))
    natures = {code: counts for code, _, counts in figures.by_nature}
    assert (natures["psychosis"].in_person, natures["suicidal_ideation"].resolved_by_phone) == (3, 1)
    assert (natures["welfare_check"].received, natures["welfare_check"].returned_to_911) == (3, 1)
    weeks = {monday: counts.received for monday, counts in figures.by_week}
    assert weeks == {date(2030, 3, 4): 6, date(2030, 3, 11): 1}


def test_the_page_leads_with_the_headline_and_the_tiles_in_minutes(client, users, week):
    client.force_login(users["supervisor"])
    page = client.get("/reports/", PAGE).content.decode()
    headline = page.index('class="headline"')
    assert headline < page.index("Response times"), "the diversion figures are the first thing on the page"
    assert "Of 6 calls received, 1 (17 %) was resolved by phone and 3 (50 %) were answered in person" in page
    assert "20 min" in page and "40 min" in page, "median minutes, this period and the one before"


def test_the_summary_api_and_the_csv_carry_the_figures(api, week):
    body = api("supervisor").get("/api/v1/reports/summary/", QUERY).json()["diversion"]
    assert body["counts"]["resolved_by_phone"] == 1 and body["counts"]["in_person"] == 3
    assert body["tiles"]["median_minutes"] == 20.0 and body["previous"]["median_minutes"] == 40.0
    assert body["in_person_without_arrest_or_force_share"] == pytest.approx(1 / 3)
    assert [row["week"] for row in body["by_week"]] == ["2030-03-04"]


def test_the_diversion_csv_has_a_row_a_week_and_a_row_a_nature(client, users, week):
    client.force_login(users["supervisor"])
    text = client.get("/reports/diversion.csv", PAGE).content.decode()
    lines = text.splitlines()
    assert (
        lines[0]
        == "group,key,received,from_911,resolved_by_phone,no_answer_by_phone,in_person,held,returned_to_911,cancelled"
    )
    assert "week,2030-03-04,6,5,1,0,3,1,1,1" in lines
    assert "nature,psychosis,3,2,0,0,3,0,0,0" in lines  # one was phoned in, not from 911
