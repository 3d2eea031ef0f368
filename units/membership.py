"""Who is on a unit: the one place that asks "is this person one of this unit's members?".

A unit's members are its clinician and its officer, through the logins linked to them: they post
the unit's location and status, and its phone page is theirs. Who was on a call is another
question, answered by the call's assignments (dispatch.access): a unit can be re-paired.
"""

from __future__ import annotations

from django.db.models import Q

from coresponder.roles import Role, user_roles
from units.models import Unit


def is_member(user, unit: Unit | None) -> bool:
    """Whether ``user`` is the clinician or the officer of ``unit``."""
    if unit is None or user is None or not user.is_authenticated:
        return False
    return user.pk in (unit.clinician.user_id, unit.officer.user_id)


def member_filter(user) -> Q:
    """The same question as a filter, on anything with a ``clinician`` and an ``officer``: units,
    and the assignments that keep who was sent (dispatch.access)."""
    return Q(clinician__user=user) | Q(officer__user=user)


def display_name(user) -> str:
    """How a person is named to others: their full name, or the name of the responder linked to
    their login, or their role; never their login name (which is half of what signs them in)."""
    full = user.get_full_name().strip()
    if full:
        return full
    for responder in ("clinician", "officer"):
        person = getattr(user, responder, None)  # the reverse one-to-one: None when not linked
        if person is not None:
            return person.name
    roles = sorted(user_roles(user))
    return Role(roles[0]).label if roles else "A user"
