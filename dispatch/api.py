"""The calls API: intake, reads, status changes, assignment and outcomes (SPEC §4).

Views parse and authorise by role; ``dispatch.services`` decides, including who may move a
call. Serializers only validate shapes and choose what each reader may see.
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coresponder.roles import Role, RolesOfOperation, allow, has_role
from coresponder.strict import StrictModelSerializer, StrictSerializer
from dispatch import selectors, services
from dispatch.models import CallAlert, CallEvent, CrisisCall, Outcome
from units.api import ID_PATTERN
from units.models import Unit

READERS = (Role.INTAKE, Role.DISPATCHER, Role.SUPERVISOR)
MEMBERS = (Role.CLINICIAN, Role.OFFICER)


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallAlert
        fields = ["kind", "raised_at"]


class OutcomeSerializer(StrictModelSerializer):
    class Meta:
        model = Outcome
        fields = [
            "disposition",
            "referral",
            "arrest_made",
            "force_used",
            "follow_up_needed",
            "narrative",
            "recorded_at",
        ]
        read_only_fields = ["recorded_at"]

    def to_representation(self, outcome):
        """The narrative only for its readers (the view audits each one shown: see ``shown_narratives``)."""
        data = super().to_representation(outcome)
        request = self.context.get("request")
        if request is None or not selectors.can_read_narrative(request.user, outcome.call):
            data.pop("narrative")
        else:  # every view that shows a narrative must audit it: a missing list is an error
            self.context["shown_narratives"].append(outcome)
        return data


class CallSerializer(serializers.ModelSerializer):
    alerts = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = CrisisCall
        fields = [
            "id", "external_id", "status", "priority", "nature", "lat", "lon", "address",
            "weapons", "violence", "medical_emergency", "language", "caller_name", "callback_number", "notes",
            "received_at", "unit", "status_changed_at",
            "dispatched_at", "en_route_at", "on_scene_at", "cleared_at", "closed_at",
            "alerts", "outcome",
        ]  # fmt: skip
        read_only_fields = fields

    def get_alerts(self, call) -> list[dict]:
        active = [alert for alert in call.alerts.all() if alert.cleared_at is None]
        return AlertSerializer(active, many=True).data

    def get_outcome(self, call) -> dict | None:
        outcome = getattr(call, "outcome", None)
        return OutcomeSerializer(outcome, context=self.context).data if outcome else None


class CallIntakeSerializer(StrictModelSerializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    external_id = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    language = serializers.RegexField(r"^[a-z]{2}$", required=False, allow_blank=True, max_length=2)

    def validate_received_at(self, value):
        now = timezone.now()
        if value > now + timedelta(minutes=2):
            raise serializers.ValidationError("Must not be in the future; check the sender's clock.")
        if value < now - timedelta(days=1):
            raise serializers.ValidationError("Must be within the last 24 hours.")
        return value

    class Meta:
        model = CrisisCall
        fields = [
            "external_id", "received_at", "lat", "lon", "address", "nature", "priority",
            "weapons", "violence", "medical_emergency", "language", "caller_name", "callback_number", "notes",
        ]  # fmt: skip
        # Repeats are answered by the service with the stored call, not refused.
        validators = []
        extra_kwargs = {"received_at": {"required": False}}


class TransitionSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=CrisisCall.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class AssignSerializer(StrictSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who made the change; null when the system did.",
    )

    class Meta:
        model = CallEvent
        fields = ["id", "from_status", "to_status", "at", "actor", "source", "unit", "note"]


class CallFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CrisisCall.Status.choices)
    active = django_filters.BooleanFilter(method="filter_active", label="Calls not yet closed, cancelled or returned")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = CrisisCall
        fields = ["priority", "unit", "nature", "external_id"]

    def filter_active(self, queryset, name, value):
        terminal = Q(status__in=CrisisCall.TERMINAL_STATUSES)
        return queryset.exclude(terminal) if value else queryset.filter(terminal)


class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = CallSerializer
    # Who may call each operation is declared on it with @allow; reading takes these roles
    # (a member sees only their own units' calls: get_queryset).
    permission_classes = [RolesOfOperation]
    allowed_roles = (*READERS, *MEMBERS)
    filterset_class = CallFilter
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, with no user
            return CrisisCall.objects.none()
        calls = CrisisCall.objects.select_related("unit__clinician", "unit__officer", "outcome").prefetch_related(
            "alerts"
        )
        user = self.request.user
        if not has_role(user, *READERS):  # a clinician or officer sees their own units' calls
            calls = calls.filter(selectors.calls_of_member(user))
        return calls

    @extend_schema(
        request=CallIntakeSerializer,
        responses={
            201: CallSerializer,
            200: OpenApiResponse(CallSerializer, description="A repeat of a known external_id"),
        },
    )
    @allow(Role.INTAKE, Role.DISPATCHER)
    def create(self, request, *args, **kwargs):
        """Intake. Answers 201 with the new call, or 200 with the stored one for a known `external_id`."""
        intake = CallIntakeSerializer(data=request.data)
        intake.is_valid(raise_exception=True)
        call, created = services.call_intake(actor=request.user, source=CallEvent.Source.API, **intake.validated_data)
        return Response(self._show(call), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def get_serializer_context(self):
        # The serializers collect the narratives they show (this view lives for one request);
        # finalize_response audits them.
        if not hasattr(self, "_shown_narratives"):
            self._shown_narratives: list[Outcome] = []
        return super().get_serializer_context() | {"shown_narratives": self._shown_narratives}

    def finalize_response(self, request, response, *args, **kwargs):
        shown = getattr(self, "_shown_narratives", None)
        if shown and response.status_code < 400:
            services.outcome_narratives_read(outcomes=shown, actor=request.user)
        return super().finalize_response(request, response, *args, **kwargs)

    def _show(self, call: CrisisCall) -> dict:
        fresh = (
            CrisisCall.objects.select_related("unit__clinician", "outcome").prefetch_related("alerts").get(pk=call.pk)
        )
        return CallSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=TransitionSerializer, responses={200: CallSerializer})
    @action(detail=True, methods=["post"])
    @allow(Role.DISPATCHER, *MEMBERS)
    def transition(self, request, pk=None):
        """Move the call to another status (409 if the state machine refuses)."""
        call = self.get_object()
        move = TransitionSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        services.call_transition(
            call=call, to_status=move.validated_data["status"], note=move.validated_data.get("note", ""),
            actor=request.user, source=CallEvent.Source.API,
        )  # fmt: skip
        return Response(self._show(call))

    @extend_schema(request=AssignSerializer, responses={200: CallSerializer})
    @action(detail=True, methods=["post"])
    @allow(Role.DISPATCHER)
    def assign(self, request, pk=None):
        """Send a unit, or move the call to another unit (a reason is required to reassign)."""
        call = self.get_object()
        choice = AssignSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        services.call_assign(call=call, actor=request.user, source=CallEvent.Source.API, **choice.validated_data)
        return Response(self._show(call))

    @extend_schema(request=OutcomeSerializer, responses={201: CallSerializer})
    @action(detail=True, methods=["post"])
    @allow(Role.SUPERVISOR, Role.CLINICIAN)
    def outcome(self, request, pk=None):
        """Record how a cleared call ended; this closes it."""
        call = self.get_object()
        entry = OutcomeSerializer(data=request.data)
        entry.is_valid(raise_exception=True)
        services.call_record_outcome(call=call, actor=request.user, source=CallEvent.Source.API, **entry.validated_data)
        return Response(self._show(call), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: EventSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, pk=None):
        """The call's status history, oldest first."""
        call = self.get_object()
        return Response(EventSerializer(call.events.select_related("actor"), many=True).data)
