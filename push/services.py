"""Registering and revoking the devices alerts go to. Each registration and revocation is in the
audit log (the device's label and owner; never its endpoint, which is a capability)."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone

from coresponder import audit
from coresponder.errors import ApplicationError
from push import endpoints, sessions
from push.models import PushDevice

Reason = PushDevice.RevokeReason


def device_register(
    *, user, endpoint: str, p256dh: str, auth: str, label: str, explicit: bool = False
) -> tuple[PushDevice, bool]:
    """Store the subscription of the browser ``user`` is on, or bring it up to date. Returns the
    device and whether this registration is news (a new device, one revoked before, another
    login's, or new keys): the page sends its subscription on every load, and a repeat only
    marks the device used.

    A revoked device comes back only when a person asks for it (``explicit``: the "Turn on
    alerts" tap). The page's own post on every load leaves it revoked and changes nothing:
    otherwise a phone revoked from a list, or by logging out, would be back at its next load.

    A subscription belongs to one browser: on a phone the program shares, it follows whoever
    registered it last."""
    refusal = endpoints.endpoint_refusal(endpoint)
    errors = ({"endpoint": [refusal]} if refusal else {}) | endpoints.keys_refusal(p256dh, auth)
    if errors:
        raise ApplicationError("This is not a push subscription this server can send alerts to.", fields=errors)
    now = timezone.now()
    for attempt in range(2):  # a second page load racing this one may insert the endpoint first
        try:
            with transaction.atomic():
                device = PushDevice.objects.select_for_update().filter(endpoint=endpoint).first()
                if device is None:
                    device = PushDevice.objects.create(user=user, endpoint=endpoint, p256dh=p256dh, auth=auth,
                                                       label=label, last_used_at=now)  # fmt: skip
                    audit.record("push.device_registered", device, actor=user, note=label)
                    return device, True
                if not device.active and not explicit:
                    return device, False
                news = not device.active or device.user_id != user.pk or (device.p256dh, device.auth) != (p256dh, auth)
                if news:
                    note = label if device.user_id == user.pk else f"{label}, before another login's"
                    device.user, device.p256dh, device.auth, device.label = user, p256dh, auth, label
                    device.revoked_at, device.revoked_by, device.revoke_reason = None, None, ""
                    audit.record("push.device_registered", device, actor=user, note=note)
                device.last_used_at = now
                device.save()
                return device, news
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def device_revoke(*, device: PushDevice, actor, reason: str, keep_session_key: str | None = None) -> bool:
    """Stop sending alerts to ``device``. A person revoking it also ends the sessions the phone
    registered it from (a lost phone is signed out), except the one asking (``keep_session_key``:
    "Turn off alerts" on the phone itself, or revoking it from the phone's own list), which only
    loses its shift-long sign-in. Returns False if it was already revoked."""
    with transaction.atomic():
        device = PushDevice.objects.select_for_update().get(pk=device.pk)
        if not device.active:
            return False
        device.revoked_at = timezone.now()
        device.revoked_by = actor if actor is not None and actor.is_authenticated else None
        device.revoke_reason = reason
        device.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit.record("push.device_revoked", device, actor=actor,
                     note=f"{device.label} of {device.user.get_username()}: {Reason(reason).label.lower()}")  # fmt: skip
        if reason != Reason.GONE:
            _end_sessions_registered_from(device, actor=actor, keep=keep_session_key)
    return True


def _end_sessions_registered_from(device: PushDevice, *, actor, keep: str | None) -> None:
    """The sessions whose phone registered ``device``. A session names its user and device only
    inside its encoded data, so each live session is read once (a program has a few hundred)."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).exclude(session_key=keep or "").iterator()
    doomed = [s.session_key for s in live if sessions.registered_device(s.get_decoded()) == (device.user_id, device.pk)]
    ended, _ = Session.objects.filter(session_key__in=doomed).delete()
    if ended:
        audit.record("auth.sessions_ended", actor=actor, object_type="login",
                     object_id=device.user.get_username()[:40], note=f"{ended} session(s): device revoked")  # fmt: skip


def devices_revoke_at_logout(*, user, session) -> int:
    """Logging out (or being logged out at the end of the session's time) takes this phone off the
    alerts: the device ``session`` registered stops getting them -- a phone nobody is signed in on
    is not told about calls. "Turn on alerts" after the next login brings it back. Returns how many
    (0 or 1)."""
    registered = sessions.registered_device(session)
    if registered is None or registered[0] != user.pk:
        return 0
    device = PushDevice.objects.filter(pk=registered[1], user=user, revoked_at=None).first()
    revoked = device is not None and device_revoke(
        device=device, actor=user, reason=Reason.LOGGED_OUT, keep_session_key=session.session_key
    )
    return int(revoked)


def devices_revoke_all(*, user, actor) -> int:
    """A deactivated login's devices, all of them: someone who left the program is told nothing."""
    devices = PushDevice.objects.filter(user=user, revoked_at=None)
    return sum(device_revoke(device=device, actor=actor, reason=Reason.DEACTIVATED) for device in devices)
