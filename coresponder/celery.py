"""The Celery app. Settings live in Django settings under the CELERY_ namespace."""

import logging
import os
import time

from celery import Celery
from celery.signals import beat_init, before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coresponder.settings")

app = Celery("coresponder")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_TASK = "coresponder.tasks.beat_heartbeat"
logger = logging.getLogger(__name__)


@task_prerun.connect
@task_postrun.connect
def _recycle_broken_connections(**_):
    """Workers keep their database connections between tasks (CELERY_DB_REUSE_MAX: a new one
    per task costs more than the task). Before and after each task, Django closes a connection
    that had an error or outlived CONN_MAX_AGE, and the next query checks the connection is
    alive (CONN_HEALTH_CHECKS): a database restart costs one reconnect, not a failed task."""
    from django.db import close_old_connections

    close_old_connections()


@before_task_publish.connect
def _stamp_publishing_time(headers=None, **_):
    """Every task says when it was published, so that /healthz can tell how long the oldest one
    has waited on the broker (coresponder.heartbeat). A message carries no such time by itself."""
    if headers is not None:
        headers.setdefault("published_at", time.time())


@beat_init.connect
def _first_heartbeat(sender=None, **_):
    """Beat's schedule first runs a task one interval after start: a heartbeat at once lets
    /healthz see a newly started system healthy as soon as a worker runs it."""
    from django.conf import settings

    try:
        app.send_task(HEARTBEAT_TASK, expires=settings.HEALTH_HEARTBEAT_INTERVAL)
    except Exception:  # beat itself retries the broker; the schedule sends the next one
        logger.warning("Could not send the first heartbeat; the schedule will.", exc_info=True)
