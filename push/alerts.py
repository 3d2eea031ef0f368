"""What a unit's phones are told, and when: a call sent to the unit, a call taken off it, a
safety flag raised on its call. The dispatch services say so with one call each
(``notify_unit_soon``), inside their transaction; the work goes to a Celery worker once it
commits, so a push service that is slow or down never delays or fails a dispatch.

The worker (push.tasks) finds the people of the unit as the assignment recorded them, and sends
one push to each of their active devices, each retried on its own. A push says only the unit,
the kind of alert and the call's priority: a notification shows on a lock screen, which anyone
near the phone can read, so the call's nature (health information), its address, its flags and
anything about the caller stay behind the login, on My unit.

A responder's phones are also told when the schedule of a week of theirs is published or changed
(``schedule_notify``, from units.services.notices): that, and the week, only. Both kinds leave
the server through ``_send``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date

import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coresponder import jobs
from dispatch.models import Assignment, CallAlert, CrisisCall
from push import endpoints, services, vapid
from push.models import PushDevice
from units.models import Unit

logger = logging.getLogger(__name__)

ASSIGNED = "assigned"  # the call was sent to the unit (automatically, by hand, or reassigned to it)
TAKEN_OFF = "taken_off"  # the call was reassigned from the unit to another
SAFETY_ALERT = "safety_alert"  # a safety flag was raised on the unit's call
KINDS = (ASSIGNED, TAKEN_OFF, SAFETY_ALERT)

NOTIFY_UNIT = "push.tasks.notify_unit"
DELIVER = "push.tasks.deliver"
LOST = "that alert is not sent (the page still shows the call)"
_said_off = False


def notify_unit_soon(call: CrisisCall, kind: str, *, unit: Unit | None = None) -> None:
    """Once the transaction commits, alert the phones of ``unit`` (the call's unit by default)."""
    global _said_off
    unit_id = unit.pk if unit is not None else call.unit_id
    if unit_id is None:
        return
    if vapid.keys() is None:
        if not _said_off:  # once per process: every dispatch would repeat it
            logger.warning("Push alerts are off: %s", vapid.problem())
            _said_off = True
        return
    jobs.send_after_commit(NOTIFY_UNIT, call.pk, unit_id, kind, if_lost=LOST)


def notify_reassigned_soon(call: CrisisCall, *, from_unit: Unit) -> None:
    """A reassignment: the call's new unit has a call; the old one is told it was taken off it."""
    notify_unit_soon(call, ASSIGNED)
    notify_unit_soon(call, TAKEN_OFF, unit=from_unit)


@dataclass(frozen=True)
class News:
    """What a unit is to be told about a call, if it is still news."""

    call: CrisisCall
    unit: Unit
    kind: str
    people: frozenset[int]  # the logins of the unit's clinician and officer when it was sent
    alert_id: int | None = None  # the safety flag's alert: each new one rings the open page again


def news_for(call_id: int, unit_id: int, kind: str) -> News | None:
    """The alert, or None once it is no longer news: a call already taken from the unit is not
    announced to it, a safety flag already acknowledged is not pushed."""
    assignment = (
        Assignment.objects.filter(call_id=call_id, unit_id=unit_id)
        .select_related("call", "unit", "clinician", "officer")
        .order_by("-started_at", "-id")
        .first()
    )
    if assignment is None or kind not in KINDS:
        return None
    alert_id = None
    if kind == ASSIGNED and assignment.ended_at is not None:
        return None
    if kind == SAFETY_ALERT:
        alert = CallAlert.objects.filter(call_id=call_id, kind=CallAlert.Kind.SAFETY_FLAG_RAISED, cleared_at=None)
        alert_id = alert.values_list("pk", flat=True).first()
        if alert_id is None or assignment.unit_id != assignment.call.unit_id:
            return None
    people = frozenset(filter(None, (assignment.clinician.user_id, assignment.officer.user_id)))
    return News(call=assignment.call, unit=assignment.unit, kind=kind, people=people, alert_id=alert_id)


def payload(news: News) -> dict:
    """The push's JSON, shown by the service worker: ``title``, ``body``, ``url`` (opened on a
    tap), ``tag`` (a later alert about the same call replaces the earlier one), ``call_id``,
    ``kind`` and, for a safety flag, ``alert_id``. The words are only the unit, the kind of alert
    and the priority (see the module's docstring): the rest is on My unit, behind the login."""
    call, sign = news.call, news.unit.call_sign
    titles = {
        ASSIGNED: f"{sign}: new call, priority {call.priority}",
        TAKEN_OFF: f"{sign}: taken off call",
        SAFETY_ALERT: f"{sign}: safety flag raised",
    }
    return {"title": titles[news.kind], "body": "Open My unit for the details.", "url": reverse("my-unit"),
            "tag": f"call-{call.pk}", "call_id": call.pk, "kind": news.kind, "alert_id": news.alert_id}  # fmt: skip


def unit_notify(*, call_id: int, unit_id: int, kind: str) -> int:
    """Queue one delivery per active device of the unit's people. Returns how many."""
    news = news_for(call_id, unit_id, kind)
    if news is None or vapid.keys() is None:
        return 0
    devices = list(PushDevice.objects.filter(user_id__in=news.people, revoked_at=None).values_list("pk", flat=True))
    for device_id in devices:
        jobs.send_after_commit(DELIVER, device_id, call_id, unit_id, kind, if_lost=LOST)
    return len(devices)


class PushServiceBusy(Exception):
    """The push service did not answer, or asked to be tried later: worth another try."""

    def __init__(self, detail: str, retry_after: float | None = None):
        super().__init__(detail)
        self.retry_after = retry_after


def device_deliver(*, device_id: int, call_id: int, unit_id: int, kind: str) -> str:
    """Send one alert to one device, if it is still active, still its owner's on the unit, and
    still news. Says what happened (see ``_send``)."""
    device = PushDevice.objects.filter(pk=device_id, revoked_at=None).first()
    news = news_for(call_id, unit_id, kind) if device is not None else None
    keys = vapid.keys()
    if device is None or news is None or device.user_id not in news.people or keys is None:
        return "not news"
    return _send(device, payload(news), keys, urgency="high", ttl=settings.WEBPUSH_TTL_SECONDS)


def _send(device: PushDevice, message: dict, keys, *, urgency: str, ttl: int) -> str:
    """The one place a push leaves the server: ``message`` encrypted for ``device``. A push
    service that says the subscription is gone (404, 410) gets the device revoked; one that is
    unreachable, overloaded (429) or failing (5xx) raises PushServiceBusy for the task to try
    again; any other refusal is logged and dropped."""
    if refusal := endpoints.endpoint_refusal(device.endpoint):
        logger.warning("Push to device %s not sent: %s", device.pk, refusal)
        return "refused"
    from pywebpush import WebPushException, webpush  # the workers' alone: it brings aiohttp, which the web needs not

    subscription = {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}
    try:
        with requests.Session() as session:
            session.max_redirects = 0  # a push service answers where it is: a redirect is not followed
            webpush(subscription, json.dumps(message), vapid_private_key=keys.vapid,
                    vapid_claims={"sub": keys.subject}, ttl=ttl, timeout=settings.WEBPUSH_TIMEOUT_SECONDS,
                    headers={"Urgency": urgency}, requests_session=session)  # fmt: skip
    except requests.TooManyRedirects:
        logger.error("Push to device %s not sent: its push service redirected it elsewhere.", device.pk)
        return "refused"
    except requests.RequestException as error:
        raise PushServiceBusy(f"{type(error).__name__}") from error
    except WebPushException as error:
        status = error.status_code or 0
        if status in (404, 410):
            services.device_revoke(device=device, actor=None, reason=PushDevice.RevokeReason.GONE)
            logger.info("Device %s revoked: its push service answered %s.", device.pk, status)
            return "gone"
        if status == 429 or status >= 500:
            raise PushServiceBusy(f"HTTP {status}", _seconds(error.retry_after)) from error
        logger.error("Push to device %s refused (HTTP %s); not retried.", device.pk, status)
        return "refused"
    PushDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
    return "sent"


# --- The schedule: a week published or changed (units.services.notices) ----------------------
# The lock screen shows only that the schedule of a week changed: the shifts, the unit and the
# partner are behind the login, on My unit (and in the e-mail).
SCHEDULE_TITLES = {"published": "Schedule published", "changed": "Schedule changed"}
DELIVER_SCHEDULE = "push.tasks.deliver_schedule"
# A phone off the network for a while still wants to know; a call's alert is stale in minutes.
SCHEDULE_TTL_SECONDS = 24 * 3600


def schedule_payload(week_start: date, kind: str) -> dict:
    """The push's JSON: ``title``, ``body``, ``url`` and ``tag`` (a later notice about the same
    week replaces the earlier one on the phone), nothing else."""
    return {"title": f"{SCHEDULE_TITLES[kind]}: week of {week_start.day} {week_start:%b}",
            "body": "Open My unit for your shifts.", "url": reverse("my-unit") + "#schedule",
            "tag": f"schedule-{week_start.isoformat()}"}  # fmt: skip


def schedule_notify(*, user_id: int, week_start: date, kind: str) -> int:
    """Queue one schedule push per active device of ``user_id``. Returns how many."""
    if kind not in SCHEDULE_TITLES or vapid.keys() is None:
        return 0
    devices = list(PushDevice.objects.filter(user_id=user_id, revoked_at=None).values_list("pk", flat=True))
    for device_id in devices:
        jobs.send_after_commit(DELIVER_SCHEDULE, device_id, user_id, week_start.isoformat(), kind,
                               if_lost="that schedule push is not sent (the e-mail and My unit show it)")  # fmt: skip
    return len(devices)


def schedule_deliver(*, device_id: int, user_id: int, week_start_iso: str, kind: str) -> str:
    """Send one schedule push to one device, if it is still active and its owner's, and the
    owner's login is still active. Says what happened (see ``_send``)."""
    try:
        week_start = date.fromisoformat(week_start_iso)
    except (TypeError, ValueError):
        return "not news"
    device = PushDevice.objects.filter(pk=device_id, user_id=user_id, user__is_active=True, revoked_at=None).first()
    keys = vapid.keys()
    if device is None or keys is None or kind not in SCHEDULE_TITLES:
        return "not news"
    return _send(device, schedule_payload(week_start, kind), keys, urgency="normal", ttl=SCHEDULE_TTL_SECONDS)


def _seconds(retry_after: str | None) -> float | None:
    try:
        return min(float(retry_after), 600) if retry_after else None
    except ValueError:  # an HTTP date: the task's own back-off
        return None
