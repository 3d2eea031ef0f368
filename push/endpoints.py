"""What a subscription the phone page sends may be: an endpoint at a known push service, and the
browser's keys in the shape RFC 8291 gives them.

The worker POSTs to whatever endpoint is stored, so a responder's login must not be able to aim
it at the city's internal network: only the push services in ``WEBPUSH_PUSH_SERVICES`` are taken,
when registering and again before each send (the setting may have narrowed since).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings


def endpoint_refusal(url: str) -> str:
    """Why the push service at ``url`` is not one alerts may be sent through ("" if it is)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "Not a web address."
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return "Not a web address."
    if any(_matches(service, parts.scheme, host) for service in settings.WEBPUSH_PUSH_SERVICES):
        return ""
    return f"{host} is not a push service this server sends alerts through."


def _matches(service: str, scheme: str, host: str) -> bool:
    allowed_scheme, _, pattern = service.strip().lower().partition("://")
    if allowed_scheme != scheme or not pattern:
        return False
    pattern = pattern.split("/", 1)[0].split(":", 1)[0]
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def _decoded(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def keys_refusal(p256dh: str, auth: str) -> dict[str, list[str]]:
    """The fields whose keys are not what a browser sends: a P-256 public point and a 16-byte secret."""
    errors = {}
    point = _decoded(p256dh)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point or b"")
    except ValueError:
        errors["p256dh"] = ["Not a P-256 public key (base64url, uncompressed point)."]
    if len(_decoded(auth) or b"") != 16:
        errors["auth"] = ["Not a 16-byte auth secret (base64url)."]
    return errors


BROWSERS = [("Edg/", "Edge"), ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"),
            ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]  # fmt: skip
SYSTEMS = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
           ("Mac OS X", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux")]  # fmt: skip


def device_label(user_agent: str) -> str:
    """How a device is named in the lists: "Chrome on Android", from the browser's User-Agent."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "A browser")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    return f"{browser} on {system}" if system else browser
