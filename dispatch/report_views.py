"""The reports page and its CSV exports (SPEC §4 "Reports"; the summary API is dispatch/report_api.py).
The figures come from dispatch.reports; here they are only parsed for, laid out and written out."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from coresponder.forms import form_errors_response
from coresponder.roles import Role
from coresponder.spreadsheets import SafeWriter
from coresponder.web import role_required
from dispatch import reports

MAX_DAYS = 400  # a year and a bit; longer ranges are split by the reader


def last_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


class RangeForm(forms.Form):
    start = forms.DateField(label="From")
    end = forms.DateField(label="To (inclusive)")
    priority = forms.TypedChoiceField(
        choices=[("", "All priorities"), (1, "1 – emergent"), (2, "2 – urgent"), (3, "3 – routine")],
        coerce=int, required=False, empty_value=None,
    )  # fmt: skip
    unit = forms.CharField(max_length=16, required=False, label="Unit (call sign)")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "Must be on or after the first day.")
            elif (end - start).days >= MAX_DAYS:
                self.add_error("end", f"At most {MAX_DAYS} days at a time.")
            elif not date(1900, 1, 1) <= start <= end <= date(9000, 1, 1):
                self.add_error("start", "Choose dates between 1900 and 9000.")
        return cleaned

    def range(self) -> reports.Range:
        data = self.cleaned_data
        return reports.Range(first=data["start"], last=data["end"], priority=data["priority"], call_sign=data["unit"])


def range_form(params) -> RangeForm:
    first, last = last_month(timezone.localdate())
    data = {"start": first.isoformat(), "end": last.isoformat(), **{k: v for k, v in params.items() if v}}
    return RangeForm(data)


def scaled_bars(figures: list[reports.IntervalFigures]) -> list[dict]:
    """Response-time figures with bar widths (0-100) on one scale per interval, for the SVG."""
    rows = []
    for key, label, _, _ in reports.INTERVALS:
        group = [f for f in figures if f.key == key]
        top = max([f.p90 or 0 for f in group] + [group[0].target_seconds]) or 1
        rows.append({
            "label": label, "meaning": reports.INTERVAL_MEANINGS[key], "target": _minutes(group[0].target_seconds / 60),
            "target_x": 100 * group[0].target_seconds / top,
            "bars": [{"figures": f, "median_w": 100 * (f.median or 0) / top, "p90_w": 100 * (f.p90 or 0) / top,
                      "median": _minutes(None if f.median is None else f.median / 60),
                      "p90": _minutes(None if f.p90 is None else f.p90 / 60)}
                     for f in group],
        })  # fmt: skip
    return rows


WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def week_grid(hours: list[list[tuple[int, float | None]]]) -> list[tuple[str, list[dict]]]:
    """The hour-of-week grid: one number a cell (calls), and coverage as shading -- the share of
    those hours a non-uniformed unit was on duty, in five steps (cov0: never, cov4: always)."""
    grid = []
    for weekday, cells in zip(WEEKDAYS, hours, strict=True):
        row = []
        for hour, (calls, covered) in enumerate(cells):
            step = "none" if covered is None else 0 if covered == 0 else 4 if covered == 1 else 1 + int(covered * 3)
            title = f"{weekday} {hour:02d}:00: {calls} call{'s' if calls != 1 else ''}"
            title += "" if covered is None else f", a unit on duty {round(100 * covered)} % of these hours"
            row.append({"calls": calls, "class": f"cov{step}", "title": title})
        grid.append((weekday, row))
    return grid


def heat_level(count: int, top: int) -> int:
    return 0 if count == 0 else min(5, 1 + (4 * count) // max(top, 1))


def by_clock_hour(day: reports.HeatMapDay, top: int) -> list[tuple[reports.HourCell | None, int, str]]:
    """A day's hours in 24 columns by the hour the clock showed, as (cell, heat level, note):
    on the day the clocks go back the two 1 a.m. hours share a column (added up, with the fewer
    units on duty), and on the day they go forward the hour that never was is an empty column."""
    columns: list[list[reports.HourCell]] = [[] for _ in range(24)]
    for cell in day.hours:
        columns[cell.start.hour].append(cell)
    laid_out = []
    for cells in columns:
        if not cells:
            laid_out.append((None, 0, "No such hour: the clocks went forward."))
            continue
        cell = reports.HourCell(cells[0].start, sum(c.calls for c in cells), min(c.units_on_duty for c in cells))
        note = f"{len(cells)} hours on this clock hour: the clocks went back." if len(cells) > 1 else ""
        laid_out.append((cell, heat_level(cell.calls, top), note))
    return laid_out


def _share_text(part: int, whole: int) -> str:
    return f"{part} ({round(100 * part / whole)} %)" if whole else str(part)


def headline(d: reports.Diversion) -> str:
    """The sentence a program reads to its city council."""
    c = d.counts
    if not c.received:
        return "No calls were received in this period."
    sentence = (
        f"Of {c.received} call{'s' if c.received != 1 else ''} received, {_share_text(c.resolved_by_phone, c.received)} "
        f"{'was' if c.resolved_by_phone == 1 else 'were'} resolved by phone and {_share_text(c.in_person, c.received)} "
        f"{'was' if c.in_person == 1 else 'were'} answered in person by a co-responder team"
    )
    if d.in_person_with_outcome:
        sentence += (
            f"; {d.in_person_without_arrest_or_force} of {d.in_person_with_outcome} in-person contacts "
            f"({round(100 * d.without_arrest_or_force_share)} %) ended without arrest or force"
        )
    sentence += "."
    if c.returned_to_911:
        sentence += f" {c.returned_to_911} went back to 911."
    return sentence


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(100 * share)} %"


def _minutes(value: float | None) -> str:
    """Minutes to a tenth, as a person writes them: 0.5 min, 12.5 min, 20 min."""
    return "–" if value is None else f"{value:.1f}".rstrip("0").rstrip(".") + " min"


def tiles(d: reports.Diversion) -> list[dict]:
    """The four tiles, each with the period before and the change, in a reader's words. ``better``
    says whether the change is good news (fewer minutes are; a larger share is)."""
    rows = []
    for label, name, shown, lower_is_better in (
        ("Resolved without arrest, emergency department or detention", "resolved_in_community", _percent, False),
        ("Reached within the response target", "within_target", _percent, False),
        ("Median time from the call to a team on scene", "median_minutes", _minutes, True),
        ("Time with a non-uniformed unit on duty", "coverage", _percent, False),
    ):
        now, before = getattr(d.tiles, name), getattr(d.previous, name)
        change, better = "no figure for the period before", None
        if now is not None and before is not None:
            delta = now - before
            if name == "median_minutes":
                change = f"{'+' if delta >= 0 else '−'}{abs(delta):.1f} min on the period before ({shown(before)})"
            else:
                change = f"{'+' if delta >= 0 else '−'}{abs(round(100 * delta))} points on the period before ({shown(before)})"
            better = None if delta == 0 else (delta < 0) == lower_is_better
        rows.append({"label": label, "value": shown(now), "change": change, "better": better})
    return rows


@role_required(Role.SUPERVISOR)
def reports_page(request):
    form = range_form(request.GET)
    context = {"form": form}
    if form.is_valid():
        summary = reports.summary(form.range())
        top = max((cell.calls for day in summary.heat_map for cell in day.hours), default=0)
        most = max((count for _, _, count in summary.outcomes.dispositions), default=0) or 1
        context |= {
            "summary": summary,
            "headline": headline(summary.diversion),
            "tiles": tiles(summary.diversion),
            "bars": scaled_bars(summary.response_times),
            "heat": [(day, by_clock_hour(day, top)) for day in summary.heat_map],
            "hour_of_week": week_grid(reports.hour_of_week(summary.heat_map)),
            "dispositions": [
                (code, label, count, summary.outcomes.share(count), 100 * count / most)
                for code, label, count in summary.outcomes.dispositions
            ],
            "query": request.GET.urlencode(),
            "calls_left_out": reports.CALLS_LEFT_OUT,
            "first_dispatch_note": reports.FIRST_DISPATCH_NOTE,
            "target_share": int(settings.REPORT_TARGET_SHARE * 100),
        }
    return render(request, "dispatch/reports.html", context, status=200 if form.is_valid() else 400)


# --- CSV ------------------------------------------------------------------------------------------


def _seconds(value):
    return "" if value is None else f"{value:.1f}"


def _share(value):
    return "" if value is None else f"{value:.4f}"


DIVERSION_COUNTS = ["received", "from_911", "resolved_by_phone", "no_answer_by_phone", "in_person", "held",
                    "returned_to_911", "cancelled"]  # fmt: skip


def _counts(counts: reports.Counts) -> list[int]:
    return [getattr(counts, name) for name in DIVERSION_COUNTS]


def csv_tables(summary: reports.Summary, report: reports.Range) -> dict:
    """Each table of the page as (header, rows)."""
    o = summary.outcomes
    return {
        "response-times": (
            ["interval", "priority", "calls", "median_seconds", "p90_seconds", "target_seconds", "share_within_target"],
            [
                [
                    f.key,
                    f.priority or "all",
                    f.count,
                    _seconds(f.median),
                    _seconds(f.p90),
                    f.target_seconds,
                    _share(f.share_within_target),
                ]
                for f in summary.response_times
            ],
        ),
        "dispositions": (
            ["disposition", "count", "share"],
            [[code, count, _share(o.share(count))] for code, _, count in o.dispositions]
            + [
                ["arrests_per_100", _seconds(o.arrests_per_100), ""],
                ["force_per_100", _seconds(o.force_per_100), ""],
                ["follow_ups_needed", o.follow_ups, ""],
            ],
        ),
        "heat-map": (
            ["hour_start_local", "calls", "non_uniformed_units_on_duty"],
            [
                [cell.start.isoformat(), cell.calls, cell.units_on_duty]
                for day in summary.heat_map
                for cell in day.hours
            ],
        ),
        "workload-units": (
            ["unit", "calls", "hours_on_calls"],
            [[w.name, w.calls, f"{w.hours_on_calls:.2f}"] for w in summary.workload_units],
        ),
        "workload-responders": (  # the id tells apart two people of the same name
            ["responder", "calls", "hours_on_calls", "role", "responder_id"],
            [[w.name, w.calls, f"{w.hours_on_calls:.2f}", w.role, w.person_id] for w in summary.workload_responders],
        ),
        "calls": ([c.replace("__", "_") for c in reports.CALL_COLUMNS], reports.per_call_rows(report)),
        "diversion": (
            ["group", "key", *DIVERSION_COUNTS],
            [["all", "", *_counts(summary.diversion.counts)]]
            + [["week", monday.isoformat(), *_counts(c)] for monday, c in summary.diversion.by_week]
            + [["nature", code, *_counts(c)] for code, _, c in summary.diversion.by_nature],
        ),
    }


@role_required(Role.SUPERVISOR)
def reports_csv(request, table: str):
    form = range_form(request.GET)
    if not form.is_valid():
        return form_errors_response(form)
    report = form.range()
    summary = reports.summary(report, with_heat_map=table == "heat-map")
    tables = csv_tables(summary, report)
    if table not in tables:
        return HttpResponse(
            f"No table {table!r}; choose one of {', '.join(tables)}.", status=404, content_type="text/plain"
        )
    header, rows = tables[table]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}-{report.first}-{report.last}.csv"'
    writer = SafeWriter(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return response
