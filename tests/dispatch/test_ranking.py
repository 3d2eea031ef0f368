"""Which unit the automatic dispatcher sends (SPEC §3.1-3.2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import Assignment, CrisisCall
from dispatch.services import call_auto_assign, call_intake, queue_serve
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory
from tests.places import DOWNTOWN
from units.models import Unit

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


def new_call(**fields):
    fields = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "welfare_check", "priority": 2, **fields}
    call, _ = call_intake(**fields)
    return call


def dispatch(call) -> CrisisCall:
    call_auto_assign(call_id=call.pk)
    call.refresh_from_db()
    return call


def test_the_nearest_available_unit_is_sent(unit_at):
    far, near = unit_at(5, call_sign="FAR"), unit_at(1, call_sign="NEAR")
    call = dispatch(new_call())
    assert call.status == S.DISPATCHED
    assert call.unit == near
    near.refresh_from_db(), far.refresh_from_db()
    assert (near.status, far.status) == (Unit.Status.DISPATCHED, Unit.Status.AVAILABLE)
    assert call.dispatched_at is not None
    assert call.assignments.get().eta_seconds == pytest.approx(1 * 1.4 / 40 * 3600, rel=0.01)


def test_the_nearest_uniformed_unit_is_skipped(unit_at):
    unit_at(0.5, uniformed=True)
    plain = unit_at(3)
    assert dispatch(new_call()).unit == plain


def test_an_out_of_service_unit_is_skipped(unit_at):
    unit_at(0.5, status=Unit.Status.OUT_OF_SERVICE, out_of_service_reason="meal")
    ready = unit_at(3)
    assert dispatch(new_call()).unit == ready


def test_a_unit_whose_shift_has_ended_is_skipped_even_if_marked_available(unit_at):
    ended = ShiftFactory(starts_at=timezone.now() - timedelta(hours=9))
    unit_at(0.5, shift=ended)
    on_shift = unit_at(3)
    assert dispatch(new_call()).unit == on_shift


def test_a_unit_with_an_inactive_member_is_skipped(unit_at):
    unit_at(0.5, clinician=ClinicianFactory(active=False))
    unit_at(0.7, officer=OfficerFactory(active=False))
    whole = unit_at(3)
    assert dispatch(new_call()).unit == whole


def test_a_stale_location_ranks_after_every_fresh_one(unit_at):
    stale = unit_at(0.2)
    Unit.objects.filter(pk=stale.pk).update(location_at=timezone.now() - timedelta(hours=1))
    fresh_but_far = unit_at(8)
    assert dispatch(new_call()).unit == fresh_but_far
    assert dispatch(new_call()).unit == stale, "with no fresh unit left, the stale one goes"


def test_a_unit_that_never_reported_a_location_goes_last(unit_at):
    unknown = unit_at(None)
    stale = unit_at(0.2)
    Unit.objects.filter(pk=stale.pk).update(location_at=timezone.now() - timedelta(hours=1))
    assert dispatch(new_call()).unit == stale
    assert dispatch(new_call()).unit == unknown


def test_a_tie_goes_to_the_unit_available_longest(unit_at):
    now = timezone.now()
    recent = unit_at(2, status_changed_at=now - timedelta(minutes=1))
    longest = unit_at(2, status_changed_at=now - timedelta(minutes=30))
    assert dispatch(new_call()).unit == longest
    assert dispatch(new_call()).unit == recent


def test_with_no_eligible_unit_the_call_is_queued(unit_at):
    unit_at(1, uniformed=True)
    call = dispatch(new_call())
    assert call.status == S.QUEUED
    assert call.unit is None
    assert call.events.last().note == "No eligible unit"


def test_a_call_with_a_safety_flag_is_held_and_never_sent_automatically(unit_at):
    unit_at(1)
    call = new_call(weapons=True)
    assert call.status == S.HELD
    assert call.events.last().note == "Safety screen: weapons"
    assert dispatch(call).status == S.HELD


def test_queued_calls_are_served_by_priority_then_age_when_a_unit_frees_up(unit_at):

    busy = unit_at(1, status=Unit.Status.OUT_OF_SERVICE, out_of_service_reason="meal")
    old_routine = dispatch(new_call(priority=3, received_at=timezone.now() - timedelta(minutes=9)))
    old_urgent = dispatch(new_call(priority=2, received_at=timezone.now() - timedelta(minutes=5)))
    new_urgent = dispatch(new_call(priority=2))
    emergent = dispatch(new_call(priority=1))
    assert {c.status for c in (old_routine, old_urgent, new_urgent, emergent)} == {S.QUEUED}

    served = []
    for _ in range(4):
        Unit.objects.filter(pk=busy.pk).update(status=Unit.Status.AVAILABLE, out_of_service_reason="")
        queue_serve()
        call = CrisisCall.objects.get(status=S.DISPATCHED)
        served.append(call)
        CrisisCall.objects.filter(pk=call.pk).update(status=S.CLOSED)
        call.assignments.update(ended_at=timezone.now())
    assert served == [emergent, old_urgent, new_urgent, old_routine]


def test_a_unit_that_never_reported_a_location_is_sent_with_no_made_up_travel_time(unit_at):
    unit_at(None, call_sign="NOFIX")
    call, _ = call_intake(lat=DOWNTOWN[0], lon=DOWNTOWN[1], nature="other", priority=3)
    call_auto_assign(call_id=call.pk)
    assignment = Assignment.objects.get(call=call)
    assert assignment.eta_seconds is None
    assert call.events.last().note == "Eligible unit NOFIX; its location is unknown"


def test_an_estimator_answering_nonsense_falls_back_to_the_straight_line(settings, unit_at):
    settings.DISPATCH_ETA_ESTIMATOR = "tests.dispatch.test_ranking.AbsurdEstimator"
    from dispatch import eta

    eta._configured_estimator.cache_clear()
    try:
        assert eta.travel_seconds([(38.64, -90.2)], DOWNTOWN)[0] == pytest.approx(
            eta.StraightLineEstimator().seconds([(38.64, -90.2)], DOWNTOWN)[0]
        )
    finally:
        eta._configured_estimator.cache_clear()


class AbsurdEstimator:
    def seconds(self, origins, destination):
        return [2**40 for _ in origins]


# --- A caller who needs a language (DISPATCH_LANGUAGE_EXTRA_SECONDS, 300 s by default) -----------
# At the tests' 40 km/h and circuity 1.4 a kilometre is 126 s: 300 s is about 2.4 km.


def free(call):
    """The call is over and its unit available again."""
    CrisisCall.objects.filter(pk=call.pk).update(status=S.CLOSED)
    call.assignments.update(ended_at=timezone.now())
    Unit.objects.filter(pk=call.unit_id).update(status=Unit.Status.AVAILABLE)


def speaking(language="es", **unit_fields):
    """A unit whose officer (not only a clinician counts) speaks ``language``."""
    return {"officer": OfficerFactory(name="Luis Ortega", languages=["en", language]), **unit_fields}


def test_a_unit_that_speaks_the_callers_language_goes_though_up_to_five_minutes_farther(unit_at):
    unit_at(1, call_sign="NEAR")
    speaker = unit_at(3, call_sign="SPEAKS", **speaking())  # 252 s farther
    call = dispatch(new_call(language="es"))
    assert call.unit == speaker
    assert call.events.last().note == "Eligible unit SPEAKS, about 6 min away, speaks ES"


def test_beyond_the_extra_time_the_nearest_unit_goes_whatever_it_speaks(unit_at):
    near = unit_at(1, call_sign="NEAR")
    unit_at(4, call_sign="SPEAKS", **speaking())  # 378 s farther
    assert dispatch(new_call(language="es")).unit == near


def test_the_extra_time_is_a_setting_and_zero_turns_the_preference_off(settings, unit_at):
    near = unit_at(1)
    speaker = unit_at(4, **speaking())
    settings.DISPATCH_LANGUAGE_EXTRA_SECONDS = 400
    call = dispatch(new_call(language="es"))
    assert call.unit == speaker
    free(call)
    settings.DISPATCH_LANGUAGE_EXTRA_SECONDS = 0
    assert dispatch(new_call(language="es")).unit == near


def test_a_call_in_the_programs_own_language_or_none_prefers_no_one(settings, unit_at):
    near = unit_at(1, clinician=ClinicianFactory(languages=["es"]), officer=OfficerFactory(languages=["es"]))
    unit_at(2, call_sign="ENGLISH")
    for language in ("en", ""):
        call = dispatch(new_call(language=language))
        assert call.unit == near
        free(call)
    settings.DISPATCH_DEFAULT_LANGUAGE = "es"
    speaker = unit_at(1.5, **speaking("en"))
    assert dispatch(new_call(language="es")).unit == near, "Spanish is this program's own language"
    assert dispatch(new_call(language="en")).unit == speaker, "and English a language to prefer"


def test_a_speaker_is_found_beyond_the_nearest_few_units_the_database_returns(settings, unit_at):
    settings.DISPATCH_CANDIDATES = 2  # the nearest 6 by the index, then the exact ranking
    for i in range(8):
        unit_at(1 + i / 10, call_sign=f"NEAR-{i}")
    speaker = unit_at(2.9, call_sign="SPEAKS", **speaking())  # 239 s farther than the nearest
    assert dispatch(new_call(language="es")).unit == speaker


def test_a_fresh_location_still_beats_a_stale_one_that_speaks_the_language(unit_at):
    speaker = unit_at(0.5, **speaking())
    Unit.objects.filter(pk=speaker.pk).update(location_at=timezone.now() - timedelta(hours=1))
    fresh = unit_at(2)
    assert dispatch(new_call(language="es")).unit == fresh


def test_the_recommendation_list_ranks_and_names_who_speaks_the_language(client, users, unit_at):
    unit_at(1, call_sign="NEAR")
    unit_at(3, call_sign="SPEAKS", clinician=ClinicianFactory(name="Maya Patel", languages=["en", "es"]))
    unit_at(2, call_sign="UNIFORMED", uniformed=True, **speaking())
    call = new_call(language="es", weapons=True)  # held: the dispatcher chooses
    client.force_login(users["dispatcher"])
    page = client.get(f"/board/calls/{call.pk}/recommend/").content.decode()
    assert page.index("Assign SPEAKS") < page.index("Assign NEAR") < page.index("Assign UNIFORMED")
    assert "speaks ES: Maya Patel</span>" in page
    assert "speaks ES: Luis Ortega</span>" in page, "a unit the dispatcher may send by hand says it too"
    assert page.count("speaks ES") == 2
