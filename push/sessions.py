"""Signed in for the shift: the session of a phone registered for alerts.

A unit waiting quietly for its next call makes no request but the page's own polling, so the
idle rule (coresponder.auth.SessionTimeoutMiddleware) would sign it out within half an hour.
A session becomes a *registered phone's* when the phone page registers its alerts from it (on
the tap that turns them on, and again on every load once they are on). While the person's unit
is on shift -- from ROSTER_EARLY_LOGON before its start until SESSION_SHIFT_GRACE after its end
-- neither the idle limit nor the absolute one ends that session; afterwards both apply as to any
other, so a phone left waiting is signed out at the first refresh after the grace. Only the shift
the phone was last used in counts (``signed_in_until``): a phone idle since yesterday's shift is
not kept for today's. Logging out ends it and revokes the device; revoking the device ends it
(push.services.device_revoke). Only a clinician or an officer may register a device (push.api):
a session of someone with neither role -- a dispatcher, a supervisor -- keeps the usual limits;
a person who is also a clinician or an officer is kept on their unit's shift like any other.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import F

from push.models import PushDevice
from units.membership import member_filter
from units.models import Unit

SESSION_KEY = "push_device"


def registered_device(data) -> tuple[int, int] | None:
    """(user id, device id) of a session registered for alerts, from its data; else None."""
    device_id, user_id = data.get(SESSION_KEY), data.get("_auth_user_id")
    return (int(user_id), device_id) if device_id is not None and user_id is not None else None


def mark(session, device: PushDevice, now: datetime) -> None:
    """Make ``session`` (which registered ``device``) a registered phone's. Its cookie and its
    stored row are kept until the coming shift's end and grace, if that is later than usual."""
    session[SESSION_KEY] = device.pk
    ends = _coming_shift_end(device.user_id, now)
    usual = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    if ends is not None and ends > usual:
        session.set_expiry(ends)


def _coming_shift_end(user_id: int, now: datetime) -> datetime | None:
    """The end (with grace) of the shift the phone page shows: the person's unit on now, or next."""
    grace = settings.SESSION_SHIFT_GRACE
    ends = (
        Unit.objects.filter(
            member_filter(user_id),
            draft=False,  # a week not yet published keeps nobody signed in
            shift_ends_at__gt=now - grace,
            shift_starts_at__lt=now + settings.SESSION_ABSOLUTE_TIMEOUT,
        )
        .order_by("shift_starts_at")
        .values_list("shift_ends_at", flat=True)
        .first()
    )
    return ends + grace if ends is not None else None


def signed_in_until(user, session, now: datetime, logged_in_at: datetime) -> datetime | None:
    """Until when ``session`` stays signed in whatever the idle and absolute limits say: the end
    (with grace) of the person's shift that the session was last *used* in -- the shift whose
    window, from ROSTER_EARLY_LOGON before its start to SESSION_SHIFT_GRACE after its end, holds
    the session's ``last_seen`` (a person's last request, never a page's polling) -- if the
    session registered a device still active. A phone left idle after yesterday's shift is not
    carried into today's: its last use falls in yesterday's window, which is over.
    None: not a registered phone's session, so the usual limits apply and say why."""
    registered = registered_device(session)
    if registered is None or registered[0] != user.pk:
        return None
    seen = session.get("last_seen")
    last_used = datetime.fromtimestamp(seen, tz=UTC) if seen is not None else logged_in_at
    grace = settings.SESSION_SHIFT_GRACE
    shift_end = (
        Unit.objects.filter(
            member_filter(user), draft=False, shift_starts_at__lte=last_used + settings.ROSTER_EARLY_LOGON
        )
        .filter(shift_ends_at__gt=last_used - grace)
        .order_by(F("shift_ends_at").desc())
        .values_list("shift_ends_at", flat=True)
        .first()
    )
    if shift_end is None or not PushDevice.objects.filter(pk=registered[1], user=user, revoked_at=None).exists():
        return None
    return shift_end + grace
