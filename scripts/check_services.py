"""Say in one line how to start PostgreSQL or Redis if `make test` cannot reach them."""

import os
import socket
import sys
from urllib.parse import urlsplit

NEEDED = [
    ("PostgreSQL", os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coresponder"), 5432),
    ("Redis", os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15"), 6379),
]

missing = []
for name, url, default_port in NEEDED:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        missing.append(f"{name} at {host}:{port}")

if missing:
    print(
        f"make test needs {' and '.join(missing)}, which did not answer: start them with "
        "`docker compose up -d db redis` (or your local services), or set DATABASE_URL / CELERY_BROKER_URL.",
        file=sys.stderr,
    )
    sys.exit(1)
