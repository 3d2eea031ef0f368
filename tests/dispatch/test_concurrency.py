"""The invariants under concurrency, against PostgreSQL (SPEC §3.5): many calls, few units,
parallel workers and redelivered tasks; no unit on two calls, no call on two units, none lost."""

import random
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from dispatch.models import Assignment, CallEvent, CrisisCall
from dispatch.services import call_auto_assign, call_intake, queue_serve
from tests.places import DOWNTOWN, north_of
from units.models import Unit

pytestmark = pytest.mark.django_db(transaction=True)
S = CrisisCall.Status


def run_in_threads(jobs, threads=8):
    """Run callables from ``jobs`` on ``threads`` threads, each with its own DB connection."""
    errors, queue, lock = [], list(jobs), threading.Lock()
    barrier = threading.Barrier(threads)

    def worker():
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    job = queue.pop()
                job()
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not errors, errors


def assert_invariants():
    active = Assignment.objects.filter(ended_at__isnull=True)
    assert not [u for u, n in Counter(active.values_list("unit_id", flat=True)).items() if n > 1], "a unit on two calls"
    assert not [c for c, n in Counter(active.values_list("call_id", flat=True)).items() if n > 1], "a call on two units"
    for call in CrisisCall.objects.all():
        if call.status == S.DISPATCHED:
            assert active.get(call=call).unit_id == call.unit_id
            assert Unit.objects.get(pk=call.unit_id).status == Unit.Status.DISPATCHED
        else:
            assert call.status in (S.QUEUED, S.HELD), f"call {call.pk} is {call.status}: lost"
            assert not active.filter(call=call).exists()


def test_many_calls_and_few_units_from_parallel_workers(unit_at):
    assert connection.vendor == "postgresql"
    units = [unit_at(km) for km in (0.5, 1, 2, 3, 5, 8)]
    calls = []
    for i in range(40):
        lat, lon = north_of(DOWNTOWN, random.uniform(-5, 5))
        call, _ = call_intake(lat=lat, lon=lon, nature="welfare_check", priority=1 + i % 3)
        calls.append(call)
    jobs = [lambda pk=c.pk: call_auto_assign(call_id=pk) for c in calls] * 2  # every task delivered twice
    random.shuffle(jobs)
    jobs += [queue_serve] * 6
    run_in_threads(jobs)

    assert_invariants()
    assert CrisisCall.objects.filter(status=S.DISPATCHED).count() == len(units)
    assert CrisisCall.objects.filter(status=S.QUEUED).count() == 40 - len(units)
    for call in calls:  # each call was dispatched at most once, or queued once
        moves = Counter(call.events.values_list("to_status", flat=True))
        assert moves[S.DISPATCHED] <= 1 and moves[S.QUEUED] <= 1, moves


def test_one_call_run_by_eight_workers_at_once_is_dispatched_once(unit_at):
    for km in (1, 2, 3):
        unit_at(km)
    call, _ = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="psychosis", priority=1)
    run_in_threads([lambda: call_auto_assign(call_id=call.pk)] * 8)
    call.refresh_from_db()
    assert call.status == S.DISPATCHED
    assert Assignment.objects.filter(call=call).count() == 1
    assert CallEvent.objects.filter(call=call, to_status=S.DISPATCHED).count() == 1
    assert Unit.objects.filter(status=Unit.Status.DISPATCHED).count() == 1


def test_running_the_task_again_later_changes_nothing(unit_at):
    unit_at(1), unit_at(2)
    call, _ = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="psychosis", priority=1)
    call_auto_assign(call_id=call.pk)
    before = (list(CallEvent.objects.values_list("pk", flat=True)), list(Assignment.objects.values("pk", "unit_id")))
    call_auto_assign(call_id=call.pk)
    call_auto_assign(call_id=call.pk)
    after = (list(CallEvent.objects.values_list("pk", flat=True)), list(Assignment.objects.values("pk", "unit_id")))
    assert before == after


def test_concurrent_repeats_of_one_external_id_store_one_call():
    results = []
    body = {"external_id": "2026-777", "lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "other", "priority": 3}
    run_in_threads([lambda: results.append(call_intake(**body))] * 16)
    assert CrisisCall.objects.count() == 1
    assert sum(created for _, created in results) == 1
    assert {call.pk for call, _ in results} == {CrisisCall.objects.get().pk}


def test_updates_raising_a_flag_and_assignments_of_the_same_calls_never_interleave(unit_at, users):
    """911 raises a flag while the dispatcher assigns: each call ends either held (the update
    came first) or dispatched with a safety alert (the assignment came first), never sent after."""
    from dispatch.models import CallAlert
    from dispatch.services import call_update

    for km in (0.5, 1, 2, 3, 4, 5):
        unit_at(km)
    calls = [call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="other", priority=2)[0] for _ in range(12)]
    jobs = []
    for call in calls:
        jobs.append(lambda pk=call.pk: call_auto_assign(call_id=pk))
        jobs.append(lambda call=call: call_update(call=call, actor=users["intake"], source="api", weapons=True))
    random.Random(7).shuffle(jobs)
    run_in_threads(jobs)
    for call in CrisisCall.objects.all():
        assert call.weapons
        flagged_at = CallEvent.objects.get(call=call, kind="updated").at
        system_sent = Assignment.objects.filter(call=call, assigned_by__isnull=True)
        assert all(a.started_at <= flagged_at for a in system_sent), f"call {call.pk} sent after its flag"
        if call.status == S.DISPATCHED:
            assert CallAlert.objects.filter(call=call, kind="safety_flag_raised", cleared_at__isnull=True).exists()
        else:
            assert call.status == S.HELD
