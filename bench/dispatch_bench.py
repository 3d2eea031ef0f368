"""The dispatcher's benchmark, measured against its own floor in the same run.

    make bench-dispatch        (or: .venv/bin/python bench/dispatch_bench.py)

Against PostgreSQL, Redis and real Celery workers (one worker, two processes), for 100, 1,000
and 10,000 units on shift:

- the floor: an empty Celery task's round trip through the same broker, plus one bare
  row-lock-and-update transaction on the same database;
- dispatch latency from the call's commit to the end of its assignment, for a steady stream
  (one call at a time) and for bursts of 100 calls, as p50/p99 and as multiples of the floor;
- assignments per second sustained by the two worker processes;
- the cost of one assignment in-process: database queries and milliseconds;
- the peak resident memory of a worker process;
- the web side: intake requests per second, and the board's refresh with 200 open calls.

Prints a table and writes it to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import BENCH_BROKER_URL, BENCH_DATABASE_URL, ROOT, bench_user, machine, record, setup_django, table

BIN = ROOT / ".venv" / "bin"
CITY = (38.6270, -90.1994)


def percentile(values, fraction):
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --- the city ---------------------------------------------------------------------------------


def build_city(units: int) -> list[int]:
    """``units`` available, non-uniformed units on a shift covering now, spread over the city."""
    from django.db import connection, transaction
    from django.utils import timezone

    from dispatch.models import Assignment, CallAlert, CallEvent, CrisisCall, Outcome
    from units.models import Clinician, Officer, Shift, Unit

    rng = random.Random(units)
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in (Outcome, CallAlert, CallEvent, Assignment, CrisisCall, Unit, Shift, Clinician, Officer):
                cursor.execute(f'TRUNCATE "{model._meta.db_table}" CASCADE')
        shift = Shift.objects.create(
            name="Bench", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=12)
        )
        clinicians = Clinician.objects.bulk_create(
            [Clinician(name=f"C{i}", credential="LCSW") for i in range(units)], batch_size=5000
        )
        officers = Officer.objects.bulk_create(
            [Officer(name=f"O{i}", badge_number=f"B{i}") for i in range(units)], batch_size=5000
        )
        rows = Unit.objects.bulk_create(
            [Unit(call_sign=f"U{i}", shift=shift, clinician=clinicians[i], officer=officers[i],
                  shift_starts_at=shift.starts_at, shift_ends_at=shift.ends_at, status="available",
                  status_changed_at=now - timedelta(minutes=rng.uniform(1, 60)),
                  lat=CITY[0] + rng.uniform(-0.08, 0.08), lon=CITY[1] + rng.uniform(-0.1, 0.1), location_at=now)
             for i in range(units)], batch_size=5000,
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE units_unit")
    return [u.pk for u in rows]


def free_all_units() -> None:
    """Between measurements: every call closed, every unit available again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE dispatch_assignment SET ended_at = now(), end_reason = 'cleared' WHERE ended_at IS NULL")
        cursor.execute("UPDATE dispatch_crisiscall SET status = 'closed' WHERE status <> 'closed'")
        cursor.execute("UPDATE units_unit SET status = 'available' WHERE status <> 'available'")


def random_point(rng):
    return CITY[0] + rng.uniform(-0.07, 0.07), CITY[1] + rng.uniform(-0.09, 0.09)


# --- the workers ---------------------------------------------------------------------------------


class Workers:
    def __init__(self, concurrency: int = 2):
        env = {**os.environ, "DATABASE_URL": BENCH_DATABASE_URL, "CELERY_BROKER_URL": BENCH_BROKER_URL,
               "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}", "DATABASE_CONN_MAX_AGE": "600"}  # fmt: skip
        self.log = open(ROOT / "var" / "bench-worker.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(BIN / "celery"), "-A", "coresponder", "worker", "--include", "worker_hooks", "--loglevel=WARNING",
             f"--concurrency={concurrency}", "--without-mingle", "--without-gossip", "--hostname=bench@%h"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def children(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def peak_memory_mb(self) -> float:
        peaks = []
        for pid in [self.process.pid, *self.children()]:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()


class Finished:
    """Reads the workers' notes of finished tasks from Redis."""

    def __init__(self):
        import redis

        self.redis = redis.Redis.from_url(BENCH_BROKER_URL)
        self.redis.delete("bench:done")

    def wait(self, count: int, timeout: float = 120) -> dict:
        done = {}
        deadline = time.time() + timeout
        while len(done) < count:
            item = self.redis.blpop("bench:done", timeout=max(0.1, deadline - time.time()))
            if item is None:
                raise TimeoutError(f"only {len(done)} of {count} tasks finished")
            _, marker, at = json.loads(item[1])
            done[marker] = at
        return done


# --- measurements ------------------------------------------------------------------------------


def floor(finished: Finished, unit_id: int, samples: int = 200) -> tuple[float, float]:
    """(empty task round trip, bare row-lock-and-update transaction), medians in seconds."""
    from django.db import transaction
    from django.utils import timezone

    from coresponder.celery import app
    from units.models import Unit

    trips = []
    for i in range(samples):
        sent = time.time()
        app.send_task("bench.noop", args=[i])
        trips.append(finished.wait(1)[i] - sent)
    txns = []
    for _ in range(samples):
        began = time.perf_counter()
        with transaction.atomic():
            Unit.objects.select_for_update().get(pk=unit_id)
            Unit.objects.filter(pk=unit_id).update(status_changed_at=timezone.now())
        txns.append(time.perf_counter() - began)
    return statistics.median(trips[10:]), statistics.median(txns[10:])


def post_call(rng, committed: dict) -> None:
    from django.db import transaction

    from dispatch.services import call_intake

    lat, lon = random_point(rng)
    holder = {}
    with transaction.atomic():
        # Registered first, so it runs first after COMMIT: the moment the call exists.
        transaction.on_commit(lambda: committed.__setitem__(holder["id"], time.time()))
        call, _ = call_intake(lat=lat, lon=lon, nature="welfare_check", priority=rng.choice((1, 2, 3)))
        holder["id"] = call.pk


def latencies(finished: Finished, *, calls: int, burst: bool, rng) -> list[float]:
    committed: dict[int, float] = {}
    if burst:
        for _ in range(calls):
            post_call(rng, committed)
        done = finished.wait(calls)
    else:
        done = {}
        for _ in range(calls):
            post_call(rng, committed)
            done |= finished.wait(1)
    return [done[pk] - at for pk, at in committed.items()]


def throughput(finished: Finished, calls: int, rng) -> float:
    """Assignments per second: calls stored first, then all their tasks sent at once."""
    from coresponder.celery import app
    from dispatch.models import CrisisCall

    rows = []
    for _ in range(calls):
        lat, lon = random_point(rng)
        rows.append(CrisisCall(lat=lat, lon=lon, nature="other", priority=2))
    ids = [c.pk for c in CrisisCall.objects.bulk_create(rows)]
    started = time.time()
    for pk in ids:
        app.send_task("dispatch.tasks.assign_call", args=[pk])
    done = finished.wait(calls, timeout=300)
    return calls / (max(done.values()) - started)


def in_process_cost(samples: int, rng) -> tuple[float, float]:
    """(queries, milliseconds) of one assignment, run in this process (medians)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dispatch.models import CrisisCall
    from dispatch.services import call_auto_assign

    queries, seconds = [], []
    for _ in range(samples):
        lat, lon = random_point(rng)
        call = CrisisCall.objects.create(lat=lat, lon=lon, nature="other", priority=2)
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            call_auto_assign(call_id=call.pk)
            seconds.append(time.perf_counter() - began)
        queries.append(len(captured))
    return statistics.median(queries), statistics.median(seconds) * 1000


# --- the web side ----------------------------------------------------------------------------------


def web_side(rng, seconds: float = 10, threads: int = 8) -> tuple[float, float, float, float]:
    """(intake requests/s, intake p50, intake p99, board refresh p50) against gunicorn, with
    the workers dispatching what comes in."""
    from knox.models import AuthToken

    from dispatch.models import CrisisCall
    from tests.processes import free_port

    token = AuthToken.objects.create(user=bench_user("bench-cad", "intake"))[1]
    bench_user("bench-dispatcher", "dispatcher", "bench-pass-123")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": BENCH_DATABASE_URL, "CELERY_BROKER_URL": BENCH_BROKER_URL,
           "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_CONN_MAX_AGE": "600", "SECURE_COOKIES": "0"}  # fmt: skip
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "coresponder.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "3",
         "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    time.sleep(3)
    try:
        stop_at = time.time() + seconds
        timings: list[float] = []
        errors = []

        def client(n):
            local_rng = random.Random(n)
            while time.time() < stop_at:
                lat, lon = random_point(local_rng)
                body = json.dumps({"lat": lat, "lon": lon, "nature": "other", "priority": 3}).encode()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/calls/", data=body,
                    headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
                )  # fmt: skip
                began = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        response.read()
                    timings.append(time.perf_counter() - began)
                except Exception as error:  # counted, reported
                    errors.append(error)

        pool = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        rps = len(timings) / seconds
        intake_p50, intake_p99 = percentile(timings, 0.5), percentile(timings, 0.99)

        build_city(100)  # a dispatcher's board shows the units on shift: a city's worth, not 10,000
        CrisisCall.objects.bulk_create(
            [CrisisCall(lat=random_point(rng)[0], lon=random_point(rng)[1], nature="other", priority=2, status="queued")
             for _ in range(200)]
        )  # fmt: skip
        from http.cookiejar import CookieJar

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = opener.open(f"http://127.0.0.1:{port}/accounts/login/").read().decode()
        csrf = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        form = f"username=bench-dispatcher&password=bench-pass-123&csrfmiddlewaretoken={csrf}".encode()
        opener.open(urllib.request.Request(f"http://127.0.0.1:{port}/accounts/login/", data=form,
                                           headers={"Referer": f"http://127.0.0.1:{port}/"})).read()  # fmt: skip
        refreshes = []
        for _ in range(30):
            began = time.perf_counter()
            body = opener.open(f"http://127.0.0.1:{port}/board/panels/").read()
            refreshes.append(time.perf_counter() - began)
        assert body.count(b'class="call ') >= 200, "the board did not show the 200 open calls"
        if errors:
            print(f"intake errors: {len(errors)} (first: {errors[0]!r})")
        return rps, intake_p50, intake_p99, statistics.median(refreshes[3:])
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", default="100,1000,10000")
    parser.add_argument("--stream", type=int, default=100, help="calls in the steady stream")
    parser.add_argument("--throughput-calls", type=int, default=1000)
    args = parser.parse_args()
    setup_django()
    import redis

    redis.Redis.from_url(BENCH_BROKER_URL).flushdb()
    rng = random.Random(11)
    finished = Finished()
    workers = Workers(concurrency=2)
    time.sleep(4)
    rows, notes = [], []
    try:
        for units in [int(n) for n in args.units.split(",")]:
            ids = build_city(units)
            trip, txn = floor(finished, ids[0])
            base = trip + txn
            steady = latencies(finished, calls=min(args.stream, units), burst=False, rng=rng)
            free_all_units()
            burst = latencies(finished, calls=min(100, units), burst=True, rng=rng)
            free_all_units()
            rate = throughput(finished, min(args.throughput_calls, units), rng)
            free_all_units()
            queries, cost = in_process_cost(50, rng)
            free_all_units()
            rows.append([
                f"{units:,}", ms(trip), ms(txn), ms(percentile(steady, 0.5)), ms(percentile(steady, 0.99)),
                f"{percentile(steady, 0.5) / base:.1f}× / {percentile(steady, 0.99) / base:.1f}×",
                f"{ms(percentile(burst, 0.5))} / {ms(percentile(burst, 0.99))}", f"{rate:.0f}/s",
                f"{queries:.0f}", f"{cost:.2f} ms", f"{workers.peak_memory_mb():.0f} MB",
            ])  # fmt: skip
            print(rows[-1], flush=True)
        rps, p50, p99, board = web_side(rng)
        notes.append(f"Intake `POST /api/v1/calls/` (8 client threads, gunicorn with 3 workers, same machine): "
                     f"**{rps:.0f} requests/s**, p50 {ms(p50)}, p99 {ms(p99)}. "
                     f"The board's refresh (`/board/panels/`) with 200 open calls: **{ms(board)}** median.")  # fmt: skip
    finally:
        workers.stop()
    text = (
        table(
            f"Dispatch ({datetime.now(UTC):%Y-%m-%d}, {machine()}, one Celery worker with 2 processes, Redis broker)",
            [
                "units on shift",
                "floor: empty task",
                "floor: lock+update",
                "latency p50",
                "latency p99",
                "p50 / p99 ÷ floor",
                "burst of 100 p50 / p99",
                "assignments",
                "queries / assignment",
                "in-process cost",
                "worker peak RSS",
            ],
            rows,
        )
        + "\n"
        + "\n".join(notes)
        + "\n"
    )
    print(text)
    record("dispatch", text)


if __name__ == "__main__":
    main()
