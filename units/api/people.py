"""Clinicians and officers: /api/v1/clinicians/, /api/v1/officers/."""

from __future__ import annotations

import re

from rest_framework import mixins, serializers, viewsets

from coresponder.roles import Role
from coresponder.strict import StrictModelSerializer
from units import services
from units.api.common import ID_PATTERN, SupervisorWritesDispatcherReads
from units.models import Clinician, Credential, Officer

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
