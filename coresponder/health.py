"""`GET /healthz`: is the database answering, the broker, and is beat's schedule being run?

``beat`` is "ok" while a worker has run beat's heartbeat within ``HEALTH_BEAT_STALE_AFTER``
seconds (coresponder.heartbeat says why the stamp is written by a worker), and otherwise
``down (last seen N s ago)``, or ``down (never seen)`` on a system where no heartbeat has run yet
(a fresh install, or a broker whose data was wiped): with no proof that the clock and the sweeper
run, the system is not healthy. ``oldest_waiting_task`` is how long the oldest task has waited
on the broker ("none" when nothing waits, "unknown" when the broker cannot say); it does not
change the answer, but tells a dead beat (nothing waits) from absent workers (tasks pile up).
"""

import math
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coresponder import heartbeat
from coresponder.celery import app as celery_app


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "down"; the reason is shown
        return f"down: {error.__class__.__name__}"
    return "ok"


def beat_status(broker, now: float) -> str:
    try:
        last_seen = heartbeat.last_seen(broker)
    except heartbeat.Unknown:
        return "unknown"
    if last_seen is None:
        return "down (never seen)"
    age = now - last_seen
    if age > settings.HEALTH_BEAT_STALE_AFTER:
        return f"down (last seen {math.floor(age)} s ago)"
    return "ok"


def waiting_status(broker, now: float) -> str:
    try:
        since = heartbeat.oldest_waiting_since(broker, celery_app.conf.task_default_queue)
    except heartbeat.Unknown:
        return "unknown"
    return "none" if since is None else f"{max(0, math.floor(now - since))} s"


def broker_checks() -> dict[str, str]:
    """The broker, and what is kept on it: beat's heartbeat and the waiting tasks."""
    now = time.time()
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
            return {
                "broker": "ok",
                "beat": beat_status(broker, now),
                "oldest_waiting_task": waiting_status(broker, now),
            }
    except Exception as error:
        return {"broker": f"down: {error.__class__.__name__}", "beat": "unknown", "oldest_waiting_task": "unknown"}


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), **broker_checks()}
    healthy = all(checks[part] == "ok" for part in ("database", "broker", "beat"))
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503)
