"""A demo roster for St. Louis: templates (each wanting four units), 37 responders with their
licences and CIT training (a few expiring soon, one officer's expired), four units on each of
three shifts a day for the current week and the ``HISTORY_WEEKS`` before it, published, the calls
of those past weeks (planning.demo_history), and one login per role. Used by ``manage.py
seed_demo``; next week is left for the supervisor to build, fill and publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from coresponder.localtime import week_start_of
from units import services
from units.models import Clinician, Credential, Officer, ShiftTemplate, Unit

TEMPLATES = [("Day", time(7), time(15)), ("Evening", time(15), time(23)), ("Night", time(23), time(7))]

# Where each district's unit starts its shift: the city's patrol districts, roughly.
DISTRICTS = [
    ("Downtown", 38.6290, -90.1970),
    ("North", 38.6850, -90.2400),
    ("South", 38.5690, -90.2560),
    ("Central West End", 38.6420, -90.2600),
]

CLINICIANS = [
    "Avery Brooks",
    "Jordan Ellis",
    "Maya Patel",
    "Noah Kim",
    "Olivia Grant",
    "Sofia Ramirez",
    "Elijah Turner",
    "Grace Okafor",
    "Henry Walsh",
    "Isabel Cruz",
    "Liam Foster",
    "Zoe Bennett",
    "Caleb Hughes",
    "Nadia Haddad",
    "Ethan Moore",
    "Lucia Romero",
    "Marcus Reed",
    "Priya Shah",
]
OFFICERS = [
    "Dana Reyes",
    "Chris Mitchell",
    "Terrence Hall",
    "Kelly Nguyen",
    "Robert Lane",
    "Angela Price",
    "Derrick Young",
    "Monica Alvarez",
    "Samuel Carter",
    "Tanya Brooks",
    "Victor Diaz",
    "Wendy Park",
    "Andre Wallace",
    "Brianna Scott",
    "Curtis Bell",
    "Diane Foster",
    "Eric Howard",
    "Fatima Ali",
]
CREDENTIALS = [Credential.LCSW, Credential.LPC, Credential.RN, Credential.PEER, Credential.LMFT]
LANGUAGES = [["en"], ["en", "es"], ["en"], ["en", "vi"], ["en"], ["en", "bs"]]

DEMO_LOGINS = {
    "supervisor": ("supervisor", "demo-supervisor"),
    "dispatcher": ("dispatcher", "demo-dispatcher"),
    "clinician": ("clinician", "demo-clinician"),
    "officer": ("officer", "demo-officer"),
    "intake": ("intake", "demo-intake"),
    "counselor": ("counselor", "demo-counselor"),
}
HISTORY_WEEKS = 8  # past weeks with a roster and calls: what the reports and the staffing plan read
PEOPLE_PER_SHIFT = 6  # per template, of each kind; four of them work each day
UNITS_PER_SHIFT = len(DISTRICTS)


@dataclass
class DemoReport:
    created_people: int = 0
    created_units: int = 0  # this week's and the past weeks'
    created_calls: int = 0  # past calls
    logins: dict | None = None


# Credentials: most valid for a year or two; every seventh expires three weeks after the demo's
# week (flagged on the people and roster pages, still valid for this week's shifts).
EXPIRING_EVERY = 7
# An officer on the books whose CIT training has lapsed: pairing him is refused without an override.
LAPSED_OFFICER = ("Jamal Greene", "4199")


def _expiry(i: int, today: date) -> date:
    if i % EXPIRING_EVERY == 3:
        return today + timedelta(days=21 + 7)
    return today + timedelta(days=365 + 30 * i)


def _people(today: date):
    clinicians = []
    for i, name in enumerate(CLINICIANS):
        credential = CREDENTIALS[i % len(CREDENTIALS)]
        clinician, _ = Clinician.objects.get_or_create(
            name=name,
            defaults={
                "credential": credential,
                "languages": LANGUAGES[i % len(LANGUAGES)],
                "licence_number": f"{credential}-{2014 + i % 9}{i:04d}",
                "licence_expires_on": _expiry(i, today),
                "phone": f"314-555-{1100 + i}",
            },
        )
        clinicians.append(clinician)
    officers = []
    for i, name in enumerate(OFFICERS):
        trained = i % 3 != 2
        officer, _ = Officer.objects.get_or_create(
            badge_number=f"{4100 + i}",
            defaults={
                "name": name,
                "cit_trained": trained,
                "cit_trained_on": today - timedelta(days=400 + 20 * i) if trained else None,
                "cit_expires_on": _expiry(i + 1, today) if trained else None,
                "languages": LANGUAGES[(i + 1) % len(LANGUAGES)],
                "phone": f"314-555-{2100 + i}",
            },
        )
        officers.append(officer)
    name, badge = LAPSED_OFFICER
    Officer.objects.get_or_create(
        badge_number=badge,
        defaults={"name": name, "cit_trained": True, "cit_trained_on": today - timedelta(days=3 * 365),
                  "cit_expires_on": today - timedelta(days=12), "languages": ["en"], "phone": "314-555-2199"},
    )  # fmt: skip
    return clinicians, officers


def _logins() -> dict[str, tuple[str, str]]:
    for role, (username, password) in DEMO_LOGINS.items():
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": f"Demo {role}"})
        if created:
            user.set_password(password)
            user.is_staff = role == "supervisor"
            user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return DEMO_LOGINS


def _link_demo_members(now) -> None:
    """The demo clinician and officer are the members of a unit on duty now."""
    unit = Unit.objects.on_shift(now).order_by("call_sign").first()
    if unit is None:
        return
    for model, member, username in ((Clinician, unit.clinician, "clinician"), (Officer, unit.officer, "officer")):
        user = User.objects.get(username=username)
        model.objects.filter(user=user).exclude(pk=member.pk).update(user=None)
        member.user = user
        member.save(update_fields=["user"])


@transaction.atomic
def seed_demo(*, today: date | None = None) -> DemoReport:
    """Idempotent: fills in what is missing for the week of ``today``, changes nothing else."""
    now = timezone.now()
    report = DemoReport()
    people_before = Clinician.objects.count() + Officer.objects.count()
    today = today or timezone.localdate()
    report.created_units = demo_week(today=today)
    for weeks_ago in range(1, HISTORY_WEEKS + 1):
        report.created_units += demo_week(today=today - timedelta(weeks=weeks_ago))
    report.created_people = Clinician.objects.count() + Officer.objects.count() - people_before
    report.logins = _logins()
    _link_demo_members(now)
    # Imported here: planning.demo_history reads the simulator's model, whose module imports this one.
    from planning.demo_history import demo_history_create

    report.created_calls = demo_history_create(today=today, weeks=HISTORY_WEEKS)
    return report


@transaction.atomic
def demo_week(*, today: date) -> int:
    """The demo's shifts and units for the week of ``today``, where missing (its people too), and
    the week published; nothing else is touched. Returns how many units were added."""
    now = timezone.now()
    templates = [
        ShiftTemplate.objects.get_or_create(
            name=name, defaults={"start_time": start, "end_time": end, "target_units": UNITS_PER_SHIFT}
        )[0]
        for name, start, end in TEMPLATES
    ]
    clinicians, officers = _people(today)
    created = 0
    # Start the day before this week so Monday's early hours are covered by Sunday's night shift.
    week_start = week_start_of(today)
    for offset in range(-1, 7):
        day = week_start + timedelta(days=offset)
        for t, template in enumerate(templates):
            shift, _ = services.shift_from_template(template=template, day=day)
            group = slice(t * PEOPLE_PER_SHIFT, (t + 1) * PEOPLE_PER_SHIFT)
            crew_c, crew_o = clinicians[group], officers[group]
            for k, (_district, lat, lon) in enumerate(DISTRICTS):
                call_sign = f"CR-{t + 1}{k + 1}"
                if shift.units.filter(call_sign=call_sign).exists():
                    continue
                # Four of the six people of this shift work each day; the rotation gives each
                # two days off in six, and pairs change from day to day.
                person = (day.toordinal() + k) % PEOPLE_PER_SHIFT
                unit = services.unit_create(
                    call_sign=call_sign,
                    shift=shift,
                    clinician=crew_c[person],
                    officer=crew_o[(person + 1) % PEOPLE_PER_SHIFT],
                )
                services.unit_record_location(unit=unit, lat=lat, lon=lon, recorded_at=min(now, shift.starts_at))
                created += 1
    # The demo plays the supervisor: its week is published (a week ahead would otherwise be a draft,
    # whose units never come on duty).
    services.week_publish(week_start=week_start, actor=None)
    return created
