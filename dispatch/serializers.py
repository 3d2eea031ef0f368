"""The calls API's input and output shapes (dispatch/api.py uses them). Serializers here only
validate shapes and choose what each reader may see; they never write."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coresponder.roles import Role, has_role
from coresponder.strict import StrictModelSerializer, StrictSerializer
from dispatch import access
from dispatch.models import CallAlert, CallEvent, CallNote, CrisisCall, Outcome
from dispatch.services.intake import known_call
from units.membership import display_name
from units.models import Unit


@extend_schema_field({"type": "string", "nullable": True})
class PersonField(serializers.Field):
    """A person as others see them: by name, never by login, which only supervisors are shown."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, user) -> str:
        request = self.context.get("request")
        if request is not None and has_role(request.user, Role.SUPERVISOR):
            return user.get_username()
        return display_name(user)


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallAlert
        fields = ["kind", "raised_at", "note"]


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

    # Clinical data: only for the call's clinicians and supervisors (dispatch.access).
    CLINICAL_FIELDS = ("narrative", "referral")

    def to_representation(self, outcome):
        """The narrative and referral only for their readers (the view audits each narrative
        shown: see ``shown_narratives``)."""
        data = super().to_representation(outcome)
        request = self.context.get("request")
        if request is None or not access.may_read_clinical(request.user, outcome.call):
            for name in self.CLINICAL_FIELDS:
                data.pop(name)
        else:  # every view that shows a narrative must audit it: a missing list is an error
            self.context["shown_narratives"].append(outcome)
        return data


class CallSerializer(serializers.ModelSerializer):
    alerts = serializers.SerializerMethodField()
    phone_disposition = serializers.ChoiceField(
        choices=CrisisCall.PhoneDisposition.choices, allow_blank=True, read_only=True,
        help_text="How the crisis line closed the call without a unit (triage mode); empty otherwise.",
    )  # fmt: skip
    released_by = PersonField(help_text="The dispatcher who released the call's safety flags for automatic dispatch.")
    outcome = serializers.SerializerMethodField()

    class Meta:
        model = CrisisCall
        fields = [
            "id", "external_id", "external_numbering", "status", "priority", "nature", "lat", "lon", "address",
            *CrisisCall.SAFETY_FLAGS, "released_at", "released_by",
            "language", "caller_name", "callback_number", "notes",
            "received_at", "unit", "status_changed_at",
            "dispatched_at", "en_route_at", "on_scene_at", "cleared_at", "closed_at", "phone_disposition",
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
    """A new call, or (with a known ``external_id``) 911's update of it."""

    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    external_id = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    language = serializers.RegexField(r"^[a-z]{2}$", required=False, allow_blank=True, max_length=2)
    updated_at = serializers.DateTimeField(
        required=False,
        help_text="When the sender last changed the call; an update older than the last one applied changes nothing.",
    )

    def validate_received_at(self, value):
        external_id = self.initial_data.get("external_id")
        request = self.context.get("request")
        if external_id and isinstance(external_id, str) and known_call(request and request.user, external_id):
            return value  # a repeat: the stored receipt stands, however long ago it was
        now = timezone.now()
        if value > now + timedelta(minutes=2):
            raise serializers.ValidationError("Must not be in the future; check the sender's clock.")
        if value < now - timedelta(days=1):
            raise serializers.ValidationError("Must be within the last 24 hours.")
        return value

    class Meta:
        model = CrisisCall
        fields = [
            "external_id", "received_at", "updated_at", "lat", "lon", "address", "nature", "priority",
            *CrisisCall.SAFETY_FLAGS, "language", "caller_name", "callback_number", "notes",
        ]  # fmt: skip
        # Repeats are updates of the stored call (the service's to apply), not refused.
        validators = []
        extra_kwargs = {"received_at": {"required": False}}


class CallChangeSerializer(StrictModelSerializer):
    """A dispatcher's correction of a call: what the 911 CAD could update, nothing else."""

    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)
    language = serializers.RegexField(r"^[a-z]{2}$", required=False, allow_blank=True, max_length=2)

    class Meta:
        model = CrisisCall
        fields = ["lat", "lon", "address", "nature", "priority", *CrisisCall.SAFETY_FLAGS, "language",
                  "caller_name", "callback_number", "notes"]  # fmt: skip
        extra_kwargs = {name: {"required": False} for name in fields}


class NoteSerializer(StrictModelSerializer):
    author = serializers.CharField(source="author_name", read_only=True)

    class Meta:
        model = CallNote
        fields = ["id", "at", "author", "source", "text", "clinical"]
        read_only_fields = ["id", "at", "author", "source"]


class ResolveSerializer(StrictSerializer):
    phone_disposition = serializers.ChoiceField(choices=CrisisCall.PhoneDisposition.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TransitionSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=CrisisCall.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class AssignSerializer(StrictSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class EventSerializer(serializers.ModelSerializer):
    actor = PersonField(help_text="Who made the change (by name; supervisors see the login); null: the system.")

    class Meta:
        model = CallEvent
        fields = ["id", "kind", "from_status", "to_status", "at", "actor", "source", "unit", "note"]


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
