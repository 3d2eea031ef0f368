"""Shifts: /api/v1/shifts/."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from coresponder.localtime import day_bounds, week_bounds, week_start_of
from coresponder.strict import StrictModelSerializer
from units import services
from units.api.common import ID_PATTERN, IsSupervisor
from units.models import Shift, ShiftTemplate

# --- Shifts ---------------------------------------------------------------------------------------


class ShiftSerializer(StrictModelSerializer):
    template = serializers.PrimaryKeyRelatedField(queryset=ShiftTemplate.objects.all(), required=False, allow_null=True)
    override_reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=300,
        help_text="When moving a shift breaks a soft rule (rest, weekly hours) for a unit on it: why.",
    )  # fmt: skip

    class Meta:
        model = Shift
        fields = ["id", "name", "starts_at", "ends_at", "template", "override_reason"]
        # Not DRF's generic unique-together check: units.services.shifts refuses a template's
        # second shift at a start in words (409 shift_exists), the constraint behind it.
        validators = []


class ShiftFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(method="on_date", label="Shifts that cover any part of this local day")
    week = django_filters.DateFilter(method="in_week", label="Shifts starting in the week that begins on this Monday")
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Shift
        fields = ["template"]

    def on_date(self, queryset, name, value):
        start, end = day_bounds(value)
        return queryset.filter(starts_at__lt=end, ends_at__gt=start)

    def in_week(self, queryset, name, value):
        start, end = week_bounds(week_start_of(value))
        return queryset.filter(starts_at__gte=start, starts_at__lt=end)


class ShiftViewSet(viewsets.ModelViewSet):
    serializer_class = ShiftSerializer
    permission_classes = [IsSupervisor]
    queryset = Shift.objects.all()
    filterset_class = ShiftFilter
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        fields = {k: v for k, v in serializer.validated_data.items() if k != "override_reason"}  # a new shift is empty
        serializer.instance = services.shift_create(actor=self.request.user, **fields)

    def perform_update(self, serializer):
        serializer.instance = services.shift_update(
            shift=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.shift_delete(shift=instance, actor=self.request.user)
