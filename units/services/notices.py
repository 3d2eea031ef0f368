"""Telling a responder of their shifts when a week of theirs is published or changed
(units.services.publication sends the task units.tasks.tell_schedule after the change commits).

Each notice is the person's whole week as it is now, not the change: an e-mail listing their
shifts (to the address of their login, if it has one), and a push to each of their phones that
says only that the week's schedule changed (a lock screen is public; push.alerts). An inactive
login is told nothing. Nothing here raises for a mail server or push service that is down: the
roster, My unit and the calendar feed show the schedule anyway.

Safe to run twice: the notice last sent to a person for a week is remembered (its digest, in the
cache) and the same notice is not sent again -- a task delivered twice (a worker that died after
sending) e-mails once. A later change that makes the week different is news again.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone

from coresponder.localtime import week_bounds
from push import alerts
from units.membership import display_name
from units.services.calendar import ScheduledShift, schedule_of
from units.services.publication import TOLD_CHANGED, TOLD_PUBLISHED

logger = logging.getLogger(__name__)

KINDS = (TOLD_PUBLISHED, TOLD_CHANGED)
REMEMBER_SECONDS = 14 * 24 * 3600  # past the end of any week still being told of


def schedule_tell(*, user_id: int, week_start: date, kind: str) -> str:
    """Tell the person of login ``user_id`` their shifts (published, not yet ended) in the local
    week of ``week_start``. Says what was done."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active or kind not in KINDS:
        return "nobody told"
    start, end = week_bounds(week_start)
    shifts = schedule_of(user, ends_after=timezone.now(), starts_from=start, starts_before=end)
    subject, body = schedule_email(user, week_start, kind, shifts)
    remembered = f"schedule-told:{user.pk}:{week_start.isoformat()}"
    digest = hashlib.sha256(f"{subject}\n{body}".encode()).hexdigest()
    if _cached(remembered) == digest:
        return "already told"
    emailed = _email(user, subject, body, week_start)
    pushes = alerts.schedule_notify(user_id=user.pk, week_start=week_start, kind=kind)
    if emailed is not False:  # a failed e-mail may be sent by a second run
        _remember(remembered, digest)
    return f"e-mail {'sent' if emailed else 'not sent'}, {pushes} push(es) queued"


def week_label(week_start: date) -> str:
    """``7 Dec``."""
    return f"{week_start.day} {week_start:%b}"


def schedule_email(user, week_start: date, kind: str, shifts: list[ScheduledShift]) -> tuple[str, str]:
    """The notice's subject and plain-text body."""
    subject = f"Your shifts for the week of {week_label(week_start)} ({kind})"
    week = f"the week of Monday {week_label(week_start)} {week_start.year}"
    if kind == TOLD_PUBLISHED:
        opening = f"The roster for {week} has been published."
    else:
        opening = f"Your shifts in {week} have changed."
    if shifts:
        width = max(len(shift.day) for shift in shifts)
        lines = [f"  {s.day:<{width}}  {s.times}  {s.call_sign} with {s.partner}" for s in shifts]
        listing = "Your shifts, local time:\n\n" + "\n".join(lines)
    else:
        listing = "You have no shifts this week."
    closing = "My unit shows your shifts too, and a calendar link made there keeps your phone's calendar up to date."
    return subject, f"Hello {display_name(user)},\n\n{opening}\n\n{listing}\n\n{closing}\n"


def _email(user, subject: str, body: str, week_start: date) -> bool | None:
    """True once sent, None for a login without an address, False when the mail server failed."""
    if not user.email:
        return None
    try:
        send_mail(subject, body, None, [user.email])
    except Exception as error:  # the SMTP server down, refusing or timing out: logged, never raised
        # The error's name only: an SMTP refusal quotes the address.
        logger.warning("Schedule e-mail to user %s for the week of %s not sent: %s.", user.pk, week_start,
                       type(error).__name__)  # fmt: skip
        return False
    return True


def _cached(key: str):
    try:
        return cache.get(key)
    except Exception:  # the cache down: the notice is sent, perhaps twice
        return None


def _remember(key: str, digest: str) -> None:
    try:
        cache.set(key, digest, REMEMBER_SECONDS)
    except Exception:
        logger.warning("Could not remember a schedule notice was sent (%s); a repeat would send it again.", key)
