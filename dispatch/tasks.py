"""Celery tasks: thin, by id, safe to run twice. The decisions are in dispatch.services."""

from celery import shared_task

from dispatch import services


@shared_task(ignore_result=True)
def assign_call(call_id: int) -> None:
    """Dispatch a newly received (or released) call, or queue it."""
    services.call_auto_assign(call_id=call_id)


@shared_task(ignore_result=True)
def serve_queue() -> None:
    """Units became free: give them to waiting calls in priority order."""
    services.queue_serve()


@shared_task(ignore_result=True)
def erase_expired_personal_data() -> None:
    """Beat, daily: caller details and clinical narratives past their retention periods."""
    services.calls_erase_personal_data()


@shared_task(ignore_result=True)
def sweep() -> None:
    """Beat, every DISPATCH_SWEEP_INTERVAL seconds: re-send stuck calls, serve the queue, raise alerts."""
    services.sweep()
