"""Outcomes: dispositions, arrests and force."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from dispatch.models import Outcome
from dispatch.reports.common import Range


@dataclass
class OutcomeFigures:
    calls: int
    with_outcome: int
    dispositions: list[tuple[str, str, int]]  # (code, label, count), every disposition listed
    arrests: int
    force: int
    follow_ups: int

    def share(self, count: int) -> float | None:
        return count / self.with_outcome if self.with_outcome else None

    def per_100(self, count: int) -> float | None:
        return 100 * count / self.with_outcome if self.with_outcome else None

    @property
    def arrests_per_100(self):
        return self.per_100(self.arrests)

    @property
    def force_per_100(self):
        return self.per_100(self.force)


def outcomes(report: Range) -> OutcomeFigures:
    calls = report.calls()
    recorded = Outcome.objects.filter(call__in=calls)
    counts = dict(recorded.values_list("disposition").annotate(n=Count("pk")).values_list("disposition", "n"))
    totals = recorded.aggregate(
        n=Count("pk"),
        arrests=Count("pk", filter=Q(arrest_made=True)),
        force=Count("pk", filter=Q(force_used=True)),
        follow_ups=Count("pk", filter=Q(follow_up_needed=True)),
    )
    return OutcomeFigures(
        calls=calls.count(),
        with_outcome=totals["n"],
        dispositions=[(code, label, counts.get(code, 0)) for code, label in Outcome.Disposition.choices],
        arrests=totals["arrests"],
        force=totals["force"],
        follow_ups=totals["follow_ups"],
    )
