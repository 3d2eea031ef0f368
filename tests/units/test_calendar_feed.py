"""A responder's private calendar feed: their published shifts, in UTC, at an address only they
hold; a new address revokes the old, and so do revoking it and deactivating the login."""

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from coresponder.accounts import access_end
from coresponder.localtime import local_datetime
from coresponder.models import AuditEntry
from tests.conftest import EVERYONE
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory, UserFactory
from units import services
from units.models import CalendarFeed, Unit
from units.services.calendar import calendar_for, calendar_link_make, calendar_link_revoke

pytestmark = pytest.mark.django_db


def unit_for(clinician, officer, starts_at, *, hours=8, name="Day", draft=False, call_sign="CR-11"):
    shift = ShiftFactory(name=name, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))
    status = Unit.Status.OFF_DUTY
    return UnitFactory(call_sign=call_sign, shift=shift, clinician=clinician, officer=officer, draft=draft,
                       status=status)  # fmt: skip


@pytest.fixture
def maya(users):
    return ClinicianFactory(name="Maya Patel", user=users["clinician"])


@pytest.fixture
def dana(users):
    return OfficerFactory(name="Dana Reyes", user=users["officer"])


def feed(token, client=None):
    return (client or Client()).get(f"/calendar/{token}.ics")


def events(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    calendar = Calendar.from_ical(response.content)
    return {
        str(event["uid"]): {
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "summary": str(event["summary"]),
            "description": str(event["description"]),
        }
        for event in calendar.walk("VEVENT")
    }


def test_the_feed_holds_exactly_the_persons_published_shifts_from_a_month_ago_on(maya, dana):
    now = timezone.now()
    tomorrow = now.replace(microsecond=0) + timedelta(days=1)
    mine = unit_for(maya, dana, tomorrow, call_sign="CR-11")
    last_week = unit_for(maya, OfficerFactory(name="Chris Mitchell"), tomorrow - timedelta(days=8), call_sign="CR-7")
    unit_for(maya, dana, tomorrow + timedelta(days=9), draft=True, call_sign="CR-13")  # a draft week
    unit_for(maya, dana, now - timedelta(days=40), call_sign="CR-2")  # over a month ago
    unit_for(ClinicianFactory(), OfficerFactory(), tomorrow, call_sign="CR-20")  # not hers
    token = calendar_link_make(maya.user)

    response = feed(token)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    found = events(response)
    assert set(found) == {f"unit-{mine.pk}@testserver", f"unit-{last_week.pk}@testserver"}
    assert found[f"unit-{mine.pk}@testserver"] == {
        "start": tomorrow.astimezone(UTC),
        "end": tomorrow.astimezone(UTC) + timedelta(hours=8),
        "summary": "CR-11: Day",
        "description": "Dana Reyes",
    }
    assert found[f"unit-{last_week.pk}@testserver"]["description"] == "Chris Mitchell"
    calendar = Calendar.from_ical(response.content)
    event = calendar.walk("VEVENT")[0]
    assert event.decoded("last-modified") and event.decoded("dtstamp")
    assert b"DTSTART:" in response.content and b"Z\r\n" in response.content, "times in UTC"


def test_the_officer_reads_the_clinician_as_partner_and_another_token_shows_only_its_owners(maya, dana, users):
    tomorrow = timezone.now().replace(microsecond=0) + timedelta(days=1)
    shared = unit_for(maya, dana, tomorrow, call_sign="CR-11")
    other = unit_for(ClinicianFactory(name="Sam Okafor"), dana, tomorrow + timedelta(days=2), call_sign="CR-12")

    mayas, danas = calendar_link_make(maya.user), calendar_link_make(dana.user)

    assert set(events(feed(mayas))) == {f"unit-{shared.pk}@testserver"}
    danas_events = events(feed(danas))
    assert set(danas_events) == {f"unit-{shared.pk}@testserver", f"unit-{other.pk}@testserver"}
    assert danas_events[f"unit-{shared.pk}@testserver"]["description"] == "Maya Patel"
    assert danas_events[f"unit-{other.pk}@testserver"]["description"] == "Sam Okafor"


def test_a_night_shift_across_the_autumn_clock_change_is_nine_hours_in_utc(maya, dana, settings):
    settings.TIME_ZONE = "America/Chicago"  # clocks go back at 02:00 on Sunday 1 Nov 2026
    starts = local_datetime(date(2026, 10, 31), time(23))
    ends = local_datetime(date(2026, 11, 1), time(7))
    night = unit_for(maya, dana, starts, hours=9, name="Night")
    assert ends == night.shift_ends_at
    token = calendar_link_make(maya.user)

    calendar = calendar_for(token, site="city.example", now=datetime(2026, 10, 20, tzinfo=UTC))
    found = {str(event["uid"]): event for event in calendar.walk("VEVENT")}

    event = found[f"unit-{night.pk}@city.example"]
    assert event.decoded("dtstart") == datetime(2026, 11, 1, 4, tzinfo=UTC)  # 23:00 CDT (UTC-5)
    assert event.decoded("dtend") == datetime(2026, 11, 1, 13, tzinfo=UTC)  # 07:00 CST (UTC-6)
    assert b"DTSTART:20261101T040000Z" in event.to_ical() and b"DTEND:20261101T130000Z" in event.to_ical()


def test_a_unit_removed_or_repaired_away_leaves_the_feed(maya, dana):
    tomorrow = timezone.now().replace(microsecond=0) + timedelta(days=1)
    repaired = unit_for(maya, dana, tomorrow, call_sign="CR-11")
    removed = unit_for(maya, dana, tomorrow + timedelta(days=1), call_sign="CR-12")
    token = calendar_link_make(maya.user)
    assert len(events(feed(token))) == 2

    services.unit_update(unit=repaired, clinician=ClinicianFactory(name="Sam Okafor"))
    services.unit_delete(unit=removed)

    assert events(feed(token)) == {}


def test_a_new_link_revokes_the_old_one_and_only_a_hash_is_kept(maya):
    old = calendar_link_make(maya.user, actor=maya.user)
    new = calendar_link_make(maya.user, actor=maya.user)

    assert feed(old).status_code == 404
    assert feed(new).status_code == 200
    stored = CalendarFeed.objects.get(user=maya.user)
    assert new not in stored.token_hash and len(stored.token_hash) == 64
    made = AuditEntry.objects.filter(action="calendar.link_made", object_id=str(maya.user.pk))
    assert made.count() == 2 and made.order_by("pk").last().note == "the old link stopped working"
    assert not any(new in str(e.changes) + e.note or old in str(e.changes) + e.note for e in AuditEntry.objects.all())


def test_revoking_the_link_and_deactivating_the_login_answer_404(maya, dana, users):
    tomorrow = timezone.now() + timedelta(days=1)
    unit_for(maya, dana, tomorrow)
    token = calendar_link_make(maya.user)
    assert calendar_link_revoke(maya.user, actor=maya.user) is True
    assert feed(token).status_code == 404
    assert AuditEntry.objects.filter(action="calendar.link_revoked", object_id=str(maya.user.pk)).exists()

    danas = calendar_link_make(dana.user)
    access_end(user=dana.user, actor=users["supervisor"])
    assert feed(danas).status_code == 404
    assert not CalendarFeed.objects.filter(user=dana.user).exists(), "deactivation removes the link"

    # A login unticked in the admin (not through deactivation) reads nothing either.
    sams_login = UserFactory(username="sam", role="clinician")
    unit_for(ClinicianFactory(user=sams_login), OfficerFactory(), tomorrow, call_sign="CR-30")
    sams = calendar_link_make(sams_login)
    type(sams_login).objects.filter(pk=sams_login.pk).update(is_active=False)
    assert feed(sams).status_code == 404


def test_an_unknown_token_is_a_404_that_does_not_write_the_token_to_the_log(maya, caplog):
    token = calendar_link_make(maya.user)
    calendar_link_revoke(maya.user)
    with caplog.at_level(logging.DEBUG):
        response = feed(token)
        assert feed("x" * 43).status_code == 404
    assert response.status_code == 404 and response["Content-Type"].startswith("text/plain")
    assert token not in caplog.text and "x" * 43 not in caplog.text
    assert feed("../etc/passwd").status_code == 404
    assert Client().get("/calendar/" + "a" * 200 + ".ics").status_code == 404


@pytest.mark.parametrize("address", ["{token}.ics/", "{token}.ICS", "{token}", "{token}/x.ics"])
def test_a_mangled_feed_address_is_a_404_that_does_not_write_the_token_to_the_log(maya, caplog, address):
    token = calendar_link_make(maya.user)
    with caplog.at_level(logging.DEBUG):
        response = Client().get("/calendar/" + address.format(token=token))
    assert response.status_code == 404
    assert token not in caplog.text


@pytest.mark.parametrize("method", ["post", "put", "delete", "options"])
def test_a_calendar_apps_other_requests_are_refused_without_writing_the_token_to_the_log(maya, caplog, method):
    token = calendar_link_make(maya.user)
    client = Client(enforce_csrf_checks=True)  # as in production: a POST without a token is a CSRF failure
    with caplog.at_level(logging.DEBUG):
        response = getattr(client, method)(f"/calendar/{token}.ics")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert token not in caplog.text


@pytest.mark.parametrize("who", EVERYONE)
def test_only_a_clinician_or_an_officer_makes_or_revokes_a_link(who, users):
    client = Client()
    if who is not None:
        client.force_login(users[who])

    made, revoked = client.post("/me/calendar/"), client.post("/me/calendar/revoke/")

    if who is None:
        assert (made.status_code, revoked.status_code) == (302, 302)
        assert made["Location"].startswith("/accounts/login/")
    elif who in ("clinician", "officer"):
        assert (made.status_code, revoked.status_code) == (200, 200)
        assert "Calendar link stopped" in revoked.content.decode()
    else:
        assert (made.status_code, revoked.status_code) == (403, 403)
    assert not CalendarFeed.objects.exists()


def test_the_link_pages_take_only_a_post(users):
    client = Client()
    client.force_login(users["clinician"])
    assert client.get("/me/calendar/").status_code == 405
    assert client.get("/me/calendar/revoke/").status_code == 405
