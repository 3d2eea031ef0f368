"""A roster week's publication: /api/v1/weeks/{monday}/ and its publish action."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from coresponder.localtime import in_range
from units import services
from units.api.common import SupervisorWritesDispatcherReads


class WeekSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="The Monday the week begins (program time zone).")
    state = serializers.ChoiceField(choices=["draft", "published", "live"])
    published_at = serializers.DateTimeField(allow_null=True)
    published_by = serializers.CharField(allow_null=True, help_text="The login that published it, if any.")
    draft_units = serializers.IntegerField(help_text="Units waiting for the week to be published.")

    @staticmethod
    def of(state: services.WeekState) -> dict:
        publication = state.publication
        return {
            "week_start": state.week_start,
            "state": state.state,
            "published_at": publication.published_at if publication else None,
            "published_by": publication.published_by.get_username()
            if publication and publication.published_by
            else None,
            "draft_units": state.draft_units,
        }


def _week(day: str) -> date:
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise NotFound("Give the week as a date, e.g. 2026-12-07.") from None
    if not in_range(parsed):
        raise NotFound("That week is outside the dates this system handles.")
    return parsed


WEEK = OpenApiParameter("day", str, OpenApiParameter.PATH, description="Any day of the week (YYYY-MM-DD).")


class WeekView(APIView):
    permission_classes = [SupervisorWritesDispatcherReads]

    @extend_schema(parameters=[WEEK], responses={200: WeekSerializer})
    def get(self, request, day: str):
        """Is the week a draft, published, or live?"""
        return Response(WeekSerializer(WeekSerializer.of(services.week_state(_week(day)))).data)


class WeekPublishView(APIView):
    permission_classes = [SupervisorWritesDispatcherReads]

    @extend_schema(parameters=[WEEK], request=None, responses={200: WeekSerializer})
    def post(self, request, day: str):
        """Publish the week: its draft units become live (each comes on duty at its shift's start)
        and every responder in it is told their shifts. Publishing again changes nothing."""
        week_start = _week(day)
        services.week_publish(week_start=week_start, actor=request.user)
        return Response(WeekSerializer(WeekSerializer.of(services.week_state(week_start))).data)
