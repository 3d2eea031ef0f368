"""The calls API: intake and updates from 911, corrections, reads, status changes, assignment,
notes, triage decisions, safety alerts and outcomes (SPEC §4).

Views parse and authorise by role; ``dispatch.services`` decides, including who may move a
call. Serializers only validate shapes and choose what each reader may see.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coresponder.outages import retry_once_if_connection_lost
from coresponder.roles import Role, RolesOfOperation, allow
from dispatch import access, services
from dispatch.models import CallEvent, CrisisCall, Outcome
from dispatch.serializers import (
    AssignSerializer,
    CallChangeSerializer,
    CallFilter,
    CallIntakeSerializer,
    CallSerializer,
    EventSerializer,
    NoteSerializer,
    OutcomeSerializer,
    ResolveSerializer,
    TransitionSerializer,
)
from units.api import ID_PATTERN

READERS = access.READERS
MEMBERS = access.MEMBER_ROLES


class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = CallSerializer
    # Who may call each operation is declared on it with @allow; reading takes these roles
    # (a member sees only the calls they were on: dispatch.access).
    permission_classes = [RolesOfOperation]
    allowed_roles = (*READERS, Role.COUNSELOR, *MEMBERS)
    filterset_class = CallFilter
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, with no user
            return CrisisCall.objects.none()
        calls = CrisisCall.objects.select_related("outcome", "released_by").prefetch_related("alerts")
        return access.readable_calls(self.request.user, calls)

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
        intake = CallIntakeSerializer(data=request.data, context={"request": request})
        intake.is_valid(raise_exception=True)
        fields = intake.validated_data
        if fields.get("external_id"):  # idempotent on its incident number: safe to repeat
            call, created = retry_once_if_connection_lost(
                services.call_intake, actor=request.user, source=CallEvent.Source.API, **fields
            )
        else:  # without one, a commit whose answer was lost would be stored twice
            call, created = services.call_intake(actor=request.user, source=CallEvent.Source.API, **fields)
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
        fresh = CrisisCall.objects.select_related("outcome", "released_by").prefetch_related("alerts").get(pk=call.pk)
        return CallSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=CallChangeSerializer, responses={200: CallSerializer})
    @allow(Role.DISPATCHER)
    def partial_update(self, request, pk=None):
        """Correct a call, under the rules of an update from 911: a raised safety flag holds a
        waiting call or alerts its unit; a call that has ended refuses changes (409)."""
        call = self.get_object()
        change = CallChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        services.call_update(call=call, actor=request.user, source=CallEvent.Source.API, **change.validated_data)
        return Response(self._show(call))

    @extend_schema(request=TransitionSerializer, responses={200: CallSerializer})
    @action(detail=True, methods=["post"])
    @allow(Role.DISPATCHER, Role.COUNSELOR, *MEMBERS)
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
        events = call.events.select_related("actor__clinician", "actor__officer")
        return Response(EventSerializer(events, many=True, context={"request": request}).data)

    @extend_schema(responses={200: NoteSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def notes(self, request, pk=None):
        """The call's notes, newest first; clinical notes only for the clinicians who were on the call and supervisors."""
        call = self.get_object()
        notes = list(access.call_notes_for(request.user, call))
        services.clinical_notes_read(call=call, actor=request.user, notes=notes)
        return Response(NoteSerializer(notes, many=True).data)

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    @notes.mapping.post
    @allow(Role.INTAKE, Role.DISPATCHER, Role.COUNSELOR, *MEMBERS)
    def add_note(self, request, pk=None):
        """Add a note; `clinical` only by a clinician who was on the call."""
        call = self.get_object()
        entry = NoteSerializer(data=request.data)
        entry.is_valid(raise_exception=True)
        note = services.call_add_note(
            call=call, actor=request.user, source=CallEvent.Source.API, **entry.validated_data
        )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResolveSerializer, responses={200: CallSerializer})
    @action(detail=True, methods=["post"])
    @allow(Role.COUNSELOR)
    def resolve(self, request, pk=None):
        """Triage: the crisis line resolved the call by phone; this closes it."""
        call = self.get_object()
        decision = ResolveSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        services.call_resolve_by_phone(
            call=call, actor=request.user, source=CallEvent.Source.API,
            disposition=decision.validated_data["phone_disposition"], note=decision.validated_data.get("note", ""),
        )  # fmt: skip
        return Response(self._show(call))

    @extend_schema(request=None, responses={200: CallSerializer})
    @action(detail=True, methods=["post"])
    @allow(Role.DISPATCHER, *MEMBERS)
    def acknowledge(self, request, pk=None):
        """The call's safety alerts have been read: they stop showing red (who and when are kept)."""
        call = self.get_object()
        services.call_acknowledge_alerts(call=call, actor=request.user)
        return Response(self._show(call))
