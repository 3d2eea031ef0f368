"""Settings for the test suite: the project's settings against PostgreSQL and Redis.

`make test` points DATABASE_URL and CELERY_BROKER_URL at the local servers; these defaults make
a bare `pytest` do the same.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coresponder")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from coresponder.settings import *  # noqa: F403

# The live server for browser tests speaks plain http and serves unhashed static files.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The suite calls the API far faster than any person, and its counts would carry over between
# tests in Redis: no rate limits, except in tests/test_rate_limits.py, which puts these back.
CONFIGURED_THROTTLE_RATES = REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]  # noqa: F405
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": dict.fromkeys(CONFIGURED_THROTTLE_RATES)}  # noqa: F405

# Under pytest-xdist each test process has a database of its own (pytest-django suffixes its
# name) and, here, a Redis database of its own: 15 for the first, 14 for the second, and so on,
# so that one process's broker messages and flushes never reach another's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and CELERY_BROKER_URL.startswith("redis://"):  # noqa: F405
    _base, _, _db = CELERY_BROKER_URL.rpartition("/")  # noqa: F405
    CELERY_BROKER_URL = f"{_base}/{int(_db or 15) - int(_worker[2:])}"
