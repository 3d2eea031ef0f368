"""The API's input is taken as written, never guessed at.

The API reads JSON only, so a value of the wrong JSON type is a mistake in the sender, not a
format to convert: ``"priority": "1"``, ``"weapons": 1`` or ``"name": 42`` are refused with a 400
that names the field, where Django REST framework would quietly coerce them, and a field the
request does not have is refused where it would be ignored. The same goes for
query parameters: ``?active=yes`` or an empty ``?nature=`` is refused rather than ignored, so a
dispatcher's tool that sends a bad filter learns it instead of reading every call. A request
that follows the published schema is never refused by these rules.
"""

from __future__ import annotations

from collections.abc import Mapping

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import relations, serializers


def _choice_kind(field: serializers.ChoiceField) -> type:
    return int if field.choices and all(isinstance(key, int) for key in field.choices) else str


def wrong_json_type(field: serializers.Field, value) -> str | None:
    """Why ``value`` is not of the JSON type ``field`` takes, or None if it is."""
    if value is None:
        return None  # allow_null is the field's own rule
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(field, serializers.ListField | serializers.MultipleChoiceField | relations.ManyRelatedField):
        if not isinstance(value, list):
            return "Must be a list."
        child = getattr(field, "child", None) or getattr(field, "child_relation", None)
        problems = [wrong_json_type(child, item) for item in value] if child is not None else []
        return next((problem for problem in problems if problem), None)
    if isinstance(field, serializers.ChoiceField):
        if _choice_kind(field) is int:
            return None if isinstance(value, int) and not isinstance(value, bool) else "Must be a whole number."
        return None if isinstance(value, str) else "Must be a string."
    if isinstance(field, serializers.IntegerField | relations.PrimaryKeyRelatedField):
        # float(int) would overflow past 1e308: an int is whole as it is.
        whole = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
        return None if whole else "Must be a whole number."
    if isinstance(field, serializers.FloatField | serializers.DecimalField):
        return None if is_number else "Must be a number."
    if isinstance(field, serializers.DictField | serializers.JSONField):
        return None
    if isinstance(field, serializers.CharField | serializers.DateTimeField | serializers.DateField):
        return None if isinstance(value, str) else "Must be a string."
    return None


class StrictTypes:
    """Refuse unknown fields, and fields of the wrong JSON type, before the fields parse them.

    An unknown field is refused rather than ignored because a misspelled one is lost silently:
    ``"wepons": true`` would send a unit to a call that should have been held for review.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            # A read-only field (a unit's status, a call's id) is not the request's either: taken
            # silently, it would look like a change that was never made.
            errors = {name: ["Not a field of this request; check the spelling."] for name in data
                      if name not in self.fields or self.fields[name].read_only}  # fmt: skip
            for name, field in self.fields.items():
                if not field.read_only and name in data:
                    problem = wrong_json_type(field, data[name])
                    if problem:
                        errors[name] = [problem]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictSerializer(StrictTypes, serializers.Serializer):
    pass


class StrictModelSerializer(StrictTypes, serializers.ModelSerializer):
    pass


EMPTY = "Give a value, or leave the parameter out."
NOT_YES_OR_NO = "Use true or false."


def query_errors(query, *, names, flags=()) -> dict[str, list[str]]:
    """What is wrong with query parameters ``names`` (``flags`` among them being yes/no): an
    empty value, or a flag that is neither ``true`` nor ``false``."""
    errors = {}
    for name in names:
        for value in query.getlist(name):
            if value == "":
                errors[name] = [EMPTY]
            elif name in flags and value not in ("true", "false"):
                errors[name] = [NOT_YES_OR_NO]
    return errors


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, except that an empty value, or a yes/no filter given anything but
    ``true`` or ``false``, is a 400 instead of being ignored."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        flags = [
            name for name, declared in filterset.filters.items() if isinstance(declared, django_filters.BooleanFilter)
        ]
        errors = query_errors(request.query_params, names=filterset.filters, flags=flags)
        if errors:
            raise serializers.ValidationError(errors)
        return filterset
