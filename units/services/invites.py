"""Logins for clinicians and officers, without a supervisor ever typing a password.

A supervisor invites a login for a person: it is made with an unusable password, in the person's
role, and the supervisor is shown a one-time set-password link to hand over (valid
PASSWORD_RESET_TIMEOUT, 48 h). The link is Django's password-reset token: it holds the
password's hash, so it stops working once used, and is never stored -- only shown. A new link
for a login that has a password (a forgotten one) clears that password first: the old one stops
working, the person's sessions end, and they are told by e-mail. Deactivation clears the
password too (coresponder.accounts.access_end), so no link outlives it.

The page the link opens stays with the other log-in pages (coresponder.auth_urls).
"""

from __future__ import annotations

import logging
import re
from functools import partial

from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from coresponder import audit
from coresponder.accounts import sessions_and_tokens_end
from coresponder.errors import ConflictError
from coresponder.localtime import local
from units.services.people import login_check_linkable, login_named, responder_save, username_lock

logger = logging.getLogger(__name__)


def username_suggestion(name: str, *, fallback: str) -> str:
    """A free username made of ``name``: "Maya Patel" -> "maya.patel" (then "maya.patel2", ...)."""
    base = re.sub(r"-+", ".", slugify(name))[:140].strip(".") or fallback
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def set_password_path(user: User) -> str:
    """The set-password link of ``user`` as it is now; it dies with the password it was made for."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("set-password", kwargs={"uidb64": uidb64, "token": default_token_generator.make_token(user)})


@transaction.atomic
def login_invite(*, responder, role: str, username: str, email: str = "", actor=None) -> str:
    """Make a new login for ``responder`` (who has none) in ``role``, with no usable password, and
    return its set-password link's path. The responder is locked first: of two invitations at
    once, the second is refused and the first login and link stay."""
    responder = type(responder).objects.select_for_update().get(pk=responder.pk)
    if responder.user_id:
        raise ConflictError(
            f"{responder.name} already has the login {responder.user.get_username()}.",
            code="has_login",
            fields={"username": ["This person already has a login."]},
        )
    if not responder.active:
        raise ConflictError(f"{responder.name} is not active: reactivate them first.", code="login_disabled")
    username_lock(username)
    if login_named(username) is not None:
        raise ConflictError(
            f"The username {username} is taken; choose another.",
            code="username_taken",
            fields={"username": ["Already taken."]},
        )
    responder = responder_save(responder=responder, role=role, username=username, actor=actor)
    user = responder.user
    if email:
        user.email = email
        user.save(update_fields=["email"])
    audit.record("user.invited", actor=actor, object_type="login", object_id=username[:40],
                 note=f"for {responder._meta.model_name} {responder.pk}")  # fmt: skip
    return set_password_path(user)


@transaction.atomic
def login_link_renew(*, responder, role: str, actor=None) -> str:
    """A fresh set-password link for ``responder``'s login. Every earlier link stops working; a
    password already set is cleared, the sessions and tokens made with it end, and the person is
    told by e-mail. Refused for a login that is not a login of ``role`` alone (an administrator's
    linked before this was checked): a supervisor must never be able to reset someone else's."""
    if not responder.user_id:
        raise ConflictError(f"{responder.name} has no login yet; invite one.", code="no_login")
    user = User.objects.select_for_update().get(pk=responder.user_id)
    if not user.is_active or not responder.active:
        raise ConflictError(
            f"The login {user.get_username()} is turned off: reactivate {responder.name} first.", code="login_disabled"
        )
    login_check_linkable(user=user, responder=responder, role=role)
    had_password = user.has_usable_password()
    user.set_unusable_password()  # a new random hash: every link made before no longer matches
    user.save(update_fields=["password"])
    sessions_and_tokens_end(user, actor)  # whoever held a session or a token (issue_token) of it loses it
    if had_password and user.email:
        by = (actor.get_full_name() or actor.get_username()) if actor else "a supervisor"
        transaction.on_commit(partial(_tell_of_reset, user=user, by=by, at=timezone.now()))
    audit.record("user.password_link", actor=actor, object_type="login", object_id=user.get_username()[:40],
                 note="password cleared" if had_password else "")  # fmt: skip
    return set_password_path(user)


def _tell_of_reset(*, user: User, by: str, at) -> None:
    """E-mail ``user`` that their password was reset. A mail server that fails is logged: the
    reset is done and its link already shown to the supervisor."""
    body = (
        f"Your password for the co-responder dispatch system (login {user.get_username()}) was reset by {by} "
        f"on {local(at):%a %d %b %Y at %H:%M}. Your old password no longer works; your supervisor will give you "
        "a link to set a new one.\n\n"
        "If you did not ask for this, tell your supervisor now."
    )
    try:
        send_mail("Your password was reset", body, None, [user.email])
    except Exception:  # any failure of the mail server or its connection: never the supervisor's error
        logger.exception("Could not tell login %s that their password was reset", user.get_username())
