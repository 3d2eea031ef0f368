"""A person's access as a whole: ending it when they leave the program (a deactivated clinician
or officer) and giving it back. Their login, their web sessions and their API tokens go together,
each change in the audit log.

Refusing the login (``is_active``) alone would already turn their sessions and tokens away
(Django's backend and knox both refuse an inactive user), but they would come back to life the
moment the person was reactivated -- a phone lost last month would be logged in again. So the
sessions are ended, the tokens revoked, the devices alerts go to revoked (an alert needs no
login: a deactivated person's phone would otherwise still be told of calls) and the calendar
link stopped (it needs no login either).

The password is cleared too. A deactivated person has left the program: when one comes back,
their supervisor gives them a new set-password link (units.services.invites), as to a new
starter. Neither their old password (it may be written down, shared, or saved on a phone they
no longer have) nor a set-password link handed out before they left works again: the link
holds the password's hash, and a cleared password's hash is new. Reactivation turns the login
back on, and that is all.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from coresponder import audit
from push.services import devices_revoke_all


def _sessions_of(user: User) -> list[str]:
    """The keys of ``user``'s live web sessions. A session names its user only inside its encoded
    data, so each live session is read once: a program has at most a few hundred."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).iterator()
    return [s.session_key for s in live if s.get_decoded().get("_auth_user_id") == str(user.pk)]


@transaction.atomic
def access_end(*, user: User, actor=None) -> None:
    """Refuse ``user``'s logins, clear their password (and so every set-password link), end their
    web sessions, revoke their API tokens, their devices and their calendar link."""
    user = User.objects.select_for_update().get(pk=user.pk)
    name, was_active, had_password = user.get_username(), user.is_active, user.has_usable_password()
    user.is_active = False
    # A new unusable hash, even over an unusable one: every set-password link made before dies
    # for good (it holds the hash it was made with), and so does the password.
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    if was_active:
        audit.record("auth.login_disabled", actor=actor, object_type="login", object_id=name[:40])
    if had_password:
        audit.record("auth.password_cleared", actor=actor, object_type="login", object_id=name[:40])
    sessions_and_tokens_end(user, actor)
    devices_revoke_all(user=user, actor=actor)
    from units.services.calendar import calendar_link_revoke  # not at the top: units.services imports this module

    calendar_link_revoke(user, actor=actor)


def sessions_and_tokens_end(user: User, actor) -> None:
    name = user.get_username()
    ended, _ = Session.objects.filter(session_key__in=_sessions_of(user)).delete()
    if ended:
        audit.record(
            "auth.sessions_ended", actor=actor, object_type="login", object_id=name[:40], note=f"{ended} session(s)"
        )
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    if revoked:
        audit.record(
            "token.revoked",
            actor=actor,
            object_type="user",
            object_id=str(user.pk),
            note=f"{revoked} token(s) of {name}",
        )


@transaction.atomic
def access_restore(*, user: User, actor=None) -> None:
    """Turn ``user``'s login back on. They log in again once they set a password with a new link
    (``access_end`` cleared theirs). Their old sessions and tokens stay gone:
    one a login saved while it was being deactivated (it read the login as active before the
    lock) is ended here, before it could come back to life."""
    user = User.objects.select_for_update().get(pk=user.pk)
    sessions_and_tokens_end(user, actor)
    if User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
        audit.record("auth.login_enabled", actor=actor, object_type="login", object_id=user.get_username()[:40])
