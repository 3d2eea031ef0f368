"""Loaded only into the benchmark's Celery workers (``--include worker_hooks``): an empty task
for the broker's floor, and a note in Redis of when each task finished, for latencies measured
on one clock."""

import json
import os
import time

import redis
from celery import shared_task
from celery.signals import task_postrun

_redis = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
WATCHED = {"dispatch.tasks.assign_call", "bench.noop"}


@shared_task(name="bench.noop", ignore_result=True)
def noop(marker: int) -> None:
    return None


@task_postrun.connect
def finished(task=None, args=None, **_):
    if task is not None and task.name in WATCHED:
        _redis.rpush("bench:done", json.dumps([task.name, args[0] if args else None, time.time()]))
