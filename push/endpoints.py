"""What a subscription the phone page sends may be: an endpoint at a known push service, and the
browser's keys in the shape RFC 8291 gives them.

The worker POSTs to whatever endpoint is stored, so a responder's login must not be able to aim
it at the city's internal network: only the push services in ``WEBPUSH_PUSH_SERVICES`` are taken,
when registering and again before each send (the setting may have narrowed since).
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

# A push service's address as written: a DNS name and at most a port, nothing else. A backslash,
# an "@", a "%" or a space is where two URL parsers disagree about the host (urllib.parse reads
# "https://10.0.0.5\.push.apple.com/" as an Apple host; requests connects to 10.0.0.5).
AUTHORITY = re.compile(r"[a-z0-9.-]+(:[0-9]+)?")
DEFAULT_PORTS = {"https": 443, "http": 80}


def endpoint_refusal(url: str) -> str:
    """Why the push service at ``url`` is not one alerts may be sent through ("" if it is). Read
    with urllib3's parser, the one requests (and so pywebpush) connects with."""
    try:
        parts = parse_url(url)
    except LocationParseError:
        return "Not a web address."
    host = (parts.host or "").lower()
    if parts.scheme not in ("http", "https") or not host or parts.auth is not None:
        return "Not a web address."
    written = re.split(r"[/?#]", url.split("://", 1)[-1], maxsplit=1)[0].lower()
    if not AUTHORITY.fullmatch(written):
        return "Not a push service's address: its host has characters no host name has."
    if any(_matches(service, parts.scheme, host, parts.port) for service in settings.WEBPUSH_PUSH_SERVICES):
        return ""
    return f"{host} is not a push service this server sends alerts through."


def _matches(service: str, scheme: str, host: str, port: int | None) -> bool:
    """Whether ``scheme://host:port`` is the allowlist's ``service``: its scheme, its host (``*.``
    for any subdomain) and its port -- the scheme's own unless the entry names one (``:*`` for any,
    a push service the tests run on this machine)."""
    allowed_scheme, _, pattern = service.strip().lower().partition("://")
    if allowed_scheme != scheme or not pattern:
        return False
    pattern, _, allowed_port = pattern.split("/", 1)[0].partition(":")
    if allowed_port != "*" and str(port or DEFAULT_PORTS[scheme]) != (allowed_port or str(DEFAULT_PORTS[scheme])):
        return False
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
