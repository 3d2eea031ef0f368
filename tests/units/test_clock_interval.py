"""The roster's clock follows ROSTER_CLOCK_INTERVAL_SECONDS: beat runs it that often, and each run
looks back far enough (two intervals) that a unit which logged on early still frees the calls
waiting when its shift starts."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import ShiftFactory
from units.services import units_follow_clock

pytestmark = pytest.mark.django_db


def _serves_the_queue(broker_messages, django_capture_on_commit_callbacks) -> bool:
    with django_capture_on_commit_callbacks(execute=True):
        units_follow_clock()
    return ("dispatch.tasks.serve_queue", []) in broker_messages()


def test_with_a_minute_between_runs_a_shift_that_started_45_s_ago_still_frees_waiting_calls(
    settings, broker_messages, unit_at, django_capture_on_commit_callbacks
):
    settings.ROSTER_CLOCK_INTERVAL = timedelta(seconds=60)
    unit_at(1, shift=ShiftFactory(starts_at=timezone.now() - timedelta(seconds=45)))  # logged on early
    assert _serves_the_queue(broker_messages, django_capture_on_commit_callbacks)


def test_a_start_older_than_two_intervals_was_already_seen_and_is_not_served_again(
    settings, broker_messages, unit_at, django_capture_on_commit_callbacks
):
    settings.ROSTER_CLOCK_INTERVAL = timedelta(seconds=10)
    unit_at(1, shift=ShiftFactory(starts_at=timezone.now() - timedelta(seconds=25)))
    assert not _serves_the_queue(broker_messages, django_capture_on_commit_callbacks)


def test_beat_runs_the_clock_at_the_configured_interval():
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "entry = settings.CELERY_BEAT_SCHEDULE['units-follow-clock']; "
        "print(json.dumps([entry['schedule'], entry['options']['expires'], "
        "settings.ROSTER_CLOCK_INTERVAL.total_seconds()]))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coresponder.settings",
        "ROSTER_CLOCK_INTERVAL_SECONDS": "45",
    }
    answer = subprocess.run(
        [sys.executable, "-c", script], env=environment, cwd=settings.BASE_DIR, capture_output=True, text=True,
        check=True, timeout=60,
    )  # fmt: skip
    assert json.loads(answer.stdout.strip().splitlines()[-1]) == [45.0, 45.0, 45.0]


def test_an_interval_of_zero_is_refused_at_start_up():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "coresponder.settings", "ROSTER_CLOCK_INTERVAL_SECONDS": "0"}
    answer = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=environment, cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert answer.returncode != 0
    assert "ROSTER_CLOCK_INTERVAL_SECONDS must be more than 0, not 0." in answer.stderr
