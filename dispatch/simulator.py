"""A living demo city: crisis calls arrive, units drive to them and work them.

The simulator plays the 911 CAD, the units' members, a dispatcher who reviews held calls and, in
triage mode (DISPATCH_INTAKE_MODE=triage), the crisis line's counselor.
It only ever goes through the services the API and pages use -- intake, the state machine, the
location endpoint's service, the outcome -- so the real Celery dispatcher does the
dispatching. Time runs ``speed`` times faster than the wall clock.

Two clocks: simulated time (``sim_now``) paces calls and the work on them; the wall clock
(``clock``) dates location fixes, as a phone's clock would, because the dispatcher judges a fix
stale by the wall clock. A database error (a restart, a dropped connection) costs one tick,
never the simulator.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.utils import timezone

from coresponder.errors import ApplicationError
from coresponder.localtime import local
from dispatch import services
from dispatch.eta import haversine_km
from dispatch.models import CallEvent, CrisisCall, Outcome
from units.demo import demo_week
from units.models import Unit
from units.services import unit_record_location

logger = logging.getLogger(__name__)
S = CrisisCall.Status

# Calls per hour at each local hour of the day: crisis lines peak in the afternoon and evening.
HOURLY_RATE = [1.2, 1.0, 0.8, 0.6, 0.5, 0.5, 0.7, 1.0, 1.5, 2.0, 2.4, 2.7,
               3.0, 3.2, 3.4, 3.6, 3.8, 3.8, 3.6, 3.3, 2.9, 2.4, 1.9, 1.5]  # fmt: skip
# Neighbourhoods of St. Louis calls come from (lat, lon), with a little spread around each.
NEIGHBOURHOODS = [
    (38.6290, -90.1970), (38.6420, -90.2600), (38.6850, -90.2400), (38.5690, -90.2560), (38.6050, -90.2440),
    (38.6560, -90.2170), (38.6130, -90.2930), (38.5910, -90.2250), (38.6690, -90.2810), (38.7150, -90.2300),
]  # fmt: skip
CRISIS_CENTER = (38.6340, -90.2630)  # where voluntary transports go
NATURES = [("welfare_check", 30), ("suicidal_ideation", 22), ("psychosis", 15), ("substance_use", 13),
           ("family_conflict", 12), ("other", 8)]  # fmt: skip
DISPOSITIONS = [("resolved_on_scene", 34), ("referred", 24), ("transport_crisis_center", 11),
                ("transport_emergency_department", 6), ("emergency_detention", 5), ("medical_transport", 3),
                ("arrest", 1), ("no_contact", 9), ("refused_services", 6), ("other", 1)]  # fmt: skip
TRANSPORTING = {"transport_crisis_center", "transport_emergency_department", "emergency_detention", "medical_transport"}
STREET_SPEED_KMH = 35.0
SAFETY_FLAG_SHARE = 0.08
# Triage mode: how the crisis line's counselor decides, and how a call resolved by phone ends.
TRIAGE_DECISIONS = [("phone", 55), (S.RECEIVED, 40), (S.RETURNED_TO_911, 5)]
PHONE_DISPOSITIONS = [("resolved_by_phone", 60), ("referred_by_phone", 30), ("no_answer", 10)]
# A parked unit's phone still reports where it is, this often (wall clock) at the most, and never
# less often than three times within the dispatcher's staleness limit.
IDLE_FIX_EVERY = timedelta(minutes=3)
IDLE_JITTER_DEGREES = 0.0003  # about 30 m: a parked phone's fixes wander a little


def weighted(rng: random.Random, choices):
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


@dataclass
class Plan:
    """What the simulator means to do next with one call, and when (simulated time)."""

    due: datetime
    disposition: str = ""


@dataclass
class Simulator:
    speed: float = 1.0
    rate_factor: float = 1.0
    seed: int | None = None
    rng: random.Random = field(init=False)
    plans: dict[int, Plan] = field(default_factory=dict)
    sim_now: datetime = field(default_factory=timezone.now)
    clock: Callable[[], datetime] = timezone.now
    created: int = 0
    # Where each idle unit is parked: its idle fixes wander around this point, not away from it.
    parked_at: dict[int, tuple[float, float]] = field(default_factory=dict)
    database_down: bool = False
    # The demo's roster is a week long: the simulator of `make run` fills in the next week's
    # shifts the day before they are needed, so a demo left running does not empty on Monday.
    keep_demo_roster: bool = False
    demo_roster_until: date | None = None

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        self.actor = self._simulator_user()
        self.counselor = self._simulator_user("simulator-counselor", roles=("counselor",))

    @staticmethod
    def _simulator_user(username: str = "simulator", roles=("intake", "dispatcher", "supervisor")) -> User:
        """One login plays the CAD, the dispatcher reviewing held calls and the units' members;
        another the crisis line's counselor (triage mode)."""
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": "Simulator"})
        for role in roles:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    # --- the clock ---

    def run(self, *, seconds: float | None = None, tick: float = 1.0) -> None:
        started = time.monotonic()
        last = started
        while seconds is None or time.monotonic() - started < seconds:
            time.sleep(tick)
            current = time.monotonic()
            self.tick(timedelta(seconds=(current - last) * self.speed))
            last = current

    def tick(self, elapsed: timedelta) -> bool:
        """One step that survives the database going away; returns whether it completed.

        The broken connection is closed, so the next tick opens a new one once the database is
        back; the calls' plans are kept, and the services' own rules sort out a half-done step.
        """
        try:
            self.step(elapsed)
        except (OperationalError, InterfaceError) as error:  # the connection or the server is gone
            if not self.database_down:
                logger.warning("Simulator: database error; skipping ticks until one succeeds: %s", error)
            self.database_down = True
            connection.close()
            return False
        except IntegrityError as race:  # a constraint refused a step the dispatcher got to first
            logger.info("Simulator: skipped the rest of a tick after a race: %s", race)
            return False
        if self.database_down:
            logger.info("Simulator: the database answers again")
            self.database_down = False
        return True

    def step(self, elapsed: timedelta) -> None:
        self.sim_now += elapsed
        if self.keep_demo_roster:
            self._demo_roster_ahead()
        self._arrivals(elapsed)
        self._idle_fixes()
        moving = (S.TRIAGE, S.HELD, *CrisisCall.WITH_UNIT_STATUSES, S.CLEARED)
        for call in CrisisCall.objects.filter(status__in=moving).select_related("unit"):
            try:
                self._advance(call, elapsed)
            except ApplicationError as refusal:  # someone (a person at the board) moved it first
                logger.info("Simulator: call %s: %s", call.pk, refusal.detail)
                self.plans.pop(call.pk, None)

    # --- the 911 CAD ---

    def _arrivals(self, elapsed: timedelta) -> None:
        per_hour = HOURLY_RATE[local(self.sim_now).hour] * self.rate_factor
        expected = per_hour * elapsed.total_seconds() / 3600
        for _ in range(self._poisson(expected)):
            lat, lon = self.rng.choice(NEIGHBOURHOODS)
            flags = self.rng.sample(CrisisCall.SAFETY_FLAGS, self.rng.choice((1, 1, 2)))
            flagged = dict.fromkeys(flags if self.rng.random() < SAFETY_FLAG_SHARE else [], True)
            services.call_intake(
                actor=self.actor, source=CallEvent.Source.API,
                lat=lat + self.rng.gauss(0, 0.008), lon=lon + self.rng.gauss(0, 0.01),
                address=f"{self.rng.randint(100, 5999)} {self.rng.choice(STREETS)}",
                nature=weighted(self.rng, NATURES), priority=self.rng.choices((1, 2, 3), weights=(2, 5, 3))[0],
                **flagged, callback_number="314-555-0100",
                external_id=f"SIM-{int(time.time() * 1000)}-{self.rng.randint(0, 10**6)}",
            )  # fmt: skip
            self.created += 1

    def _poisson(self, mean: float) -> int:
        # Knuth's method: fine for the small means of one tick.
        limit, count, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count

    # --- a call's life after dispatch ---

    def _plan(self, call: CrisisCall, minutes: float, **extra) -> Plan:
        plan = Plan(due=self.sim_now + timedelta(minutes=minutes), **extra)
        self.plans[call.pk] = plan
        return plan

    def _move(self, call: CrisisCall, status: str, note: str = "") -> None:
        services.call_transition(call=call, to_status=status, actor=self.actor, source=CallEvent.Source.API, note=note)
        self.plans.pop(call.pk, None)

    def _advance(self, call: CrisisCall, elapsed: timedelta) -> None:
        plan = self.plans.get(call.pk)
        if call.status == S.TRIAGE:  # the crisis line's counselor talks with the caller, then decides
            plan = plan or self._plan(call, self.rng.uniform(2, 8), disposition=weighted(self.rng, TRIAGE_DECISIONS))
            if self.sim_now >= plan.due:
                if plan.disposition == "phone":
                    services.call_resolve_by_phone(call=call, actor=self.counselor, source=CallEvent.Source.API,
                                                   disposition=weighted(self.rng, PHONE_DISPOSITIONS))  # fmt: skip
                else:
                    services.call_transition(call=call, to_status=plan.disposition, actor=self.counselor,
                                             source=CallEvent.Source.API)  # fmt: skip
                self.plans.pop(call.pk, None)
        elif call.status == S.HELD:  # the reviewing dispatcher: most held calls go back to 911
            plan = plan or self._plan(call, self.rng.uniform(1, 4))
            if self.sim_now >= plan.due:
                release = self.rng.random() < 0.3
                self._move(call, S.RECEIVED if release else S.RETURNED_TO_911,
                           "Reviewed: safe for a co-responder unit" if release else "Reviewed: police response")  # fmt: skip
        elif call.status == S.DISPATCHED:  # the unit acknowledges
            plan = plan or self._plan(call, self.rng.uniform(0.3, 1.5))
            if self.sim_now >= plan.due:
                self._move(call, S.EN_ROUTE)
        elif call.status == S.EN_ROUTE:
            if self._drive(call.unit, (call.lat, call.lon), elapsed):
                self._move(call, S.ON_SCENE)
        elif call.status == S.ON_SCENE:
            plan = plan or self._plan(
                call, self.rng.lognormvariate(3.5, 0.5), disposition=weighted(self.rng, DISPOSITIONS)
            )
            if self.sim_now >= plan.due:
                going = plan.disposition in TRANSPORTING
                self._move(call, S.TRANSPORTING if going else S.CLEARED)
                self.plans[call.pk] = Plan(due=self.sim_now, disposition=plan.disposition)
        elif call.status == S.TRANSPORTING:
            if self._drive(call.unit, CRISIS_CENTER, elapsed):
                disposition = plan.disposition if plan else "transport_crisis_center"
                self._move(call, S.CLEARED)
                self.plans[call.pk] = Plan(due=self.sim_now + timedelta(minutes=5), disposition=disposition)
        elif call.status == S.CLEARED:  # the clinician writes the outcome
            plan = plan or self._plan(call, 2, disposition=weighted(self.rng, DISPOSITIONS))
            if self.sim_now >= plan.due:
                services.call_record_outcome(
                    call=call, actor=self.actor, source=CallEvent.Source.API, disposition=plan.disposition,
                    arrest_made=plan.disposition == Outcome.Disposition.ARREST,
                    follow_up_needed=self.rng.random() < 0.3, narrative="(simulated)",
                )  # fmt: skip
                self.plans.pop(call.pk, None)

    def _drive(self, unit: Unit, target: tuple[float, float], elapsed: timedelta) -> bool:
        """Move the unit toward ``target`` at street speed, posting a fix; True on arrival."""
        unit.refresh_from_db(fields=["lat", "lon", "location_at"])
        here = (unit.lat, unit.lon) if unit.lat is not None else target
        remaining = haversine_km(here, target)
        step = STREET_SPEED_KMH * elapsed.total_seconds() / 3600
        arrived = remaining <= max(step, 0.05)
        share = 1.0 if arrived else step / remaining
        lat = here[0] + (target[0] - here[0]) * share
        lon = here[1] + (target[1] - here[1]) * share
        unit_record_location(unit=unit, lat=lat, lon=lon, recorded_at=self.clock())
        return arrived

    def _demo_roster_ahead(self) -> None:
        """Tomorrow's week of the demo roster exists (demo_week is idempotent; run once a day).
        Only shifts and units: the demo logins stay where they are."""
        tomorrow = timezone.localdate(self.clock()) + timedelta(days=1)
        if self.demo_roster_until != tomorrow:
            self.demo_roster_until = tomorrow
            try:
                demo_week(today=tomorrow)
            except ApplicationError as refusal:  # a supervisor's changes clash with the demo's plan
                logger.warning("Simulator: next week's demo roster was not added: %s", refusal)

    # --- parked units' phones ---

    def _idle_fixes(self) -> None:
        """Every on-duty available unit posts a fix near where it is parked before its last one
        grows old, so the dispatcher keeps sending it: a phone left in a parked car does too."""
        now = self.clock()
        every = min(IDLE_FIX_EVERY, settings.DISPATCH_LOCATION_STALE_AFTER / 3)
        idle = (
            Unit.objects.on_shift(now)
            .filter(status=Unit.Status.AVAILABLE)
            .values_list("pk", "lat", "lon", "location_at")
        )
        seen = set()
        for pk, lat, lon, location_at in idle:
            seen.add(pk)
            # Parked where its last drive ended; a unit never located starts in a neighbourhood.
            home = self.parked_at.get(pk) or ((lat, lon) if lat is not None else self.rng.choice(NEIGHBOURHOODS))
            self.parked_at[pk] = home
            if location_at is None or now - location_at >= every:
                unit_record_location(
                    unit=Unit(pk=pk), recorded_at=now,
                    lat=home[0] + self.rng.gauss(0, IDLE_JITTER_DEGREES),
                    lon=home[1] + self.rng.gauss(0, IDLE_JITTER_DEGREES * 1.3),
                )  # fmt: skip
        for pk in set(self.parked_at) - seen:  # it drove off (or went off duty): parked elsewhere next time
            del self.parked_at[pk]


STREETS = ["Market St", "Delmar Blvd", "Grand Blvd", "Gravois Ave", "Natural Bridge Ave", "Kingshighway Blvd",
           "Chippewa St", "Jefferson Ave", "Broadway", "Hampton Ave", "Manchester Ave", "Lindell Blvd"]  # fmt: skip
