"""Two supervisors press "Build week" at the same moment: the week is laid out once, and the
second one is answered with the shifts the first made (no duplicates, no error page). Against
PostgreSQL, with two real transactions on their own connections; and the migration that brought
the rule in settles the duplicates an earlier version could leave."""

import threading
import time as clock
from datetime import UTC, date, datetime, time

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from coresponder.models import AuditEntry
from tests.factories import ShiftTemplateFactory
from units import services
from units.models import Shift

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY = date(2030, 3, 4)


def _wait_until_a_connection_waits_for_a_lock(seconds: float = 5.0) -> bool:
    """Whether another session of the test database is blocked on a lock within ``seconds``."""
    deadline = clock.monotonic() + seconds
    with connection.cursor() as cursor:
        while clock.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            clock.sleep(0.05)
    return False


def test_two_builds_of_the_same_week_at_once_make_each_shift_once(users):
    assert connection.vendor == "postgresql"
    for name, start, end in (("Day", 7, 15), ("Evening", 15, 23), ("Night", 23, 7)):
        ShiftTemplateFactory(name=name, start_time=time(start), end_time=time(end))
    first_built, first_may_commit = threading.Event(), threading.Event()
    outcome = {}

    def first_supervisor():
        # Lays the week out and holds its transaction open until the second one has begun.
        try:
            with transaction.atomic():
                outcome["first"] = services.week_build_from_templates(week_start=MONDAY, actor=users["supervisor"])
                first_built.set()
                first_may_commit.wait(timeout=30)
        except Exception as error:
            outcome["first"] = error
            first_built.set()
        finally:
            connections.close_all()

    def second_supervisor():
        try:
            browser = Client()
            browser.force_login(users["supervisor"])
            outcome["second"] = browser.post("/roster/build-week/", {"week": MONDAY.isoformat()}, follow=True)
        except Exception as error:
            outcome["second"] = error
        finally:
            connections.close_all()

    first, second = threading.Thread(target=first_supervisor), threading.Thread(target=second_supervisor)
    first.start()
    assert first_built.wait(timeout=30)
    second.start()
    # The second build looks, finds nothing committed, and its insert waits for the first.
    second_waited = _wait_until_a_connection_waits_for_a_lock()
    first_may_commit.set()
    first.join(timeout=60)
    second.join(timeout=60)

    assert len(outcome["first"].shifts_created) == 21
    answer = outcome["second"]
    assert not isinstance(answer, Exception), answer
    assert answer.status_code == 200
    assert "built from templates: 0 shift(s) created" in answer.content.decode()
    assert Shift.objects.count() == 21
    assert Shift.objects.filter(name="Day Mon 04 Mar").count() == 1
    assert second_waited, "the second build never waited for the first: it did not race"


def _at(migration: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([migration])
    executor.loader.build_graph()
    return executor.loader.project_state([migration]).apps


def test_the_migration_settles_duplicates_made_before_the_rule_and_keeps_every_pairing():
    before, rule = ("units", "0003_unit_location_knn_index"), ("units", "0004_shift_one_per_template_and_start")
    try:
        old = _at(before)
        template = old.get_model("units", "ShiftTemplate").objects.create(
            name="Day", start_time=time(7), end_time=time(15)
        )
        shifts, units = old.get_model("units", "Shift").objects, old.get_model("units", "Unit").objects
        starts_at, ends_at = datetime(2030, 3, 4, 13, tzinfo=UTC), datetime(2030, 3, 4, 21, tzinfo=UTC)
        window = {"starts_at": starts_at, "ends_at": ends_at, "template": template}
        first, empty_copy, paired_copy = (shifts.create(name="Day Mon 04 Mar", **window) for _ in range(3))
        clinicians, officers = old.get_model("units", "Clinician").objects, old.get_model("units", "Officer").objects
        for call_sign, shift in (("CR-1", first), ("CR-2", paired_copy)):
            units.create(
                call_sign=call_sign, shift=shift, shift_starts_at=starts_at, shift_ends_at=ends_at,
                clinician=clinicians.create(name=f"Clinician of {call_sign}", credential="LCSW"),
                officer=officers.create(name=f"Officer of {call_sign}", badge_number=call_sign),
                status_changed_at=starts_at,
            )  # fmt: skip

        _at(rule)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    remaining = {shift.pk: shift for shift in Shift.objects.all()}
    # The oldest with a pairing stays the template's shift; the empty copy is gone; the other
    # copy keeps its pairing, detached from the template (the roster lists it under other shifts).
    assert set(remaining) == {first.pk, paired_copy.pk}
    assert remaining[first.pk].template_id == template.pk
    assert remaining[paired_copy.pk].template_id is None
    assert list(remaining[paired_copy.pk].units.values_list("call_sign", flat=True)) == ["CR-2"]
    settled = dict(AuditEntry.objects.filter(object_type="shift").values_list("action", "object_id"))
    assert settled == {"shift.deleted": str(empty_copy.pk), "shift.changed": str(paired_copy.pk)}
