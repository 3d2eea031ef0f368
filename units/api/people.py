"""Clinicians and officers: /api/v1/clinicians/, /api/v1/officers/."""

from __future__ import annotations

import re

import django_filters
from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets

from coresponder.roles import Role, has_role
from coresponder.strict import StrictModelSerializer
from units import services
from units.api.common import ID_PATTERN, SupervisorWritesDispatcherReads
from units.models import Clinician, Credential, Officer
from units.selectors import people_matching
from units.services.people import LANGUAGE_CODE
from units.services.rules import credential_warning

# --- People -------------------------------------------------------------------------------------


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
        max_length=150,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Login of this person, if any: a new one is made (with no password: make a set-password link on "
        "their page), or a login of their role linked to nobody, matched in any case. An administrator's, another "
        "role's or someone else's login is refused (409 username_taken).",
    )

    credential_warning = serializers.SerializerMethodField(
        help_text='The licence or CIT training expired or expiring soon, e.g. "licence expires 12 Jan 2027"; '
        '"" when neither.'
    )

    def get_credential_warning(self, person) -> str:
        return credential_warning(person, timezone.localdate())

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # A login's name is the supervisors' to see (units.membership.display_name): to others, null.
        request = self.context.get("request")
        supervisor = request is not None and has_role(request.user, Role.SUPERVISOR)
        data["username"] = instance.user.username if instance.user_id and supervisor else None
        return data

    def validate_username(self, value):
        if value and not re.fullmatch(r"[\w.@+-]+", value):
            raise serializers.ValidationError("Letters, digits and @/./+/-/_ only.")
        return value or None


class ClinicianSerializer(ResponderSerializer):
    credential = serializers.ChoiceField(choices=Credential.choices)

    class Meta:
        model = Clinician
        fields = ["id", "name", "credential", "licence_number", "licence_expires_on", "languages", "phone", "active",
                  "username", "credential_warning"]  # fmt: skip


class OfficerSerializer(ResponderSerializer):
    class Meta:
        model = Officer
        fields = ["id", "name", "badge_number", "cit_trained", "cit_trained_on", "cit_expires_on", "languages", "phone",
                  "active", "username", "credential_warning"]  # fmt: skip
        # Uniqueness is the service's to say, in words, with a 409.
        extra_kwargs = {"badge_number": {"validators": []}}


class PeopleFilter(django_filters.FilterSet):
    search = extend_schema_field({"type": "string", "minLength": 1, "maxLength": 100})(
        django_filters.CharFilter(
            method="by_search", max_length=100, label="Name, login, badge or licence number contains"
        )
    )
    language = extend_schema_field({"type": "string", "pattern": LANGUAGE_CODE.pattern})(
        django_filters.CharFilter(
            method="by_language",
            validators=[RegexValidator(LANGUAGE_CODE, "Use an ISO 639-1 code such as 'es'.")],
            label="Speaks this language (ISO 639-1)",
        )
    )
    credential_expiring = django_filters.BooleanFilter(
        method="by_credential", label="Licence or CIT training expired or expiring soon (true), or neither (false)"
    )

    def by_search(self, people, name, value):
        return people_matching(people, search=value)

    def by_language(self, people, name, value):
        return people_matching(people, language=value)

    def by_credential(self, people, name, value):
        return people_matching(people, credential_expiring=value)


class ClinicianFilter(PeopleFilter):
    class Meta:
        model = Clinician
        fields = ["active"]


class OfficerFilter(PeopleFilter):
    class Meta:
        model = Officer
        fields = ["active"]


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
    filterset_class = ClinicianFilter
    role = Role.CLINICIAN


class OfficerViewSet(ResponderViewSet):
    serializer_class = OfficerSerializer
    filterset_class = OfficerFilter
    role = Role.OFFICER
