"""Crisis-line triage (DISPATCH_INTAKE_MODE=triage, SPEC §2): calls wait for a counselor, who
resolves them by phone, sends a unit or returns them to 911; the sweeper flags long waits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.errors import ApplicationError, ConflictError
from dispatch.models import CallAlert, CrisisCall
from dispatch.services import call_auto_assign, call_intake, call_resolve_by_phone, call_transition, sweep
from tests.conftest import EVERYONE, expected
from tests.places import DOWNTOWN

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


@pytest.fixture(autouse=True)
def triage_mode(settings):
    settings.DISPATCH_INTAKE_MODE = "triage"


def new_call(**fields):
    return call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="suicidal_ideation", priority=2, **fields)[0]


def test_a_new_call_waits_for_a_counselor_not_for_a_unit(unit_at):
    unit_at(0.5)
    call = new_call()
    call_auto_assign(call_id=call.pk)
    call.refresh_from_db()
    assert call.status == S.TRIAGE
    assert call.events.first().note == "Call received by the crisis line"


def test_a_counselor_resolves_a_call_by_phone_and_it_closes_with_the_disposition(users):
    call = new_call()
    call_resolve_by_phone(call=call, actor=users["counselor"], disposition="referred_by_phone", note="988 follow-up")
    call.refresh_from_db()
    assert (call.status, call.phone_disposition, call.closed_at is not None) == (S.CLOSED, "referred_by_phone", True)
    assert call.events.last().note == "Referred by phone", "what the counselor wrote is a note, not history"
    assert call.call_notes.get().text == "988 follow-up"


def test_a_counselor_sends_a_unit_and_the_automatic_dispatcher_takes_over(users, unit_at):
    unit = unit_at(0.5)
    call = new_call()
    call_transition(call=call, to_status=S.RECEIVED, actor=users["counselor"])
    call_auto_assign(call_id=call.pk)
    call.refresh_from_db()
    assert (call.status, call.unit) == (S.DISPATCHED, unit)


def test_a_flagged_call_sent_on_by_the_crisis_line_is_held_for_a_dispatcher(users, unit_at):
    unit_at(0.5)
    call = new_call(weapons=True)
    assert call.status == S.TRIAGE
    call_transition(call=call, to_status=S.RECEIVED, actor=users["counselor"])
    call_auto_assign(call_id=call.pk)
    call.refresh_from_db()
    assert call.status == S.HELD


def test_closing_a_call_in_triage_needs_a_phone_disposition(users):
    call = new_call()
    with pytest.raises(ConflictError) as refusal:
        call_transition(call=call, to_status=S.CLOSED, actor=users["counselor"])
    assert refusal.value.code == "disposition_required"


@pytest.mark.parametrize("who", ["dispatcher", "supervisor", "intake", "clinician"])
def test_only_a_counselor_resolves_a_call_by_phone(users, who):
    call = new_call()
    with pytest.raises(ApplicationError) as refusal:
        call_resolve_by_phone(call=call, actor=users[who], disposition="resolved_by_phone")
    assert refusal.value.status_code == 403


def test_a_counselor_decides_only_calls_in_triage(users, call_in):
    queued = call_in(S.QUEUED)
    with pytest.raises(ApplicationError):
        call_transition(call=queued, to_status=S.CANCELLED, actor=users["counselor"])


@pytest.mark.parametrize("who", EVERYONE)
def test_the_resolve_endpoint_is_the_counselors(api, who):
    call = new_call()
    response = api(who).post(f"/api/v1/calls/{call.pk}/resolve/", {"phone_disposition": "no_answer"}, format="json")
    assert response.status_code == expected(200, who, {"counselor"})


def test_a_bad_phone_disposition_is_a_400_naming_the_field(api):
    call = new_call()
    response = api("counselor").post(f"/api/v1/calls/{call.pk}/resolve/", {"phone_disposition": "hung_up"},
                                     format="json")  # fmt: skip
    assert response.status_code == 400 and "phone_disposition" in response.json()["error"]["fields"]


def test_the_sweeper_flags_a_call_waiting_in_triage_too_long_and_clears_it_once_decided(users, settings):
    call = new_call()
    sweep(now=timezone.now() + settings.DISPATCH_TRIAGE_ALERT_AFTER + timedelta(seconds=1))
    assert CallAlert.objects.filter(call=call, kind="waiting_in_triage", cleared_at__isnull=True).exists()
    call_transition(call=call, to_status=S.RETURNED_TO_911, actor=users["counselor"])
    assert not CallAlert.objects.filter(call=call, cleared_at__isnull=True).exists()


def test_issue_token_knows_the_counselor_role():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("issue_token", "line-1", "--role", "counselor", stdout=out, stderr=StringIO())
    assert len(out.getvalue().strip().splitlines()[-1]) > 20


def test_a_counselor_reads_the_calls_that_came_through_triage_and_no_others(api, users, call_in):
    through = new_call()
    call_transition(call=through, to_status=S.RECEIVED, actor=users["counselor"])
    waiting = new_call()
    elsewhere = call_in(S.DISPATCHED)  # straight to the dispatcher: not the crisis line's
    listed = {call["id"] for call in api("counselor").get("/api/v1/calls/").json()["results"]}
    assert listed == {through.pk, waiting.pk}
    assert api("counselor").get(f"/api/v1/calls/{elsewhere.pk}/").status_code == 404
    assert (
        api("counselor").post(f"/api/v1/calls/{elsewhere.pk}/notes/", {"text": "x"}, format="json").status_code == 404
    )
