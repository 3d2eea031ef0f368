"""Settings for the co-responder dispatch system.

Everything that differs between a laptop, CI and a city's servers comes from environment
variables. With none set, the project runs on an embedded SQLite file and kombu's filesystem
transport under ``var/``, so ``make run`` needs no server at all.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from coresponder.security import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from error


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from error


def env_rate(name: str, default: str | None) -> str | None:
    """A rate limit such as "120/min" (per s, min, hour or day), or None for "off"."""
    value = (os.environ.get(name) or "").strip().lower() or default
    if value in (None, "off"):
        return None
    number, _, period = value.partition("/")
    if not number.isdigit() or period not in ("s", "sec", "m", "min", "h", "hour", "d", "day"):
        raise ImproperlyConfigured(f"{name} must be a rate such as 120/min, or off, not {value!r}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string in production, "
            "or set DEBUG=1 for local development (make run does)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "drf_spectacular_sidecar",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "js_lib_leaflet",
    "coresponder",
    "units",
    "dispatch",
    "push",
    "planning",
]

MIDDLEWARE = [
    "coresponder.audit.AuditContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, which answers static files itself: only what the application renders.
    "coresponder.security.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "coresponder.auth.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it sees the login's outcome (coresponder.auth.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coresponder.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coresponder.roles.roles_context",
            ],
        },
    },
]

WSGI_APPLICATION = "coresponder.wsgi.application"

# --- Database -----------------------------------------------------------------------------
# Embedded default: a SQLite file. "IMMEDIATE" transactions take the write lock at BEGIN, so
# two processes (web and worker) never deadlock upgrading a read lock to a write lock.
DEFAULT_SQLITE_PATH = VAR_DIR / "coresponder.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # application_name lets an operator (and the fault tests) find this process's sessions.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "application_name", os.environ.get("DATABASE_APPLICATION_NAME", "coresponder")
    )
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if not os.environ.get("DATABASE_CONN_MAX_AGE"):
        # Persistent connections, checked before reuse: workers and web processes both reuse.
        DATABASES["default"]["CONN_MAX_AGE"] = 300

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked username and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock-out (django-axes): AXES_FAILURE_LIMIT failed logins for one username from one address,
# each within AXES_COOLOFF_TIME of the one before, lock that pair -- not the account everywhere,
# so whoever knows a dispatcher's username cannot lock them out from elsewhere -- until
# AXES_COOLOFF_TIME after the failure that locked it. Attempts during the lock are refused and
# audited but do not extend it; a successful login clears the pair's failures. The lock is kept
# in the database, so every web process sees it. coresponder/auth.py audits and words it.
AXES_FAILURE_LIMIT = env_int("AUTH_LOCKOUT_THRESHOLD", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("AUTH_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "coresponder.audit.client_ip"  # the address the audit log records
AXES_HANDLER = "coresponder.auth.AuditedLockoutHandler"
AXES_LOCKOUT_CALLABLE = "coresponder.auth.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit log already
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_float("SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_float("SESSION_ABSOLUTE_HOURS", 13))
# A responder's session on a phone registered for alerts (push/sessions.py) is not ended by the
# two limits above while their unit's shift lasts, nor for this long after it ends (a call worked
# late, the outcome written in the car).
SESSION_SHIFT_GRACE = timedelta(minutes=env_float("SESSION_SHIFT_GRACE_MINUTES", 60))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Time -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names in production; tests switch to plain storage (see tests/conftest.py).
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security ---------------------------------------------------------------------------------
# Behind a TLS-terminating proxy in production; every cookie secure, HSTS on. With DEBUG on
# (a laptop over plain http) these would lock the developer out, so they follow DEBUG.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of gunicorn append to X-Forwarded-For (a TLS proxy: 1). The audit
# log takes the client's address that many entries from the header's right; with 0 (gunicorn
# reached directly, as docker-compose.yml publishes it) the header is anybody's to forge and is
# ignored: the peer's address is logged.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}.")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading a domain into browsers is a city IT decision that is hard to undo, so it is off
# unless asked for; check --deploy's reminder of it (W021) is silenced for that reason.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz is probed by load balancers over plain http on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSONParser, except that a body nested too deep or over DATA_UPLOAD_MAX_MEMORY_SIZE is a
    # refusal in the error shape, not a crash (coresponder.parsers).
    "DEFAULT_PARSER_CLASSES": ["coresponder.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["coresponder.strict.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "coresponder.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "coresponder.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Rate limits per token, by role (coresponder/throttling.py): the CAD's intake link gets the
    # most room. A user with several roles gets the most generous; "off" lifts a role's limit.
    "DEFAULT_THROTTLE_CLASSES": ["coresponder.throttling.RoleRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "intake": env_rate("API_RATE_INTAKE", "1200/min"),
        **{
            role: env_rate(f"API_RATE_{role.upper()}", env_rate("API_RATE", "120/min"))
            for role in ("supervisor", "dispatcher", "clinician", "officer", "counselor", "user")
        },
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Co-responder dispatch API",
    "DESCRIPTION": (
        "Roster, crisis calls and dispatch for co-responder programs. Authenticate with `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the project's own static files (no CDN), without inline script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CallStatusEnum": "dispatch.models.CrisisCall.Status",
        "UnitStatusEnum": "units.models.Unit.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "coresponder.openapi.add_error_responses",
    ],
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Exchange tables for broadcast (remote control); the default is ./control in the cwd.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        # The default of 1 s would add a second to every dispatch.
        "polling_interval": 0.05,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # With acks_late, Redis hands an unacknowledged task to another worker once this much
        # time has passed. It must exceed the longest task (hard limit 60 s) so a slow but
        # healthy task is not run twice, and stay short so a task of a killed worker comes back
        # soon. The sweeper re-enqueues stuck calls every 15 s anyway, so a lost task costs at
        # most one sweeper interval; five minutes bounds how long a redelivery can take.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300),
        "socket_timeout": 5,
        "socket_connect_timeout": 2,
    }
# Intake never waits on the broker: if it is down, publishing gives up quickly and the
# sweeper sends the call later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 50
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes the database connection around every task unless this is set;
# reconnecting costs ~6 ms, more than an assignment. See coresponder/celery.py for the checks.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
# How often beat runs the roster's clock; the clock looks back over a multiple of it
# (units.services.clock). A run not started within one interval is dropped: the next one does it.
ROSTER_CLOCK_INTERVAL = timedelta(seconds=env_float("ROSTER_CLOCK_INTERVAL_SECONDS", 15))
if ROSTER_CLOCK_INTERVAL.total_seconds() <= 0:
    raise ImproperlyConfigured(
        f"ROSTER_CLOCK_INTERVAL_SECONDS must be more than 0, not {ROSTER_CLOCK_INTERVAL.total_seconds():g}."
    )
CELERY_BEAT_SCHEDULE = {
    "units-follow-clock": {
        "task": "units.tasks.follow_clock",
        "schedule": ROSTER_CLOCK_INTERVAL.total_seconds(),
        "options": {"expires": ROSTER_CLOCK_INTERVAL.total_seconds()},
    },
}

# Beat's heartbeat (coresponder.heartbeat): a worker stamps it each interval; /healthz answers 503
# "beat: down" once the stamp is older than HEALTH_BEAT_STALE_AFTER (a few intervals, so that one
# late heartbeat is no alarm).
HEALTH_HEARTBEAT_INTERVAL = env_float("HEALTH_HEARTBEAT_SECONDS", 15)
HEALTH_BEAT_STALE_AFTER = env_float("HEALTH_BEAT_STALE_SECONDS", 60)
if HEALTH_BEAT_STALE_AFTER <= HEALTH_HEARTBEAT_INTERVAL:
    raise ImproperlyConfigured("HEALTH_BEAT_STALE_SECONDS must be longer than HEALTH_HEARTBEAT_SECONDS.")
CELERY_BEAT_SCHEDULE["beat-heartbeat"] = {
    "task": "coresponder.tasks.beat_heartbeat",
    "schedule": HEALTH_HEARTBEAT_INTERVAL,
    "options": {"expires": HEALTH_HEARTBEAT_INTERVAL},
}

# API tokens (django-rest-knox): stored hashed, expire, revoked by deleting them.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_float("API_TOKEN_DAYS", 90)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# --- Cache ------------------------------------------------------------------------------------
# The API's rate limits count requests in it, so every web process must share it: Redis where
# the broker is Redis (tests, docker-compose, production), else files under VAR_DIR (make run).
# Short timeouts: if Redis is down the limits are skipped (coresponder/throttling.py), quickly.
CACHE_URL = os.environ.get("CACHE_URL") or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "coresponder",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache"}
    }

# --- The roster's rules -------------------------------------------------------------------
ROSTER_MIN_REST = timedelta(hours=env_float("ROSTER_MIN_REST_HOURS", 8))
ROSTER_MAX_WEEKLY = timedelta(hours=env_float("ROSTER_MAX_WEEKLY_HOURS", 60))
ROSTER_MAX_SHIFT = timedelta(hours=16)
# A licence or CIT training expiring within this many days is flagged on the people and roster pages.
ROSTER_CREDENTIAL_WARNING = timedelta(days=env_float("ROSTER_CREDENTIAL_WARNING_DAYS", 30))
# An invitation's set-password link is valid this long (Django's password-reset token).
PASSWORD_RESET_TIMEOUT = int(env_float("INVITE_LINK_HOURS", 48) * 3600)
# Members may log their unit on this long before its shift starts.
ROSTER_EARLY_LOGON = timedelta(minutes=env_float("ROSTER_EARLY_LOGON_MINUTES", 30))


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; its warnings (failures, locks) are enough.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- The dispatcher ------------------------------------------------------------------------
# Where a new call goes: "dispatch" (straight to the automatic dispatcher, the default) or
# "triage" (the crisis line first: a counselor resolves it by phone, sends a unit, or returns it).
DISPATCH_INTAKE_MODE = os.environ.get("DISPATCH_INTAKE_MODE", "dispatch").strip().lower()
if DISPATCH_INTAKE_MODE not in ("dispatch", "triage"):
    raise ImproperlyConfigured(f"DISPATCH_INTAKE_MODE must be dispatch or triage, not {DISPATCH_INTAKE_MODE!r}.")
# A call waiting in triage longer than this raises an alert.
DISPATCH_TRIAGE_ALERT_AFTER = timedelta(seconds=env_float("DISPATCH_TRIAGE_ALERT_SECONDS", 300))
DISPATCH_ETA_ESTIMATOR = os.environ.get("DISPATCH_ETA_ESTIMATOR", "dispatch.eta.StraightLineEstimator")
DISPATCH_CIRCUITY_FACTOR = env_float("DISPATCH_CIRCUITY_FACTOR", 1.4)
DISPATCH_URBAN_SPEED_KMH = env_float("DISPATCH_URBAN_SPEED_KMH", 40)
# A unit whose last fix is older than this ranks after every unit with a fresh one.
DISPATCH_LOCATION_STALE_AFTER = timedelta(seconds=env_float("DISPATCH_LOCATION_STALE_AFTER_SECONDS", 600))
# How many of the nearest eligible units (by straight line) the estimator ranks for a call.
DISPATCH_CANDIDATES = env_int("DISPATCH_CANDIDATES", 10)
# Queue serving weighs each call's travel time by its priority (1 = emergent).
DISPATCH_PRIORITY_WEIGHTS = {1: env_float("DISPATCH_WEIGHT_P1", 4), 2: env_float("DISPATCH_WEIGHT_P2", 2), 3: 1.0}
# A call in a language other than the program's own (ISO 639-1) prefers a unit with a member who
# speaks it, if that unit is at most this many seconds farther than the nearest; 0 turns it off.
DISPATCH_DEFAULT_LANGUAGE = os.environ.get("DISPATCH_DEFAULT_LANGUAGE", "en").strip().lower()
if not (
    len(DISPATCH_DEFAULT_LANGUAGE) == 2 and DISPATCH_DEFAULT_LANGUAGE.isascii() and DISPATCH_DEFAULT_LANGUAGE.isalpha()
):
    raise ImproperlyConfigured(
        f"DISPATCH_DEFAULT_LANGUAGE must be a code such as en, not {DISPATCH_DEFAULT_LANGUAGE!r}."
    )
DISPATCH_LANGUAGE_EXTRA_SECONDS = env_float("DISPATCH_LANGUAGE_EXTRA_SECONDS", 300)
if DISPATCH_LANGUAGE_EXTRA_SECONDS < 0:
    raise ImproperlyConfigured("DISPATCH_LANGUAGE_EXTRA_SECONDS cannot be negative.")
# The sweeper: how often it runs, and when it re-sends or flags.
DISPATCH_SWEEP_INTERVAL = env_float("DISPATCH_SWEEP_INTERVAL_SECONDS", 15)
DISPATCH_RESEND_AFTER = timedelta(seconds=env_float("DISPATCH_RESEND_AFTER_SECONDS", 10))
DISPATCH_WAIT_ALERT_AFTER = {
    1: timedelta(seconds=env_float("DISPATCH_WAIT_ALERT_P1_SECONDS", 60)),
    2: timedelta(seconds=env_float("DISPATCH_WAIT_ALERT_P2_SECONDS", 300)),
    3: timedelta(seconds=env_float("DISPATCH_WAIT_ALERT_P3_SECONDS", 900)),
}
DISPATCH_ACK_ALERT_AFTER = timedelta(seconds=env_float("DISPATCH_ACK_ALERT_SECONDS", 120))
DISPATCH_SAFETY_CHECK_AFTER = timedelta(seconds=env_float("DISPATCH_SAFETY_CHECK_SECONDS", 1800))
# What a unit becomes when its call clears: "available" (the default: it may be sent again at
# once) or "documenting" (out of service with the reason "Documenting" until its clinician taps
# Available or records the outcome "and go available"; units/services/status.py unit_release).
DISPATCH_CLEAR_TO = os.environ.get("DISPATCH_CLEAR_TO", "available").strip().lower()
if DISPATCH_CLEAR_TO not in ("available", "documenting"):
    raise ImproperlyConfigured(f"DISPATCH_CLEAR_TO must be available or documenting, not {DISPATCH_CLEAR_TO!r}.")

# --- The phone page: the unit's location, sent by itself (static/js/my_unit.js) --------------
# While the page is open on shift the phone sends a fix at most this often, or sooner once it
# has moved this far from the last one sent.
LOCATION_SEND_EVERY_SECONDS = env_float("LOCATION_SEND_EVERY_SECONDS", 30)
LOCATION_SEND_EVERY_METRES = env_float("LOCATION_SEND_EVERY_METRES", 100)
# The location endpoint ignores (200, "stored": false, "ignored": "too_soon") a unit's fix dated
# less than this after the one it holds: a phone gone wrong cannot flood the units table.
LOCATION_MIN_INTERVAL = timedelta(seconds=env_float("LOCATION_MIN_INTERVAL_SECONDS", 5))

# Retention: caller details (name, callback number, notes) are erased this long after a call
# ended; clinical narratives this long after they were written (health records are commonly
# kept six or seven years: set what the program's records policy says).
RETENTION_CALLER_DETAILS_DAYS = env_int("RETENTION_CALLER_DETAILS_DAYS", 365)
RETENTION_NARRATIVE_DAYS = env_int("RETENTION_NARRATIVE_DAYS", 7 * 365)
CELERY_BEAT_SCHEDULE["erase-expired-personal-data"] = {
    "task": "dispatch.tasks.erase_expired_personal_data",
    "schedule": 24 * 3600.0,
}

CELERY_BEAT_SCHEDULE["dispatch-sweep"] = {
    "task": "dispatch.tasks.sweep",
    "schedule": DISPATCH_SWEEP_INTERVAL,
    "options": {"expires": DISPATCH_SWEEP_INTERVAL},
}
# The board's timers turn amber at this share of the red threshold (the alert thresholds).
DISPATCH_BOARD_AMBER_SHARE = env_float("DISPATCH_BOARD_AMBER_SHARE", 0.5)
# Map tiles for the board ({z}/{x}/{y}); empty for none. The map shows markers either way.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

# --- E-mail: a responder's shifts when a week is published or changed (units.services.notices) ---
# With DEBUG (make run) each e-mail is printed by the worker instead of sent; otherwise it goes to
# the SMTP server below. One that is down or refuses is logged, never a failure of the roster.
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost").strip()
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # seconds: a mail server that does not answer must not hold a worker
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Co-responder dispatch <dispatch@localhost>").strip()

# --- Alerts on the responders' phones (Web Push; push/) ------------------------------------
# The VAPID key pair signs every push; browsers subscribe with its public half. Make one with
# `manage.py vapid_keys`. Unset with DEBUG on (make run), a pair is made once into VAR_DIR and
# kept; unset in production, push is off (a system check and the log say so), never a crash.
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "").strip()
WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY", "").strip()
# Who runs this server, for the push services to contact: mailto:someone@city.gov or https://...
WEBPUSH_VAPID_SUBJECT = os.environ.get("WEBPUSH_VAPID_SUBJECT", "").strip()
# The push services a subscription may point at (scheme://host, "*." for any subdomain): the
# worker POSTs to the endpoint a phone sends, so only these are taken (push/endpoints.py).
WEBPUSH_PUSH_SERVICES = env_list(
    "WEBPUSH_PUSH_SERVICES",
    ["https://fcm.googleapis.com", "https://updates.push.services.mozilla.com", "https://*.push.apple.com",
     "https://*.notify.windows.com"],
)  # fmt: skip
# How long a push service keeps an alert for a phone that is off the network.
WEBPUSH_TTL_SECONDS = env_int("WEBPUSH_TTL_SECONDS", 600)
WEBPUSH_TIMEOUT_SECONDS = env_float("WEBPUSH_TIMEOUT_SECONDS", 10)
# A push service that does not answer, or answers 429/5xx, is tried again this many times, the
# wait doubling from WEBPUSH_RETRY_SECONDS (or what its Retry-After says).
WEBPUSH_RETRIES = env_int("WEBPUSH_RETRIES", 3)
WEBPUSH_RETRY_SECONDS = env_float("WEBPUSH_RETRY_SECONDS", 10)

# --- Content-Security-Policy (django-csp) ----------------------------------------------------
# No inline script anywhere; map tiles from MAP_TILE_URL's host (coresponder/security.py).
# CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only, to trial a change.
_csp = {"DIRECTIVES": content_security_policy(MAP_TILE_URL)}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY = None, _csp
else:
    CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp, None

# --- Reports ----------------------------------------------------------------------------------
# Response-time targets in seconds, each to be met by REPORT_TARGET_SHARE of calls. The dispatch
# target follows NFPA 1225's call-processing standard (60 s for 90 % of calls).
REPORT_TARGETS = {
    "received_dispatched": env_int("REPORT_TARGET_DISPATCH_SECONDS", 60),
    "dispatched_on_scene": env_int("REPORT_TARGET_TRAVEL_SECONDS", 900),
    "received_on_scene": env_int("REPORT_TARGET_RESPONSE_SECONDS", 1200),
}
REPORT_TARGET_SHARE = env_float("REPORT_TARGET_SHARE", 0.9)

# --- Planning ---------------------------------------------------------------------------------
# The staffing recommendation (planning/, docs/planning.md): demand from the calls of the last
# PLANNING_HISTORY_WEEKS full weeks; the fewest non-uniformed units so that at most
# PLANNING_WAIT_TARGET_SHARE of calls wait longer than PLANNING_WAIT_TARGET_MINUTES (Erlang C).
PLANNING_HISTORY_WEEKS = max(1, env_int("PLANNING_HISTORY_WEEKS", 8))
PLANNING_WAIT_TARGET_MINUTES = env_float("PLANNING_WAIT_TARGET_MINUTES", 10)
PLANNING_WAIT_TARGET_SHARE = env_float("PLANNING_WAIT_TARGET_SHARE", 0.1)
# A nature's own mean service time is used once it has this many completed calls in the history;
# below it, the mean of all natures (if that has as many), else the defaults below.
PLANNING_MIN_CALLS_PER_NATURE = env_int("PLANNING_MIN_CALLS_PER_NATURE", 20)
PLANNING_DEFAULT_TRAVEL_MINUTES = env_float("PLANNING_DEFAULT_TRAVEL_MINUTES", 15)
PLANNING_DEFAULT_ON_SCENE_MINUTES = env_float("PLANNING_DEFAULT_ON_SCENE_MINUTES", 50)
PLANNING_DEFAULT_TRANSPORT_MINUTES = env_float("PLANNING_DEFAULT_TRANSPORT_MINUTES", 10)
if not 0 < PLANNING_WAIT_TARGET_SHARE < 1 or PLANNING_WAIT_TARGET_MINUTES < 0:
    raise ImproperlyConfigured("PLANNING_WAIT_TARGET_SHARE must be between 0 and 1, PLANNING_WAIT_TARGET_MINUTES >= 0.")
