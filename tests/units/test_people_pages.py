"""The people pages without a browser: who opens them, the list's filters, and the person form's
refusals (bad languages, a badge taken, a stale edit, a deactivation mid-shift)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coresponder.localtime import local, week_start_of
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory, UserFactory
from units.models import Clinician, Officer, Unit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def names(response) -> list[str]:
    return [row.person.name for row in response.context["rows"]]


@pytest.fixture
def supervisor(client, users):
    client.force_login(users["supervisor"])
    return client


@pytest.fixture
def program():
    """Six people: two clinicians, three officers (one inactive), and what sets them apart."""
    return {
        "maya": ClinicianFactory(
            name="Maya Patel",
            languages=["en", "es"],
            licence_number="LCSW-7781",
            licence_expires_on=TODAY() + timedelta(days=10),
        ),
        "ahmed": ClinicianFactory(
            name="Ahmed Nasser", languages=["en", "ar"], licence_expires_on=TODAY() + timedelta(days=400)
        ),
        "dana": OfficerFactory(
            name="Dana Reyes", badge_number="4100", cit_trained=True, cit_expires_on=TODAY() - timedelta(days=3)
        ),
        "sam": OfficerFactory(name="Sam Carter", badge_number="4200", user=UserFactory(username="scarter")),
        "old": OfficerFactory(name="Olga Old", badge_number="3900", active=False),
    }


@pytest.mark.parametrize("url", ["/people/", "/people/add/?role=officer"])
@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "intake", "counselor", "outsider"])
def test_only_supervisors_open_the_people_pages(client, users, who, url):
    client.force_login(users[who])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "outsider"])
def test_only_supervisors_open_or_change_a_person(client, users, who):
    maya = ClinicianFactory(name="Maya Patel")
    client.force_login(users[who])
    assert client.get(f"/people/clinician/{maya.pk}/").status_code == 403
    assert client.post(f"/people/clinician/{maya.pk}/", {"name": "X", "credential": "LCSW"}).status_code == 403
    assert client.post(f"/people/clinician/{maya.pk}/invite/", {"username": "x"}).status_code == 403
    assert Clinician.objects.get().name == "Maya Patel"


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/people/")["Location"].startswith("/accounts/login/")


def test_the_list_shows_the_active_people_by_default_with_their_warnings(supervisor, program):
    response = supervisor.get("/people/")
    assert names(response) == ["Ahmed Nasser", "Dana Reyes", "Maya Patel", "Sam Carter"]
    page = response.content.decode()
    assert f"⚠ licence expires {TODAY() + timedelta(days=10):%d %b %Y}" in page
    assert f"⚠ CIT training expired {TODAY() - timedelta(days=3):%d %b %Y}" in page
    assert "scarter" in page and "no login" in page
    assert f'href="/people/clinician/{program["maya"].pk}/invite/"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=pat", ["Maya Patel"]),
        ("q=4200", ["Sam Carter"]),  # a badge number
        ("q=lcsw-77", ["Maya Patel"]),  # a licence number
        ("q=scart", ["Sam Carter"]),  # a login
        ("role=officers", ["Dana Reyes", "Sam Carter"]),
        ("role=clinicians&language=ES", ["Maya Patel"]),
        ("active=inactive", ["Olga Old"]),
        ("active=all&role=officers", ["Dana Reyes", "Olga Old", "Sam Carter"]),
        ("language=ar", ["Ahmed Nasser"]),
        ("expiring=on", ["Dana Reyes", "Maya Patel"]),
    ],
)
def test_the_list_filters_and_searches(supervisor, program, query, expected):
    response = supervisor.get(f"/people/?{query}")
    assert response.status_code == 200
    assert names(response) == expected


def test_a_bad_language_filter_is_said_by_its_field(supervisor, program):
    response = supervisor.get("/people/?language=spanish")
    assert response.status_code == 400
    assert response.context["form"].errors["language"] == ["Use a two-letter ISO 639-1 code such as es, not spanish."]


def test_each_person_shows_their_current_or_next_unit_with_a_link_to_the_roster(supervisor, program):
    now = timezone.now()
    later = ShiftFactory(starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=8))
    current = UnitFactory(call_sign="CR-1", clinician=program["maya"], officer=program["dana"])
    UnitFactory(call_sign="CR-9", shift=later, clinician=program["maya"], officer=program["dana"])
    upcoming = UnitFactory(call_sign="CR-5", shift=later, clinician=program["ahmed"], officer=program["sam"])
    rows = {row.person.name: row for row in supervisor.get("/people/").context["rows"]}
    assert rows["Maya Patel"].unit == current and rows["Maya Patel"].unit_when.startswith("on shift now")
    assert rows["Ahmed Nasser"].unit == upcoming and rows["Ahmed Nasser"].unit_when.startswith("next")
    monday = week_start_of(local(later.starts_at).date())
    assert rows["Sam Carter"].unit_link == f"/roster/?week={monday.isoformat()}#unit-{upcoming.pk}"


def test_the_list_costs_the_same_queries_for_40_people_as_for_200(supervisor):
    def queries_for(count):
        Unit.objects.all().delete()
        Clinician.objects.all().delete()
        Officer.objects.all().delete()
        soon = TODAY() + timedelta(days=5)
        for _ in range(count // 4):  # half of them paired, with logins and credentials expiring
            UnitFactory(clinician__user=UserFactory(), clinician__licence_expires_on=soon, officer__cit_expires_on=soon)
            ClinicianFactory(name="Eve Doe")
            OfficerFactory(name="Ed Roe")
        with CaptureQueriesContext(connection) as queries:
            response = supervisor.get("/people/?expiring=on&q=e&language=en")
        assert len(response.context["rows"]) == count // 2
        return len(queries)

    assert queries_for(40) == queries_for(200)


def test_adding_a_clinician_with_bad_languages_saves_nothing_and_says_why_by_the_field(supervisor):
    body = {"name": "Maya Patel", "credential": "LCSW", "languages": "en, spanish, e", "active": "on"}
    response = supervisor.post("/people/add/?role=clinician", body)
    assert response.status_code == 400
    assert response.context["form"].errors["languages"] == [
        "Use two-letter ISO 639-1 codes separated by commas, such as en, es — not spanish, e."
    ]
    assert not Clinician.objects.exists()


def test_adding_an_officer_saves_every_field_and_opens_their_page(supervisor):
    body = {"name": "Dana Reyes", "badge_number": "4100", "cit_trained": "on", "cit_trained_on": "2024-03-01",
            "cit_expires_on": "2027-03-01", "languages": "EN, es", "phone": "314-555-0101", "active": "on"}  # fmt: skip
    response = supervisor.post("/people/add/?role=officer", body)
    dana = Officer.objects.get()
    assert response["Location"] == f"/people/officer/{dana.pk}/"
    assert (dana.badge_number, dana.cit_trained, dana.cit_trained_on, dana.cit_expires_on) == (
        "4100", True, date(2024, 3, 1), date(2027, 3, 1))  # fmt: skip
    assert (dana.languages, dana.phone, dana.active) == (["en", "es"], "314-555-0101", True)
    assert "Dana Reyes added." in supervisor.get(response["Location"]).content.decode()


def test_a_badge_taken_is_said_next_to_the_badge(supervisor):
    OfficerFactory(name="Dana Reyes", badge_number="4100")
    response = supervisor.post("/people/add/?role=officer", {"name": "Sam Carter", "badge_number": "4100"})
    assert response.status_code == 409
    assert response.context["form"].errors["badge_number"] == ["Already in use."]
    assert Officer.objects.count() == 1


def test_cit_training_expiring_before_it_was_taken_is_refused_by_the_field(supervisor):
    officer = OfficerFactory(name="Dana Reyes")
    body = {"name": "Dana Reyes", "badge_number": officer.badge_number, "cit_trained_on": "2025-05-01",
            "cit_expires_on": "2025-04-01", "active": "on", "updated_at": officer.updated_at.isoformat()}  # fmt: skip
    response = supervisor.post(f"/people/officer/{officer.pk}/", body)
    assert response.status_code == 400
    assert response.context["form"].errors["cit_expires_on"] == ["Must be on or after the CIT training date."]
    officer.refresh_from_db()
    assert officer.cit_trained_on is None


def test_an_edit_of_a_person_changed_since_the_form_opened_is_refused_in_words(supervisor):
    maya = ClinicianFactory(name="Maya Patel", phone="314-555-0100")
    opened = supervisor.get(f"/people/clinician/{maya.pk}/").context["form"].initial
    maya.phone = "314-555-0199"  # another supervisor's change, saved first
    maya.save()
    body = {**opened, "name": "Maya Patel-Ruiz", "credential": "LCSW", "languages": "en", "active": "on"}
    body.pop("licence_expires_on")
    response = supervisor.post(f"/people/clinician/{maya.pk}/", {k: v for k, v in body.items() if v is not None})
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "Maya Patel was changed by someone else since you opened this form; reload to see their change."
    ]
    maya.refresh_from_db()
    assert (maya.name, maya.phone) == ("Maya Patel", "314-555-0199")


def _form_of(client, url: str, **changes) -> dict:
    initial = client.get(url).context["form"].initial
    body = {k: v for k, v in {**initial, **changes}.items() if v not in (None, False)}
    body["languages"] = initial["languages"]
    return body


def test_deactivating_someone_on_a_unit_on_shift_now_is_refused_by_the_active_box(supervisor):
    unit = UnitFactory(call_sign="CR-7", clinician__name="Maya Patel")
    url = f"/people/clinician/{unit.clinician_id}/"
    response = supervisor.post(url, _form_of(supervisor, url, active=False))
    assert response.status_code == 409
    assert response.context["form"].errors["active"][0].startswith("Still on shift now in CR-7 (")
    assert Clinician.objects.get().active


def test_a_unit_on_a_call_past_its_shifts_end_stops_a_deactivation_and_the_page_says_so(supervisor):
    now = timezone.now()
    shift = ShiftFactory(starts_at=now - timedelta(hours=9), ends_at=now - timedelta(minutes=30))
    unit = UnitFactory(call_sign="CR-7", shift=shift, clinician__name="Maya Patel", status=Unit.Status.ON_SCENE)
    url = f"/people/clinician/{unit.clinician_id}/"
    assert "Maya Patel is on a call in CR-7 (on scene)</strong>: they cannot be deactivated until" in (
        supervisor.get(url).content.decode()
    )
    response = supervisor.post(url, _form_of(supervisor, url, active=False))
    assert response.status_code == 409
    assert response.context["form"].errors["active"] == ["Still on a call in CR-7 (on scene)."]
    assert Clinician.objects.get().active


def test_reactivating_someone_says_they_need_a_new_set_password_link(supervisor):
    dana = OfficerFactory(name="Dana Reyes", user=UserFactory(username="dana.reyes", role="officer"))
    url = f"/people/officer/{dana.pk}/"
    supervisor.post(url, _form_of(supervisor, url, active=False))
    page = supervisor.post(url, _form_of(supervisor, url, active=True), follow=True).content.decode()
    assert "Dana Reyes reactivated: their login dana.reyes is on again." in page
    assert "Dana Reyes has no password: it was cleared when they were deactivated." in page
    assert "Give them a set-password link." in page and "New set-password link</button>" in page


def test_after_deactivating_the_page_lists_their_units_ahead_to_re_pair(supervisor):
    now = timezone.now()
    later = ShiftFactory(starts_at=now + timedelta(days=8), ends_at=now + timedelta(days=8, hours=8))
    ended = ShiftFactory(starts_at=now - timedelta(days=1), ends_at=now - timedelta(hours=16))
    ahead = UnitFactory(call_sign="CR-8", shift=later, officer__name="Dana Reyes", officer__user=UserFactory(),
                        status=Unit.Status.OFF_DUTY)  # fmt: skip
    UnitFactory(call_sign="CR-3", shift=ended, officer=ahead.officer, status=Unit.Status.OFF_DUTY)
    url = f"/people/officer/{ahead.officer_id}/"
    response = supervisor.post(url, _form_of(supervisor, url, active=False), follow=True)
    page = response.content.decode()
    assert "Dana Reyes deactivated: their login, password and sessions have ended." in page
    assert "Dana Reyes is still paired in 1 unit(s) ahead: re-pair them below." in page
    monday = week_start_of(local(later.starts_at).date())
    assert f'href="/roster/?week={monday.isoformat()}#unit-{ahead.pk}"' in page
    assert "CR-3" not in page, "a unit already over needs no re-pairing"
    assert not Officer.objects.get().active


def test_a_draft_unit_of_now_does_not_stop_a_deactivation(supervisor):
    unit = UnitFactory(call_sign="CR-7", draft=True, status=Unit.Status.OFF_DUTY)
    url = f"/people/clinician/{unit.clinician_id}/"
    response = supervisor.post(url, _form_of(supervisor, url, active=False), follow=True)
    assert f"{unit.clinician.name} deactivated." in response.content.decode(), "no login, so none ended"
    assert not Clinician.objects.get().active


def test_an_unknown_kind_of_person_is_a_404(supervisor):
    maya = ClinicianFactory()
    assert supervisor.get(f"/people/nurse/{maya.pk}/").status_code == 404
    assert supervisor.get("/people/add/?role=nurse").status_code == 404
    assert supervisor.get(f"/people/officer/{maya.pk}/").status_code == 404
