"""The phone page as an installable app: the worker's script at the site's root, the manifest and
its icons, linked from the phone page only (coresponder/pwa.py)."""

import json
import re
import struct

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as file:
        header = file.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_the_service_worker_is_served_at_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    source = response.content.decode()
    config = json.loads(source.split("\n", 1)[0].removeprefix("const CONFIG = ").removesuffix(";"))
    assert config["pages"] == ["/me/", "/me/panel/"]
    assert config["max_age_seconds"] == 13 * 3600  # a copy unrefreshed this long is dropped
    assert "/accounts/logout/" in config["logouts"]
    assert 'addEventListener("push"' in source and 'addEventListener("notificationclick"' in source


PRODUCTION_STATIC = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


def test_the_worker_and_the_manifest_are_served_with_productions_hashed_static_names(client, tmp_path):
    """Production's storage (settings.STORAGES when DEBUG is off) looks every static() name up
    in the manifest collectstatic writes, and raises for a name it lacks: the worker once asked
    it for static(""), and /sw.js answered 500 in production only."""
    production = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": PRODUCTION_STATIC,
    }
    with override_settings(STORAGES=production, STATIC_ROOT=tmp_path, DEBUG=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        worker = client.get("/sw.js")
        manifest = client.get("/manifest.webmanifest")
    assert worker.status_code == 200
    config = json.loads(worker.content.decode().split("\n", 1)[0].removeprefix("const CONFIG = ").removesuffix(";"))
    assert config["static"] == "/static/"
    assert re.fullmatch(r"/static/icons/icon-192\.[0-9a-f]{12}\.png", config["icon"]), config["icon"]
    assert manifest.status_code == 200
    assert all(re.search(r"\.[0-9a-f]{12}\.png$", icon["src"]) for icon in manifest.json()["icons"])


def test_the_manifest_opens_my_unit_standalone_with_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/me/" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] and manifest["theme_color"] and manifest["background_color"]
    sizes = {}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon["src"]
        width, height = png_size(path)
        assert icon["sizes"] == f"{width}x{height}"
        sizes.setdefault(icon["purpose"], set()).add(width)
    assert sizes["any"] >= {192, 512} and sizes["maskable"] == {512}


def test_only_the_phone_page_links_the_manifest_and_loads_the_offline_banner(client, users):
    client.force_login(users["clinician"])
    phone = client.get("/me/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in phone
    assert 'rel="apple-touch-icon"' in phone and 'name="theme-color"' in phone
    assert 'id="offline-status"' in phone
    client.force_login(users["dispatcher"])
    board = client.get("/board/").content.decode()
    assert 'rel="manifest"' not in board and 'id="offline-status"' not in board
