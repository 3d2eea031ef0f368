"""A hypothesis stateful test of calls and units: random intake (and 911's repeats of it), updates
raising and lowering safety flags and moving calls, availability changes, assignment (and
redelivery of it), manual moves (release, hold, back to queue), manual dispatch, reassignment,
cancellation, outcomes, sweeps and the roster's clock -- and, in triage mode, a counselor's
decisions -- with the dispatcher's invariants checked after every step. The safety hold is one of
them: no flagged call a dispatcher has not released is ever sent by the system, on any path.
Another: a unit of an unpublished (draft) week, nearest of all to every call, never comes on duty
and is never sent, by the system or by hand."""

import contextlib
import itertools
from collections import Counter

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from coresponder.errors import ApplicationError
from dispatch import safety
from dispatch.eligibility import eligible_units
from dispatch.models import Assignment, CallEvent, CrisisCall
from dispatch.selectors import declined_unit_ids
from dispatch.services import (
    call_assign,
    call_auto_assign,
    call_intake,
    call_record_outcome,
    call_resolve_by_phone,
    call_transition,
    call_update,
    queue_serve,
    sweep,
)
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory, UserFactory
from tests.places import DOWNTOWN, north_of
from units.models import Unit
from units.services import unit_set_status, units_follow_clock

S = CrisisCall.Status
FLAGS = list(CrisisCall.SAFETY_FLAGS)


class Dispatching(RuleBasedStateMachine):
    @initialize()
    def roster(self):
        with connection.cursor() as cursor:  # a call's history refuses DELETE but from a DBA (dispatch 0003)
            cursor.execute("SET session_replication_role = replica")
            CrisisCall.objects.all().delete()
            cursor.execute("SET session_replication_role = origin")
        Unit.objects.all().delete()
        self.dispatcher = UserFactory(username="sm-dispatcher", role="dispatcher")
        self.supervisor = UserFactory(username="sm-supervisor", role="supervisor")
        self.counselor = UserFactory(username="sm-counselor", role="counselor")
        shift = ShiftFactory()
        now = timezone.now()
        self.units = []
        for i, km in enumerate((0.5, 2, 4)):
            lat, lon = north_of(DOWNTOWN, km)
            self.units.append(
                UnitFactory(
                    shift=shift,
                    clinician=ClinicianFactory(),
                    officer=OfficerFactory(),
                    lat=lat,
                    lon=lon,
                    location_at=now,
                    uniformed=(i == 2),
                    call_sign=f"SM-{i}",
                )
            )
        # In a draft week (never published), on a shift covering now, parked right downtown.
        self.draft_unit = UnitFactory(
            shift=shift, call_sign="SM-DRAFT", draft=True, status=Unit.Status.OFF_DUTY,
            lat=DOWNTOWN[0], lon=DOWNTOWN[1], location_at=now,
        )  # fmt: skip
        self.units.append(self.draft_unit)
        self.calls: list[int] = []
        self.flagged_at_intake: set[int] = set()
        self.assignments_seen: set[int] = set()

    def call_id(self, index: int):
        return self.calls[index % len(self.calls)] if self.calls else None

    @rule(priority=st.integers(1, 3), km=st.floats(-5, 5), flag=st.sampled_from(["", *FLAGS]), repeat=st.booleans())
    def intake(self, priority, km, flag, repeat):
        """A new call, or 911 posting a known one again (an update, refused once the call ended)."""
        lat, lon = north_of(DOWNTOWN, km)
        external_id = f"sm-{len(self.calls) - (1 if repeat and self.calls else 0)}"
        flags = {flag: True} if flag else {}
        try:
            call, created = call_intake(external_id=external_id, lat=lat, lon=lon, nature="other", priority=priority,
                                        **flags)  # fmt: skip
        except ApplicationError:
            assert repeat, "only a repeat of an ended call is refused"
            return
        if created:
            self.calls.append(call.pk)
            if flag:
                self.flagged_at_intake.add(call.pk)

    @rule(index=st.integers(0, 50), flag=st.sampled_from(FLAGS), raised=st.booleans(), km=st.none() | st.floats(-5, 5))
    def update(self, index, flag, raised, km):
        """911 or a dispatcher raises or lowers a safety flag, and perhaps moves the call."""
        if (pk := self.call_id(index)) is None:
            return
        moved = dict(zip(("lat", "lon"), north_of(DOWNTOWN, km), strict=True)) if km is not None else {}
        with contextlib.suppress(ApplicationError):
            call_update(call=CrisisCall.objects.get(pk=pk), actor=self.dispatcher, source="api", **{flag: raised},
                        **moved)  # fmt: skip

    @rule(index=st.integers(0, 50), times=st.integers(1, 3))
    def assign_automatically(self, index, times):
        if (pk := self.call_id(index)) is not None:
            for _ in range(times):  # redelivered messages
                call_auto_assign(call_id=pk)

    @rule()
    def serve(self):
        queue_serve()

    @rule()
    def sweep_now(self):
        sweep()
        # Liveness: after a sweep no call waits in the queue while a unit it could take is free.
        free = set(eligible_units(timezone.now()).values_list("pk", flat=True))
        queued = list(CrisisCall.objects.filter(status=S.QUEUED).values_list("pk", flat=True))
        declined = declined_unit_ids(queued)
        for pk in queued:
            assert free <= declined.get(pk, set()), f"call {pk} waits while {free} are free"

    @rule(index=st.integers(0, 50), to=st.sampled_from(S.values))
    def dispatcher_moves(self, index, to):
        if (pk := self.call_id(index)) is None:
            return
        call = CrisisCall.objects.get(pk=pk)
        try:
            call_transition(call=call, to_status=to, actor=self.dispatcher, note="sm")
        except ApplicationError:
            assert CrisisCall.objects.get(pk=pk).status == call.status, "a refused move changes nothing"

    @rule(index=st.integers(0, 50), unit=st.integers(0, 3))
    def dispatcher_assigns(self, index, unit):
        if (pk := self.call_id(index)) is None:
            return
        with contextlib.suppress(ApplicationError):
            call_assign(call=CrisisCall.objects.get(pk=pk), unit=self.units[unit], actor=self.dispatcher, reason="sm")

    @rule()
    def roster_clock(self):
        units_follow_clock()

    @rule(unit=st.integers(0, 3), available=st.booleans())
    def unit_status(self, unit, available):
        with contextlib.suppress(ApplicationError):
            unit_set_status(unit=self.units[unit], status="available" if available else "out_of_service", reason="meal")

    @rule(index=st.integers(0, 50))
    def record_outcome(self, index):
        if (pk := self.call_id(index)) is None:
            return
        with contextlib.suppress(ApplicationError):
            call_record_outcome(call=CrisisCall.objects.get(pk=pk), actor=self.supervisor, disposition="referred")

    @invariant()
    def no_flagged_call_is_sent_by_the_system_before_a_dispatcher_releases_it(self):
        for call in CrisisCall.objects.filter(status__in=CrisisCall.AUTO_DISPATCH_STATUSES):
            assert not safety.awaits_release(call), f"call {call.pk} waits for the automatic dispatcher unreleased"
        new = Assignment.objects.exclude(pk__in=self.assignments_seen).select_related("call")
        for assignment in new:
            if assignment.assigned_by_id is None:  # sent by the system, in the step just taken
                assert not safety.awaits_release(assignment.call), f"call {assignment.call_id} sent automatically"
            self.assignments_seen.add(assignment.pk)

    @invariant()
    def a_draft_weeks_unit_never_comes_on_duty_nor_gets_a_call(self):
        draft = Unit.objects.get(pk=self.draft_unit.pk)
        assert (draft.draft, draft.status) == (True, Unit.Status.OFF_DUTY)
        assert not Assignment.objects.filter(unit=draft).exists()

    @invariant()
    def no_unit_on_two_calls_and_no_call_on_two_units(self):
        active = list(Assignment.objects.filter(ended_at__isnull=True).values_list("call_id", "unit_id"))
        assert max(Counter(u for _, u in active).values(), default=0) <= 1
        assert max(Counter(c for c, _ in active).values(), default=0) <= 1

    @invariant()
    def units_follow_their_calls(self):
        on_call = dict(Assignment.objects.filter(ended_at__isnull=True).values_list("unit_id", "call_id"))
        for unit in Unit.objects.all():
            if unit.pk in on_call:
                call = CrisisCall.objects.get(pk=on_call[unit.pk])
                assert call.status in CrisisCall.WITH_UNIT_STATUSES and call.unit_id == unit.pk
                assert unit.status == call.status
            else:
                assert unit.status not in Unit.BUSY_STATUSES

    @invariant()
    def every_call_is_accounted_for_and_its_history_is_a_chain(self):
        for call in CrisisCall.objects.all():
            if call.status in CrisisCall.WITH_UNIT_STATUSES:
                assert Assignment.objects.filter(call=call, ended_at__isnull=True).exists()
            if call.status in (S.QUEUED, S.RECEIVED, S.HELD):
                assert call.unit_id is None
            history = CallEvent.objects.filter(call=call, kind=CallEvent.Kind.STATUS)
            events = list(history.values_list("from_status", "to_status"))
            assert events[0] in (("", S.RECEIVED), ("", S.TRIAGE))
            for (_, previous_to), (following_from, _) in itertools.pairwise(events):
                assert following_from == previous_to
            assert events[-1][1] == call.status
            if call.pk in self.flagged_at_intake and events[0] == ("", S.RECEIVED):
                assert events[1] == (S.RECEIVED, S.HELD), "a call flagged at intake is held before anything else"


def run(machine, *, examples: int) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )


@pytest.mark.django_db
def test_the_dispatchers_invariants_hold_under_random_operations():
    run(Dispatching, examples=60)


class TriageDispatching(Dispatching):
    """The same, with the crisis line first: calls wait in triage for a counselor's decision."""

    def __init__(self):
        super().__init__()
        self._mode = override_settings(DISPATCH_INTAKE_MODE="triage")
        self._mode.enable()

    def teardown(self):
        self._mode.disable()
        super().teardown()

    @rule(index=st.integers(0, 50), decision=st.sampled_from(["resolve", S.RECEIVED, S.RETURNED_TO_911]))
    def counselor_decides(self, index, decision):
        if (pk := self.call_id(index)) is None:
            return
        call = CrisisCall.objects.get(pk=pk)
        with contextlib.suppress(ApplicationError):
            if decision == "resolve":
                call_resolve_by_phone(call=call, actor=self.counselor, disposition="resolved_by_phone")
            else:
                call_transition(call=call, to_status=decision, actor=self.counselor)


@pytest.mark.django_db
def test_the_invariants_hold_with_the_crisis_line_deciding_first():
    run(TriageDispatching, examples=30)
