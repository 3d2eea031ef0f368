"""Which calls need a language, and who on a unit speaks it.

A call's ``language`` is the one its caller needs (ISO 639-1, optional). Blank, or the program's
own (``DISPATCH_DEFAULT_LANGUAGE``), it needs no one in particular; any other language is
preferred by the ranking, within ``DISPATCH_LANGUAGE_EXTRA_SECONDS`` of extra travel
(``dispatch.selectors.Candidate.cost_seconds`` says how, for every path that sends a unit).
A unit speaks a language when its clinician or its officer does (their ``languages`` lists).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q

from units.models import Unit


def needed(language: str | None) -> str:
    """The language a call needs a speaker of, or "" when any unit will do."""
    language = (language or "").strip().lower()
    return "" if language == settings.DISPATCH_DEFAULT_LANGUAGE else language


def spoken(language: str, *members_languages: Iterable[str]) -> bool:
    """Whether any of the members (each given by their list of languages) speaks ``language``."""
    return any(_in(language, spoken_by_one) for spoken_by_one in members_languages)


def speakers(unit: Unit, language: str) -> list[str]:
    """The names of ``unit``'s members who speak ``language``, to show a dispatcher. ``unit``
    needs its clinician and officer loaded."""
    if not language:
        return []
    return [person.name for person in (unit.clinician, unit.officer) if _in(language, person.languages)]


def units_speaking(language: str) -> Q:
    """``spoken`` as a filter on units. The list is matched as JSON text, the same on PostgreSQL
    and SQLite (which has no JSON containment): a quoted code is one element of the list."""
    quoted = f'"{language}"'
    return Q(clinician__languages__icontains=quoted) | Q(officer__languages__icontains=quoted)


def _in(language: str, codes: Iterable[str]) -> bool:
    return language in (str(code).lower() for code in codes or ())
