"""Importing past calls from a CAD export (SPEC §6 "Import format"; docs/import.md).

``import_calls(rows, mapping, partial=...)`` reads a CSV's rows (the header first), checks every
row, and stores the calls as history: closed, without a unit, marked ``imported_at``, never
dispatched (the constraint ``call_imported_is_closed_history`` and
``dispatch.services.moves.refuse_imported``). The command ``manage.py import_calls`` and, later,
an upload page call it.

- All or nothing by default: one bad row and nothing is stored; every bad row is reported with
  its line (the header is line 1) and why. ``partial=True`` stores the good rows.
- A row whose ``external_id`` is already stored (a CAD incident number, from an earlier import or
  from the live intake) is *skipped*, not an error: importing overlapping exports, or the same
  file again after fixing its bad rows, is the normal case, and must not count a call twice. The
  same ``external_id`` twice in one file is an error: which row is right is not ours to guess.
- Speed: rows are checked here, in Python, and stored by ``planning.import_storage`` in batches; the lookups of stored
  incident numbers are one query per batch, and the audit log gets one entry for the import.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from dispatch.models import CrisisCall, Outcome
from planning.import_storage import BATCH, MILESTONES, NUMBERING, store

S = CrisisCall.Status
KNOWN_COLUMNS = [
    "external_id",
    "received_at",
    "lat",
    "lon",
    "address",
    "priority",
    "nature",
    *MILESTONES,
    "disposition",
]
# Our calls.csv export writes these too: the outcome's flags are imported with the disposition;
# status and unit are set aside (an imported call is closed, and the unit was another install's).
OUTCOME_FLAGS = ["arrest_made", "force_used", "follow_up_needed"]
SET_ASIDE = ["status", "unit_call_sign"]
READ_COLUMNS = [*KNOWN_COLUMNS, *OUTCOME_FLAGS]
TRUE, FALSE = {"true", "yes", "y", "1", "t"}, {"false", "no", "n", "0", "f", ""}


def _choices(choices) -> dict[str, object]:
    """A code list by its codes and by its labels, case-insensitive."""
    return {str(value).lower(): value for value, _ in choices} | {str(label).lower(): v for v, label in choices}


NATURES = _choices(CrisisCall.Nature.choices)
PRIORITIES = _choices(CrisisCall.Priority.choices) | {"emergent": 1, "urgent": 2, "routine": 3}
DISPOSITIONS = _choices(Outcome.Disposition.choices)


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self):
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    rows: int = 0  # data rows read (the header not counted)
    imported: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, external_id) already stored
    errors: list[RowError] = field(default_factory=list)

    @property
    def stored(self) -> bool:
        return self.imported > 0

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.imported} calls imported, {len(self.skipped)} already stored (skipped), "
            f"{len(self.errors)} bad rows"
        )


class ImportRefused(Exception):
    """The header or the mapping cannot be read: nothing is stored, whatever the mode."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


Progress = Callable[[str, int], None]  # (phase: "checked" | "stored", rows so far)


def import_calls(
    rows: Iterable[list[str]],
    mapping: dict[str, str] | None = None,
    *,
    partial: bool = False,
    progress: Progress | None = None,
    actor=None,
    source_name: str = "",
    every: int = 10_000,
) -> ImportReport:
    """Check ``rows`` (the header first) and store the calls: all of them, or none when any row
    is bad -- unless ``partial``, which stores the good ones. ``mapping`` renames their headers
    to ours ({"Incident No": "external_id"}; an empty name sets a column aside). Raises
    ImportRefused when the header cannot be read."""
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        raise ImportRefused([RowError(1, "the file is empty: it needs a header row")])
    columns = read_header(header, mapping or {})
    report, good = ImportReport(), []
    seen: dict[str, int] = {}
    for line, values in enumerate(rows, start=2):
        if not any(value.strip() for value in values):
            continue  # a blank line (spreadsheets leave them at the end)
        report.rows += 1
        parsed, reasons = parse_row(values, columns, len(header))
        external_id = parsed.get("external_id")
        if external_id and external_id in seen:
            reasons.append(f"external_id {external_id} is also on line {seen[external_id]}")
        elif external_id:
            seen[external_id] = line
        if reasons:
            report.errors.append(RowError(line, "; ".join(reasons)))
        else:
            good.append((line, parsed))
        if progress and report.rows % every == 0:
            progress("checked", report.rows)
    stored = _stored_ids([parsed["external_id"] for _, parsed in good if parsed.get("external_id")])
    report.skipped = [(line, p["external_id"]) for line, p in good if p.get("external_id") in stored]
    good = [(line, p) for line, p in good if p.get("external_id") not in stored]
    if report.errors and not partial:
        return report
    if good:
        store(good, report, actor=actor, source_name=source_name, progress=progress, every=every)
    return report


def read_header(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Our column name -> its index in the file. Every header must be ours or mapped."""
    names = [name.strip().lstrip("\ufeff") for name in header]
    errors, columns = [], {}
    for theirs, ours in mapping.items():
        if theirs not in names:
            errors.append(f"--map {theirs}={ours}: the file has no column {theirs!r}")
        elif ours and ours not in READ_COLUMNS:
            errors.append(f"--map {theirs}={ours}: {ours!r} is not a column we read ({', '.join(KNOWN_COLUMNS)})")
    for index, name in enumerate(names):
        ours = mapping.get(name, name)
        if not ours or (ours in SET_ASIDE and name not in mapping):
            continue
        if ours not in READ_COLUMNS:
            errors.append(f"column {name!r} is not known: map it with --map '{name}=OURS' (or '{name}=' to leave it)")
        elif ours in columns:
            errors.append(f"two columns give {ours}: {names[columns[ours]]!r} and {name!r}")
        else:
            columns[ours] = index
    if "received_at" not in columns and not errors:
        errors.append("no received_at column: it is required (map yours with --map 'THEIRS=received_at')")
    if errors:
        raise ImportRefused([RowError(1, error) for error in errors])
    return columns


def parse_row(values: list[str], columns: dict[str, int], width: int) -> tuple[dict, list[str]]:
    """One data row as the call's fields, and the reasons it is bad (none: good)."""
    if len(values) != width:
        return {}, [f"{len(values)} cells where the header has {width}"]
    cell = {name: values[index].strip() for name, index in columns.items()}
    parsed, reasons = {}, []
    for name in ["received_at", *MILESTONES]:
        if text := cell.get(name, ""):
            parsed[name] = _moment(name, text, reasons)
        elif name == "received_at":
            reasons.append("received_at is empty")
    _check_order(parsed, reasons)
    _place(cell, parsed, reasons)
    parsed["priority"] = _code(cell.get("priority", ""), PRIORITIES, "priority", reasons, default=3)
    parsed["nature"] = _code(cell.get("nature", ""), NATURES, "nature", reasons, default=CrisisCall.Nature.OTHER)
    parsed["disposition"] = _code(cell.get("disposition", ""), DISPOSITIONS, "disposition", reasons, default=None)
    for name in OUTCOME_FLAGS:
        text = cell.get(name, "").lower()
        if text not in TRUE | FALSE:
            reasons.append(f"{name} {cell[name]!r} is not true or false")
        elif text in TRUE and not parsed["disposition"]:
            reasons.append(f"{name} is set but there is no disposition")
        parsed[name] = text in TRUE
    for name, longest in (("external_id", 64), ("address", 300)):
        if len(cell.get(name, "")) > longest:
            reasons.append(f"{name} is longer than {longest} characters")
        parsed[name] = cell.get(name, "")
    parsed["external_id"] = parsed["external_id"] or None
    return parsed, reasons


def _moment(name: str, text: str, reasons: list[str]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        reasons.append(f"{name} {text!r} is not an ISO 8601 time")
        return None
    if moment.tzinfo is None:
        reasons.append(f"{name} {text!r} has no UTC offset (write it like 2030-03-02T08:00:00-06:00)")
        return None
    return moment


def _check_order(parsed: dict, reasons: list[str]) -> None:
    """Milestones given must follow each other: received, dispatched, ..., closed."""
    given = [(name, parsed[name]) for name in ["received_at", *MILESTONES] if parsed.get(name)]
    for (before, earlier), (after, later) in itertools.pairwise(given):
        if later < earlier:
            reasons.append(f"{after} is before {before}")


def _place(cell: dict, parsed: dict, reasons: list[str]) -> None:
    lat, lon = cell.get("lat", ""), cell.get("lon", "")
    if not lat and not lon:
        parsed["lat"], parsed["lon"] = CrisisCall.IMPORTED_WITHOUT_PLACE
        return
    if not lat or not lon:
        reasons.append("lat and lon come together: one is empty")
        return
    for name, text, limit in (("lat", lat, 90), ("lon", lon, 180)):
        try:
            value = float(text)
        except ValueError:
            reasons.append(f"{name} {text!r} is not a number")
            continue
        if not math.isfinite(value) or not -limit <= value <= limit:
            reasons.append(f"{name} {text} is out of range (-{limit} to {limit})")
        parsed[name] = value


def _code(text: str, codes: dict, name: str, reasons: list[str], *, default):
    if not text:
        return default
    if (value := codes.get(text.lower())) is None:
        reasons.append(f"unknown {name} {text!r}")
    return value


def _stored_ids(external_ids: list[str]) -> set[str]:
    """The incident numbers already stored in the CAD's numbering, a batch per query."""
    stored = set()
    for start in range(0, len(external_ids), BATCH):
        chunk = external_ids[start : start + BATCH]
        stored |= set(
            CrisisCall.objects.filter(external_numbering=NUMBERING, external_id__in=chunk).values_list(
                "external_id", flat=True
            )
        )
    return stored
