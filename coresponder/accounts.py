"""A person's access as a whole: ending it when they leave the program (a deactivated clinician
or officer) and giving it back. Their login, their web sessions and their API tokens go together,
each change in the audit log.

Refusing the login (``is_active``) alone would already turn their sessions and tokens away
(Django's backend and knox both refuse an inactive user), but they would come back to life the
moment the person was reactivated -- a phone lost last month would be logged in again. So the
sessions are ended, the tokens revoked, the devices alerts go to revoked (an alert needs no
login: a deactivated person's phone would otherwise still be told of calls) and the calendar
link stopped (it needs no login either); reactivation gives back only the password login.
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
    """Refuse ``user``'s logins, end their web sessions, revoke their API tokens, their devices and
    their calendar link."""
    user = User.objects.select_for_update().get(pk=user.pk)
    name = user.get_username()
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit.record("auth.login_disabled", actor=actor, object_type="login", object_id=name[:40])
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
    """Let ``user`` log in again with their password. Their old sessions and tokens stay gone:
    one a login saved while it was being deactivated (it read the login as active before the
    lock) is ended here, before it could come back to life."""
    user = User.objects.select_for_update().get(pk=user.pk)
    sessions_and_tokens_end(user, actor)
    if User.objects.filter(pk=user.pk, is_active=False).update(is_active=True):
        audit.record("auth.login_enabled", actor=actor, object_type="login", object_id=user.get_username()[:40])
