"""Editing and unpairing a unit from the roster: the refusals a supervisor meets, in words, by the field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.models import AuditEntry
from dispatch.models import CrisisCall
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory
from units import services
from units.models import Unit

pytestmark = pytest.mark.django_db
S = CrisisCall.Status


@pytest.fixture
def supervisor(client, users):
    client.force_login(users["supervisor"])
    return client


@pytest.fixture
def unit():
    """An idle unit of a live shift later today."""
    return UnitFactory(call_sign="CR-12", status=Unit.Status.OFF_DUTY, clinician=ClinicianFactory(name="Maya Patel"),
                       officer=OfficerFactory(name="Dana Reyes"),
                       shift=ShiftFactory(name="Day", starts_at=timezone.now() + timedelta(hours=2)))  # fmt: skip


def edit(client, unit, **changes):
    """POST the edit form as the supervisor opened it, with ``changes``."""
    form = client.get(f"/roster/units/{unit.pk}/").context["form"]
    body = {**form.initial, "uniformed": "on" if form.initial["uniformed"] else "", "override_reason": ""}
    return client.post(f"/roster/units/{unit.pk}/", {**body, **changes})


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "outsider"])
def test_only_supervisors_edit_or_unpair_units(client, users, unit, who):
    client.force_login(users[who])
    for url in (f"/roster/units/{unit.pk}/", f"/roster/units/{unit.pk}/unpair/"):
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_a_missing_unit_is_not_found(supervisor):
    assert supervisor.get("/roster/units/999999/").status_code == 404
    assert supervisor.get("/roster/units/999999/unpair/").status_code == 404


def test_a_supervisor_renames_and_re_pairs_a_unit_and_is_told_what_changed(supervisor, users, unit):
    newcomer = OfficerFactory(name="Chris Mitchell")
    response = edit(supervisor, unit, call_sign="CR-14", officer=newcomer.pk)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#unit-{unit.pk}")
    unit.refresh_from_db()
    assert (unit.call_sign, unit.officer) == ("CR-14", newcomer)
    page = supervisor.get(response["Location"]).content.decode()
    assert "CR-14 saved: Maya Patel and Chris Mitchell on Day." in page
    assert AuditEntry.objects.filter(action="unit.changed", actor=users["supervisor"]).exists()


def test_submitting_the_form_unchanged_changes_nothing(supervisor, unit):
    before = unit.updated_at
    response = edit(supervisor, unit)
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.updated_at == before
    assert not AuditEntry.objects.filter(action="unit.changed").exists()


def test_a_busy_unit_keeps_its_pairing_and_the_page_says_why(supervisor, unit_at, call_in):
    busy = unit_at(1, call_sign="CR-30")
    call_in(S.ON_SCENE, unit=busy)
    assert "CR-30 is on a call." in supervisor.get(f"/roster/units/{busy.pk}/").content.decode()

    response = edit(supervisor, busy, officer=OfficerFactory().pk)

    assert response.status_code == 409
    assert "CR-30 is on a call; change the pairing after the call is cleared." in response.content.decode()
    assert Unit.objects.get(pk=busy.pk).officer_id == busy.officer_id


def test_a_soft_rule_needs_a_reason_by_the_field_and_then_is_kept(supervisor, users, unit):
    lapsed = ClinicianFactory(name="Noah Kim", licence_expires_on=timezone.localdate() - timedelta(days=2))

    refused = edit(supervisor, unit, clinician=lapsed.pk)

    assert refused.status_code == 409
    errors = refused.context["form"].errors
    assert errors["clinician"][0].startswith("Noah Kim's licence is valid only until")
    assert errors["override_reason"] == ["Give a reason to break this rule on purpose, or choose someone else."]
    assert Unit.objects.get(pk=unit.pk).clinician.name == "Maya Patel"

    saved = edit(supervisor, unit, clinician=lapsed.pk, override_reason="Renewal filed, board confirms")
    assert saved.status_code == 302
    unit.refresh_from_db()
    assert (unit.clinician, unit.rule_override_reason, unit.rule_override_by) == (
        lapsed, "Renewal filed, board confirms", users["supervisor"])  # fmt: skip


def test_a_hard_rule_is_refused_by_the_field_whatever_the_reason(supervisor, unit):
    other = UnitFactory(shift=unit.shift, call_sign="CR-13", status=Unit.Status.OFF_DUTY)
    response = edit(supervisor, unit, officer=other.officer_id, override_reason="Please")
    assert response.status_code == 409
    assert "is already in CR-13 for" in response.context["form"].errors["officer"][0]
    taken = edit(supervisor, unit, call_sign="CR-13")
    assert taken.context["form"].errors["call_sign"] == ["CR-13 is already used on Day."]


def test_a_unit_changed_since_the_form_was_opened_is_refused(supervisor, unit):
    form = supervisor.get(f"/roster/units/{unit.pk}/").context["form"]
    services.unit_update(unit=unit, call_sign="CR-99")  # another supervisor, meanwhile

    response = supervisor.post(f"/roster/units/{unit.pk}/", {**form.initial, "call_sign": "CR-15"})

    assert response.status_code == 409
    html = response.content.decode()
    assert "CR-99 was changed at" in html and "reload to see the change, then edit again." in html
    assert Unit.objects.get(pk=unit.pk).call_sign == "CR-99"


def test_a_garbled_form_is_shown_again_with_its_errors(supervisor, unit):
    form = supervisor.get(f"/roster/units/{unit.pk}/").context["form"]
    response = supervisor.post(f"/roster/units/{unit.pk}/", {**form.initial, "call_sign": "", "updated_at": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html and "This form is out of date; reload it and edit again." in html


def test_unpairing_asks_first_then_removes_the_unit_and_says_so(supervisor, users, unit):
    page = supervisor.get(f"/roster/units/{unit.pk}/unpair/").content.decode()
    assert "Unpair CR-12?" in page and "Maya Patel" in page and "Dana Reyes" in page and "Day:" in page
    assert Unit.objects.filter(pk=unit.pk).exists()

    response = supervisor.post(f"/roster/units/{unit.pk}/unpair/", follow=True)

    assert "CR-12 unpaired: Maya Patel and Dana Reyes are no longer on Day. They are told of the change." in (
        response.content.decode())  # fmt: skip
    assert not Unit.objects.filter(pk=unit.pk).exists()
    assert AuditEntry.objects.get(action="unit.deleted").actor == users["supervisor"]


def test_a_busy_unit_cannot_be_unpaired(supervisor, unit_at, call_in):
    busy = unit_at(1, call_sign="CR-30")
    call_in(S.DISPATCHED, unit=busy)
    page = supervisor.get(f"/roster/units/{busy.pk}/unpair/").content.decode()
    assert "CR-30 is on a call</strong>; it can be unpaired once the call is cleared." in page
    assert 'type="submit" class="danger"' not in page

    response = supervisor.post(f"/roster/units/{busy.pk}/unpair/")

    assert response.status_code == 409
    assert "CR-30 is on a call; it can be removed once the call is cleared." in response.content.decode()
    assert Unit.objects.filter(pk=busy.pk).exists()


def test_a_unit_that_answered_calls_stays_in_the_record(supervisor, unit_at, call_in):
    veteran = unit_at(1, call_sign="CR-40")
    call_in(S.CLEARED, unit=veteran)
    Unit.objects.filter(pk=veteran.pk).update(status=Unit.Status.AVAILABLE)
    page = supervisor.get(f"/roster/units/{veteran.pk}/unpair/").content.decode()
    assert "CR-40 has answered calls</strong> and stays in the record" in page

    response = supervisor.post(f"/roster/units/{veteran.pk}/unpair/")

    assert response.status_code == 409
    assert "CR-40 has answered calls and stays in the record; it cannot be deleted." in response.content.decode()
    assert Unit.objects.filter(pk=veteran.pk).exists()
