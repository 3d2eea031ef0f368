"""Who is on a unit: the one place that asks "is this person one of this unit's members?".

A unit's members are its clinician and its officer, through the logins linked to them. The API,
the phone page, the status moves and the outcome all ask here (dispatch.selectors builds "is
this person on this call" from it).
"""

from __future__ import annotations

from django.db.models import Q

from units.models import Unit


def is_member(user, unit: Unit | None) -> bool:
    """Whether ``user`` is the clinician or the officer of ``unit``."""
    if unit is None or user is None or not user.is_authenticated:
        return False
    return user.pk in (unit.clinician.user_id, unit.officer.user_id)


def is_clinician(user, unit: Unit | None) -> bool:
    """Whether ``user`` is the clinician of ``unit`` (clinical data is theirs)."""
    if unit is None or user is None or not user.is_authenticated:
        return False
    return user.pk == unit.clinician.user_id


def member_filter(user, *, via: str = "") -> Q:
    """The same question as a filter: units (or, with ``via="unit__"``, calls) with ``user`` as a member."""
    return Q(**{f"{via}clinician__user": user}) | Q(**{f"{via}officer__user": user})
