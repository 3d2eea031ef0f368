"""The sweeper (Celery beat, SPEC §3.4): recover lost work and keep the board's alerts true.

A call left in ``received`` too long (a lost message, a dead worker) is assigned again; the
queue is served; calls waiting too long (for a unit, or in triage), dispatches not acknowledged
and long scenes raise an alert, and alerts that no longer apply are cleared. Safe with two beats running: assignment
skips calls and units another worker holds, and alerts are unique per kind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dispatch.models import CallAlert, CrisisCall
from dispatch.services.assignment import call_auto_assign, queue_serve

logger = logging.getLogger(__name__)
S = CrisisCall.Status


@dataclass
class SweepReport:
    resent: list[int] = field(default_factory=list)
    served: int = 0
    raised: list[tuple[int, str]] = field(default_factory=list)
    cleared: int = 0


def _alerts_due(now: datetime) -> set[tuple[int, str]]:
    waiting = Q()
    for priority, after in settings.DISPATCH_WAIT_ALERT_AFTER.items():
        waiting |= Q(priority=priority, received_at__lt=now - after)
    due = {
        CallAlert.Kind.WAITING_TOO_LONG: CrisisCall.objects.filter(waiting, status__in=CrisisCall.WAITING_STATUSES),
        CallAlert.Kind.WAITING_IN_TRIAGE: CrisisCall.objects.filter(
            status=S.TRIAGE, received_at__lt=now - settings.DISPATCH_TRIAGE_ALERT_AFTER
        ),
        CallAlert.Kind.NOT_ACKNOWLEDGED: CrisisCall.objects.filter(
            status=S.DISPATCHED, status_changed_at__lt=now - settings.DISPATCH_ACK_ALERT_AFTER
        ),
        CallAlert.Kind.SAFETY_CHECK_DUE: CrisisCall.objects.filter(
            status=S.ON_SCENE, status_changed_at__lt=now - settings.DISPATCH_SAFETY_CHECK_AFTER
        ),
    }
    return {(pk, kind) for kind, calls in due.items() for pk in calls.values_list("pk", flat=True)}


def sweep(*, now: datetime | None = None) -> SweepReport:
    """Recover lost work and keep alerts true (SPEC §3.4). Safe with two beats running: the
    assignment skips calls and units another worker holds, and alerts are unique per kind."""
    now = now or timezone.now()
    report = SweepReport()
    stuck = CrisisCall.objects.filter(status=S.RECEIVED, status_changed_at__lt=now - settings.DISPATCH_RESEND_AFTER)
    for call_id in stuck.order_by("priority", "received_at").values_list("pk", flat=True):
        if call_auto_assign(call_id=call_id):
            report.resent.append(call_id)
    report.served = queue_serve()

    due = _alerts_due(now)
    # Only the timed alerts are the sweeper's; a safety alert waits for a person to acknowledge it.
    timed = CallAlert.objects.filter(cleared_at__isnull=True, kind__in=CallAlert.TIMED_KINDS)
    active = set(timed.values_list("call_id", "kind"))
    new = sorted(due - active)
    CallAlert.objects.bulk_create(
        [CallAlert(call_id=pk, kind=kind, raised_at=now) for pk, kind in new], ignore_conflicts=True
    )
    report.raised = new
    for pk, kind in active - due:
        report.cleared += CallAlert.objects.filter(call_id=pk, kind=kind, cleared_at__isnull=True).update(
            cleared_at=now
        )
    if report.resent or report.served or report.raised:
        logger.info(
            "Sweep: re-sent %s, served %s from the queue, raised %s", report.resent, report.served, report.raised
        )
    return report
