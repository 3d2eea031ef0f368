"""The system's own periodic work."""

from celery import shared_task

from coresponder import heartbeat
from coresponder.celery import app as celery_app


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Beat, every HEALTH_HEARTBEAT_INTERVAL seconds: stamp that beat's schedule is being run by a
    worker (coresponder.heartbeat; /healthz reads the stamp)."""
    with celery_app.connection_for_write() as broker:
        heartbeat.stamp(broker)
