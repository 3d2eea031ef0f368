"""The Celery app. Settings live in Django settings under the CELERY_ namespace."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coresponder.settings")

app = Celery("coresponder")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _recycle_broken_connections(**_):
    """Workers keep their database connections between tasks (CELERY_DB_REUSE_MAX: a new one
    per task costs more than the task). Before and after each task, Django closes a connection
    that had an error or outlived CONN_MAX_AGE, and the next query checks the connection is
    alive (CONN_HEALTH_CHECKS): a database restart costs one reconnect, not a failed task."""
    from django.db import close_old_connections

    close_old_connections()
