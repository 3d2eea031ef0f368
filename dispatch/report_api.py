"""The reports' summary API (`GET /api/v1/reports/summary/`): the report page's figures as JSON
for the city's dashboards. The range and filters are parsed by the page's own form."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from coresponder import strict
from coresponder.errors import ApplicationError
from coresponder.roles import Role, role_permission
from dispatch import reports
from dispatch.models import Outcome
from dispatch.report_views import range_form

# The response, described for the OpenAPI schema. The view writes it out by hand (a year's heat
# map is 8,760 hours); tests/dispatch/test_reports.py checks the two agree.


class ReportResponseTimeSerializer(serializers.Serializer):
    interval = serializers.ChoiceField(
        choices=[key for key, *_ in reports.INTERVALS],
        help_text=" ".join(f"`{key}`: {meaning}" for key, meaning in reports.INTERVAL_MEANINGS.items()),
    )
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


class ReportDiversionCountsSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    from_911 = serializers.IntegerField(help_text="Received with a 911 CAD incident number.")
    resolved_by_phone = serializers.IntegerField(
        help_text="Resolved or referred by the crisis line (triage) without a unit."
    )
    no_answer_by_phone = serializers.IntegerField(help_text="Closed by the crisis line after no answer.")
    in_person = serializers.IntegerField(help_text="A co-responder team reached the person (on scene).")
    held = serializers.IntegerField(help_text="Held for a dispatcher's review at least once (a safety flag).")
    returned_to_911 = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class ReportTilesSerializer(serializers.Serializer):
    resolved_in_community = serializers.FloatField(
        allow_null=True,
        help_text="Share of calls that ended (by phone or with an outcome) without arrest, emergency department or detention.",
    )
    within_target = serializers.FloatField(
        allow_null=True, help_text="Share reached on scene within the response target."
    )
    median_minutes = serializers.FloatField(
        allow_null=True, help_text="Median minutes from receipt to a team on scene."
    )
    coverage = serializers.FloatField(help_text="Share of the time at least one non-uniformed unit was on duty.")


class ReportDiversionSerializer(serializers.Serializer):
    counts = ReportDiversionCountsSerializer()
    in_person_with_outcome = serializers.IntegerField()
    in_person_without_arrest_or_force = serializers.IntegerField()
    in_person_without_arrest_or_force_share = serializers.FloatField(allow_null=True)
    tiles = ReportTilesSerializer()
    previous = ReportTilesSerializer(help_text="The same tiles for the period of the same length just before.")
    by_nature = inline_serializer(
        "ReportDiversionNature", {"nature": serializers.CharField(), "counts": ReportDiversionCountsSerializer()},
        many=True,
    )  # fmt: skip
    by_week = inline_serializer(
        "ReportDiversionWeek",
        {"week": serializers.DateField(help_text="The week's Monday."), "counts": ReportDiversionCountsSerializer()},
        many=True,
    )


class ReportSummarySerializer(serializers.Serializer):
    # "from" is a Python keyword and cannot be declared here; get_fields adds it, and "to" with it.
    priority = serializers.IntegerField(allow_null=True)
    unit = serializers.CharField(allow_null=True)
    target_share = serializers.FloatField()
    response_times = ReportResponseTimeSerializer(many=True)
    diversion = ReportDiversionSerializer(
        help_text="What became of the calls: the figures a program reports to its city."
    )
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
            "diversion": diversion_json(summary.diversion),
            "coverage": coverage,
            "workload": {
                "units": [{"unit": w.name, "calls": w.calls, "hours_on_calls": round(w.hours_on_calls, 2)}
                          for w in summary.workload_units],
                "responders": [{"responder": w.name, "role": w.role, "id": w.person_id, "calls": w.calls,
                                "hours_on_calls": round(w.hours_on_calls, 2)}
                               for w in summary.workload_responders],
            },
        })  # fmt: skip


def diversion_json(d: reports.Diversion) -> dict:
    return {
        "counts": asdict(d.counts),
        "in_person_with_outcome": d.in_person_with_outcome,
        "in_person_without_arrest_or_force": d.in_person_without_arrest_or_force,
        "in_person_without_arrest_or_force_share": d.without_arrest_or_force_share,
        "tiles": asdict(d.tiles),
        "previous": asdict(d.previous),
        "by_nature": [{"nature": code, "counts": asdict(counts)} for code, _, counts in d.by_nature],
        "by_week": [{"week": monday.isoformat(), "counts": asdict(counts)} for monday, counts in d.by_week],
    }
