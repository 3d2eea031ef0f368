"""A push service and a browser's push keys, for the tests of the alerts (push/).

``PushService`` is a real HTTP server on a free local port: it takes the POSTs a push service
takes, keeps them, and answers what the test tells it to (201, 410, 500...). ``BrowserKeys`` is
what a browser makes when it subscribes -- a P-256 key pair and a 16-byte auth secret -- and
decrypts what the push service received, as the browser would (RFC 8291, aes128gcm).
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from push import vapid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    answers: list[int] = field(default_factory=list)  # answered in turn; 201 once used up
    received: list[Received] = field(default_factory=list)

    def __post_init__(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                service.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status = service.answers.pop(0) if service.answers else 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def endpoint(self, name: str = "phone") -> str:
        return f"{self.origin}/wpush/{name}-{os.urandom(6).hex()}"

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"the push service received {len(self.received)} push(es), not {count}"
        return self.received

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class BrowserKeys:
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription(self, endpoint: str) -> dict:
        """What ``PushSubscription.toJSON()`` gives the page."""
        return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")
        return json.loads(plain)


def vapid_claims(authorization: str) -> tuple[str, dict]:
    """The public key and the claims of a ``vapid t=<JWT>,k=<key>`` Authorization header."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid", authorization
    parts = dict(part.split("=", 1) for part in rest.split(","))
    claims = json.loads(unb64url(parts["t"].split(".")[1]))
    return parts["k"], claims


# --- Fixtures shared by the tests of the alerts (imported by their modules) ---------------------

PRIVATE_KEY, PUBLIC_KEY = vapid.generate()
SUBJECT = "mailto:dispatch-admin@city.example"
# The worker's settings, from its environment: a push service on this machine, quick retries.
PUSH_ENV = {
    "WEBPUSH_VAPID_PRIVATE_KEY": PRIVATE_KEY,
    "WEBPUSH_VAPID_PUBLIC_KEY": PUBLIC_KEY,
    "WEBPUSH_VAPID_SUBJECT": SUBJECT,
    "WEBPUSH_PUSH_SERVICES": "http://127.0.0.1:*",
    "WEBPUSH_RETRIES": 2,
    "WEBPUSH_RETRY_SECONDS": 0.2,
    "WEBPUSH_TIMEOUT_SECONDS": 1,
}


def start_push_worker():
    """A real Celery worker with PUSH_ENV, on this run's database and broker (left empty first)."""
    import redis
    from django.conf import settings

    from tests.processes import process_env, start_worker

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    return start_worker(process_env(settings.CELERY_BROKER_URL, **PUSH_ENV), name="push-worker")


def push_settings(settings) -> None:
    """This process's settings (pytest-django's ``settings``) matching the worker's."""
    settings.WEBPUSH_VAPID_PRIVATE_KEY = PRIVATE_KEY
    settings.WEBPUSH_VAPID_PUBLIC_KEY = PUBLIC_KEY
    settings.WEBPUSH_VAPID_SUBJECT = SUBJECT
    settings.WEBPUSH_PUSH_SERVICES = ["http://127.0.0.1:*"]
