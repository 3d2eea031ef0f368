"""Logins: lock-out after repeated failures, every success and failure in the audit log, and
sessions that end after a spell of inactivity and after a whole shift whatever happens."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import receiver
from django.utils import timezone

from coresponder import audit
from coresponder.models import AuditEntry
from coresponder.web import login_response

LOGIN_FAILED = "auth.login_failed"
LOGIN = "auth.login"
LOCKED_OUT = "locked out"  # the note on a failed login tried while the account was locked


def lockout_remaining(username: str) -> timedelta | None:
    """How much longer ``username`` is locked out after too many failed logins, if at all.

    Failures count within AUTH_LOCKOUT_WINDOW and since the last successful login; the lock
    lasts AUTH_LOCKOUT_WINDOW from the failure that set it. Attempts made while the account is
    locked are audited (note LOCKED_OUT) but do not count: if they did, anyone who knows a
    dispatcher's username could keep them locked out for as long as they kept trying.
    """
    if not username:
        return None
    now, window, threshold = timezone.now(), settings.AUTH_LOCKOUT_WINDOW, settings.AUTH_LOCKOUT_THRESHOLD
    # A lock still running was set within the window, by failures that began a window before it.
    entries = AuditEntry.objects.filter(object_type="login", object_id=username[:40], at__gte=now - 2 * window)
    last_success = entries.filter(action=LOGIN).order_by("-at").values_list("at", flat=True).first()
    failures = entries.filter(action=LOGIN_FAILED).exclude(note=LOCKED_OUT)
    if last_success:
        failures = failures.filter(at__gt=last_success)
    times = list(failures.order_by("at").values_list("at", flat=True))
    # The lock is set by the failure that makes `threshold` of them within one window.
    for nth in reversed(range(threshold - 1, len(times))):
        if times[nth] - times[nth - threshold + 1] <= window:
            remaining = times[nth] + window - now
            return remaining if remaining > timedelta(0) else None
    return None


def lockout_sentence(remaining: timedelta) -> str:
    minutes = max(1, round(remaining.total_seconds() / 60))
    return f"Too many failed logins: this account is locked for {minutes} more minute{'s' if minutes != 1 else ''}."


class LockoutBackend(ModelBackend):
    """The usual username and password check, refused outright while the account is locked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and lockout_remaining(username):
            raise PermissionDenied  # stops the check; Django sends user_login_failed
        return super().authenticate(request, username=username, password=password, **kwargs)


class LoginForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username")
        remaining = lockout_remaining(username) if username else None
        if remaining:
            audit.record(LOGIN_FAILED, object_type="login", object_id=username[:40], note=LOCKED_OUT)
            raise ValidationError(lockout_sentence(remaining), code="locked")
        return super().clean()


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(LOGIN, actor=user, object_type="login", object_id=user.get_username()[:40])
    if request is not None and hasattr(request, "session"):
        request.session["auth_started"] = time.time()
        request.session["last_seen"] = time.time()


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:40]
    # Checked before this failure is written: the failure that sets a lock counts, later ones do not.
    note = LOCKED_OUT if lockout_remaining(username) else ""
    audit.record(LOGIN_FAILED, object_type="login", object_id=username, note=note)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record("auth.logout", actor=user, object_type="login", object_id=user.get_username()[:40])


# The pages' automatic refreshes, told apart from a person's requests. htmx names the element
# that sent a request in HX-Trigger (its id): these are the ones that poll (templates
# dispatch/_board_panels.html and _my_call.html). The board's map fetch says X-Polling
# (static/js/board.js). Nothing else may use these ids.
POLLING_ELEMENTS = frozenset({"board-panels", "my-call", "call-detail", "triage-panel"})


def is_polling(request) -> bool:
    """Whether ``request`` is a page refreshing itself rather than a person at work. A refresh
    that reports the person typing or clicking on the page since the last one (X-User-Active,
    sent by board.js) is a person at work after all: a dispatcher typing a phoned-in call
    makes no request until they submit it."""
    if request.method != "GET" or request.headers.get("X-User-Active") == "1":
        return False
    if request.headers.get("X-Polling") == "1":
        return True
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Trigger") in POLLING_ELEMENTS


class SessionTimeoutMiddleware:
    """Ends a web session after SESSION_IDLE_TIMEOUT without a request from the person and after
    SESSION_ABSOLUTE_TIMEOUT from login. The pages' own polling (``is_polling``) is no sign of a
    person: a board left open on an empty desk times out like any other page, and its next
    refresh takes the screen to the login page."""

    # At most one session write a minute (or a tenth of the idle time, if that is shorter).
    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "auth_started" in request.session:
            now = time.time()
            idle_limit = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            idle = now - request.session.get("last_seen", now)
            age = now - request.session["auth_started"]
            if idle > idle_limit or age > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
                reason = "inactivity" if idle > idle_limit else "the end of the session's time"
                logout(request)
                return self._expired(request, reason)
            if idle > min(self.TOUCH_EVERY, idle_limit / 10) and not is_polling(request):
                request.session["last_seen"] = now
        return self.get_response(request)

    @staticmethod
    def _expired(request, reason: str):
        sentence = f"You were logged out after {reason}. Please log in again."
        if not request.path.startswith("/api/"):
            messages.info(request, sentence)  # shown on the login page
        return login_response(request, code="session_expired", detail=sentence)
