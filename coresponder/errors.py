"""The one application error, and the one JSON shape every API error takes.

Services raise ``ApplicationError`` with a machine-readable code and a sentence a person can
act on. The API renders every error -- ours, DRF's and Django's -- as::

    {"error": {"code": "...", "detail": "...", "fields": {...}}}
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

# The database refused the connection or lost it mid-query (coresponder.outages): try again soon.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE = "The database is not answering just now. Try again in a few seconds."
TOO_LARGE = "The request body is larger than the server accepts."


class ApplicationError(Exception):
    """A refused request, said in words a supervisor or dispatcher understands."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, detail: str, *, code: str = "invalid", fields: dict | None = None, status_code=None):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code


class ConflictError(ApplicationError):
    """A state change or roster change that the current state does not allow (HTTP 409)."""

    status_code = status.HTTP_409_CONFLICT


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "detail": detail, "fields": fields or {}}}


def _plain(value):
    """DRF's ErrorDetail objects and lazy strings, made plain JSON."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)


def _validation_response(detail) -> Response:
    detail = _plain(detail)
    if isinstance(detail, dict):
        non_field = detail.pop("non_field_errors", None) or detail.pop("__all__", None)
        if non_field:
            sentence = " ".join(non_field) if isinstance(non_field, list) else str(non_field)
        else:
            names = ", ".join(sorted(detail))
            sentence = f"Please correct: {names}." if names else "The request is not valid."
        return Response(error_body("invalid", sentence, detail), status=400)
    if isinstance(detail, list):
        return Response(error_body("invalid", " ".join(map(str, detail))), status=400)
    return Response(error_body("invalid", str(detail)), status=400)


_DRF_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.detail, exc.fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return _validation_response(detail)
    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc.detail)
    if isinstance(exc, IntegrityError):
        # The database refused what the service checks should have caught first (a race).
        return Response(
            error_body(
                "conflict", "This change conflicts with another one made at the same time. Reload and try again."
            ),
            status=409,
        )
    if isinstance(exc, DataError):
        return Response(error_body("invalid", "A value is out of the range the system can store."), status=400)
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("Database unavailable: %s", exc, exc_info=exc)
        return Response(
            error_body("unavailable", UNAVAILABLE), status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", TOO_LARGE), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((name for kind, name in _DRF_CODES.items() if isinstance(exc, kind)), "error")
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    response.data = error_body(code, str(_plain(detail)))
    return response


def json_not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def bad_request(request, exception=None):
    """``handler400``: what Django refuses before a view (a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
    an unknown Host) in the error shape on the API, Django's page elsewhere."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse(error_body("too_large", TOO_LARGE), status=413)
    return JsonResponse(error_body("malformed_request", "The request could not be read."), status=400)


def json_server_error(request):
    return JsonResponse(error_body("server_error", "Something went wrong on our side; it has been logged."), status=500)
