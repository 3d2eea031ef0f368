"""/api/v1/clinicians/ and /api/v1/officers/: credentials and phone, the credential warning, the
filters, and the same refusals the people pages give (dates out of order, a deactivation
mid-shift, a stale edit)."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from coresponder.errors import ConflictError
from tests.conftest import EVERYONE, expected
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory, UserFactory
from units.models import Clinician, Officer, Unit
from units.services import responder_save

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [person["name"] for person in response.json()["results"]]


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("collection", ["clinicians", "officers"])
def test_supervisors_and_dispatchers_read_people_with_the_filters(api, who, collection):
    response = api(who).get(f"/api/v1/{collection}/?search=a&language=es&credential_expiring=true&active=true")
    assert response.status_code == expected(200, who, {"supervisor", "dispatcher"})


@pytest.mark.parametrize("who", EVERYONE)
def test_only_supervisors_set_credentials(api, who):
    clinician = ClinicianFactory()
    answer = api(who).patch(f"/api/v1/clinicians/{clinician.pk}/", {"licence_expires_on": "2027-01-12"})
    assert answer.status_code == expected(200, who, {"supervisor"})


def test_a_clinician_has_their_licence_phone_and_warning(api):
    body = {"name": "Maya Patel", "credential": "LCSW", "licence_number": "LCSW-7781",
            "licence_expires_on": (TODAY() + timedelta(days=12)).isoformat(), "phone": "314-555-0100"}  # fmt: skip
    created = api("supervisor").post("/api/v1/clinicians/", body)
    assert created.status_code == 201, created.json()
    read = api("dispatcher").get(f"/api/v1/clinicians/{created.json()['id']}/").json()
    assert {k: read[k] for k in body} == body
    assert read["credential_warning"] == f"licence expires {TODAY() + timedelta(days=12):%d %b %Y}"


def test_an_officer_has_their_cit_dates_and_no_warning_when_far_off(api):
    body = {"name": "Dana Reyes", "badge_number": "4100", "cit_trained": True, "cit_trained_on": "2024-03-01",
            "cit_expires_on": (TODAY() + timedelta(days=400)).isoformat(), "phone": ""}  # fmt: skip
    created = api("supervisor").post("/api/v1/officers/", body)
    assert created.status_code == 201, created.json()
    assert {k: created.json()[k] for k in body} == body
    assert created.json()["credential_warning"] == ""


def test_the_credential_warning_cannot_be_written(api):
    officer = OfficerFactory()
    answer = api("supervisor").patch(f"/api/v1/officers/{officer.pk}/", {"credential_warning": ""})
    assert answer.status_code == 400
    assert "credential_warning" in answer.json()["error"]["fields"]


def test_cit_training_expiring_before_it_was_taken_is_a_400_by_the_field(api):
    officer = OfficerFactory(cit_trained_on=date(2025, 5, 1))
    answer = api("supervisor").patch(f"/api/v1/officers/{officer.pk}/", {"cit_expires_on": "2025-04-30"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "dates_out_of_order"
    assert answer.json()["error"]["fields"] == {"cit_expires_on": ["Must be on or after the CIT training date."]}
    officer.refresh_from_db()
    assert officer.cit_expires_on is None


@pytest.fixture
def people():
    ClinicianFactory(name="Maya Patel", languages=["en", "es"], licence_expires_on=TODAY() + timedelta(days=3))
    ClinicianFactory(name="Ahmed Nasser", languages=["ar"], licence_number="LCSW-99",
                     licence_expires_on=TODAY() - timedelta(days=1), user=UserFactory(username="anasser"))  # fmt: skip
    ClinicianFactory(name="Lee Wong", languages=["en"], licence_expires_on=TODAY() + timedelta(days=300))
    OfficerFactory(name="Dana Reyes", badge_number="4100", cit_expires_on=TODAY() + timedelta(days=30))
    OfficerFactory(name="Sam Carter", badge_number="4200", languages=["es"], active=False)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("clinicians/?search=PAT", ["Maya Patel"]),
        ("clinicians/?search=lcsw-9", ["Ahmed Nasser"]),
        ("clinicians/?search=anass", ["Ahmed Nasser"]),
        ("officers/?search=4200", ["Sam Carter"]),
        ("clinicians/?language=es", ["Maya Patel"]),
        ("officers/?language=es&active=false", ["Sam Carter"]),
        ("clinicians/?credential_expiring=true", ["Ahmed Nasser", "Maya Patel"]),
        ("clinicians/?credential_expiring=false", ["Lee Wong"]),
        ("officers/?credential_expiring=true", ["Dana Reyes"]),
    ],
)
def test_the_filters(api, people, query, expected):
    assert names(api("dispatcher").get(f"/api/v1/{query}")) == expected


@pytest.mark.parametrize("query", ["language=spanish", "language=", "credential_expiring=soon", "search="])
def test_a_bad_filter_is_a_400_naming_it(api, query):
    answer = api("dispatcher").get(f"/api/v1/clinicians/?{query}")
    assert answer.status_code == 400
    assert set(answer.json()["error"]["fields"]) == {query.split("=")[0]}


def test_a_search_with_a_nul_is_refused_not_a_crash(api):
    assert api("dispatcher").get("/api/v1/officers/?search=a%00b").status_code == 400


@pytest.mark.parametrize(("collection", "member"), [("clinicians", "clinician"), ("officers", "officer")])
def test_deactivating_someone_on_a_unit_on_shift_now_is_a_409(api, collection, member):
    unit = UnitFactory(call_sign="CR-7")
    person = getattr(unit, member)
    answer = api("supervisor").patch(f"/api/v1/{collection}/{person.pk}/", {"active": False})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "on_current_unit"
    assert answer.json()["error"]["detail"].startswith(f"{person.name} is on shift now in CR-7 (")
    person.refresh_from_db()
    assert person.active


def test_deactivating_someone_whose_units_are_over_or_ahead_is_allowed(api):
    now = timezone.now()
    over = UnitFactory(shift=ShiftFactory(starts_at=now - timedelta(hours=10)), status=Unit.Status.OFF_DUTY)
    UnitFactory(officer=over.officer, shift=ShiftFactory(starts_at=now + timedelta(hours=1)),
                status=Unit.Status.OFF_DUTY)  # fmt: skip
    answer = api("supervisor").patch(f"/api/v1/officers/{over.officer_id}/", {"active": False})
    assert answer.status_code == 200, answer.json()


def test_a_save_expecting_an_older_version_is_refused_as_stale(users):
    officer = OfficerFactory(name="Dana Reyes")
    opened_at = officer.updated_at
    responder_save(responder=Officer.objects.get(), role="officer", phone="314-555-0100")
    with pytest.raises(ConflictError) as refusal:
        responder_save(responder=officer, role="officer", expected_updated_at=opened_at, name="Dana Reyes-Hall")
    assert refusal.value.code == "stale_edit"
    assert refusal.value.detail == (
        "Dana Reyes was changed by someone else since you opened this form; reload to see their change."
    )
    assert Officer.objects.get().name == "Dana Reyes"


def test_a_change_applies_to_the_latest_version_of_the_person(users):
    """Two changes to different fields from two copies read at once both stay."""
    first, second = OfficerFactory(name="Dana Reyes"), Officer.objects.get()
    responder_save(responder=first, role="officer", phone="314-555-0100")
    responder_save(responder=second, role="officer", name="Dana Reyes-Hall")
    stored = Officer.objects.get()
    assert (stored.name, stored.phone) == ("Dana Reyes-Hall", "314-555-0100")


# --- Whose login a responder may be given -------------------------------------------------------


def _link(api, person, username):
    return api("supervisor").patch(f"/api/v1/clinicians/{person.pk}/", {"username": username}, format="json")


def test_a_username_is_one_name_whatever_its_case(api):
    ClinicianFactory(name="Maya Patel", user=UserFactory(username="maya.patel", role="clinician"))
    other = ClinicianFactory(name="Ahmed Nasser")
    answer = _link(api, other, "Maya.Patel")
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "username_taken")
    assert answer.json()["error"]["fields"] == {"username": ["Already linked to another responder."]}
    assert User.objects.filter(username__iexact="maya.patel").count() == 1

    UserFactory(username="a.nasser", role="clinician")  # a clinician's login, linked to nobody yet
    answer = _link(api, other, "A.Nasser")
    assert (answer.status_code, answer.json()["username"]) == (200, "a.nasser")
    assert User.objects.filter(username__iexact="a.nasser").count() == 1


def _staff():
    return UserFactory(username="helpdesk", role="clinician", is_staff=True)


def _no_role_with_password():
    return UserFactory(username="helpdesk")


def _a_leavers_login():
    leaver = ClinicianFactory(name="Lee Leaver", user=UserFactory(username="helpdesk", role="clinician"))
    responder_save(responder=leaver, role="clinician", active=False, username=None)
    return User.objects.get(username="helpdesk")


@pytest.mark.parametrize(
    ("login", "by_field"),
    [
        (_staff, "Belongs to an administrator's login."),
        (_no_role_with_password, "Belongs to someone else's login."),
        (_a_leavers_login, "Belongs to someone else's login."),
    ],
)
def test_a_login_that_is_not_a_free_login_of_the_role_is_refused_by_the_field(api, login, by_field):
    taken = login()
    before = (taken.password, set(taken.groups.values_list("name", flat=True)))
    maya = ClinicianFactory(name="Maya Patel")
    answer = _link(api, maya, "helpdesk")
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "username_taken")
    assert answer.json()["error"]["fields"] == {"username": [by_field]}
    assert Clinician.objects.get(pk=maya.pk).user is None
    taken.refresh_from_db()
    assert (taken.password, set(taken.groups.values_list("name", flat=True))) == before, "the login is untouched"
