"""Celery tasks: thin, by id, safe to run twice (a repeated push replaces the earlier one on the
phone: same tag). The decisions are in push.alerts."""

import logging

from celery import shared_task
from django.conf import settings

from push import alerts

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def notify_unit(call_id: int, unit_id: int, kind: str) -> None:
    """After a dispatch, reassignment or safety flag: one delivery per device of the unit's people."""
    alerts.unit_notify(call_id=call_id, unit_id=unit_id, kind=kind)


@shared_task(bind=True, ignore_result=True)
def deliver(self, device_id: int, call_id: int, unit_id: int, kind: str) -> None:
    """One push to one device; a busy or unreachable push service is tried WEBPUSH_RETRIES more
    times, the wait doubling (or as its Retry-After says), then given up and logged."""
    try:
        alerts.device_deliver(device_id=device_id, call_id=call_id, unit_id=unit_id, kind=kind)
    except alerts.PushServiceBusy as busy:
        _try_again_later(self, busy, f"Push to device {device_id} for call {call_id}")


@shared_task(bind=True, ignore_result=True)
def deliver_schedule(self, device_id: int, user_id: int, week_start_iso: str, kind: str) -> None:
    """One schedule push to one device (units.services.notices), retried as ``deliver`` is."""
    try:
        alerts.schedule_deliver(device_id=device_id, user_id=user_id, week_start_iso=week_start_iso, kind=kind)
    except alerts.PushServiceBusy as busy:
        _try_again_later(self, busy, f"Schedule push to device {device_id} for the week of {week_start_iso}")


def _try_again_later(task, busy: alerts.PushServiceBusy, what: str) -> None:
    tries = task.request.retries
    if tries >= settings.WEBPUSH_RETRIES:
        logger.error("%s given up after %s tries: %s.", what, tries + 1, busy)
        return
    wait = busy.retry_after if busy.retry_after is not None else settings.WEBPUSH_RETRY_SECONDS * 2**tries
    logger.warning("%s failed (%s); trying again in %.0f s.", what, busy, wait)
    raise task.retry(countdown=wait, max_retries=settings.WEBPUSH_RETRIES) from busy
