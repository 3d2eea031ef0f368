"""The reports page, its CSV exports and the summary API (SPEC §4 "Reports"). The figures come
from dispatch.reports; here they are only parsed for, laid out and written out."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from coresponder import strict
from coresponder.errors import ApplicationError
from coresponder.forms import form_errors_response
from coresponder.roles import Role, role_permission
from coresponder.spreadsheets import SafeWriter
from coresponder.web import role_required
from dispatch import reports
from dispatch.models import Outcome

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
            "label": label, "target": group[0].target_seconds, "target_x": 100 * group[0].target_seconds / top,
            "bars": [{"figures": f, "median_w": 100 * (f.median or 0) / top, "p90_w": 100 * (f.p90 or 0) / top}
                     for f in group],
        })  # fmt: skip
    return rows


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
            "bars": scaled_bars(summary.response_times),
            "heat": [(day, by_clock_hour(day, top)) for day in summary.heat_map],
            "hour_of_week": reports.hour_of_week(summary.heat_map),
            "dispositions": [
                (code, label, count, summary.outcomes.share(count), 100 * count / most)
                for code, label, count in summary.outcomes.dispositions
            ],
            "query": request.GET.urlencode(),
            "target_share": int(settings.REPORT_TARGET_SHARE * 100),
        }
    return render(request, "dispatch/reports.html", context, status=200 if form.is_valid() else 400)


# --- CSV ------------------------------------------------------------------------------------------


def _seconds(value):
    return "" if value is None else f"{value:.1f}"


def _share(value):
    return "" if value is None else f"{value:.4f}"


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


# --- API ------------------------------------------------------------------------------------------


# The response, described for the OpenAPI schema. The view writes it out by hand (a year's heat
# map is 8,760 hours); tests/dispatch/test_reports.py checks the two agree.


class ReportResponseTimeSerializer(serializers.Serializer):
    interval = serializers.ChoiceField(choices=[key for key, *_ in reports.INTERVALS])
    priority = serializers.IntegerField(allow_null=True, help_text="1, 2 or 3; null for all priorities.")
    calls = serializers.IntegerField(help_text="Calls with both milestones of the interval.")
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)
    target_seconds = serializers.IntegerField()
    share_within_target = serializers.FloatField(allow_null=True)
    target_met = serializers.BooleanField(allow_null=True, help_text="Whether the share reaches `target_share`.")


class ReportDispositionSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True, help_text="Of the calls with an outcome.")


class ReportOutcomesSerializer(serializers.Serializer):
    calls = serializers.IntegerField()
    with_outcome = serializers.IntegerField()
    dispositions = inline_serializer(
        "ReportDispositions", {code: ReportDispositionSerializer() for code, _ in Outcome.Disposition.choices}
    )
    arrests = serializers.IntegerField()
    arrests_per_100 = serializers.FloatField(allow_null=True, help_text="Per 100 calls with an outcome.")
    force = serializers.IntegerField()
    force_per_100 = serializers.FloatField(allow_null=True, help_text="Per 100 calls with an outcome.")
    follow_ups_needed = serializers.IntegerField()


class ReportHourSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The local hour's start, with its UTC offset.")
    calls = serializers.IntegerField()
    non_uniformed_units_on_duty = serializers.IntegerField(help_text="At the middle of the hour.")


class ReportCoverageSerializer(serializers.Serializer):
    hours = serializers.IntegerField(help_text="Local hours in the range (a day when the clocks change has 23 or 25).")
    hours_with_calls = serializers.IntegerField()
    uncovered_hours = serializers.IntegerField(help_text="Hours with no non-uniformed unit on duty.")
    uncovered_hours_with_calls = serializers.IntegerField(
        help_text="Hours when calls came in and no non-uniformed unit was on duty."
    )
    calls_in_uncovered_hours = serializers.IntegerField()
    understaffed_hours = serializers.IntegerField(
        help_text="Hours with more calls than non-uniformed units on duty (uncovered hours with calls included)."
    )
    heat_map = ReportHourSerializer(many=True, required=False, help_text="Every hour; only with `heat_map=true`.")


class ReportUnitWorkloadSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text="Call sign.")
    calls = serializers.IntegerField()
    hours_on_calls = serializers.FloatField()


class ReportResponderWorkloadSerializer(serializers.Serializer):
    responder = serializers.CharField(help_text="Name and role, with the id when two people share both.")
    role = serializers.ChoiceField(choices=["clinician", "officer"])
    id = serializers.IntegerField(help_text="The clinician's or officer's id.")
    calls = serializers.IntegerField()
    hours_on_calls = serializers.FloatField()


class ReportSummarySerializer(serializers.Serializer):
    # "from" is a Python keyword and cannot be declared here; get_fields adds it, and "to" with it.
    priority = serializers.IntegerField(allow_null=True)
    unit = serializers.CharField(allow_null=True)
    target_share = serializers.FloatField()
    response_times = ReportResponseTimeSerializer(many=True)
    outcomes = ReportOutcomesSerializer()
    coverage = ReportCoverageSerializer(help_text="Calls by local hour against non-uniformed units on duty.")
    workload = inline_serializer(
        "ReportWorkload",
        {"units": ReportUnitWorkloadSerializer(many=True), "responders": ReportResponderWorkloadSerializer(many=True)},
    )

    def get_fields(self):
        return {"from": serializers.DateField(), "to": serializers.DateField(), **super().get_fields()}


class ReportSummaryAPI(APIView):
    """The report's figures as JSON for the city's dashboards (supervisors)."""

    permission_classes = [role_permission(Role.SUPERVISOR)]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="First local day, YYYY-MM-DD (default: first of last month)"
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last local day, inclusive"),
            OpenApiParameter("priority", int, enum=[1, 2, 3]),
            OpenApiParameter("unit", str, description="A unit's call sign"),
            OpenApiParameter(
                "heat_map", bool, description="Also list every local hour in `coverage.heat_map` (default: false)"
            ),
        ],
        responses={200: ReportSummarySerializer},
    )
    def get(self, request):
        params = {"start": request.query_params.get("from", ""), "end": request.query_params.get("to", ""),
                  "priority": request.query_params.get("priority", ""), "unit": request.query_params.get("unit", "")}  # fmt: skip
        form = range_form(params)
        fields = (
            {} if form.is_valid() else {{"start": "from", "end": "to"}.get(k, k): v for k, v in form.errors.items()}
        )
        fields |= strict.query_errors(
            request.query_params, names=("from", "to", "priority", "unit", "heat_map"), flags=("heat_map",)
        )
        with_cells = request.query_params.get("heat_map", "false")
        if fields:
            raise ApplicationError("The report's range or filters are not valid.", fields=fields)
        summary = reports.summary(form.range())
        o, c = summary.outcomes, summary.coverage
        coverage = {
            "hours": c.hours, "hours_with_calls": c.hours_with_calls, "uncovered_hours": c.uncovered_hours,
            "uncovered_hours_with_calls": c.uncovered_hours_with_calls,
            "calls_in_uncovered_hours": c.calls_in_uncovered_hours, "understaffed_hours": c.understaffed_hours,
        }  # fmt: skip
        if with_cells == "true":
            coverage["heat_map"] = [
                {
                    "start": cell.start.isoformat(),
                    "calls": cell.calls,
                    "non_uniformed_units_on_duty": cell.units_on_duty,
                }
                for day in summary.heat_map
                for cell in day.hours
            ]
        return Response({
            "from": summary.range.first, "to": summary.range.last,
            "priority": summary.range.priority, "unit": summary.range.call_sign or None,
            "target_share": settings.REPORT_TARGET_SHARE,
            "response_times": [
                {"interval": f.key, "priority": f.priority, "calls": f.count, "median_seconds": f.median,
                 "p90_seconds": f.p90, "target_seconds": f.target_seconds,
                 "share_within_target": f.share_within_target, "target_met": f.target_met}
                for f in summary.response_times
            ],
            "outcomes": {
                "calls": o.calls, "with_outcome": o.with_outcome,
                "dispositions": {code: {"count": n, "share": o.share(n)} for code, _, n in o.dispositions},
                "arrests": o.arrests, "arrests_per_100": o.arrests_per_100,
                "force": o.force, "force_per_100": o.force_per_100, "follow_ups_needed": o.follow_ups,
            },
            "coverage": coverage,
            "workload": {
                "units": [{"unit": w.name, "calls": w.calls, "hours_on_calls": round(w.hours_on_calls, 2)}
                          for w in summary.workload_units],
                "responders": [{"responder": w.name, "role": w.role, "id": w.person_id, "calls": w.calls,
                                "hours_on_calls": round(w.hours_on_calls, 2)}
                               for w in summary.workload_responders],
            },
        })  # fmt: skip
