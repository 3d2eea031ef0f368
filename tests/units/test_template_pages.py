"""The shift-template pages without a browser: the list, add, edit, retire and reactivate."""

from datetime import date, time

import pytest

from coresponder.models import AuditEntry
from tests.factories import ShiftTemplateFactory
from units import services
from units.models import Shift, ShiftTemplate
from units.services.templates import template_save

pytestmark = pytest.mark.django_db

LATE = {"name": "Late", "start_time": "18:00", "end_time": "02:00", "days_of_week": ["1", "2", "3", "4", "5"],
        "target_units": "2"}  # fmt: skip


@pytest.fixture
def supervisor(client, users):
    client.force_login(users["supervisor"])
    return client


def night(**fields):
    return ShiftTemplateFactory(name="Night", start_time=time(23), end_time=time(7), **fields)


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "intake", "counselor", "outsider"])
@pytest.mark.parametrize("path", ["/roster/templates/", "/roster/templates/add/", "/roster/templates/{id}/"])
def test_only_supervisors_open_the_template_pages(client, users, who, path):
    client.force_login(users[who])
    assert client.get(path.format(id=night().pk)).status_code == 403


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "intake", "counselor", "outsider"])
def test_only_supervisors_retire_templates(client, users, who):
    template = night()
    client.force_login(users[who])
    assert client.post(f"/roster/templates/{template.pk}/retire/").status_code == 403
    template.refresh_from_db()
    assert template.active


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/roster/templates/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_list_shows_each_templates_times_days_target_and_status(supervisor):
    night(weekdays=0b0011111, target_units=3)
    ShiftTemplateFactory(name="Weekend day", start_time=time(7), end_time=time(15), weekdays=0b1100000, active=False)
    page = supervisor.get("/roster/templates/").content.decode()
    assert '23:00–07:00 <span class="muted">(ends next day)</span>' in page
    assert "<td>Mon–Fri</td>" in page and "<td>Sat, Sun</td>" in page
    assert "<td>3</td>" in page
    assert 'aria-label="Retire Night"' in page and 'aria-label="Reactivate Weekend day"' in page
    assert "does <strong>not</strong> move shifts already built" in page


def test_the_add_form_offers_the_seven_days_as_checkboxes(supervisor):
    page = supervisor.get("/roster/templates/add/").content.decode()
    assert page.count('type="checkbox" name="days_of_week"') == 7
    assert '<label class="check" for="id_days_of_week_6">' in page


def test_adding_a_template_lists_it(supervisor):
    response = supervisor.post("/roster/templates/add/", LATE, follow=True)
    assert response.redirect_chain == [("/roster/templates/", 302)]
    assert "Template Late saved." in response.content.decode()
    template = ShiftTemplate.objects.get(name="Late")
    assert (template.start_time, template.end_time, template.days_of_week, template.target_units) == (
        time(18), time(2), [1, 2, 3, 4, 5], 2
    )  # fmt: skip
    assert AuditEntry.objects.filter(action="shift_template.created", actor_name="supervisor").exists()


@pytest.mark.parametrize(
    "change, field, sentence",
    [({"end_time": "18:00"}, "end_time", "Must differ from the start"),
     ({"end_time": "12:00"}, "end_time", "A shift may last at most 16 h; this one would last 18 h."),
     ({"days_of_week": []}, "days_of_week", "Choose at least one day."),
     ({"days_of_week": ["8"]}, "days_of_week", "Select a valid choice."),
     ({"target_units": "51"}, "target_units", "less than or equal to 50"),
     ({"start_time": "7 in the morning"}, "start_time", "Enter a valid time."),
     ({"name": ""}, "name", "This field is required.")],
)  # fmt: skip
def test_a_bad_template_shows_the_error_by_its_field_and_saves_nothing(supervisor, change, field, sentence):
    response = supervisor.post("/roster/templates/add/", {**LATE, **change})
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert sentence in form.errors[field][0]
    assert f'id="{field}-error"' in response.content.decode()
    assert not ShiftTemplate.objects.exists()


def test_a_taken_name_is_refused_next_to_the_name(supervisor):
    night()
    response = supervisor.post("/roster/templates/add/", {**LATE, "name": "Night"})
    assert response.status_code == 409
    assert response.context["form"].errors == {"name": ["Another template has this name."]}
    assert ShiftTemplate.objects.count() == 1


def test_editing_a_template_keeps_the_shifts_it_built(supervisor):
    template = night()
    shift, _ = services.shift_from_template(template=template, day=date(2030, 3, 4))
    page = supervisor.get(f"/roster/templates/{template.pk}/").content.decode()
    assert 'value="23:00"' in page and "Shifts already built keep their times" in page
    body = {**LATE, "name": "Night", "start_time": "22:00", "end_time": "06:00",
            "expected_updated_at": template.updated_at.isoformat()}  # fmt: skip
    assert supervisor.post(f"/roster/templates/{template.pk}/", body).status_code == 302
    template.refresh_from_db()
    assert (template.start_time, template.days_of_week) == (time(22), [1, 2, 3, 4, 5])
    assert Shift.objects.get(pk=shift.pk).starts_at == shift.starts_at


def test_a_template_changed_since_the_form_was_opened_is_not_overwritten(supervisor):
    template = night()
    opened = template.updated_at.isoformat()
    template_save(template=template, target_units=4)  # another supervisor, meanwhile
    response = supervisor.post(f"/roster/templates/{template.pk}/", {**LATE, "expected_updated_at": opened})
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == [
        "Someone changed Night since you opened it. Reload to see their change, then edit again."
    ]
    template.refresh_from_db()
    assert (template.name, template.target_units) == ("Night", 4)


def test_a_mangled_hidden_field_asks_to_reload(supervisor):
    template = night()
    response = supervisor.post(f"/roster/templates/{template.pk}/", {**LATE, "expected_updated_at": "yesterday"})
    assert response.status_code == 400
    assert "reload the page" in response.context["form"].non_field_errors()[0]


def test_retiring_and_reactivating_a_template(supervisor):
    template = night()
    response = supervisor.post(f"/roster/templates/{template.pk}/retire/", follow=True)
    assert "Night retired: weeks built from now on have no Night shifts." in response.content.decode()
    template.refresh_from_db()
    assert not template.active
    assert services.week_build_from_templates(week_start=date(2030, 3, 4)).shifts_created == []
    response = supervisor.post(f"/roster/templates/{template.pk}/reactivate/", follow=True)
    assert "Night is active again" in response.content.decode()
    template.refresh_from_db()
    assert template.active
    assert len(services.week_build_from_templates(week_start=date(2030, 3, 4)).shifts_created) == 7


def test_retiring_takes_a_post(supervisor):
    assert supervisor.get(f"/roster/templates/{night().pk}/retire/").status_code == 405


def test_an_unknown_template_is_a_404(supervisor):
    assert supervisor.get("/roster/templates/999999/").status_code == 404
    assert supervisor.post("/roster/templates/999999/retire/").status_code == 404
