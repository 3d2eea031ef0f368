"""Clinicians and officers: add or change one, and link their login."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction

from coresponder import audit
from coresponder.accounts import access_end, access_restore
from coresponder.errors import ConflictError
from units.models import Clinician, Officer


@transaction.atomic
def responder_save(
    *, responder: Clinician | Officer, role: str, username: str | None = ..., actor=None, **fields
) -> Clinician | Officer:
    """Create or change a clinician or officer; ``username`` links (or creates) their login.

    Deactivating one ends their access (``coresponder.accounts``); reactivating gives back their
    login. A login unlinked or replaced loses its access too. Once a responder has been on a call
    their login cannot change hands (409): calls follow the person through their login
    (dispatch.access), so a new login would take over their calls' clinical data -- deactivate
    them and add the new person instead."""
    audited = [f.attname for f in responder._meta.concrete_fields if f.attname not in ("created_at", "updated_at")]
    before = audit.snapshot(responder, audited) if responder.pk else {}
    previous_login = responder.user if responder.pk and responder.user_id else None

    if isinstance(responder, Officer) and "badge_number" in fields:
        taken = Officer.objects.filter(badge_number=fields["badge_number"]).exclude(pk=responder.pk)
        if taken.exists():
            raise ConflictError(
                f"Badge number {fields['badge_number']} already belongs to {taken.first().name}.",
                code="badge_taken",
                fields={"badge_number": ["Already in use."]},
            )
    for name, value in fields.items():
        setattr(responder, name, value)
    if username is not ...:
        if username:
            user, _ = User.objects.get_or_create(username=username)
            other_roles = set(user.groups.exclude(name=role).values_list("name", flat=True))
            if other_roles:
                raise ConflictError(
                    f"The login {username} has the role {', '.join(sorted(other_roles))}; "
                    "a responder needs a login of their own.",
                    code="username_taken",
                    fields={"username": ["Belongs to a login with another role."]},
                )
            linked = (
                Clinician.objects.filter(user=user)
                .exclude(pk=responder.pk if isinstance(responder, Clinician) else None)
                .exists()
                or Officer.objects.filter(user=user)
                .exclude(pk=responder.pk if isinstance(responder, Officer) else None)
                .exists()
            )
            if linked:
                raise ConflictError(
                    f"The login {username} already belongs to another responder.",
                    code="username_taken",
                    fields={"username": ["Already linked to another responder."]},
                )
            group, _ = Group.objects.get_or_create(name=role)
            user.groups.add(group)
            responder.user = user
        else:
            responder.user = None
        if previous_login is not None and responder.user_id != previous_login.pk and responder.assignments.exists():
            raise ConflictError(
                f"{responder.name} has been on calls, which stay with their login {previous_login.get_username()}; "
                "it cannot be unlinked or replaced. Deactivate them instead.",
                code="responder_has_history",
                fields={"username": ["Cannot change: this responder has been on calls."]},
            )
    created = responder.pk is None
    responder.save()
    kind = responder._meta.model_name
    after = audit.snapshot(responder, audited)
    audit.record(
        f"{kind}.{'created' if created else 'changed'}", responder, actor=actor, changes=audit.diff(before, after)
    )
    # A person who leaves the program loses their access with it: no login, no session, no token.
    if previous_login is not None and previous_login.pk != responder.user_id:
        previous_login.groups.remove(*Group.objects.filter(name=role))
        access_end(user=previous_login, actor=actor)
    if responder.user_id and not responder.active:
        access_end(user=responder.user, actor=actor)
    elif responder.user_id and before.get("active") is False:
        access_restore(user=responder.user, actor=actor)
    return responder
