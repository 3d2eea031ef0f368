"""How long `manage.py import_calls` takes on a large CAD export (target: 100,000 rows < 60 s).

    .venv/bin/python bench/import_bench.py [--rows 100000] [--record]

Writes a CSV of generated past calls (every column of the import format, most rows with all
their milestones and a disposition), runs the command on it in the bench database, prints the
time and rows per second, then removes the calls it imported. ``--record`` also writes the
figure to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta

from common import machine, record, setup_django, table

HEADER = ["external_id", "received_at", "lat", "lon", "address", "priority", "nature", "dispatched_at", "en_route_at",
          "on_scene_at", "transporting_at", "cleared_at", "closed_at", "disposition"]  # fmt: skip
NATURES = ["suicidal_ideation", "welfare_check", "psychosis", "substance_use", "family_conflict", "other"]
DISPOSITIONS = ["resolved_on_scene", "referred", "transport_crisis_center", "no_contact", "refused_services"]


def write_rows(path: str, rows: int, prefix: str) -> None:
    rng = random.Random(17)
    start = datetime(2029, 1, 1, tzinfo=UTC)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for n in range(rows):
            received = start + timedelta(seconds=n * 300 + rng.randrange(300))
            steps, at = [], received
            for mean in (60, 30, 600, 900, 1800, 300):
                at += timedelta(seconds=rng.expovariate(1 / mean))
                steps.append(at.astimezone().isoformat())
            if rng.random() < 0.6:
                steps[3] = ""  # no transport
            if rng.random() < 0.1:
                steps = [""] * 6  # history that never got a unit
            writer.writerow(
                [f"{prefix}-{n}", received.isoformat(), f"{38.55 + rng.random() * 0.2:.4f}",
                 f"{-90.32 + rng.random() * 0.15:.4f}", "", rng.choice("123"), rng.choice(NATURES), *steps,
                 rng.choice(DISPOSITIONS) if steps[0] else ""]
            )  # fmt: skip


def remove(prefix: str) -> None:
    from django.db import connection, transaction

    from dispatch.models import CrisisCall

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # the history's append-only trigger off
        CrisisCall.objects.filter(imported_at__isnull=False, external_id__startswith=f"{prefix}-").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--record", action="store_true", help="write the figure to bench/RESULTS.md")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    from dispatch.models import CrisisCall

    prefix = f"BENCH{int(time.time())}"
    with tempfile.NamedTemporaryFile(suffix=".csv") as file:
        began = time.perf_counter()
        write_rows(file.name, args.rows, prefix)
        print(f"Wrote {args.rows:,} rows in {time.perf_counter() - began:.1f} s; importing…", flush=True)
        began = time.perf_counter()
        out = io.StringIO()
        call_command("import_calls", file.name, "--progress-every", "20000", stdout=out)
        elapsed = time.perf_counter() - began
    imported = CrisisCall.objects.filter(external_id__startswith=f"{prefix}-").count()
    remove(prefix)
    verdict = "meets" if elapsed < 60 else "MISSES"
    text = table(
        f"Import of a CAD export ({datetime.now(UTC):%Y-%m-%d}, {machine()})",
        ["rows", "imported", "seconds", "rows/s", "target 60 s"],
        [[f"{args.rows:,}", f"{imported:,}", f"{elapsed:.1f}", f"{args.rows / elapsed:,.0f}", verdict]],
    )
    print(text)
    if args.record:
        record("import", text)


if __name__ == "__main__":
    main()
