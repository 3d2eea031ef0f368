"""Hand-made history for the planning tests: calls at local times, with milestones."""

from __future__ import annotations

from datetime import date, time, timedelta

from coresponder.localtime import local_datetime
from dispatch.models import CallEvent, CrisisCall
from tests.factories import CallFactory

S = CrisisCall.Status


def past_call(day: date, at: time, *, nature="welfare_check", travel=None, on_scene=None, transport=None, **fields):
    """A closed call received on ``day`` at local ``at``; with ``travel`` and ``on_scene`` (minutes)
    it has milestones, and with ``transport`` a transporting event between scene and clear."""
    received = local_datetime(day, at)
    fields.setdefault("status", S.CLOSED)
    call = CallFactory(received_at=received, nature=nature, **fields)
    if travel is not None:
        dispatched = received + timedelta(minutes=2)
        arrived = dispatched + timedelta(minutes=travel)
        left = arrived + timedelta(minutes=on_scene)
        cleared = left + timedelta(minutes=transport or 0)
        CrisisCall.objects.filter(pk=call.pk).update(dispatched_at=dispatched, on_scene_at=arrived, cleared_at=cleared)
        if transport:
            CallEvent.objects.create(
                call=call, from_status=S.ON_SCENE, to_status=S.TRANSPORTING, at=left, source="system"
            )
    return call
