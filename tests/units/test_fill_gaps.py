"""Fill the gaps: suggestions for the shifts below their target, and accepting all, some or none.

The solver's guarantee (units/services/gaps.py) is checked here against the real services:
whatever is suggested is accepted by unit_create with no override, and a slot left empty really
had nobody who could take it."""

import contextlib
from datetime import date, time, timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from coresponder.errors import ConflictError
from coresponder.localtime import week_bounds
from tests.factories import ClinicianFactory, OfficerFactory, ShiftTemplateFactory
from units import services
from units.models import Clinician, Officer, Shift, ShiftTemplate, Unit
from units.services.gaps import gaps_accept, week_gaps
from units.services.rules import roster_breaches

pytestmark = pytest.mark.django_db
MONDAY = date(2030, 3, 4)  # a week in advance (a draft), with the spring clock change on its Sunday
PAGE = f"/roster/fill-gaps/?week={MONDAY}"


def day_template(target=2, name="Day", start=7, end=15):
    return ShiftTemplateFactory(name=name, start_time=time(start), end_time=time(end), target_units=target)


def build(week=MONDAY):
    services.week_build_from_templates(week_start=week)
    return list(Shift.objects.order_by("starts_at", "name"))


def week_hours(person) -> timedelta:
    start, end = week_bounds(MONDAY)
    units = person.units.filter(shift_starts_at__gte=start, shift_starts_at__lt=end)
    return sum((u.shift_ends_at - u.shift_starts_at for u in units), timedelta(0))


# --- what is suggested


def test_each_shift_is_filled_to_its_target_with_the_fewest_hours_first_and_the_demo_call_signs():
    day_template(target=2)
    ShiftTemplateFactory(name="Night", start_time=time(23), end_time=time(7), target_units=1)
    monday_day = build()[0]
    clinicians = [ClinicianFactory(name=n) for n in ("Ann", "Bea", "Cy", "Di", "Ed", "Flo")]
    officers = [OfficerFactory(name=n) for n in ("Gus", "Hal", "Ivy", "Jo", "Kit", "Lu")]
    services.unit_create(call_sign="CR-11", shift=monday_day, clinician=clinicians[0], officer=officers[0])
    plan = week_gaps(MONDAY)
    assert (plan.shifts, plan.slots, plan.empty) == (14, 20, [])
    first = plan.suggestions[0]
    assert (first.shift, first.call_sign) == (monday_day, "CR-12")  # CR-11 is taken
    assert (first.clinician.name, first.officer.name) == ("Bea", "Hal")  # Ann and Gus already work 8 h
    night = plan.suggestions[1]
    assert (night.shift.name, night.call_sign, night.clinician.name) == ("Night Mon 04 Mar", "CR-21", "Cy")
    hours = [week_hours(c) + sum((s.shift.duration for s in plan.suggestions if s.clinician == c), timedelta(0))
             for c in clinicians]  # fmt: skip
    assert max(hours) - min(hours) <= timedelta(hours=8)


def test_uniformed_units_do_not_count_towards_the_target_and_drafts_do():
    day_template(target=2)
    monday = build()[0]
    services.unit_create(call_sign="CR-11", shift=monday, clinician=ClinicianFactory(), officer=OfficerFactory(),
                         uniformed=True)  # fmt: skip
    services.unit_create(call_sign="CR-12", shift=monday, clinician=ClinicianFactory(), officer=OfficerFactory())
    assert Unit.objects.filter(draft=True).count() == 2
    ClinicianFactory()
    OfficerFactory()
    plan = week_gaps(MONDAY)
    assert [(s.shift, s.call_sign) for s in plan.suggestions if s.shift == monday] == [(monday, "CR-13")]


def test_shifts_not_from_a_template_or_already_over_have_no_slots():
    day_template(target=1)
    build()
    Shift.objects.update(template=None)
    assert week_gaps(MONDAY).shifts == 0
    day_template(target=1, name="Late")
    this_week = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    services.week_build_from_templates(week_start=this_week - timedelta(days=7))
    assert week_gaps(this_week - timedelta(days=7)).shifts == 0


def test_an_empty_slot_says_which_kind_nobody_could_be_and_why():
    day_template(target=2)
    monday, tuesday = build()[:2]
    dana = OfficerFactory(name="Dana Reyes")
    ClinicianFactory.create_batch(2)
    plan = week_gaps(MONDAY)
    assert [s.shift for s in plan.suggestions] == [monday, tuesday, *build()[2:]]
    assert plan.empty[0].shift == monday
    assert plan.empty[0].count == 1
    assert plan.empty[0].reason == "No officer free: 1 on another unit then."
    assert all(s.officer == dana for s in plan.suggestions)


def test_an_empty_slot_for_want_of_rest_says_so(settings):
    ShiftTemplateFactory(name="Late", start_time=time(15), end_time=time(23), weekdays=1, target_units=1)
    ShiftTemplateFactory(name="Early", start_time=time(5), end_time=time(13), weekdays=2, target_units=1)
    build()
    OfficerFactory(name="Dana Reyes", cit_expires_on=MONDAY + timedelta(days=30))
    ClinicianFactory.create_batch(2)
    plan = week_gaps(MONDAY)
    assert [(s.shift.name, s.call_sign) for s in plan.suggestions] == [("Late Mon 04 Mar", "CR-21")]
    assert [(e.shift.name, e.reason) for e in plan.empty] == [
        ("Early Tue 05 Mar", "No officer free: 1 without 8 h rest.")
    ]
    Officer.objects.update(active=False)
    assert week_gaps(MONDAY).empty[0].reason == "No active officer."


# --- the page


def test_a_week_with_no_gaps_says_so(client, users):
    day_template(target=0)
    build()
    client.force_login(users["supervisor"])
    response = client.get(PAGE)
    assert "No gaps: every shift of this week has its target of non-uniformed units." in response.content.decode()


def test_a_week_without_shifts_says_to_build_it_first(client, users):
    client.force_login(users["supervisor"])
    assert "Build the week from templates" in client.get(PAGE).content.decode()


def test_the_page_lists_each_suggestion_ticked_with_the_hours(client, users):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15), weekdays=1, target_units=1)
    build()
    ClinicianFactory(name="Maya Patel", credential="LCSW")
    OfficerFactory(name="Dana Reyes")
    client.force_login(users["supervisor"])
    body = client.get(PAGE).content.decode()
    assert 'Maya Patel, LCSW <span class="muted">(8 h this week)</span>' in body
    assert body.count('name="pick"') == 1 and "checked" in body
    assert "Accept selected" in body


def accept(client, keys):
    return client.post(PAGE, {"week": MONDAY, "pick": keys})


def test_accepting_some_pairs_those_as_drafts_and_no_others(client, users):
    day_template(target=1)
    build()
    ClinicianFactory.create_batch(2)
    OfficerFactory.create_batch(2)
    client.force_login(users["supervisor"])
    plan = week_gaps(MONDAY)
    chosen = [s for i, s in enumerate(plan.suggestions) if i != 1]
    response = accept(client, [s.key for s in chosen])
    assert response.status_code == 302 and response["Location"] == f"/roster/?week={MONDAY}"
    made = set(Unit.objects.values_list("shift_id", "call_sign", "clinician_id", "officer_id", "draft"))
    assert made == {(s.shift.pk, s.call_sign, s.clinician.pk, s.officer.pk, True) for s in chosen}
    page = client.get(response["Location"]).content.decode()
    assert "6 units paired as drafts (the week is not published): CR-11 on Day Mon 04 Mar" in page


def test_a_pick_refused_now_saves_nothing_and_says_which_and_why_with_fresh_suggestions(client, users):
    day_template(target=1)
    monday = build()[0]
    maya = ClinicianFactory(name="Maya Patel")
    OfficerFactory.create_batch(2)
    client.force_login(users["supervisor"])
    keys = [s.key for s in week_gaps(MONDAY).suggestions]
    # Another supervisor pairs Maya on Monday meanwhile.
    services.unit_create(call_sign="CR-19", shift=monday, clinician=maya, officer=OfficerFactory())
    response = accept(client, keys)
    assert response.status_code == 409
    assert Unit.objects.count() == 1
    assert response.context["errors"][0].startswith(
        "Nothing was saved: CR-11 on Day Mon 04 Mar (Mon 04 Mar 07:00–15:00) was refused. Maya Patel is already in CR-19"
    )
    fresh = response.context["plan"]
    assert fresh.suggestions[0].shift != monday


def test_in_a_published_week_the_page_says_accepted_pairings_are_live(client, users):
    day_template(target=1)
    build()
    services.week_publish(week_start=MONDAY, actor=users["supervisor"])
    ClinicianFactory()
    OfficerFactory()
    client.force_login(users["supervisor"])
    assert "This week is published: the pairings you accept are live at once" in client.get(PAGE).content.decode()
    response = accept(client, [s.key for s in week_gaps(MONDAY).suggestions])
    assert Unit.objects.filter(draft=False).count() == 7
    assert "7 units paired: CR-11 on Day Mon 04 Mar" in client.get(response["Location"]).content.decode()


def test_accepting_twice_pairs_once(client, users):
    day_template(target=1)
    build()
    ClinicianFactory()
    OfficerFactory()
    client.force_login(users["supervisor"])
    keys = [s.key for s in week_gaps(MONDAY).suggestions]
    accept(client, keys)
    again = accept(client, keys)
    assert again.status_code == 409 and "CR-11 is already used on Day Mon 04 Mar" in again.context["errors"][0]
    assert Unit.objects.count() == 7


@pytest.mark.parametrize(
    "picks",
    [[], ["nonsense"], ["1:CR 1:2:3"], ["999999:CR-1:1:1"], ["1:" + "X" * 17 + ":1:1"]],
    ids=["none", "nonsense", "space", "unknown shift", "long call sign"],
)
def test_bad_picks_show_the_page_again_with_the_reason(client, users, picks):
    day_template(target=1)
    build()
    ClinicianFactory()
    OfficerFactory()
    client.force_login(users["supervisor"])
    response = accept(client, picks)
    assert response.status_code == 400
    assert response.context["errors"] and response.context["plan"].suggestions
    assert Unit.objects.count() == 0


def test_a_shift_of_another_week_cannot_be_picked(client, users):
    day_template(target=1)
    build()
    build(MONDAY + timedelta(days=7))
    ClinicianFactory()
    OfficerFactory()
    later = week_gaps(MONDAY + timedelta(days=7)).suggestions[0]
    client.force_login(users["supervisor"])
    assert accept(client, [later.key]).status_code == 400


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "intake", "counselor", "outsider"])
def test_only_supervisors_open_fill_the_gaps(client, users, who):
    client.force_login(users[who])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"week": MONDAY, "pick": ["1:CR-1:1:1"]}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")


# --- the guarantee, on random small rosters

WEEK_BEFORE = MONDAY - timedelta(days=7)

templates = st.lists(
    st.tuples(st.integers(0, 23), st.integers(4, 12), st.integers(1, 127), st.integers(0, 3)), min_size=1, max_size=3
)
# (active, the credential's last valid day in days from Monday): mostly active, some expiring in the week.
people = st.lists(
    st.tuples(st.integers(0, 4).map(bool), st.integers(-3, 30).map(lambda d: None if d > 10 else d)),
    min_size=1,
    max_size=5,
)
stored = st.lists(st.tuples(st.integers(0, 99), st.integers(0, 3), st.integers(0, 3)), max_size=8)


def random_roster(template_specs, clinician_specs, officer_specs, unit_specs):
    """Templates, people (some inactive, some with a credential expiring in the week) and stored
    units (soft rules overridden, hard conflicts skipped) over this week and the one before."""
    for i, (hour, hours, weekdays, target) in enumerate(template_specs):
        end = (hour + hours) % 24
        ShiftTemplate.objects.create(name=f"T{i}", start_time=time(hour), end_time=time(end), weekdays=weekdays,
                                     target_units=target)  # fmt: skip
    for week in (WEEK_BEFORE, MONDAY):
        services.week_build_from_templates(week_start=week)
    shifts = list(Shift.objects.order_by("starts_at", "pk"))
    expiry = lambda days: None if days is None else MONDAY + timedelta(days=days)  # noqa: E731
    clinicians = [Clinician.objects.create(name=f"C{i}", credential="LCSW", active=active, licence_expires_on=expiry(d))
                  for i, (active, d) in enumerate(clinician_specs)]  # fmt: skip
    officers = [Officer.objects.create(name=f"O{i}", badge_number=f"{i}", active=active, cit_expires_on=expiry(d))
                for i, (active, d) in enumerate(officer_specs)]  # fmt: skip
    for n, (s, c, o) in enumerate(unit_specs):
        with contextlib.suppress(ConflictError):  # a hard conflict: that unit is not stored
            services.unit_create(call_sign=f"X-{n}", shift=shifts[s % len(shifts)], clinician=clinicians[c % len(clinicians)],
                                 officer=officers[o % len(officers)], override_reason="test roster")  # fmt: skip


def spreads(plan) -> tuple[timedelta, timedelta]:
    """For clinicians and for officers: max minus min of the week's hours, stored and suggested,
    among the active people of that kind."""
    result = []
    for model, field in ((Clinician, "clinician"), (Officer, "officer")):
        hours = {person.pk: week_hours(person) for person in model.objects.filter(active=True)}
        for s in plan.suggestions:
            hours[getattr(s, field).pk] += s.shift.duration
        result.append(max(hours.values()) - min(hours.values()) if hours else timedelta(0))
    return tuple(result)


def first_eligible(eligible, hours):
    return eligible[0]


@given(templates, people, people, stored, st.data())
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@override_settings(ROSTER_MAX_WEEKLY=timedelta(hours=30))  # so the rolling week's rule comes into play
def test_every_suggestion_and_any_part_of_them_is_accepted_without_override(
    template_specs, clinician_specs, officer_specs, unit_specs, data
):
    with transaction.atomic():
        random_roster(template_specs, clinician_specs, officer_specs, unit_specs)
        plan = week_gaps(MONDAY)
        event(f"suggestions: {min(len(plan.suggestions), 5)}+, slots left empty: {bool(plan.empty)}")
        assert len(plan.suggestions) + sum(e.count for e in plan.empty) == plan.slots
        some = (
            data.draw(st.lists(st.sampled_from(plan.suggestions), unique_by=lambda s: s.key))
            if plan.suggestions
            else []
        )
        with transaction.atomic():
            assert len(gaps_accept(picks=some)) == len(some)
            transaction.set_rollback(True)
        assert len(gaps_accept(picks=plan.suggestions)) == len(plan.suggestions)
        transaction.set_rollback(True)


def test_hours_are_spread_more_evenly_than_by_taking_the_first_free_person():
    day_template(target=1)
    build()
    for name in ("Ann", "Bea", "Cy"):
        ClinicianFactory(name=name)
        OfficerFactory(name=f"Officer {name}")
    assert spreads(week_gaps(MONDAY)) == (timedelta(hours=8), timedelta(hours=8))  # 24, 16 and 16 h
    assert spreads(week_gaps(MONDAY, chooser=first_eligible)) == (timedelta(hours=56), timedelta(hours=56))


def refuses_everyone(shift) -> bool:
    for clinician in Clinician.objects.all():
        for officer in Officer.objects.all():
            try:
                with transaction.atomic():
                    services.unit_create(call_sign="PROBE", shift=shift, clinician=clinician, officer=officer)
                    transaction.set_rollback(True)
            except ConflictError:
                continue
            return False
    return True


@given(templates, people, people, stored)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_slot_is_left_empty_only_when_no_pair_could_take_it_and_each_pick_has_the_fewest_hours_of_those_free(
    template_specs, clinician_specs, officer_specs, unit_specs
):
    """Brute force through the real services, slot by slot in the solver's order. (So each pick has
    no more hours than the first free person by name, whom a naive solver would take.)"""
    with transaction.atomic():
        random_roster(template_specs, clinician_specs, officer_specs, unit_specs)
        plan = week_gaps(MONDAY)
        event(f"suggestions: {bool(plan.suggestions)}, slots left empty: {bool(plan.empty)}")
        in_order = sorted(
            {x.shift for x in [*plan.suggestions, *plan.empty]}, key=lambda s: (s.starts_at, s.name, s.pk)
        )
        for the_shift in in_order:
            for s in (x for x in plan.suggestions if x.shift == the_shift):
                for kind, chosen in (("clinician", s.clinician), ("officer", s.officer)):
                    model = type(chosen)
                    others = model.objects.filter(active=True).exclude(pk=chosen.pk)
                    for other in others:
                        pair = {"clinician": s.clinician, "officer": s.officer, kind: other}
                        if any(b.member == kind for b in roster_breaches(shift=the_shift, **pair)):
                            continue  # not eligible
                        assert (week_hours(chosen), chosen.name) <= (week_hours(other), other.name)
                services.unit_create(call_sign=s.call_sign, shift=s.shift, clinician=s.clinician, officer=s.officer)
            if any(e.shift == the_shift for e in plan.empty):
                assert refuses_everyone(the_shift)
        transaction.set_rollback(True)


def test_forty_people_and_a_week_of_three_shifts_with_four_units_each(capsys):
    """Not a timed test: it prints the figure for the performance notes."""
    for name, start, end in (("Day", 7, 15), ("Evening", 15, 23), ("Night", 23, 7)):
        ShiftTemplateFactory(name=name, start_time=time(start), end_time=time(end), target_units=4)
    build()
    for i in range(20):
        ClinicianFactory(name=f"Clinician {i:02d}"), OfficerFactory(name=f"Officer {i:02d}")
    started = timezone.now()
    plan = week_gaps(MONDAY)
    took = timezone.now() - started
    assert plan.slots == 84
    with capsys.disabled():
        print(f"\nFill the gaps, 40 people x 21 shifts x 4: {took.total_seconds() * 1000:.0f} ms, "
              f"{len(plan.suggestions)} suggestions, {sum(e.count for e in plan.empty)} left short")  # fmt: skip
