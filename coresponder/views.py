from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader

from coresponder.errors import json_not_found, json_server_error
from coresponder.roles import Role, user_roles

# Where each role starts its day, most specific first.
LANDING_PAGES = [
    (Role.DISPATCHER, "board"),
    (Role.SUPERVISOR, "roster"),
    (Role.CLINICIAN, "my-unit"),
    (Role.OFFICER, "my-unit"),
    (Role.COUNSELOR, "triage"),
]


@login_required
def home(request):
    roles = user_roles(request.user)
    for role, url_name in LANDING_PAGES:
        if role in roles:
            return redirect(url_name)
    return render(request, "home.html")


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return json_server_error(request)
    # Rendered without the request: the database may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
