"""How long the staffing recommendation takes for a week with 8 weeks of history.

    make bench-planning          (or: .venv/bin/python bench/planning_bench.py --calls-per-week 500)

Loads 8 weeks of synthetic calls (default 500 a week) with milestones and some transports into
the bench database, then times ``staffing_for_week`` for the week after (target: under 0.2 s)
and the API answer, each several times, and prints the table (also written to bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from common import bench_user, machine, record, setup_django, table, timed

WEEKS = 8
TARGET_SECONDS = 0.2


def load(per_week: int, week: date) -> None:
    from django.db import connection, transaction

    from coresponder.localtime import local_datetime
    from dispatch.models import CallEvent, CrisisCall

    prefix = f"PLAN-{week:%Y%m%d}-"
    if CrisisCall.objects.filter(external_id__startswith=prefix).count() == per_week * WEEKS:
        print(f"{per_week * WEEKS} calls already loaded")
        return
    print(f"Loading {per_week * WEEKS} calls over {WEEKS} weeks…", flush=True)
    rng = random.Random(2026)
    natures = [n for n, _ in CrisisCall.Nature.choices]
    start = local_datetime(week - timedelta(weeks=WEEKS), clock.min)
    span = (local_datetime(week, clock.min) - start).total_seconds()
    with transaction.atomic():
        # Another size or week: call events are append-only, so only TRUNCATE removes them.
        if CrisisCall.objects.filter(external_id__startswith="PLAN-").exists():
            print("Emptying the calls (bench/reports_bench.py reloads its own when next run)", flush=True)
            with connection.cursor() as cursor:
                for model in (CallEvent, CrisisCall):
                    cursor.execute(f'TRUNCATE "{model._meta.db_table}" CASCADE')
        rows, moves = [], []
        for i in range(per_week * WEEKS):
            received = start + timedelta(seconds=rng.uniform(0, span))
            dispatched = received + timedelta(seconds=rng.lognormvariate(3.3, 0.8))
            on_scene = dispatched + timedelta(minutes=rng.uniform(5, 25))
            left = on_scene + timedelta(minutes=rng.expovariate(1 / 50))
            transported = rng.random() < 0.2
            cleared = left + timedelta(minutes=rng.uniform(10, 30) if transported else 0)
            rows.append(CrisisCall(external_id=f"{prefix}{i}", received_at=received, lat=38.6, lon=-90.2,
                                   nature=rng.choice(natures), priority=rng.choice((1, 2, 3)), status="closed",
                                   status_changed_at=cleared, dispatched_at=dispatched, en_route_at=dispatched,
                                   on_scene_at=on_scene, cleared_at=cleared, closed_at=cleared))  # fmt: skip
            moves.append((transported, left))
        rows = CrisisCall.objects.bulk_create(rows, batch_size=2000)
        events = [CallEvent(call=call, from_status="on_scene", to_status="transporting", at=left, source="system")
                  for call, (transported, left) in zip(rows, moves, strict=True) if transported]  # fmt: skip
        CallEvent.objects.bulk_create(events, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls-per-week", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    setup_django()

    from django.test import Client

    from planning.staffing import staffing_for_week

    week = date(2031, 6, 2)  # a Monday, its history clear of reports_bench.py's year of calls (2025)
    load(args.calls_per_week, week)
    client = Client()
    client.force_login(bench_user("bench-supervisor", "supervisor"))

    def api():
        response = client.get("/api/v1/planning/staffing/", {"week": week.isoformat()})
        assert response.status_code == 200, response.status_code

    staffing = timed(lambda: staffing_for_week(week), args.repeats)
    whole = timed(api, args.repeats)
    verdict = "met" if staffing[0] < TARGET_SECONDS else "MISSED"
    text = table(
        f"Staffing for a week, {WEEKS} weeks x {args.calls_per_week} calls of history "
        f"({datetime.now(UTC):%Y-%m-%d}, {machine()})",
        ["what", "median", "max", f"target < {TARGET_SECONDS * 1000:.0f} ms"],
        [
            ["staffing_for_week", f"{staffing[0] * 1000:.0f} ms", f"{staffing[1] * 1000:.0f} ms", verdict],
            ["GET /api/v1/planning/staffing/", f"{whole[0] * 1000:.0f} ms", f"{whole[1] * 1000:.0f} ms", ""],
        ],
    )
    print(text)
    record("planning", text)


if __name__ == "__main__":
    main()
