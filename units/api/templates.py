"""Shift templates: /api/v1/shift-templates/."""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from coresponder.strict import StrictModelSerializer
from units.api.common import ID_PATTERN, SupervisorWritesDispatcherReads
from units.models import ShiftTemplate
from units.services.templates import template_save

CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


@extend_schema_field({"type": "string", "pattern": CLOCK_TIME, "example": "07:00"})
class ClockTimeField(serializers.TimeField):
    """A time on the local wall clock, written ``HH:MM`` (24-hour) both ways. OpenAPI's ``format:
    time`` would ask for a UTC offset, which a time repeated every day cannot have."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(CLOCK_TIME, value):
            raise serializers.ValidationError("Use HH:MM on the 24-hour clock, e.g. 07:00 or 23:00.")
        return super().to_internal_value(value)


class ShiftTemplateSerializer(StrictModelSerializer):
    """A daily window on some days of the week, with the number of non-uniformed units wanted on
    each of its shifts."""

    days_of_week = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), min_length=1, max_length=7, required=False,
        help_text="ISO weekday numbers it runs on: Monday 1 ... Sunday 7. Every day when left out of a new template.",
    )  # fmt: skip
    expected_updated_at = serializers.DateTimeField(
        write_only=True, required=False,
        help_text="The `updated_at` you read: if the template was changed since, the change is refused "
        "(409 `stale_edit`) instead of overwriting it.",
    )  # fmt: skip

    start_time = ClockTimeField(help_text="Local time it starts, e.g. 07:00.")
    end_time = ClockTimeField(help_text="Local time it ends; at or before the start means the next day.")

    class Meta:
        model = ShiftTemplate
        fields = ["id", "name", "start_time", "end_time", "days_of_week", "target_units", "active", "updated_at",
                  "expected_updated_at"]  # fmt: skip
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            # Uniqueness is the service's to say, in words, with a 409 (template_name_taken).
            "name": {"validators": []},
            "target_units": {"min_value": 0, "max_value": ShiftTemplate.MAX_TARGET_UNITS},
            "active": {"help_text": "False: retired, it lays out no more shifts (its shifts stay)."},
        }
        validators = []


class ShiftTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Supervisors add and change templates (dispatchers read them). There is no DELETE: a template
    is retired with PATCH `active: false` -- it builds no more shifts, and the row and the shifts
    it built stay -- and brought back with `active: true`."""

    serializer_class = ShiftTemplateSerializer
    permission_classes = [SupervisorWritesDispatcherReads]
    queryset = ShiftTemplate.objects.all()
    filterset_fields = ["active"]
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        fields = {k: v for k, v in serializer.validated_data.items() if k != "expected_updated_at"}
        serializer.instance = template_save(template=ShiftTemplate(), actor=self.request.user, **fields)

    def perform_update(self, serializer):
        serializer.instance = template_save(
            template=serializer.instance, actor=self.request.user, **serializer.validated_data
        )
