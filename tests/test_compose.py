"""docker-compose.yml, read without Docker: its services run the Makefile's commands, connect as
the right database role, and web's health check asks under a host name Django answers to."""

import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import yaml

from coresponder import heartbeat
from coresponder.celery import app as celery_app
from tests.processes import ROOT, free_port, process_env, running, start_web

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def check(*arguments) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "scripts/check_compose.py", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_every_compose_service_runs_its_makefile_targets_command():
    done = check()
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_service_that_drifts_from_the_makefile_or_connects_as_the_owner_is_named(tmp_path):
    drifted = (ROOT / "docker-compose.yml").read_text()
    drifted = drifted.replace('"--concurrency=2"', '"--concurrency=8"')
    drifted = drifted.replace("postgres://coresponder_app:", "postgres://coresponder:")  # all as the owner
    (tmp_path / "docker-compose.yml").write_text(drifted)
    done = check("--compose", str(tmp_path / "docker-compose.yml"))
    assert done.returncode == 1
    assert "worker: runs" in done.stdout and "`make worker` runs" in done.stdout
    assert "web: must connect as the runtime role 'coresponder_app', not 'coresponder'" in done.stdout


def test_the_web_and_app_services_share_one_image_and_the_runtime_role_differs_from_the_owner():
    services = COMPOSE["services"]
    assert {name for name, service in services.items() if "build" in service} == {
        "migrate", "grant-app-role", "web", "worker", "beat"
    }  # fmt: skip
    assert services["grant-app-role"]["command"][-1] != services["db"]["environment"]["POSTGRES_USER"]


@pytest.mark.django_db
def test_webs_health_check_asks_under_an_allowed_host(settings):
    """Production's ALLOWED_HOSTS lists the public name only: a probe of 127.0.0.1 under that
    name is refused (400), compose's health check is answered."""
    with celery_app.connection_for_write() as broker:
        heartbeat.stamp(broker)
    port = free_port()
    env = process_env(settings.CELERY_BROKER_URL, ALLOWED_HOSTS="dispatch.example.org")
    probe = [sys.executable if word == "python" else word for word in COMPOSE["services"]["web"]["healthcheck"]["test"]]
    assert probe[0] == "CMD"
    with running(start_web(env, port)):
        with pytest.raises(urllib.error.HTTPError) as old_probe:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert old_probe.value.code == 400
        started = time.monotonic()
        done = subprocess.run(probe[1:], cwd=ROOT, env={**env, "PORT": str(port)}, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert '"beat": "ok"' in done.stdout and time.monotonic() - started < 5
