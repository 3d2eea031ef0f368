"""Logins for clinicians and officers, without a supervisor ever typing a password.

A supervisor invites a login for a person: it is made with an unusable password, in the person's
role, and the supervisor is shown a one-time set-password link to hand over (valid
PASSWORD_RESET_TIMEOUT, 48 h). The link is Django's password-reset token: it holds the
password's hash, so it stops working once used, and is never stored -- only shown. A new link
for a login that has a password (a forgotten one) clears that password first: the old one stops
working and the person's sessions end.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from coresponder import audit
from coresponder.accounts import sessions_and_tokens_end
from coresponder.errors import ConflictError
from units.services.people import responder_save


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
    """Make a login for ``responder`` (who has none) in ``role``, with no usable password, and
    return its set-password link's path."""
    if responder.user_id:
        raise ConflictError(
            f"{responder.name} already has the login {responder.user.get_username()}.",
            code="has_login",
            fields={"username": ["This person already has a login."]},
        )
    if not responder.active:
        raise ConflictError(f"{responder.name} is not active: reactivate them first.", code="login_disabled")
    if User.objects.filter(username__iexact=username).exists():
        raise ConflictError(
            f"The username {username} is taken; choose another.",
            code="username_taken",
            fields={"username": ["Already taken."]},
        )
    user = User(username=username, email=email)
    user.set_unusable_password()
    user.save()
    responder_save(responder=responder, role=role, username=username, actor=actor)
    audit.record("user.invited", actor=actor, object_type="login", object_id=username[:40],
                 note=f"for {responder._meta.model_name} {responder.pk}")  # fmt: skip
    return set_password_path(user)


@transaction.atomic
def login_link_renew(*, responder, actor=None) -> str:
    """A fresh set-password link for ``responder``'s login. Every earlier link stops working; a
    password already set is cleared, and the sessions and tokens made with it end."""
    if not responder.user_id:
        raise ConflictError(f"{responder.name} has no login yet; invite one.", code="no_login")
    user = User.objects.select_for_update().get(pk=responder.user_id)
    if not user.is_active or not responder.active:
        raise ConflictError(
            f"The login {user.get_username()} is turned off: reactivate {responder.name} first.", code="login_disabled"
        )
    had_password = user.has_usable_password()
    user.set_unusable_password()  # a new random hash: every link made before no longer matches
    user.save(update_fields=["password"])
    if had_password:
        sessions_and_tokens_end(user, actor)
    audit.record("user.password_link", actor=actor, object_type="login", object_id=user.get_username()[:40],
                 note="password cleared" if had_password else "")  # fmt: skip
    return set_password_path(user)
