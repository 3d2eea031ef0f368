"""The roster's REST API: clinicians, officers, shifts, units, and a unit's status and location.

Views parse and authorise; ``units.services`` decides. Serializers here only validate shapes.
"""

from __future__ import annotations

import re

import django_filters
from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from coresponder.localtime import day_bounds, week_bounds, week_start_of
from coresponder.roles import Role, has_role, role_permission
from coresponder.strict import StrictModelSerializer, StrictSerializer
from units import services
from units.membership import is_member
from units.models import Clinician, Credential, Officer, Shift, ShiftTemplate, Unit
from units.selectors import units_with_current_call

IsSupervisor = role_permission(Role.SUPERVISOR)
IsSupervisorOrDispatcher = role_permission(Role.SUPERVISOR, Role.DISPATCHER)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Ids in paths are bounded so that a huge number is a 404, never a database overflow.
ID_PATTERN = "[0-9]{1,18}"


class SupervisorWritesDispatcherReads(BasePermission):
    message = "Only supervisors may change the roster."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return has_role(request.user, Role.SUPERVISOR, Role.DISPATCHER)
        return has_role(request.user, Role.SUPERVISOR)


# --- People -------------------------------------------------------------------------------------

LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


class LanguagesField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.CharField(max_length=2, min_length=2), max_length=20, required=False, **kwargs
        )

    def to_internal_value(self, data):
        codes = super().to_internal_value(data)
        bad = [code for code in codes if not LANGUAGE_CODE.match(code)]
        if bad:
            raise serializers.ValidationError(f"Use ISO 639-1 codes such as 'en' or 'es', not {', '.join(bad)}.")
        return list(dict.fromkeys(codes))


class ResponderSerializer(StrictModelSerializer):
    languages = LanguagesField()
    username = serializers.CharField(
        max_length=150, required=False, allow_null=True, allow_blank=True, help_text="Login of this person, if any."
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["username"] = instance.user.username if instance.user_id else None
        return data

    def validate_username(self, value):
        if value and not re.fullmatch(r"[\w.@+-]+", value):
            raise serializers.ValidationError("Letters, digits and @/./+/-/_ only.")
        return value or None


class ClinicianSerializer(ResponderSerializer):
    credential = serializers.ChoiceField(choices=Credential.choices)

    class Meta:
        model = Clinician
        fields = ["id", "name", "credential", "languages", "active", "username"]


class OfficerSerializer(ResponderSerializer):
    class Meta:
        model = Officer
        fields = ["id", "name", "badge_number", "cit_trained", "languages", "active", "username"]
        # Uniqueness is the service's to say, in words, with a 409.
        extra_kwargs = {"badge_number": {"validators": []}}


class ResponderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [SupervisorWritesDispatcherReads]
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["active"]
    role: str

    def get_queryset(self):
        return self.serializer_class.Meta.model.objects.select_related("user")

    def perform_create(self, serializer):
        serializer.instance = services.responder_save(
            responder=self.serializer_class.Meta.model(), role=self.role, actor=self.request.user,
            **serializer.validated_data,
        )  # fmt: skip

    def perform_update(self, serializer):
        serializer.instance = services.responder_save(
            responder=serializer.instance, role=self.role, actor=self.request.user, **serializer.validated_data
        )


class ClinicianViewSet(ResponderViewSet):
    serializer_class = ClinicianSerializer
    role = Role.CLINICIAN


class OfficerViewSet(ResponderViewSet):
    serializer_class = OfficerSerializer
    role = Role.OFFICER


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
