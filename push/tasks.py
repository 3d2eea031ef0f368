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
        tries = self.request.retries
        if tries >= settings.WEBPUSH_RETRIES:
            logger.error(
                "Push to device %s for call %s given up after %s tries: %s.", device_id, call_id, tries + 1, busy
            )
            return
        wait = busy.retry_after if busy.retry_after is not None else settings.WEBPUSH_RETRY_SECONDS * 2**tries
        logger.warning(
            "Push to device %s for call %s failed (%s); trying again in %.0f s.", device_id, call_id, busy, wait
        )
        raise self.retry(countdown=wait, max_retries=settings.WEBPUSH_RETRIES) from busy
