"""Clinicians and officers: add or change one, and link their login; and find them."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from coresponder import audit
from coresponder.accounts import access_end, access_restore
from coresponder.errors import ApplicationError, ConflictError
from coresponder.localtime import describe_window
from units.models import Clinician, Officer, Unit
from units.services.rules import credential_warning

# A language a responder speaks, as the dispatcher matches it against a caller's: ISO 639-1.
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


@transaction.atomic
def responder_save(
    *,
    responder: Clinician | Officer,
    role: str,
    username: str | None = ...,
    actor=None,
    expected_updated_at: datetime | None = None,
    **fields,
) -> Clinician | Officer:
    """Create or change a clinician or officer; ``username`` links (or creates) their login.

    A change is made to the stored row, locked: with ``expected_updated_at`` (what the form or
    client last read) it is refused if someone else changed the person since. Deactivating one
    is refused while they are in a unit on shift now; once done it ends their access
    (``coresponder.accounts``), and reactivating gives back their login. A login unlinked or
    replaced loses its access too. Once a responder has been on a call their login cannot change
    hands (409): calls follow the person through their login (dispatch.access), so a new login
    would take over their calls' clinical data -- deactivate them and add the new person instead."""
    if responder.pk:
        _lock_current(responder, expected_updated_at)
    audited = [f.attname for f in responder._meta.concrete_fields if f.attname not in ("created_at", "updated_at")]
    before = audit.snapshot(responder, audited) if responder.pk else {}
    previous_login = responder.user if responder.pk and responder.user_id else None

    if isinstance(responder, Officer) and "badge_number" in fields:
        taken = Officer.objects.filter(badge_number=fields["badge_number"]).exclude(pk=responder.pk)
        if taken.exists():
            raise _badge_taken(fields["badge_number"], taken.first().name)
    if before.get("active") and fields.get("active") is False:
        _refuse_while_on_shift(responder)
    for name, value in fields.items():
        setattr(responder, name, value)
    if isinstance(responder, Officer) and {"cit_trained_on", "cit_expires_on"} & set(fields):
        _check_training_dates(responder)
    if username is not ...:
        _link_login(responder, role, username)
        if previous_login is not None and responder.user_id != previous_login.pk and responder.assignments.exists():
            raise ConflictError(
                f"{responder.name} has been on calls, which stay with their login {previous_login.get_username()}; "
                "it cannot be unlinked or replaced. Deactivate them instead.",
                code="responder_has_history",
                fields={"username": ["Cannot change: this responder has been on calls."]},
            )
    created = responder.pk is None
    try:
        with transaction.atomic():
            responder.save()
    except IntegrityError as error:  # the badge check above lost a race with another supervisor
        raise _badge_taken(getattr(responder, "badge_number", ""), "someone else") from error
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


def _lock_current(responder: Clinician | Officer, expected_updated_at: datetime | None) -> None:
    """Lock the stored row and work from it, so that a change applies only its own fields to
    the latest version; refuse it if the person changed since ``expected_updated_at``."""
    stored = type(responder).objects.select_for_update().only("updated_at", "name").get(pk=responder.pk)
    if expected_updated_at is not None and stored.updated_at != expected_updated_at:
        raise ConflictError(
            f"{stored.name} was changed by someone else since you opened this form; reload to see their change.",
            code="stale_edit",
        )
    responder.refresh_from_db()


def _badge_taken(badge_number: str, holder: str) -> ConflictError:
    return ConflictError(
        f"Badge number {badge_number} already belongs to {holder}.",
        code="badge_taken",
        fields={"badge_number": ["Already in use."]},
    )


def _refuse_while_on_shift(responder: Clinician | Officer) -> None:
    """Someone in a unit on shift now cannot leave the program mid-shift: the unit would stay on
    the board with a member who can no longer log in. Re-pair the unit first, or wait."""
    now = timezone.now()
    unit = responder_current_unit(responder, now)
    if unit is not None:
        window = describe_window(unit.shift_starts_at, unit.shift_ends_at)
        raise ConflictError(
            f"{responder.name} is in {unit.call_sign} on shift now ({window}); re-pair that unit or wait until "
            "the shift ends, then deactivate them.",
            code="on_current_unit",
            fields={"active": [f"Still on shift now in {unit.call_sign} ({window})."]},
        )


def _check_training_dates(officer: Officer) -> None:
    if officer.cit_trained_on and officer.cit_expires_on and officer.cit_expires_on < officer.cit_trained_on:
        raise ApplicationError(
            f"The CIT training cannot expire ({officer.cit_expires_on:%d %b %Y}) before it was taken "
            f"({officer.cit_trained_on:%d %b %Y}).",
            code="dates_out_of_order",
            fields={"cit_expires_on": ["Must be on or after the CIT training date."]},
        )


def _link_login(responder: Clinician | Officer, role: str, username: str | None) -> None:
    if not username:
        responder.user = None
        return
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
        Clinician.objects.filter(user=user).exclude(pk=responder.pk if isinstance(responder, Clinician) else None)
        .exists()
        or Officer.objects.filter(user=user).exclude(pk=responder.pk if isinstance(responder, Officer) else None)
        .exists()
    )  # fmt: skip
    if linked:
        raise ConflictError(
            f"The login {username} already belongs to another responder.",
            code="username_taken",
            fields={"username": ["Already linked to another responder."]},
        )
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    responder.user = user


# --- Reading ------------------------------------------------------------------------------------


def responder_current_unit(responder: Clinician | Officer, now: datetime) -> Unit | None:
    """The published unit ``responder`` is in whose shift covers ``now``, if any."""
    return responder.units.filter(draft=False).on_shift(now).order_by("shift_starts_at").first()


def responder_units_ahead(responder: Clinician | Officer, now: datetime) -> QuerySet[Unit]:
    """The units ``responder`` is paired into that start after ``now``: to re-pair when they leave."""
    return responder.units.filter(shift_starts_at__gt=now).select_related("shift").order_by("shift_starts_at", "pk")


def people_matching(
    people: QuerySet,
    *,
    search: str = "",
    language: str = "",
    credential_expiring: bool | None = None,
    today: date | None = None,
) -> QuerySet:
    """``people`` (clinicians or officers) narrowed: ``search`` in their name, login, badge or
    licence number; speaking ``language``; with (True) or without (False) a credential warning."""
    model = people.model
    if search:
        number = "licence_number" if model is Clinician else "badge_number"
        people = people.filter(
            Q(name__icontains=search) | Q(user__username__icontains=search) | Q(**{f"{number}__icontains": search})
        )
    if language:
        people = people.filter(languages__contains=[language])
    if credential_expiring is not None:
        # credential_warning is the rule's one home: it is asked of everyone with an expiry date
        # (a program has a few hundred people at most).
        today = today or timezone.localdate()
        expiry = model.credential_expiry_field
        dated = model.objects.filter(**{f"{expiry}__isnull": False}).only("pk", expiry)
        warned = [person.pk for person in dated if credential_warning(person, today)]
        people = people.filter(pk__in=warned) if credential_expiring else people.exclude(pk__in=warned)
    return people
