"""The audit log: the one module that writes it.

Services call ``record(...)`` (or ``record_all`` for several entries in one statement) for every
create, change and status change of calls, outcomes, units and roster entries, with the acting
user (None for the dispatcher's own work), in the transaction that makes the change; the API
records every read of a call's clinical notes; logins are recorded by coresponder.auth. The
client's address and whether it came through the web pages or the API are taken from the
request being served (``AuditContextMiddleware``).

The log cannot be changed or erased, so what must be erased later -- a caller's details, a
clinical narrative -- enters it only by its length (``length_only``).
"""

from __future__ import annotations

import contextvars
import ipaddress
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import models

from coresponder.models import AuditEntry


@dataclass(frozen=True)
class Context:
    ip: str | None
    source: str


_context: contextvars.ContextVar[Context | None] = contextvars.ContextVar("audit_context", default=None)


def _address(value) -> str | None:
    """``value`` as a storable IP address, or None if it is not one."""
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if getattr(address, "scope_id", None):  # fe80::1%eth0: PostgreSQL's inet takes no zone
        address = ipaddress.IPv6Address(int(address))
    return str(address)


def client_ip(request) -> str | None:
    """The address the request came from, or None if there is no valid one.

    X-Forwarded-For is written by whoever sends the request, so it is believed only as far as
    the TRUSTED_PROXY_COUNT proxies in front of the application: each appends the address it
    was reached from, so the client is that many entries from the right, and anything further
    left may be forged. With no proxy declared (the default) the header is ignored.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(hops) >= proxies:
            forwarded = _address(hops[-proxies])
            if forwarded:
                return forwarded
    return _address(request.META.get("REMOTE_ADDR"))


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


def length_only(text: str, what: str = "characters") -> str:
    """How a text the audit log must not hold is logged: by its length ("" when empty)."""
    return f"({len(text)} {what})" if text else ""


def entry(action: str, obj: models.Model | None = None, *, actor=None, changes: dict | None = None,
          note: str = "", object_type: str = "", object_id: str = "") -> AuditEntry:  # fmt: skip
    """One entry, not yet written: ``record`` writes one, ``record_all`` several at once.
    ``actor`` is the user who acted (None: the system itself)."""
    context = _context.get()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry(
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


def record(action: str, obj: models.Model | None = None, *, actor=None, changes: dict | None = None,
           note: str = "", object_type: str = "", object_id: str = "") -> AuditEntry:  # fmt: skip
    """Append one entry. ``actor`` is the user who acted (None: the system itself)."""
    made = entry(action, obj, actor=actor, changes=changes, note=note, object_type=object_type, object_id=object_id)
    made.save(force_insert=True)
    return made


def record_all(entries: list[AuditEntry]) -> None:
    """Append several entries in one INSERT: a call's move and its units' moves, or every unit
    the clock moved, cost the transaction one statement."""
    if entries:
        AuditEntry.objects.bulk_create(entries)
