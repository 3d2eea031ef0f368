"""The roster page without a browser: who may open it, what a week shows (cards, targets, draft or
published), what its forms do, and that it asks the database as often for 60 units as for 3."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coresponder.localtime import week_start_of
from coresponder.models import AuditEntry
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, ShiftTemplateFactory, UnitFactory
from units import services
from units.models import Shift, Unit
from units.selectors import shifts_in_week

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["dispatcher", "clinician", "officer", "intake", "outsider"])
def test_only_supervisors_open_the_roster(client, users, who):
    client.force_login(users[who])
    assert client.get("/roster/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/roster/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_supervisor_lands_on_the_roster_after_logging_in(client, users):
    response = client.post("/accounts/login/", {"username": "supervisor", "password": "pass-word-123"}, follow=True)
    assert response.redirect_chain[-1][0] == "/roster/"


def test_building_the_week_from_templates_says_what_it_did(client, users):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    client.force_login(users["supervisor"])
    response = client.post("/roster/build-week/", {"week": "2030-03-06"}, follow=True)
    assert "Week of 04 Mar built from templates: 7 shift(s) created, 0 unit(s) paired." in response.content.decode()
    assert Shift.objects.count() == 7


def test_a_refused_pairing_keeps_the_form_with_the_sentence_next_to_the_field(client, users):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    client.force_login(users["supervisor"])
    week = week_start_of(timezone.localdate()).isoformat()
    client.post("/roster/build-week/", {"week": week})
    shift = Shift.objects.order_by("starts_at").first()
    clinician = ClinicianFactory(name="Maya Patel")
    body = {"week": week, "shift": shift.pk, "call_sign": "CR-1", "clinician": clinician.pk}
    client.post("/roster/pair/", {**body, "officer": OfficerFactory().pk})
    response = client.post("/roster/pair/", {**body, "call_sign": "CR-2", "officer": OfficerFactory().pk})
    assert response.status_code == 400
    assert response.context["form"].errors["clinician"][0].startswith("Maya Patel is already in CR-1 for")
    assert Unit.objects.count() == 1


def test_a_pairing_through_htmx_reloads_the_page(client, users):
    ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    client.force_login(users["supervisor"])
    week = week_start_of(timezone.localdate()).isoformat()
    client.post("/roster/build-week/", {"week": week})
    shift = Shift.objects.first()
    body = {"week": week, "shift": shift.pk, "call_sign": "CR-1", "clinician": ClinicianFactory().pk}
    response = client.post("/roster/pair/", {**body, "officer": OfficerFactory().pk}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/roster/?week={week}"


def test_the_demo_roster_loads_once_and_covers_every_hour(client, users, settings):
    from units.demo import seed_demo
    from units.selectors import roster_week

    first = seed_demo()
    again = seed_demo()
    assert (first.created_people, first.created_units) == (
        37,
        96 + 8 * 84,
    )  # this week, and eight before it (Sunday nights shared)
    assert (again.created_people, again.created_units) == (0, 0)
    assert roster_week(week_start_of(timezone.localdate())).gap_hours == 0


def test_the_roster_page_survives_a_week_at_the_end_of_the_calendar(client, users):
    client.force_login(users["supervisor"])
    assert client.get("/roster/?week=9999-12-31").status_code == 200


# --- The week on one screen ------------------------------------------------------------------------

MONDAY = date(2030, 3, 4)  # a week in the future: a draft until published


@pytest.fixture
def day_template():
    return ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15), target_units=2)


def pair(shift, call_sign, **fields):
    fields["clinician"] = fields.get("clinician") or ClinicianFactory()
    fields["officer"] = fields.get("officer") or OfficerFactory()
    return services.unit_create(call_sign=call_sign, shift=shift, **fields)


def test_each_unit_is_a_card_with_its_people_tags_flags_and_links(client, users, day_template, settings):
    services.week_build_from_templates(week_start=MONDAY)
    monday = Shift.objects.get(name="Day Mon 04 Mar")
    expiring = ClinicianFactory(name="Maya Patel", licence_expires_on=timezone.localdate() + timedelta(days=10))
    unit = pair(
        monday, "CR-12", clinician=expiring, officer=OfficerFactory(name="Dana Reyes"), override_reason="Renewing"
    )
    pair(monday, "U-1", uniformed=True)
    client.force_login(users["supervisor"])

    html = client.get(f"/roster/?week={MONDAY}").content.decode()

    card = html[html.index(f'id="unit-{unit.pk}"') :].split("</article>")[0]
    for text in ("CR-12", "Maya Patel", "Dana Reyes", ">draft<", "Maya Patel: licence expires",
                 f'href="/roster/units/{unit.pk}/"', f'href="/roster/units/{unit.pk}/unpair/"'):  # fmt: skip
        assert text in card, text
    assert ">uniformed<" in html
    assert "1 of 2 units" in html, "the uniformed unit does not count towards the target"
    assert f'href="/roster/?week=2030-03-04&amp;shift={monday.pk}#pair-form"' in html
    assert "0 of 2 units" in html, "the other days' shifts want their units too"
    assert 'href="/roster/templates/"' in html and 'href="/roster/people/?week=2030-03-04"' in html


def test_a_shift_of_no_template_shows_under_other_shifts_with_its_name(client, users, day_template):
    ShiftFactory(name="Parade cover", starts_at=timezone.make_aware(timezone.datetime(2030, 3, 6, 10)),
                 ends_at=timezone.make_aware(timezone.datetime(2030, 3, 6, 14)))  # fmt: skip
    client.force_login(users["supervisor"])
    html = client.get(f"/roster/?week={MONDAY}").content.decode()
    assert "Other shifts" in html and "Parade cover 10:00–14:00" in html and "0 units" in html


def test_plus_unit_opens_the_pair_form_with_its_shift_chosen(client, users, day_template):
    services.week_build_from_templates(week_start=MONDAY)
    tuesday = Shift.objects.get(name="Day Tue 05 Mar")
    client.force_login(users["supervisor"])
    response = client.get(f"/roster/?week={MONDAY}&shift={tuesday.pk}")
    assert f'<option value="{tuesday.pk}" selected>' in response.content.decode()


def test_a_future_week_is_a_draft_until_published_and_then_says_who_published_it(client, users, day_template):
    services.week_build_from_templates(week_start=MONDAY)
    pair(Shift.objects.get(name="Day Mon 04 Mar"), "CR-1", clinician=ClinicianFactory(user=users["clinician"]))
    pair(Shift.objects.get(name="Day Tue 05 Mar"), "CR-2", officer=OfficerFactory(user=users["officer"]))
    client.force_login(users["supervisor"])

    before = client.get(f"/roster/?week={MONDAY}").content.decode()
    assert "Draft — not published: its units will not come on duty." in before
    assert "Publish week" in before and "planned" in before
    assert "This week has begun" not in before

    after = client.post("/roster/publish/", {"week": "2030-03-06"}, follow=True).content.decode()

    assert "Week published: 2 units live, 2 people told." in after
    assert "Published " in after and "by supervisor" in after and "Draft — not published" not in after
    assert not Unit.objects.filter(draft=True).exists()
    again = client.post("/roster/publish/", {"week": "2030-03-04"}, follow=True).content.decode()
    assert "was already published" in again


def test_publishing_puts_a_draft_unit_whose_shift_is_now_on_duty_and_tells_its_people(
    client, users, broker_messages, django_capture_on_commit_callbacks
):
    now = timezone.now()
    unit = UnitFactory(draft=True, status=Unit.Status.OFF_DUTY, clinician=ClinicianFactory(user=users["clinician"]),
                       shift=ShiftFactory(starts_at=now - timedelta(hours=1)))  # fmt: skip
    week = week_start_of(timezone.localdate())
    client.force_login(users["supervisor"])
    begun = client.get(f"/roster/?week={week}").content.decode()
    assert "This week has begun but is not published: its units are off duty" in begun

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/roster/publish/", {"week": week.isoformat()}, follow=True)

    unit.refresh_from_db()
    assert (unit.draft, unit.status) == (False, Unit.Status.AVAILABLE)
    assert "Week published: 1 unit live, 1 person told." in response.content.decode()
    told = [args for task, args in broker_messages() if task == "units.tasks.tell_schedule"]
    assert told == [[users["clinician"].pk, week.isoformat(), "published"]]


def test_a_begun_week_without_drafts_is_live(client, users):
    UnitFactory(shift=ShiftFactory(starts_at=timezone.now() - timedelta(hours=1)))
    client.force_login(users["supervisor"])
    html = client.get("/roster/").content.decode()
    assert "Live: this week" in html and "Publish week" not in html and "This week has begun" not in html


def test_a_change_to_a_published_week_is_audited_and_told(
    client, users, day_template, broker_messages, django_capture_on_commit_callbacks
):
    services.week_build_from_templates(week_start=MONDAY)
    unit = pair(Shift.objects.get(name="Day Mon 04 Mar"), "CR-1")
    services.week_publish(week_start=MONDAY, actor=users["supervisor"])
    unit.refresh_from_db()
    newcomer = OfficerFactory(user=users["officer"])
    client.force_login(users["supervisor"])
    form = client.get(f"/roster/units/{unit.pk}/").context["form"]
    body = {**form.initial, "officer": newcomer.pk, "uniformed": ""}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/roster/units/{unit.pk}/", body)

    entry = AuditEntry.objects.get(action="unit.changed", object_id=str(unit.pk))
    assert entry.actor == users["supervisor"] and entry.changes["officer_id"] == [unit.officer_id, newcomer.pk]
    told = [args for task, args in broker_messages() if task == "units.tasks.tell_schedule"]
    assert told == [[users["officer"].pk, MONDAY.isoformat(), "changed"]]


def test_only_supervisors_publish_or_see_the_person_by_day_view(client, users):
    client.force_login(users["dispatcher"])
    assert client.post("/roster/publish/", {"week": "2030-03-04"}).status_code == 403
    assert client.get("/roster/people/").status_code == 403
    assert not services.week_publication(MONDAY)


def test_the_roster_asks_the_database_as_often_for_sixty_units_as_for_three(client, users, day_template):
    busy_week = MONDAY + timedelta(days=7)
    services.week_build_from_templates(week_start=MONDAY)
    services.week_build_from_templates(week_start=busy_week)
    quiet_shifts = list(shifts_in_week(MONDAY))
    busy_shifts = list(shifts_in_week(busy_week))
    for i in range(3):
        UnitFactory(shift=quiet_shifts[i], call_sign=f"Q-{i}", draft=True, status=Unit.Status.OFF_DUTY)
    for i in range(60):
        UnitFactory(shift=busy_shifts[i % 7], call_sign=f"B-{i}", draft=True, status=Unit.Status.OFF_DUTY,
                    uniformed=i % 5 == 0, clinician=ClinicianFactory(licence_expires_on=MONDAY))  # fmt: skip
    client.force_login(users["supervisor"])
    client.get(f"/roster/?week={MONDAY}")  # the session and the user's roles, cached after the first page

    counts, cards = [], []
    for week in (MONDAY, busy_week):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/roster/?week={week}")
        counts.append(len(queries))
        cards.append(response.content.decode().count('class="unit-card'))
    assert cards == [3, 60]
    assert counts[0] == counts[1], counts


def test_the_person_by_day_view_shows_everyone_s_week(client, users, day_template):
    services.week_build_from_templates(week_start=MONDAY)
    maya = ClinicianFactory(name="Maya Patel", licence_expires_on=timezone.localdate() - timedelta(days=3))
    dana = OfficerFactory(name="Dana Reyes")
    for day, sign in (("Mon 04", "CR-1"), ("Wed 06", "CR-3")):
        pair(Shift.objects.get(name=f"Day {day} Mar"), sign, clinician=maya, officer=dana, override_reason="Cover")
    ClinicianFactory(name="Idle Person")
    ClinicianFactory(name="Gone Person", active=False)
    client.force_login(users["supervisor"])

    response = client.get("/roster/people/?week=2030-03-05")

    rows = response.context["rows"]
    assert [(row.role, row.person.name) for row in rows][:2] == [
        ("Clinician", "Idle Person"),
        ("Clinician", "Maya Patel"),
    ]
    assert "Gone Person" not in response.content.decode()
    maya_row = rows[1]
    assert [[unit.call_sign for unit in day] for day in maya_row.days] == [["CR-1"], [], ["CR-3"], [], [], [], []]
    assert maya_row.hours == "16 h" and maya_row.flag.startswith("licence expired")
    html = response.content.decode()
    assert "CR-1 07:00–15:00" in html and "Dana Reyes" in html and "licence expired" in html
