"""Beat's heartbeat, and how long the oldest task has waited on the broker: what ``/healthz`` needs
to say that the periodic work (units coming on duty, the sweeper) is being done.

Beat schedules ``coresponder.tasks.heartbeat`` every ``HEALTH_HEARTBEAT_INTERVAL`` seconds, and
a worker runs it, stamping the time here. A fresh stamp therefore proves the whole path the
clock and the sweeper take -- beat publishing, the broker, a worker running -- which a stamp
written by beat alone would not: a beat whose workers are all dead would look alive while no
unit came on duty. When the stamp is stale, the oldest waiting task tells the two apart: tasks
piling up mean the workers; an empty queue means beat.

The stamp is kept with the broker (a Redis key, or a file beside the filesystem broker's queue on
a laptop), the one store that web, workers and beat all reach. Every task carries the time it was
published (``published_at``, added by ``coresponder.celery``), which is how a waiting task's age
is known.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.conf import settings

REDIS_KEY = "coresponder:heartbeat"
PUBLISHED_AT = "published_at"


class Unknown(Exception):
    """The broker cannot say (another transport, or a message without its publishing time)."""


def _stamp_file() -> Path:
    return Path(settings.CELERY_BROKER_DIR) / "heartbeat"


def _redis(broker):
    """The Redis client behind a kombu connection, or None for the filesystem transport."""
    kind = broker.transport.driver_type
    if kind == "redis":
        return broker.default_channel.client
    if kind == "filesystem":
        return None
    raise Unknown(f"the {kind} transport is not read by /healthz")


def stamp(broker, *, at: float | None = None) -> None:
    at = time.time() if at is None else at
    client = _redis(broker)
    if client is not None:
        client.set(REDIS_KEY, repr(at))
        return
    path = _stamp_file()
    partial = path.with_suffix(".partial")
    partial.write_text(repr(at))
    os.replace(partial, path)  # never half a number for the reader


def last_seen(broker) -> float | None:
    """When a worker last ran beat's heartbeat (seconds since the epoch), or None if never."""
    client = _redis(broker)
    if client is not None:
        value = client.get(REDIS_KEY)
    else:
        try:
            value = _stamp_file().read_text()
        except FileNotFoundError:
            value = None
    return float(value) if value else None


def oldest_waiting_since(broker, queue: str) -> float | None:
    """When the oldest task waiting in ``queue`` was published, or None if none waits. Raises
    Unknown when that cannot be known."""
    client = _redis(broker)
    if client is None:
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        times = [entry.stat().st_mtime for entry in folder.glob(f"*.{queue}.msg")]
        return min(times) if times else None
    # kombu's Redis transport pushes on the left and takes from the right: the oldest is last.
    # (Only the plain queue is read: no task here is sent with a priority.)
    raw = client.lindex(queue, -1)
    if raw is None:
        return None
    published = json.loads(raw).get("headers", {}).get(PUBLISHED_AT)
    if not isinstance(published, int | float):
        raise Unknown("the oldest message does not say when it was published")
    return float(published)
