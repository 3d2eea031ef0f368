"""Loaded only into the fault tests' Celery workers (``start_worker(..., pause_lock=KEY)`` adds
``--include tests.fault_hooks``): pause every dispatch of a call, written but not committed, on a
PostgreSQL advisory lock the test holds, so that the test can kill the worker (or its database
connection) in the middle of an assignment. Nothing of this is on the production path: it wraps
the worker's database connections from the outside (Django's ``execute_wrapper`` mechanism).
"""

import os

from django.db.backends.signals import connection_created

PAUSE_LOCK = int(os.environ["FAULT_PAUSE_LOCK"])


def pause_after_dispatch_event(execute, sql, params, many, context):
    """After the status event of a dispatch (the last row an assignment writes), wait for the lock."""
    result = execute(sql, params, many, context)
    if sql.startswith('INSERT INTO "dispatch_callevent"') and _to_status(sql, params) == "dispatched":
        # A cursor of its own: the event's INSERT ... RETURNING is still to be read from this one.
        with context["connection"].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [PAUSE_LOCK])
            cursor.execute("SELECT pg_advisory_unlock(%s)", [PAUSE_LOCK])
    return result


def _to_status(sql: str, params) -> str | None:
    """The ``to_status`` an event INSERT writes, found by its column's place in the statement."""
    columns = [name.strip(' "') for name in sql[sql.index("(") + 1 : sql.index(")")].split(",")]
    return params[columns.index("to_status")] if "to_status" in columns and params else None


def wrap(sender, connection, **kwargs):
    if pause_after_dispatch_event not in connection.execute_wrappers:
        connection.execute_wrappers.append(pause_after_dispatch_event)


connection_created.connect(wrap)
