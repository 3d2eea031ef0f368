"""Work sent to the Celery workers: always after the transaction commits, never failing the caller.

A broker that is down must never fail the request that stored the change: the failure is logged
and the sweeper (dispatch.services.sweeper) sends the work again once the broker is back. Tasks
are named, not imported, so that an app asks another for work without importing it: the roster
says "units are free" and the dispatcher serves its queue.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from coresponder.celery import app as celery_app

logger = logging.getLogger(__name__)

ASSIGN_CALL = "dispatch.tasks.assign_call"
SERVE_QUEUE = "dispatch.tasks.serve_queue"


def send_after_commit(
    task_name: str, *args, countdown: float | None = None, if_lost: str = "the sweeper will retry"
) -> None:
    """Queue a Celery task once the current transaction commits. ``if_lost`` says, in the log,
    what becomes of the work if the broker cannot be reached."""

    def send():
        try:
            celery_app.send_task(
                task_name, args=args, countdown=countdown, retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY
            )
        except Exception:
            logger.warning("Could not reach the broker to send %s%s; %s.", task_name, args, if_lost)

    transaction.on_commit(send, robust=True)


def assign_soon(call_id: int) -> None:
    """A call is ready for the automatic dispatcher."""
    send_after_commit(ASSIGN_CALL, call_id)


def serve_queue_soon(*, countdown: float | None = None) -> None:
    """Units became free: serve waiting calls."""
    send_after_commit(SERVE_QUEUE, countdown=countdown)
