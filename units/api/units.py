"""Units: /api/v1/units/, with a unit's status and location."""

from __future__ import annotations

import django_filters
from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from coresponder.localtime import day_bounds
from coresponder.roles import Role, has_role
from coresponder.strict import StrictModelSerializer, StrictSerializer
from units import services
from units.api.common import ID_PATTERN, SupervisorWritesDispatcherReads
from units.membership import is_member
from units.models import Clinician, Officer, Shift, Unit
from units.selectors import units_with_current_call

# --- Units ------------------------------------------------------------------------------------------


class UnitSerializer(StrictModelSerializer):
    shift = serializers.PrimaryKeyRelatedField(queryset=Shift.objects.all())
    clinician = serializers.PrimaryKeyRelatedField(queryset=Clinician.objects.all())
    officer = serializers.PrimaryKeyRelatedField(queryset=Officer.objects.all())
    override_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="A supervisor's reason for breaking a soft roster rule (rest, weekly hours).",
    )
    current_call = serializers.SerializerMethodField()

    class Meta:
        model = Unit
        fields = [
            "id",
            "call_sign",
            "shift",
            "clinician",
            "officer",
            "uniformed",
            "draft",
            "status",
            "lat",
            "lon",
            "location_at",
            "current_call",
            "shift_starts_at",
            "shift_ends_at",
            "status_changed_at",
            "out_of_service_reason",
            "rule_override_reason",
            "override_reason",
        ]
        read_only_fields = [
            "draft",
            "status",
            "lat",
            "lon",
            "location_at",
            "shift_starts_at",
            "shift_ends_at",
            "status_changed_at",
            "out_of_service_reason",
            "rule_override_reason",
        ]
        # Call-sign uniqueness is the service's to say, in words, with a 409.
        validators = []

    def get_current_call(self, unit) -> int | None:
        return getattr(unit, "current_call_id", None)


class UnitFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(method="on_date", label="Units on duty at any time on this local day")
    on_duty_at = django_filters.IsoDateTimeFilter(method="at_moment", label="Units whose shift covers this moment")
    status = django_filters.MultipleChoiceFilter(choices=Unit.Status.choices)

    class Meta:
        model = Unit
        fields = ["shift", "uniformed", "clinician", "officer"]

    def on_date(self, queryset, name, value):
        start, end = day_bounds(value)
        return queryset.filter(shift_starts_at__lt=end, shift_ends_at__gt=start)

    def at_moment(self, queryset, name, value):
        return queryset.on_shift(value)


class LocationSerializer(StrictSerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    recorded_at = serializers.DateTimeField(required=False)


class UnitStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Unit.ON_DUTY_IDLE_STATUSES)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class UnitViewSet(viewsets.ModelViewSet):
    serializer_class = UnitSerializer
    permission_classes = [SupervisorWritesDispatcherReads]
    filterset_class = UnitFilter
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        units = Unit.objects.select_related("clinician", "officer", "shift")
        return units_with_current_call(units).order_by("shift_starts_at", "call_sign", "pk")

    def perform_create(self, serializer):
        unit = services.unit_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=unit.pk)  # annotated with its current call

    def perform_update(self, serializer):
        unit = services.unit_update(unit=serializer.instance, actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=unit.pk)

    def perform_destroy(self, instance):
        services.unit_delete(unit=instance, actor=self.request.user)

    def _unit_for(self, *, allowed_roles: tuple[str, ...]) -> Unit:
        """The unit, if the user is one of its members or has one of ``allowed_roles``."""
        unit = self.get_object()
        if not (has_role(self.request.user, *allowed_roles) or is_member(self.request.user, unit)):
            self.permission_denied(self.request, message="Only this unit's members or a dispatcher may do this.")
        if unit.draft and not has_role(self.request.user, Role.DISPATCHER):
            raise NotFound()  # a week not yet published is not its members' (nor intake's) yet
        return unit

    @extend_schema(
        request=LocationSerializer,
        responses={
            200: inline_serializer(
                "LocationResult",
                {
                    "stored": serializers.BooleanField(),
                    "ignored": serializers.ChoiceField(
                        choices=[services.Fix.OLDER.value, services.Fix.TOO_SOON.value],
                        allow_null=True,
                        help_text="Why the fix was not stored: the unit holds a newer one (`older`), or one "
                        "less than LOCATION_MIN_INTERVAL_SECONDS older (`too_soon`).",
                    ),
                    "unit": UnitSerializer(),
                },
            )
        },
    )
    # Membership of this very unit is checked per object, in _unit_for.
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def location(self, request, pk=None):
        """A location fix. A fix older than the stored one, or dated less than
        LOCATION_MIN_INTERVAL_SECONDS after it (a unit's fixes are rate-limited), is ignored:
        200 with `stored: false` and `ignored` saying why, never an error."""
        unit = self._unit_for(allowed_roles=(Role.DISPATCHER, Role.INTAKE))
        fix = LocationSerializer(data=request.data)
        fix.is_valid(raise_exception=True)
        result = services.unit_record_location(
            unit=unit, min_interval=settings.LOCATION_MIN_INTERVAL, **fix.validated_data
        )
        stored = result == services.Fix.STORED
        return Response(
            {
                "stored": stored,
                "ignored": None if stored else result.value,
                "unit": UnitSerializer(self.get_object()).data,
            }
        )

    @extend_schema(request=UnitStatusSerializer, responses={200: UnitSerializer})
    @action(detail=True, methods=["post"], url_path="status", url_name="status", permission_classes=[IsAuthenticated])
    def status_change(self, request, pk=None):
        """Log the unit on (`available`) or take it out of service with a reason."""
        unit = self._unit_for(allowed_roles=(Role.DISPATCHER,))
        change = UnitStatusSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        services.unit_set_status(unit=unit, actor=request.user, **change.validated_data)
        return Response(UnitSerializer(self.get_object()).data, status=status.HTTP_200_OK)
