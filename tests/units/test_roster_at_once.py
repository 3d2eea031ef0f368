"""Two supervisors on the same week at once, on PostgreSQL with two real transactions: the roster
keeps one lock order (weeks, a shift, units, then people: units.services.rules.lock_members), so
they wait for each other and never deadlock; and a week being published while a unit is paired
in it never keeps a draft unit in a published week."""

import threading
from datetime import time, timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from coresponder.errors import ConflictError
from coresponder.localtime import local_datetime, week_start_of
from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory
from tests.units.test_week_building_at_once import _wait_until_a_connection_waits_for_a_lock
from units import services
from units.models import Clinician, Unit

pytestmark = pytest.mark.django_db(transaction=True)


def shift_on(day, hour=7, hours=8):
    starts_at = local_datetime(day, time(hour))
    return ShiftFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours))


def in_a_transaction_held_open(work, done: threading.Event, may_commit: threading.Event, outcome: dict, name: str):
    """A supervisor's request: ``work`` in a transaction that stays open until ``may_commit``."""

    def run():
        try:
            with transaction.atomic():
                outcome[name] = work()
                done.set()
                may_commit.wait(timeout=30)
        except Exception as error:
            outcome[name] = error
            done.set()
        finally:
            connections.close_all()

    return threading.Thread(target=run)


def test_pairing_someone_while_another_supervisor_re_pairs_a_unit_to_them_waits_and_never_deadlocks():
    week = week_start_of(timezone.localdate()) + timedelta(days=14)
    first_shift, second_shift = shift_on(week), shift_on(week + timedelta(days=2))
    wanted = ClinicianFactory(name="Maya Patel")
    other_unit = services.unit_create(call_sign="CR-2", shift=second_shift, clinician=ClinicianFactory(),
                                      officer=OfficerFactory())  # fmt: skip
    outcome, done, may_commit = {}, threading.Event(), threading.Event()
    first = in_a_transaction_held_open(
        lambda: services.unit_update(unit=other_unit, clinician=wanted), done, may_commit, outcome, "re-pair"
    )
    first.start()
    assert done.wait(10)
    second = threading.Thread(target=lambda: outcome.setdefault("pair", _pair(first_shift, wanted)))
    second.start()
    assert _wait_until_a_connection_waits_for_a_lock(), "the second supervisor waits for the first"
    may_commit.set()
    first.join(30)
    second.join(30)

    assert isinstance(outcome["re-pair"], Unit)
    # Two days apart, 8 h shifts: both pairings hold (no deadlock, no error page).
    assert isinstance(outcome["pair"], Unit), outcome["pair"]
    assert Unit.objects.filter(clinician=wanted).count() == 2


def _pair(shift, clinician):
    try:
        return services.unit_create(call_sign="CR-1", shift=shift, clinician=clinician, officer=OfficerFactory())
    except Exception as error:
        return error
    finally:
        connections.close_all()


def test_a_unit_paired_while_its_week_is_published_is_live_not_a_stranded_draft(users):
    week = week_start_of(timezone.localdate()) + timedelta(days=14)
    shift = shift_on(week)
    outcome, done, may_commit = {}, threading.Event(), threading.Event()
    pairing = in_a_transaction_held_open(
        lambda: services.unit_create(call_sign="CR-1", shift=shift, clinician=ClinicianFactory(),
                                     officer=OfficerFactory()),
        done, may_commit, outcome, "pair",
    )  # fmt: skip
    pairing.start()
    assert done.wait(10) and outcome["pair"].draft, "paired in a draft week: a draft, until..."

    def publish():
        try:
            outcome["publish"] = services.week_publish(week_start=week, actor=users["supervisor"])
        finally:
            connections.close_all()

    publishing = threading.Thread(target=publish)
    publishing.start()
    assert _wait_until_a_connection_waits_for_a_lock(), "publishing waits for the pairing to commit"
    may_commit.set()
    pairing.join(30)
    publishing.join(30)

    assert outcome["publish"].units_made_live == 1
    assert Unit.objects.get(call_sign="CR-1").draft is False


def test_a_pairing_that_waited_for_a_deactivation_sees_it_and_is_refused(users):
    shift = ShiftFactory()  # on now, in this (live) week
    maya = ClinicianFactory(name="Maya Patel")
    as_the_form_read_her = Clinician.objects.get(pk=maya.pk)  # active, when the supervisor chose her
    outcome, done, may_commit = {}, threading.Event(), threading.Event()
    deactivating = in_a_transaction_held_open(
        lambda: services.responder_save(responder=Clinician.objects.get(pk=maya.pk), role="clinician", active=False,
                                        actor=users["supervisor"]),
        done, may_commit, outcome, "deactivate",
    )  # fmt: skip
    deactivating.start()
    assert done.wait(10)
    pairing = threading.Thread(target=lambda: outcome.setdefault("pair", _pair(shift, as_the_form_read_her)))
    pairing.start()
    assert _wait_until_a_connection_waits_for_a_lock(), "the pairing waits for the deactivation"
    may_commit.set()
    deactivating.join(30)
    pairing.join(30)

    assert isinstance(outcome["pair"], ConflictError), outcome["pair"]
    assert "Maya Patel is not active" in outcome["pair"].detail
    assert not Unit.objects.filter(clinician=maya).exists()
