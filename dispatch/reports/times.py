"""Response times: percentiles of each interval, by priority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q

from dispatch.reports.common import INTERVALS, Percentile, Range, Seconds, percentile


@dataclass
class IntervalFigures:
    key: str
    label: str
    priority: int | None  # None: all priorities
    count: int
    median: float | None
    p90: float | None
    target_seconds: int
    within_target: int

    @property
    def share_within_target(self) -> float | None:
        return self.within_target / self.count if self.count else None

    @property
    def target_met(self) -> bool | None:
        share = self.share_within_target
        return None if share is None else share >= settings.REPORT_TARGET_SHARE


def _tenths(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


def response_times(report: Range) -> list[IntervalFigures]:
    """Median and 90th percentile of each interval, by priority and for all, against targets.
    On PostgreSQL: one scan of the range's calls, every figure an aggregate with a FILTER."""
    groups = [1, 2, 3, None]
    aggregates, values = {}, {}
    calls = report.calls()
    for key, _, start, end in INTERVALS:
        seconds = Seconds(F(end), F(start))
        measured = Q(**{f"{start}__isnull": False, f"{end}__isnull": False})
        within = Q(**{f"{end}__lte": F(start) + timedelta(seconds=settings.REPORT_TARGETS[key])})
        for priority in groups:
            where = measured & Q(priority=priority) if priority else measured
            name = f"{key}_{priority or 'all'}"
            if connection.vendor == "postgresql":
                aggregates[f"{name}_count"] = Count("pk", filter=where)
                aggregates[f"{name}_median"] = Percentile(seconds, 0.5, filter=where)
                aggregates[f"{name}_p90"] = Percentile(seconds, 0.9, filter=where)
                aggregates[f"{name}_within"] = Count("pk", filter=where & within)
            else:
                # To the millisecond: julianday() is a float of days, some 40 µs coarse, so a call
                # on the target to the second could otherwise read as a hair over it.
                durations = [round(s, 3) for s in calls.filter(where).annotate(s=seconds).values_list("s", flat=True)]
                target = settings.REPORT_TARGETS[key]
                values |= {
                    f"{name}_count": len(durations),
                    f"{name}_median": percentile(durations, 0.5),
                    f"{name}_p90": percentile(durations, 0.9),
                    f"{name}_within": sum(1 for d in durations if d <= target),
                }
    if aggregates:
        values = calls.aggregate(**aggregates)
    figures = []
    for key, label, _, _ in INTERVALS:
        for priority in groups:
            name = f"{key}_{priority or 'all'}"
            figures.append(
                IntervalFigures(  # tenths of a second: the precision that matters here
                    key=key,
                    label=label,
                    priority=priority,
                    count=values[f"{name}_count"],
                    median=_tenths(values[f"{name}_median"]),
                    p90=_tenths(values[f"{name}_p90"]),
                    target_seconds=settings.REPORT_TARGETS[key],
                    within_target=values[f"{name}_within"],
                )
            )
    return figures
