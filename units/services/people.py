"""Clinicians and officers: add or change one, and link their login; and find them."""

from __future__ import annotations

import re
from datetime import datetime

from django.contrib.auth.models import Group, User
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from coresponder import audit
from coresponder.accounts import access_end, access_restore, sessions_and_tokens_end
from coresponder.errors import ApplicationError, ConflictError
from coresponder.localtime import describe_window
from units.models import Clinician, Officer, Unit

# A language a responder speaks, as the dispatcher matches it against a caller's: ISO 639-1.
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


# What the audit log keeps of these only by length: it is kept for ever and exported as CSV.
PRIVATE_FIELDS = ("phone", "licence_number")


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
    is refused while they are in a unit on shift now or not off duty (``responder_current_unit``);
    once done it ends their access and clears their password (``coresponder.accounts``), and
    reactivating turns their login back on: they need a new set-password link to use it. A login
    unlinked or replaced loses its access too. Only a new login or a free one of ``role`` may be
    linked (``login_check_linkable``). Once a responder has been on a call their login cannot change
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
        _link_login(responder, role, username, actor=actor)
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
    for name in PRIVATE_FIELDS:  # the append-only log holds a phone or licence number only by its length
        if name in after and before.get(name) != after[name]:
            before[name] = audit.length_only(before.get(name) or "")
            after[name] = audit.length_only(after[name]) or "(removed)"
            if after[name] == before[name]:  # another number of the same length: still a change
                after[name] += " changed"
        else:
            before.pop(name, None), after.pop(name, None)
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
    """Someone in a unit on shift now, or in a unit that is not off duty (on a call past its shift's
    end, logged on early, out of service), cannot leave the program: the unit would stay on the
    board with a member who can no longer log in. Re-pair the unit first, or wait."""
    now = timezone.now()
    unit = responder_current_unit(responder, now)
    if unit is not None:
        engaged = unit_engagement(unit, now)
        raise ConflictError(
            f"{responder.name} is {engaged}; re-pair that unit, or wait until its shift is over and it is off duty, "
            "then deactivate them.",
            code="on_current_unit",
            fields={"active": [f"Still {engaged}."]},
        )


def _check_training_dates(officer: Officer) -> None:
    if officer.cit_trained_on and officer.cit_expires_on and officer.cit_expires_on < officer.cit_trained_on:
        raise ApplicationError(
            f"The CIT training cannot expire ({officer.cit_expires_on:%d %b %Y}) before it was taken "
            f"({officer.cit_trained_on:%d %b %Y}).",
            code="dates_out_of_order",
            fields={"cit_expires_on": ["Must be on or after the CIT training date."]},
        )


def _link_login(responder: Clinician | Officer, role: str, username: str | None, *, actor=None) -> None:
    """Link the login named ``username`` (any case) to ``responder``: a new one, made with no usable
    password, or an existing one that ``login_check_linkable`` lets through -- whose sessions and
    API tokens end then, so nobody who held one acts as this person."""
    if not username:
        responder.user = None
        return
    username_lock(username)
    user = login_named(username)
    if user is not None and user.pk == responder.user_id:
        return
    if user is None:
        user = User(username=username)
        user.set_unusable_password()  # a set-password link gives them one (units.services.invites)
        user.save()
    else:
        login_check_linkable(user=user, responder=responder, role=role)
        sessions_and_tokens_end(user, actor)
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    responder.user = user


def username_lock(username: str) -> None:
    """Hold, until the transaction ends, the right to make a login named ``username`` in any case:
    the database's unique index tells "maya.patel" from "Maya.Patel", so two supervisors making
    both at once would otherwise each find the name free."""
    if connection.vendor != "postgresql":  # SQLite (make run) has one writer at a time anyway
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"username:{username.lower()}"])


def login_named(username: str) -> User | None:
    """The login whose username is ``username`` in any case (the exact spelling first)."""
    found = list(User.objects.filter(username__iexact=username).order_by("pk"))
    return next((user for user in found if user.username == username), found[0] if found else None)


def login_check_linkable(*, user: User, responder: Clinician | Officer, role: str) -> None:
    """Refuse (409 ``username_taken``) ``user`` as ``responder``'s login unless it is a login of
    ``role`` alone, on, and linked to no other responder. Never an administrator's (staff or
    superuser), one with another role, or one with no role at all (someone's own account, or the
    login of a person who left: their calls follow it, dispatch.access). A supervisor can then
    make a set-password link for it (units.services.invites), so this is what stops them taking
    over any login they can name."""
    name = user.get_username()

    def taken(detail: str, by_field: str) -> ConflictError:
        return ConflictError(detail, code="username_taken", fields={"username": [by_field]})

    if user.is_staff or user.is_superuser:
        raise taken(f"The login {name} is an administrator's; a responder needs a login of their own.",
                    "Belongs to an administrator's login.")  # fmt: skip
    roles = set(user.groups.values_list("name", flat=True))
    if roles - {role}:
        raise taken(f"The login {name} has the role {', '.join(sorted(roles - {role}))}; "
                    "a responder needs a login of their own.", "Belongs to a login with another role.")  # fmt: skip
    if role not in roles:
        raise taken(f"The login {name} is not a {role}'s login; choose a new username for {responder.name}.",
                    "Belongs to someone else's login.")  # fmt: skip
    if not user.is_active:
        raise taken(f"The login {name} is turned off; choose a new username for {responder.name}.",
                    "Belongs to a login that is turned off.")  # fmt: skip
    mine = {Clinician: None, Officer: None, type(responder): responder.pk}
    linked = (
        Clinician.objects.filter(user=user).exclude(pk=mine[Clinician]).exists()
        or Officer.objects.filter(user=user).exclude(pk=mine[Officer]).exists()
    )
    if linked:
        raise taken(f"The login {name} already belongs to another responder.", "Already linked to another responder.")


# --- Reading ------------------------------------------------------------------------------------


def responder_current_unit(responder: Clinician | Officer, now: datetime) -> Unit | None:
    """The unit ``responder`` is in now, if any: a published unit whose shift covers ``now``, or any
    unit of theirs that is not off duty (busy on a call past its shift's end, logged on early, out
    of service). While there is one they cannot be deactivated."""
    engaged = Q(draft=False, shift_starts_at__lte=now, shift_ends_at__gt=now) | ~Q(status=Unit.Status.OFF_DUTY)
    return responder.units.filter(engaged).order_by("shift_starts_at", "pk").first()


def unit_engagement(unit: Unit, now: datetime) -> str:
    """How ``unit`` holds its people now, in words: "on shift now in CR-7 (Tue 01 Dec 09:00-17:00)",
    "on a call in CR-7 (on scene)", "out of service in CR-7 after its shift ended (...)"."""
    status = unit.get_status_display().lower()
    if unit.status in Unit.BUSY_STATUSES:
        return f"on a call in {unit.call_sign} ({status})"
    window = describe_window(unit.shift_starts_at, unit.shift_ends_at)
    if unit.status != Unit.Status.OFF_DUTY and not unit.on_shift_at(now):
        edge = "before its shift starts" if now < unit.shift_starts_at else "after its shift ended"
        return f"{status} in {unit.call_sign} {edge} ({window})"
    return f"on shift now in {unit.call_sign} ({window})"


def responder_units_ahead(responder: Clinician | Officer, now: datetime) -> QuerySet[Unit]:
    """The units ``responder`` is paired into that start after ``now``: to re-pair when they leave."""
    return responder.units.filter(shift_starts_at__gt=now).select_related("shift").order_by("shift_starts_at", "pk")
