"""The audit log: the one function that writes it.

Services call ``record(...)`` for every create, change and status change of calls, outcomes,
units and roster entries, with the acting user (None for the dispatcher's own work); the API
records every read of a call's clinical notes; logins are recorded by coresponder.auth. The
client's address and whether it came through the web pages or the API are taken from the
request being served (``AuditContextMiddleware``).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from datetime import date, datetime

from django.db import models

from coresponder.models import AuditEntry


@dataclass(frozen=True)
class Context:
    ip: str | None
    source: str


_context: contextvars.ContextVar[Context | None] = contextvars.ContextVar("audit_context", default=None)


def client_ip(request) -> str | None:
    # Behind the TLS proxy the client is the last address it appended; without one, the peer.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = forwarded.split(",")[-1].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return candidate or None


class AuditContextMiddleware:
    """Remembers who is asking, for the audit entries written while serving this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "web"
        token = _context.set(Context(ip=client_ip(request), source=source))
        try:
            return self.get_response(request)
        finally:
            _context.reset(token)


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(action: str, obj: models.Model | None = None, *, actor=None, changes: dict | None = None,
           note: str = "", object_type: str = "", object_id: str = "") -> AuditEntry:  # fmt: skip
    """Append one entry. ``actor`` is the user who acted (None: the system itself)."""
    context = _context.get()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "system",
        ip=context.ip if context else None,
        source=context.source if context else "system",
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        changes={k: [_plain(v) for v in pair] for k, pair in (changes or {}).items()},
        note=note[:300],
    )
