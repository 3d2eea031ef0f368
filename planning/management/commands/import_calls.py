"""manage.py import_calls FILE.csv [--map THEIRS=OURS ...] [--allow-partial] (docs/import.md)."""

from __future__ import annotations

import csv
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from planning.importing import KNOWN_COLUMNS, ImportRefused, import_calls


class Command(BaseCommand):
    help = "Import past calls from a CAD export (CSV with a header row) as history: never dispatched."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8), header first")
        parser.add_argument(
            "--map", action="append", default=[], metavar="THEIRS=OURS",
            help=f"read their column THEIRS as ours, one of: {', '.join(KNOWN_COLUMNS)} (THEIRS= leaves it out)",
        )  # fmt: skip
        parser.add_argument("--allow-partial", action="store_true", help="store the good rows even if some are bad")
        parser.add_argument("--by", metavar="USERNAME", help="who imports (the audit entry and the outcomes name them)")
        parser.add_argument(
            "--progress-every", type=int, default=10_000, metavar="N", help="a progress line every N rows"
        )

    def handle(self, *args, **options):
        mapping = {}
        for pair in options["map"]:
            theirs, sep, ours = pair.partition("=")
            if not sep or not theirs.strip():
                raise CommandError(f"--map {pair!r}: write it as THEIRS=OURS")
            mapping[theirs.strip()] = ours.strip()
        actor = None
        if options["by"]:
            actor = get_user_model().objects.filter(username=options["by"]).first()
            if actor is None:
                raise CommandError(f"--by {options['by']}: there is no such user")
        started = time.perf_counter()

        def progress(phase: str, rows: int) -> None:
            sys.stderr.write(f"{phase} {rows} rows ({time.perf_counter() - started:.1f} s)\n")

        try:
            with open(options["file"], newline="", encoding="utf-8-sig") as file:
                report = import_calls(
                    csv.reader(file), mapping, partial=options["allow_partial"], progress=progress, actor=actor,
                    source_name=options["file"], every=max(1, options["progress_every"]),
                )  # fmt: skip
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{options['file']} is not UTF-8 text: save it as CSV UTF-8") from None
        except csv.Error as error:
            raise CommandError(f"{options['file']} is not a readable CSV: {error}") from None
        except ImportRefused as refused:
            for error in refused.errors:
                self.stderr.write(str(error))
            raise CommandError("Nothing imported: the header cannot be read.") from None
        for error in report.errors:
            self.stderr.write(str(error))
        for line, external_id in report.skipped:
            self.stdout.write(f"line {line}: {external_id} already stored, skipped")
        elapsed = time.perf_counter() - started
        if report.errors and not options["allow_partial"]:
            raise CommandError(
                f"Nothing imported: {len(report.errors)} of {report.rows} rows are bad (listed above). "
                "Fix them, or use --allow-partial to import the good rows."
            )
        self.stdout.write(f"{report.summary()} in {elapsed:.1f} s.")
