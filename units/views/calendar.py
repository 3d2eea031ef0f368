"""A responder's schedule on My unit, and their private calendar feed (.ics).

The feed is read by a phone's calendar app, which cannot log in: its address carries a token,
the key to it. So the token is shown once (the page after "Make a calendar link"), never written
to a log by this code, and an unknown, revoked or deactivated one answers a bare 404.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from coresponder.roles import Role
from coresponder.web import role_required
from units.services import calendar

SCHEDULE_DAYS = 14  # how far ahead My unit lists the shifts
MEMBER_ROLES = (Role.CLINICIAN, Role.OFFICER)


def schedule_context(user) -> dict:
    """What My unit's schedule section shows (templates/units/_my_schedule.html): two queries."""
    now = timezone.now()
    return {
        "schedule": calendar.schedule_of(user, ends_after=now, starts_before=now + timedelta(days=SCHEDULE_DAYS)),
        "schedule_days": SCHEDULE_DAYS,
        "calendar_link_made_at": calendar.calendar_link_made_at(user),
    }


def _unlogged(response: HttpResponse) -> HttpResponse:
    response._has_been_logged = True  # Django's request log would write the path, and the token with it
    return response


@csrf_exempt  # a refused POST would be logged, path and token included; the feed changes nothing
def calendar_feed(request, token: str):
    if request.method not in ("GET", "HEAD"):  # calendar apps probe with OPTIONS, PROPFIND...
        return _unlogged(HttpResponseNotAllowed(["GET", "HEAD"]))
    found = calendar.calendar_for(token, site=request.get_host().partition(":")[0])
    if found is None:
        return _unlogged(
            HttpResponseNotFound("No calendar at this address.\n", content_type="text/plain; charset=utf-8")
        )
    response = HttpResponse(found.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_POST
@role_required(*MEMBER_ROLES)
def calendar_link_make(request):
    """Make a new calendar address and show it, this once."""
    token = calendar.calendar_link_make(request.user, actor=request.user)
    url = request.build_absolute_uri(reverse("calendar-feed", args=[token]))
    webcal = "webcal://" + url.partition("://")[2]
    return render(request, "units/calendar_link.html", {"calendar_url": url, "webcal_url": webcal})


@require_POST
@role_required(*MEMBER_ROLES)
def calendar_link_revoke(request):
    """Stop the calendar address, and say so on a page of its own (My unit's messages are its calls')."""
    stopped = calendar.calendar_link_revoke(request.user, actor=request.user)
    return render(request, "units/calendar_link.html", {"stopped": stopped, "revoked": True})


@csrf_exempt
def calendar_not_found(request, anything: str):
    """Any other address under /calendar/ (a mistyped or mangled feed address, which holds a
    token too): a 404 that no log writes down."""
    return _unlogged(HttpResponseNotFound("No calendar at this address.\n", content_type="text/plain; charset=utf-8"))


urlpatterns = [
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("calendar/<path:anything>", calendar_not_found),
    path("me/calendar/", calendar_link_make, name="calendar-link-make"),
    path("me/calendar/revoke/", calendar_link_revoke, name="calendar-link-revoke"),
]
