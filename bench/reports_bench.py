"""How long the reports take on a year of calls.

    make bench-reports          (or: .venv/bin/python bench/reports_bench.py --calls 50000)

Loads a year of synthetic calls (default 50,000) with units, assignments and outcomes into the
bench database, then times the report's figures and the whole page for one month and for the
year, each several times, and prints the table (also written to bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from common import machine, record, setup_django, table, timed


def load(calls: int, year_start: date) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from coresponder.localtime import local_datetime
    from dispatch.models import Assignment, CallEvent, CrisisCall, Outcome
    from units.models import Clinician, Officer, Shift, Unit

    if CrisisCall.objects.count() == calls:
        print(f"{calls} calls already loaded")
        return
    print(f"Loading {calls} calls over a year…", flush=True)
    started = time.perf_counter()
    rng = random.Random(2026)
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in (Outcome, CallEvent, Assignment, CrisisCall, Unit, Shift, Clinician, Officer):
                cursor.execute(f'TRUNCATE "{model._meta.db_table}" CASCADE')
        clinicians = Clinician.objects.bulk_create(
            [Clinician(name=f"Clinician {i}", credential="LCSW") for i in range(36)]
        )
        officers = Officer.objects.bulk_create([Officer(name=f"Officer {i}", badge_number=f"B{i}") for i in range(36)])
        shifts, units = [], []
        for day in range(365):
            for t, hour in enumerate((7, 15, 23)):
                start = local_datetime(year_start + timedelta(days=day), clock(hour))
                shifts.append(Shift(name=f"{t}-{day}", starts_at=start, ends_at=start + timedelta(hours=8)))
        shifts = Shift.objects.bulk_create(shifts)
        for i, shift in enumerate(shifts):
            t = i % 3
            for k in range(4):
                units.append(Unit(call_sign=f"CR-{t + 1}{k + 1}", shift=shift, clinician=clinicians[(t * 12 + k + i) % 36],
                                  officer=officers[(t * 12 + k + 2 * i) % 36], shift_starts_at=shift.starts_at,
                                  shift_ends_at=shift.ends_at, status="off_duty", status_changed_at=shift.starts_at))  # fmt: skip
        units = Unit.objects.bulk_create(units, batch_size=2000)
        start = local_datetime(year_start, clock.min)
        span = (local_datetime(year_start + timedelta(days=365), clock.min) - start).total_seconds()
        natures = [n for n, _ in CrisisCall.Nature.choices]
        dispositions = [d for d, _ in Outcome.Disposition.choices]
        rows, assignments, outcomes = [], [], []
        for i in range(calls):
            received = start + timedelta(seconds=rng.uniform(0, span))
            dispatched = received + timedelta(seconds=rng.lognormvariate(3.3, 0.8))
            on_scene = dispatched + timedelta(seconds=rng.lognormvariate(6.5, 0.5))
            cleared = on_scene + timedelta(minutes=rng.uniform(20, 120))
            rows.append(CrisisCall(external_id=f"B{i}", received_at=received, lat=38.6, lon=-90.2, nature=rng.choice(natures),
                                   priority=rng.choice((1, 2, 2, 3, 3)), status="closed", status_changed_at=cleared,
                                   dispatched_at=dispatched, en_route_at=dispatched, on_scene_at=on_scene,
                                   cleared_at=cleared, closed_at=cleared))  # fmt: skip
        rows = CrisisCall.objects.bulk_create(rows, batch_size=5000)
        units_by_day = {}
        for unit in units:
            units_by_day.setdefault(unit.shift_starts_at.date(), []).append(unit)
        for c in rows:
            unit = rng.choice(units_by_day.get(c.received_at.date()) or units)
            assignments.append(
                Assignment(call=c, unit=unit, clinician_id=unit.clinician_id, officer_id=unit.officer_id,
                           started_at=c.dispatched_at, ended_at=c.cleared_at, end_reason="cleared")
            )  # fmt: skip
            d = rng.choice(dispositions)
            outcomes.append(Outcome(call=c, disposition=d, arrest_made=d == "arrest", force_used=rng.random() < 0.02,
                                    follow_up_needed=rng.random() < 0.3, recorded_at=c.cleared_at))  # fmt: skip
        Assignment.objects.bulk_create(assignments, batch_size=5000)
        Outcome.objects.bulk_create(outcomes, batch_size=5000)
        CrisisCall.objects.filter(pk__in=[c.pk for c in rows]).update(unit_id=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Loaded in {time.perf_counter() - started:.1f} s ({timezone.now():%H:%M:%S})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    setup_django()

    from django.contrib.auth.models import Group, User
    from django.test import Client

    from dispatch import reports

    year_start = date(2025, 1, 1)
    load(args.calls, year_start)
    supervisor, _ = User.objects.get_or_create(username="bench-supervisor")
    supervisor.groups.add(Group.objects.get_or_create(name="supervisor")[0])
    client = Client()
    client.force_login(supervisor)

    ranges = {"one month": (date(2025, 6, 1), date(2025, 6, 30)), "the year": (year_start, date(2025, 12, 31))}
    rows = []
    for label, (first, last) in ranges.items():
        rng = reports.Range(first=first, last=last)
        n = rng.calls().count()
        figures = timed(lambda rng=rng: reports.summary(rng), args.repeats)
        query = {"start": first.isoformat(), "end": last.isoformat()}

        def page(query=query):
            response = client.get("/reports/", query)
            assert response.status_code == 200, response.status_code

        whole = timed(page, args.repeats)
        export = timed(lambda query=query: client.get("/reports/calls.csv", query).content, 2)
        rows.append([label, n, f"{figures[0] * 1000:.0f} ms", f"{whole[0] * 1000:.0f} ms (max {whole[1] * 1000:.0f})",
                     f"{export[0] * 1000:.0f} ms"])  # fmt: skip
    text = table(
        f"Reports on {args.calls:,} calls over a year ({datetime.now(UTC):%Y-%m-%d}, {machine()})",
        ["range", "calls in range", "figures (median)", "whole page (median)", "per-call CSV"],
        rows,
    )
    print(text)
    record("reports", text)


if __name__ == "__main__":
    main()
