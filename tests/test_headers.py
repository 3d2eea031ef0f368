"""Headers a browser acts on: nothing the application renders may be kept by a shared phone's or
tablet's cache (Cache-Control: no-store) while static files still are; and the Content-Security-
Policy (django-csp) with its directives, the map's tile server and the report-only switch."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from dispatch.models import CrisisCall
from tests.factories import ClinicianFactory, OfficerFactory

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
ROOT = Path(__file__).resolve().parent.parent


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_call_details_over_the_api_are_not_stored(users, unit_at, call_in):
    unit = unit_at(1, clinician=ClinicianFactory(user=users["clinician"]), officer=OfficerFactory())
    call = call_in(S.ON_SCENE, unit=unit, caller_name="R. Doe")
    token = AuthToken.objects.create(user=users["supervisor"])[1]
    answer = APIClient().get(f"/api/v1/calls/{call.pk}/", HTTP_AUTHORIZATION=f"Token {token}")
    assert answer.status_code == 200 and answer.json()["caller_name"] == "R. Doe" and no_store(answer)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("dispatcher", "/board/"),
        ("dispatcher", "/board/panels/"),
        ("clinician", "/me/"),
        ("supervisor", "/reports/calls.csv"),
        ("supervisor", "/audit.csv"),
    ],
)
def test_pages_and_exports_are_not_stored(client, users, who, url):
    client.force_login(users[who])
    response = client.get(url)
    assert response.status_code == 200 and no_store(response), response.get("Cache-Control")


def test_the_login_page_and_errors_are_not_stored(client):
    assert no_store(client.get("/accounts/login/"))
    assert no_store(client.get("/api/v1/calls/"))  # 401


def test_static_files_are_still_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and not no_store(response)


def test_every_page_carries_the_content_security_policy(client, users):
    client.force_login(users["dispatcher"])
    policy = dict(
        directive.strip().split(" ", 1) for directive in client.get("/board/")["Content-Security-Policy"].split(";")
    )
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data: https://tile.openstreetmap.org",
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def headers_under(**env) -> dict:
    """The login page's headers from a process started with ``env`` (the settings read it once)."""
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "print(json.dumps(dict(Client().get('/accounts/login/').headers)))"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_report_only_switch_and_the_tile_server_come_from_the_environment():
    trial = headers_under(CSP_REPORT_ONLY="1", MAP_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    assert "Content-Security-Policy" not in trial
    assert "img-src 'self' data: https://a.tiles.example.org" in trial["Content-Security-Policy-Report-Only"]
    assert "script-src 'self'" in trial["Content-Security-Policy-Report-Only"]

    enforced = headers_under(CSP_REPORT_ONLY="0", MAP_TILE_URL="")
    assert "Content-Security-Policy-Report-Only" not in enforced
    assert "img-src 'self' data:;" in enforced["Content-Security-Policy"] + ";"
