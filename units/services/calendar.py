"""A responder's published shifts, and their private calendar feed (``/calendar/<token>.ics``).

``schedule_of`` is the one read of "my shifts": My unit lists them, the schedule notices
(units.services.notices) send them, the feed publishes them. A draft unit is never in it: a week
not yet published is the supervisor's working copy, not anyone's schedule.

The feed's address is a capability: whoever holds it reads the person's shifts, with no login (a
phone's calendar app cannot log in). So only its SHA-256 is stored, the address is shown once when
made, making a new one revokes the old, and deactivating the login revokes it too
(coresponder.accounts).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from coresponder import audit
from coresponder.localtime import local
from units.membership import member_filter
from units.models import CalendarFeed, Unit

FEED_PAST = timedelta(days=30)  # the feed keeps a month of past shifts, for the timesheet
FEED_REFRESH = timedelta(hours=1)  # how often a calendar app is asked to fetch the feed again
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class ScheduledShift:
    """One of a person's published shifts, as they read it."""

    unit_id: int
    call_sign: str
    shift_name: str
    starts_at: datetime
    ends_at: datetime
    partner: str  # the other member of the unit
    updated_at: datetime

    @property
    def day(self) -> str:
        """``Mon 7 Dec``, on the local clock."""
        start = local(self.starts_at)
        return f"{start:%a} {start.day} {start:%b}"

    @property
    def times(self) -> str:
        """``07:00–15:00``, or ``23:00–07:00 (next day)``."""
        start, end = local(self.starts_at), local(self.ends_at)
        later = " (next day)" if end.date() != start.date() else ""
        return f"{start:%H:%M}–{end:%H:%M}{later}"


def schedule_of(
    user, *, ends_after: datetime, starts_from: datetime | None = None, starts_before: datetime | None = None
) -> list[ScheduledShift]:
    """``user``'s published shifts (never a draft unit) ending after ``ends_after``, optionally
    starting in [``starts_from``, ``starts_before``), in order. One query."""
    units = Unit.objects.filter(member_filter(user), draft=False, shift_ends_at__gt=ends_after)
    if starts_from is not None:
        units = units.filter(shift_starts_at__gte=starts_from)
    if starts_before is not None:
        units = units.filter(shift_starts_at__lt=starts_before)
    units = units.select_related("shift", "clinician", "officer").order_by("shift_starts_at", "call_sign", "pk")
    return [
        ScheduledShift(
            unit_id=unit.pk,
            call_sign=unit.call_sign,
            shift_name=unit.shift.name,
            starts_at=unit.shift_starts_at,
            ends_at=unit.shift_ends_at,
            partner=unit.officer.name if unit.clinician.user_id == user.pk else unit.clinician.name,
            updated_at=unit.updated_at,
        )
        for unit in units
    ]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_link_make(user, *, actor=None) -> str:
    """A new private calendar address for ``user``: returns its token, which is stored nowhere
    (only its hash). The old address, if any, stops working."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one link at a time, per person
    replaced, _ = CalendarFeed.objects.filter(user=user).delete()
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(user=user, token_hash=_digest(token))
    audit.record("calendar.link_made", actor=actor, object_type="user", object_id=str(user.pk),
                 note="the old link stopped working" if replaced else "")  # fmt: skip
    return token


@transaction.atomic
def calendar_link_revoke(user, *, actor=None) -> bool:
    """Stop ``user``'s calendar address. Returns whether there was one."""
    revoked, _ = CalendarFeed.objects.filter(user=user).delete()
    if revoked:
        audit.record("calendar.link_revoked", actor=actor, object_type="user", object_id=str(user.pk))
    return bool(revoked)


def calendar_link_made_at(user) -> datetime | None:
    """When ``user``'s calendar address was made, or None if they have none."""
    return CalendarFeed.objects.filter(user=user).values_list("created_at", flat=True).first()


def calendar_for(token: str, *, site: str = "coresponder", now: datetime | None = None) -> Calendar | None:
    """The calendar the address with ``token`` shows: its owner's published shifts from
    FEED_PAST ago on, one event each, in UTC. None for an unknown or revoked token, or an inactive
    login. ``site`` (the host) makes the events' UIDs unique beyond this server."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    feed = CalendarFeed.objects.filter(token_hash=_digest(token), user__is_active=True).select_related("user").first()
    if feed is None:
        return None
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Co-responder dispatch//My shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "My co-responder shifts")
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    stamp = now.astimezone(UTC)
    for shift in schedule_of(feed.user, ends_after=now - FEED_PAST):
        event = Event()
        event.add("uid", f"unit-{shift.unit_id}@{site}")
        event.add("dtstamp", stamp)
        event.add("last-modified", shift.updated_at.astimezone(UTC))
        event.add("dtstart", shift.starts_at.astimezone(UTC))
        event.add("dtend", shift.ends_at.astimezone(UTC))
        event.add("summary", f"{shift.call_sign}: {shift.shift_name}")
        event.add("description", shift.partner)
        calendar.add_component(event)
    return calendar
