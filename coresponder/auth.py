"""Logins: lock-out after repeated failures (django-axes), every success and failure in the audit
log, and sessions that end after a spell of inactivity and after a whole shift whatever happens."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_credentials
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils import timezone

from coresponder import audit
from coresponder.web import login_response

LOGIN_FAILED = "auth.login_failed"
LOGIN = "auth.login"
LOCKED_OUT = "locked out"  # the note on a failed login tried while its username and address were locked
LOCKS_OUT = "locked out after this failure"  # the note on the failure that set the lock


def lockout_remaining(request, username: str) -> timedelta:
    """How much longer ``username`` is locked out from the address ``request`` came from: the
    lock lasts AXES_COOLOFF_TIME from the failure that set it (attempts during the lock are not
    counted, see AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT)."""
    handler = AuditedLockoutHandler()
    attempts = handler.get_user_attempts(request, get_credentials(username))
    latest = [at for at in (qs.aggregate(at=Max("attempt_time"))["at"] for qs in attempts) if at is not None]
    if not latest:
        return timedelta(0)
    return max(timedelta(0), max(latest) + get_cool_off(request) - timezone.now())


def lockout_sentence(remaining: timedelta) -> str:
    minutes = max(1, round(remaining.total_seconds() / 60))
    return f"Too many failed logins: this account is locked for {minutes} more minute{'s' if minutes != 1 else ''}."


class AuditedLockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler (so a lock holds in every web process) that also writes each
    failed login to the audit log: the failure that sets a lock, and each attempt refused by one,
    carry a note saying so. Axes flags the request (``axes_locked_out``) before this runs when
    the lock refused the attempt, and during it when this failure set the lock."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        refused = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        locks = not refused and bool(getattr(request, "axes_locked_out", False))
        note = LOCKED_OUT if refused else LOCKS_OUT if locks else ""
        username = str(credentials.get("username") or "")[:40]
        audit.record(LOGIN_FAILED, object_type="login", object_id=username, note=note)


def lockout_response(request, original_response, credentials):
    """What django-axes' middleware answers when a login was refused or set a lock: the page the
    login view rendered, which already says why (``LoginForm``; the admin's login page keeps its
    usual sentence), rather than axes' own page."""
    if original_response is not None:
        return original_response
    return HttpResponse(
        lockout_sentence(lockout_remaining(request, (credentials or {}).get("username", ""))), status=429
    )


class LoginForm(AuthenticationForm):
    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                remaining = lockout_remaining(self.request, self.cleaned_data.get("username", ""))
                raise ValidationError(lockout_sentence(remaining), code="locked") from None
            raise


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(LOGIN, actor=user, object_type="login", object_id=user.get_username()[:40])
    if request is not None and hasattr(request, "session"):
        request.session["auth_started"] = time.time()
        request.session["last_seen"] = time.time()


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record("auth.logout", actor=user, object_type="login", object_id=user.get_username()[:40])
        if request is not None and hasattr(request, "session"):
            from push.services import devices_revoke_at_logout  # the push app's rule; loaded with the apps

            devices_revoke_at_logout(user=user, session=request.session)


# The pages' automatic refreshes, told apart from a person's requests. htmx names the element
# that sent a request in HX-Trigger (its id): these are the ones that poll (templates
# dispatch/_board_panels.html and _my_call.html). The board's map fetch says X-Polling
# (static/js/board.js). Nothing else may use these ids.
POLLING_ELEMENTS = frozenset({"board-panels", "my-call", "call-detail", "triage-panel"})


def is_polling(request) -> bool:
    """Whether ``request`` is a page refreshing itself rather than a person at work. A refresh
    that reports the person typing or clicking on the page since the last one (X-User-Active,
    sent by board.js) is a person at work after all: a dispatcher typing a phoned-in call
    makes no request until they submit it. X-Polling marks a page script's own request, a POST
    too: the board's map, the phone's location fixes sent by themselves (static/js/my_unit.js)."""
    if request.headers.get("X-User-Active") == "1":
        return False
    if request.headers.get("X-Polling") == "1":
        return True
    if request.method != "GET":
        return False
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Trigger") in POLLING_ELEMENTS


class SessionTimeoutMiddleware:
    """Ends a web session after SESSION_IDLE_TIMEOUT without a request from the person and after
    SESSION_ABSOLUTE_TIMEOUT from login. The pages' own polling (``is_polling``) is no sign of a
    person: a board left open on an empty desk times out like any other page, and its next
    refresh takes the screen to the login page.

    Except a responder's phone registered for alerts, signed in for the shift: neither limit
    ends its session until the shift's end and grace (push.sessions.signed_in_until); then both
    do, at its next refresh."""

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
                until = self._signed_in_for_shift_until(request, now)
                if until is None or now >= until:
                    reason = "inactivity" if idle > idle_limit else "the end of the session's time"
                    logout(request)
                    return self._expired(request, "the end of your shift" if until is not None else reason)
            if idle > min(self.TOUCH_EVERY, idle_limit / 10) and not is_polling(request):
                request.session["last_seen"] = now
        return self.get_response(request)

    @staticmethod
    def _signed_in_for_shift_until(request, now: float) -> float | None:
        """Asked only once a limit has passed, so a session within both costs no query."""
        from push.sessions import signed_in_until  # the push app's rule; loaded with the apps

        def moment(seconds: float) -> datetime:
            return datetime.fromtimestamp(seconds, tz=UTC)

        until = signed_in_until(request.user, request.session, moment(now), moment(request.session["auth_started"]))
        return until.timestamp() if until is not None else None

    @staticmethod
    def _expired(request, reason: str):
        sentence = f"You were logged out after {reason}. Please log in again."
        if not request.path.startswith("/api/"):
            messages.info(request, sentence)  # shown on the login page
        return login_response(request, code="session_expired", detail=sentence)
