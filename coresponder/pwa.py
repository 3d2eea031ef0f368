"""The phone page as an installable web app: its manifest and its service worker.

The worker (static/js/sw.js) is served from the site's root, not from /static/, because a
worker controls only the pages under the folder it is served from, and it must see the whole
site: the phone page it keeps for offline use, the notifications' links, and the logout it clears
its copies on. The few addresses it needs come from here, as a line of JSON put before the file,
so that it knows the hashed names of the static files in production; a new deploy changes that
line, which is what makes browsers install the new worker.

What the worker keeps, and when it forgets it, is in docs/operations.md ("The phone's offline copy").
"""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

APP_NAME = "Co-responder: my unit"
SHORT_NAME = "My unit"
THEME_COLOUR = "#1e3a5f"  # the header's navy, --brand in static/css/app.css
BACKGROUND_COLOUR = "#f8fafc"  # the page's --bg


def worker_config() -> dict:
    """What the worker must know of the site: the pages it keeps (network first) and for how
    long after the phone last reached the server, the logouts that clear them, and the icons of
    its notifications. A copy is dropped once the phone has not reached the server for
    SESSION_ABSOLUTE_HOURS. That is not the longest a login lasts -- a registered phone's session
    lasts its shift plus SESSION_SHIFT_GRACE (push/sessions.py) -- but the age counts from the
    phone's last answer, not from the login: a phone in use on a long shift saves a new copy at each
    load and keeps it, while a copy nobody refreshed for that long is of a call that has surely moved
    on, or of a session that ended without a logout; reconnecting brings a fresh one.

    ``static`` is the prefix of the static files, STATIC_URL itself: ``static("")`` would look
    ``""`` up in production's manifest of hashed names, which has no such entry."""
    return {
        "pages": [reverse("my-unit"), reverse("my-unit-panel")],
        "max_age_seconds": int(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()),
        "logouts": [reverse("logout"), reverse("admin:logout")],
        "static": settings.STATIC_URL,
        "icon": static("icons/icon-192.png"),
        "badge": static("icons/badge-96.png"),
    }


@require_GET
def service_worker(request):
    """``/sw.js``: no-cache (browsers check it for a new version on every visit anyway);
    Service-Worker-Allowed lets it take the scope "/" whatever a reverse proxy does to its path."""
    source = Path(finders.find("js/sw.js")).read_text(encoding="utf-8")
    config = json.dumps(worker_config(), sort_keys=True)
    response = HttpResponse(f"const CONFIG = {config};\n{source}", content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """``/manifest.webmanifest``, linked from the phone page only: installing the app opens My unit."""
    body = {
        "name": APP_NAME,
        "short_name": SHORT_NAME,
        "description": "The co-responder unit's current call, its status buttons and notes.",
        "id": reverse("my-unit"),
        "start_url": reverse("my-unit"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(body, content_type="application/manifest+json")
