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
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone

from coresponder import audit
from coresponder.errors import error_body
from coresponder.models import AuditEntry

LOGIN_FAILED = "auth.login_failed"
LOGIN = "auth.login"


def lockout_remaining(username: str) -> timedelta | None:
    """How much longer ``username`` is locked out after too many failed logins, if at all.

    Failures count within AUTH_LOCKOUT_WINDOW and since the last successful login; the lock
    lasts AUTH_LOCKOUT_WINDOW from the last failure.
    """
    if not username:
        return None
    now = timezone.now()
    since = now - settings.AUTH_LOCKOUT_WINDOW
    entries = AuditEntry.objects.filter(object_type="login", object_id=username[:40], at__gte=since)
    last_success = entries.filter(action=LOGIN).order_by("-at").values_list("at", flat=True).first()
    failures = entries.filter(action=LOGIN_FAILED)
    if last_success:
        failures = failures.filter(at__gt=last_success)
    if failures.count() < settings.AUTH_LOCKOUT_THRESHOLD:
        return None
    last_failure = failures.order_by("-at").values_list("at", flat=True).first()
    return last_failure + settings.AUTH_LOCKOUT_WINDOW - now


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
            audit.record(LOGIN_FAILED, object_type="login", object_id=username[:40], note="locked out")
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
    audit.record(LOGIN_FAILED, object_type="login", object_id=username)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record("auth.logout", actor=user, object_type="login", object_id=user.get_username()[:40])


class SessionTimeoutMiddleware:
    """Ends a web session after SESSION_IDLE_TIMEOUT without a request and after
    SESSION_ABSOLUTE_TIMEOUT from login. (The board's own refreshes count as activity: a board
    on a screen is being watched.)"""

    # Writing the session on every request would be a write per board refresh.
    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "auth_started" in request.session:
            now = time.time()
            idle = now - request.session.get("last_seen", now)
            age = now - request.session["auth_started"]
            if (
                idle > settings.SESSION_IDLE_TIMEOUT.total_seconds()
                or age > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            ):
                reason = (
                    "inactivity"
                    if idle > settings.SESSION_IDLE_TIMEOUT.total_seconds()
                    else "the end of the session's time"
                )
                logout(request)
                return self._expired(request, reason)
            if now - request.session.get("last_seen", 0) > self.TOUCH_EVERY:
                request.session["last_seen"] = now
        return self.get_response(request)

    @staticmethod
    def _expired(request, reason: str):
        sentence = f"You were logged out after {reason}. Please log in again."
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("session_expired", sentence), status=401)
        messages.info(request, sentence)
        response = redirect(f"{settings.LOGIN_URL_PATH}?next={request.get_full_path()}")
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = response["Location"]
        return response
