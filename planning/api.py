"""The staffing recommendation as JSON: ``GET /api/v1/planning/staffing/?week=YYYY-MM-DD``."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from coresponder import strict
from coresponder.errors import ApplicationError
from coresponder.localtime import in_range, week_start_of
from coresponder.roles import Role, role_permission
from planning.staffing import StaffingWeek, staffing_for_week

BAD_WEEK = "Give the week as a date, YYYY-MM-DD (its Monday, or any day of it)."
OUT_OF_RANGE = "That week, or its history, is outside the dates this system handles."


class StaffingHourSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The local hour's start, ISO 8601 with its UTC offset.")
    expected_calls = serializers.FloatField(help_text="Calls expected in the hour (the demand model, smoothed).")
    service_minutes = serializers.FloatField(
        help_text="Mean minutes a unit is busy per call: travel + on scene + transport."
    )
    recommended_units = serializers.IntegerField(
        help_text="Fewest non-uniformed units so the predicted share waiting longer than the target stays under it (Erlang C)."
    )
    on_duty = serializers.IntegerField(
        help_text="Non-uniformed units with both members active, on duty the whole hour."
    )
    target = serializers.IntegerField(help_text="The shift templates' target for the hour, as on the roster.")


class StaffingSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday the week begins (program time zone).")
    wait_target_minutes = serializers.FloatField()
    wait_target_share = serializers.FloatField(help_text="The share of calls allowed to wait longer than the target.")
    hours = StaffingHourSerializer(many=True, help_text="Every local hour of the week: 167 to 169.")

    @staticmethod
    def of(week: StaffingWeek) -> dict:
        return {
            "week": week.week_start.isoformat(),
            "wait_target_minutes": week.wait_target_minutes,
            "wait_target_share": week.wait_target_share,
            "hours": [
                {
                    "start": hour.start.isoformat(),
                    "expected_calls": round(hour.expected_calls, 3),
                    "service_minutes": round(hour.service_minutes, 1),
                    "recommended_units": hour.recommended_units,
                    "on_duty": hour.on_duty,
                    "target": hour.target,
                }
                for hour in week.hours
            ],
        }


def week_asked(raw: str | None) -> date:
    """The Monday of the week ``raw`` names, or a 400 on the ``week`` field."""
    try:
        day = date.fromisoformat(raw or "")
    except ValueError:
        raise ApplicationError(BAD_WEEK, fields={"week": [BAD_WEEK]}) from None
    if not in_range(day):  # first: the arithmetic below stays inside Python's dates
        raise ApplicationError(OUT_OF_RANGE, fields={"week": [OUT_OF_RANGE]})
    monday = week_start_of(day)
    if not in_range(monday - timedelta(weeks=settings.PLANNING_HISTORY_WEEKS)):
        raise ApplicationError(OUT_OF_RANGE, fields={"week": [OUT_OF_RANGE]})
    return monday


class StaffingAPI(APIView):
    """Demand and the recommended non-uniformed units for every hour of a week (supervisors, dispatchers)."""

    permission_classes = [role_permission(Role.SUPERVISOR, Role.DISPATCHER)]

    @extend_schema(
        operation_id="planning_staffing",
        parameters=[
            OpenApiParameter(
                "week", OpenApiTypes.DATE, required=True, description="The week's Monday (or any day of it), YYYY-MM-DD"
            )
        ],
        responses={200: StaffingSerializer},
    )
    def get(self, request):
        errors = strict.query_errors(request.query_params, names=("week",))
        if errors:
            raise ApplicationError(BAD_WEEK, fields=errors)
        return Response(StaffingSerializer.of(staffing_for_week(week_asked(request.query_params.get("week")))))
