"""Workload: calls and hours on calls, per unit and per responder."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Sum

from dispatch.models import Assignment
from dispatch.reports.common import Range, Seconds


@dataclass
class Workload:
    name: str  # a unit's call sign; a person's name and role, with their id if another shares both
    calls: int
    hours_on_calls: float
    role: str = ""  # "clinician" or "officer" for a person
    person_id: int | None = None  # the clinician's or officer's id


def _assignments(report: Range) -> QuerySet[Assignment]:
    return Assignment.objects.filter(call__in=report.calls(), ended_at__isnull=False)


def workload_by_unit(report: Range) -> list[Workload]:
    """By call sign: the program's units keep their call signs from shift to shift."""
    rows = (
        _assignments(report)
        .values("unit__call_sign")
        .annotate(calls=Count("call", distinct=True), seconds=Sum(Seconds(F("ended_at"), F("started_at"))))
        .order_by("unit__call_sign")
    )
    return [Workload(r["unit__call_sign"], r["calls"], (r["seconds"] or 0) / 3600) for r in rows]


def workload_by_responder(report: Range) -> list[Workload]:
    """By person (the clinician's or officer's id, never their name, which two people can share),
    as each assignment was paired: a unit re-paired later credits nobody else with its calls."""
    results = []
    for role in ("clinician", "officer"):
        rows = (
            _assignments(report)
            .values(f"{role}_id", f"{role}__name")
            .annotate(calls=Count("call", distinct=True), seconds=Sum(Seconds(F("ended_at"), F("started_at"))))
        )
        people = [(r[f"{role}_id"], r[f"{role}__name"], r["calls"], r["seconds"]) for r in rows]
        shared = Counter(name for _, name, _, _ in people)
        for person_id, name, calls, seconds in people:
            label = f"{name} ({role} #{person_id})" if shared[name] > 1 else f"{name} ({role})"
            results.append(Workload(label, calls, (seconds or 0) / 3600, role=role, person_id=person_id))
    return sorted(results, key=lambda w: (-w.calls, w.name, w.role, w.person_id))
