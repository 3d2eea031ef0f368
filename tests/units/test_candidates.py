"""The pair form that helps: for a chosen shift, only the people free for it, with their hours,
rest, languages and credentials, and a mark where a soft rule needs an override."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, ShiftTemplateFactory
from units import services
from units.forms import UnitPairForm
from units.models import Shift
from units.selectors import shifts_in_week
from units.services.candidates import shift_candidates

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
MONDAY = date(2030, 3, 4)  # clocks go forward on Sunday 10 March 2030


def at(day: int, hour: int) -> datetime:
    return datetime(2030, 3, day, hour, tzinfo=CHICAGO)


def shift(day: int, hour: int, hours: int = 8, name: str = "") -> Shift:
    starts_at = at(day, hour)
    ends_at = starts_at.astimezone(UTC) + timedelta(hours=hours)  # real hours, across a clock change too
    return ShiftFactory(name=name or f"{day} {hour}", starts_at=starts_at, ends_at=ends_at)


def pair(the_shift, clinician=None, officer=None, **kwargs):
    return services.unit_create(
        call_sign=kwargs.pop("call_sign", f"CR-{the_shift.pk}{the_shift.units.count() + 1}"),
        shift=the_shift,
        clinician=clinician or ClinicianFactory(),
        officer=officer or OfficerFactory(),
        **kwargs,
    )


def labels(candidates) -> dict[str, str]:
    return {c.person.name: c.label for c in candidates}


def test_people_in_an_overlapping_unit_or_inactive_are_not_offered():
    monday = shift(4, 7)
    busy = ClinicianFactory(name="Busy Bee")
    pair(shift(4, 11), clinician=busy)
    ClinicianFactory(name="Gone Away", active=False)
    ClinicianFactory(name="Free Person")
    clinicians, officers = shift_candidates(monday)
    assert [c.person.name for c in clinicians] == ["Free Person"]
    assert officers == []  # the only officer is in the overlapping unit


def test_hours_in_the_rolling_week_and_rest_since_the_last_shift_are_shown():
    maya = ClinicianFactory(name="Maya Patel", credential="LCSW", languages=["en", "es"])
    ClinicianFactory(name="Noah Kim", credential="RN", languages=[])
    pair(shift(4, 7), clinician=maya)
    found = labels(shift_candidates(shift(5, 7))[0])
    assert found["Maya Patel"] == "Maya Patel, LCSW · 16 h in 7 days · rest 16 h · en, es"
    assert found["Noah Kim"] == "Noah Kim, RN · 8 h in 7 days · no shift before · no language given"


def test_only_the_part_of_a_shift_inside_the_seven_days_counts_and_a_long_rest_is_in_days():
    dana = OfficerFactory(name="Dana Reyes", badge_number="4100")
    pair(shift(4, 7), officer=dana)  # Mon 07-15; the 7 days to Mon 11 Mar 11:00 CDT start Mon 4 Mar 10:00 CST
    found = labels(shift_candidates(shift(11, 3))[1])
    assert found["Dana Reyes"].startswith("Dana Reyes (#4100) · 13 h in 7 days · rest 6 days")


def test_a_soft_rule_is_marked_not_hidden():
    tired = ClinicianFactory(name="Ethan Moore")
    pair(shift(4, 7), clinician=tired)
    clinicians, _ = shift_candidates(shift(4, 19))
    assert labels(clinicians)["Ethan Moore"].endswith("rest 4 h · en — needs override: short rest")


def test_too_many_hours_in_seven_days_is_marked(settings):
    settings.ROSTER_MAX_WEEKLY = timedelta(hours=20)
    worker = OfficerFactory(name="Kelly Nguyen")
    pair(shift(4, 7), officer=worker)
    pair(shift(5, 7), officer=worker)
    _, officers = shift_candidates(shift(6, 7))
    assert labels(officers)["Kelly Nguyen"].endswith(
        "24 h in 7 days · rest 16 h · en — needs override: over 20 h in 7 days"
    )


def test_hours_and_rest_are_real_hours_across_the_spring_change():
    night = ShiftFactory(starts_at=at(9, 23), ends_at=at(10, 7))  # Sat 23:00 CST to Sun 07:00 CDT: seven hours
    luis = ClinicianFactory(name="Luis Ortega")
    pair(shift(9, 15), clinician=luis)  # ends Sat 23:00 CST
    clinicians, _ = shift_candidates(night)
    assert (
        labels(clinicians)["Luis Ortega"]
        == "Luis Ortega, LCSW · 15 h in 7 days · rest 0 h · en — needs override: short rest"
    )
    # Sunday 07:00 CDT after a Saturday evening that ended 23:00 CST is seven hours' rest, not eight.
    sunday = ShiftFactory(starts_at=at(10, 7), ends_at=at(10, 15))
    assert labels(shift_candidates(sunday)[0])["Luis Ortega"] == (
        "Luis Ortega, LCSW · 16 h in 7 days · rest 7 h · en — needs override: short rest"
    )


def test_credentials_expiring_soon_are_warned_and_expired_ones_need_an_override():
    today = timezone.localdate()
    soon = today + timedelta(days=10)
    ClinicianFactory(name="Grace Okafor", licence_expires_on=soon)
    OfficerFactory(name="Curtis Bell", cit_expires_on=today + timedelta(days=2))
    start = timezone.now() + timedelta(days=5)
    clinicians, officers = shift_candidates(ShiftFactory(starts_at=start, ends_at=start + timedelta(hours=8)))
    assert labels(clinicians)["Grace Okafor"].endswith(f"· en · licence expires {soon:%d %b %Y}")
    assert labels(officers)["Curtis Bell"].endswith(
        f"· CIT training expires {today + timedelta(days=2):%d %b %Y} — needs override: CIT training expired by then"
    )


def test_every_candidates_shifts_come_in_one_query_however_many_people():
    monday = shift(4, 7)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            shift_candidates(monday)
        return len(captured)

    for day in (5, 6):
        pair(shift(day, 7))
    few = queries()
    for day in (7, 8, 9):
        pair(shift(day, 7))
        pair(shift(day, 7))
    assert queries() == few == 3


def week_with_day_template():
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    services.week_build_from_templates(week_start=MONDAY)
    return Shift.objects.order_by("starts_at")


def test_without_a_shift_the_form_lists_every_active_person_as_before():
    week_with_day_template()
    ClinicianFactory(name="Maya Patel", credential="LCSW")
    OfficerFactory(name="Dana Reyes", badge_number="4100")
    form = UnitPairForm(shifts=shifts_in_week(MONDAY))
    assert [label for _, label in form.fields["clinician"].choices][1:] == ["Maya Patel, LCSW"]
    assert [label for _, label in form.fields["officer"].choices][1:] == ["Dana Reyes (#4100)"]


def test_a_preselected_shift_lists_the_free_people_and_suggests_a_call_sign():
    first, second = week_with_day_template()[:2]
    ClinicianFactory(name="Maya Patel")
    pair(first, call_sign="CR-11")
    form = UnitPairForm(shifts=shifts_in_week(MONDAY), initial={"shift": str(first.pk)})
    assert [label for _, label in form.fields["clinician"].choices][1:] == [
        "Maya Patel, LCSW · 8 h in 7 days · no shift before · en"
    ]
    assert form.initial["call_sign"] == "CR-12"
    assert form["shift"].value() == str(first.pk)
    assert len(UnitPairForm(shifts=shifts_in_week(MONDAY), initial={"shift": second}).fields["clinician"].choices) == 3


@pytest.mark.parametrize("junk", ["abc", "-1", "99999999999999999999", "", "1.5"])
def test_a_junk_shift_lists_everyone(junk):
    week_with_day_template()
    ClinicianFactory()
    form = UnitPairForm(shifts=shifts_in_week(MONDAY), initial={"shift": junk})
    assert form.chosen_shift is None
    assert len(form.fields["clinician"].choices) == 2


def test_the_form_endpoint_answers_htmx_with_the_form_for_the_shift(client, users):
    first = week_with_day_template()[0]
    ClinicianFactory(name="Maya Patel")
    client.force_login(users["supervisor"])
    response = client.get(f"/roster/pair/form/?week={MONDAY}&shift={first.pk}", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<form id="pair-form"' in body and "<html" not in body and "Context:" not in body
    assert "Maya Patel, LCSW · 8 h in 7 days · no shift before · en" in body


def test_the_form_endpoint_without_htmx_is_the_roster_page_with_the_shift_chosen(client, users):
    first = week_with_day_template()[0]
    client.force_login(users["supervisor"])
    response = client.get(f"/roster/pair/form/?week={MONDAY}&shift={first.pk}")
    assert response.status_code == 200
    assert response.context["form"].chosen_shift == first
    assert f'<option value="{first.pk}" selected>' in response.content.decode()


def test_a_person_chosen_who_is_no_longer_free_stays_chosen_and_is_refused_in_words(client, users):
    first = week_with_day_template()[0]
    maya = ClinicianFactory(name="Maya Patel")
    pair(first, clinician=maya, call_sign="CR-11")
    client.force_login(users["supervisor"])
    body = {
        "week": MONDAY,
        "shift": first.pk,
        "call_sign": "CR-12",
        "clinician": maya.pk,
        "officer": OfficerFactory().pk,
    }
    response = client.post("/roster/pair/", body)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["clinician"][0].startswith("Maya Patel is already in CR-11 for")
    assert (maya.pk, "Maya Patel, LCSW — not free for this shift") in form.fields["clinician"].choices


def test_the_override_help_names_every_soft_rule():
    assert UnitPairForm(shifts=Shift.objects.none()).fields["override_reason"].help_text == (
        "Only to break a rule on purpose: rest, weekly hours, or an expired licence or CIT training."
    )


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "intake", "counselor", "outsider"])
def test_only_supervisors_get_the_form(client, users, who):
    client.force_login(users[who])
    assert client.get("/roster/pair/form/", HTTP_HX_REQUEST="true").status_code == 403


def test_anonymous_visitors_of_the_form_are_sent_to_log_in(client):
    assert client.get("/roster/pair/form/", HTTP_HX_REQUEST="true")["HX-Redirect"].startswith("/accounts/login/")
