"""The program's local time: its days, weeks and wall clocks, in ``settings.TIME_ZONE``.

Everything is stored in UTC; these helpers turn local days and clock times into instants and
back, and say spans of time in a supervisor's words. Arithmetic across a daylight-saving change
is done in UTC (Python adds and compares two datetimes of the same zone by their wall clocks,
which is an hour off on those days).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from coresponder.errors import ApplicationError

# The days this system handles: every week's and day's arithmetic (a week before, a week after,
# a night shift into the next day) stays inside Python's dates and PostgreSQL's timestamps.
FIRST_DAY, LAST_DAY = date(1900, 1, 8), date(9000, 1, 1)


def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def local_datetime(day: date, at: time) -> datetime:
    """The instant a local wall clock shows ``at`` on ``day``, in UTC."""
    try:
        return datetime.combine(day, at, tzinfo=ZoneInfo(settings.TIME_ZONE)).astimezone(UTC)
    except OverflowError:
        raise ApplicationError(f"{day} is outside the dates this system handles.", code="invalid") from None


def week_start_of(day: date) -> date:
    """Weeks start on Monday, as on the roster page."""
    return day - timedelta(days=day.weekday())


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    """The week's first and last instants, local midnight to local midnight (167-169 hours)."""
    return local_datetime(week_start, time.min), local_datetime(_days_after(week_start, 7), time.min)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local day's first and last instants (23-25 hours)."""
    return local_datetime(day, time.min), local_datetime(_days_after(day, 1), time.min)


def _days_after(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise ApplicationError(f"{day} is outside the dates this system handles.", code="invalid") from None


def describe_window(starts_at: datetime, ends_at: datetime) -> str:
    """``Mon 07 Dec 07:00–15:00``: a shift's window on the local clock."""
    start, end = local(starts_at), local(ends_at)
    return f"{start:%a %d %b %H:%M}–{end:%H:%M}"


def describe_hours(span: timedelta) -> str:
    """``8 h`` or ``7 h 30 min``."""
    minutes = round(span.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
