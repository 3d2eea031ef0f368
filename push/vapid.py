"""The VAPID key pair (RFC 8292) that signs every push: browsers subscribe with its public half,
and a push service refuses a push not signed by the matching private half.

From settings (``WEBPUSH_VAPID_*``). With DEBUG on and no key set (``make run``), a key is made
once into ``VAR_DIR`` and reused by every process, so a laptop needs no setup; in production a
missing or broken key turns push off -- a system check warns (push.checks) and the log says so
once -- and the rest of the system runs as before.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid

logger = logging.getLogger(__name__)

DEV_KEY_FILE = "vapid_private_key.txt"
DEV_SUBJECT = "mailto:dispatch@localhost"
# What push services accept as a subject: a mailto: address or an https URL.
SUBJECT_PATTERN = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://[^\s/]+(/\S*)?)$", re.IGNORECASE)


@dataclass(frozen=True)
class VapidKeys:
    vapid: Vapid  # signs
    public_key: str  # base64url of the uncompressed point: the browser's applicationServerKey
    subject: str


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate() -> tuple[str, str]:
    """A new key pair as (private, public), both base64url: the raw 32-byte private number and
    the public point, the forms ``WEBPUSH_VAPID_PRIVATE_KEY`` and ``..._PUBLIC_KEY`` take."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(private), _public_of(key)


def _public_of(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def keys() -> VapidKeys | None:
    """The key pair and subject pushes are signed with, or None when push is off."""
    loaded, _ = _load(*_configuration())
    return loaded


def problem() -> str:
    """Why push is off ("" when it is on)."""
    return _load(*_configuration())[1]


def _configuration() -> tuple[str, str, str, bool, str]:
    return (
        settings.WEBPUSH_VAPID_PRIVATE_KEY,
        settings.WEBPUSH_VAPID_PUBLIC_KEY,
        settings.WEBPUSH_VAPID_SUBJECT,
        settings.DEBUG,
        str(settings.VAR_DIR),
    )


@lru_cache(maxsize=8)
def _load(private: str, public: str, subject: str, debug: bool, var_dir: str) -> tuple[VapidKeys | None, str]:
    if not private and debug:
        private, public = _development_key(Path(var_dir)), ""
        subject = subject or DEV_SUBJECT
    if not private:
        return None, "WEBPUSH_VAPID_PRIVATE_KEY is not set: phones get no alerts. `manage.py vapid_keys` makes a pair."
    try:
        vapid = Vapid.from_pem(private.encode()) if private.startswith("-----BEGIN") else Vapid.from_string(private)
    except Exception:  # py_vapid raises whatever the decoder does
        return (
            None,
            "WEBPUSH_VAPID_PRIVATE_KEY is not a P-256 private key (base64url, DER or PEM): phones get no alerts.",
        )
    derived = _public_of(vapid.private_key)
    if public and public.rstrip("=") != derived:
        return (
            None,
            "WEBPUSH_VAPID_PUBLIC_KEY is not the public half of WEBPUSH_VAPID_PRIVATE_KEY: phones get no alerts.",
        )
    if not SUBJECT_PATTERN.match(subject):
        return None, (
            "WEBPUSH_VAPID_SUBJECT must be mailto:someone@example.org or an https:// URL for the push services to "
            "reach whoever runs this server: phones get no alerts."
        )
    return VapidKeys(vapid=vapid, public_key=derived, subject=subject), ""


def _development_key(var_dir: Path) -> str:
    """The key made for this checkout, read from VAR_DIR, or made now. The web server and the
    worker may both get here first: the file appears whole (a hard link of a written file) or
    not at all, and whoever loses reads the winner's."""
    path = var_dir / DEV_KEY_FILE
    try:
        if not path.exists():
            private, _ = generate()
            with tempfile.NamedTemporaryFile("w", dir=var_dir, delete=False) as draft:
                draft.write(private + "\n")
            os.chmod(draft.name, 0o600)
            try:
                os.link(draft.name, path)
                logger.info("Made a VAPID key pair for development in %s.", path)
            except FileExistsError:
                pass
            finally:
                os.unlink(draft.name)
        for _ in range(10):
            text = path.read_text().strip()
            if text:
                return text
            time.sleep(0.05)
    except OSError:
        logger.warning("Could not keep a VAPID key in %s: push is off.", var_dir, exc_info=True)
    return ""
