"""The database gone for a moment: its connection cut mid-query (a failover, a restart,
``pg_terminate_backend``) or refused. That is a fault to retry, not a bug: the request answers
503 with ``Retry-After`` -- the error JSON (``code: "unavailable"``) on the API, a plain page on
the web -- instead of a 500, and the next request opens a fresh connection (CONN_HEALTH_CHECKS).

An operation that is safe to repeat can be retried once on a fresh connection before the
request gives up (``retry_once_if_connection_lost``); intake is, being idempotent on
``external_id``.
"""

from __future__ import annotations

import logging
import sys

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader

from coresponder import views
from coresponder.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, UNAVAILABLE, error_body

logger = logging.getLogger(__name__)


def retry_once_if_connection_lost(operation, /, *args, **kwargs):
    """Run ``operation``; if the database connection was lost under it, run it once more on a
    fresh connection. Only for an operation that is safe to repeat: what the first attempt wrote
    was rolled back with its connection, unless the connection was lost after the commit, in
    which case the second attempt must find the first's work and not repeat it.

    Inside a transaction nothing is retried (the transaction is lost with its connection).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        return operation(*args, **kwargs)
    except DATABASE_UNAVAILABLE:
        if connection.in_atomic_block or (connection.connection is not None and connection.is_usable()):
            raise  # an outer transaction is lost, or the connection is fine and the error is another
        logger.warning("The database connection was lost under %s; trying once more.", operation.__name__)
        connection.close()
    return operation(*args, **kwargs)


def server_error(request):
    """``handler500``: a database outage answers 503 (this runs inside Django's exception handler,
    so the exception is at hand); anything else is a 500 as before."""
    if not isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return views.server_error(request)
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("unavailable", UNAVAILABLE), status=503)
    else:
        # Rendered without the request: its context processors would ask the database.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
