"""People: the program's clinicians and officers, their credentials, and their logins."""

from django.shortcuts import render
from django.urls import path

from coresponder.roles import Role
from coresponder.web import role_required


@role_required(Role.SUPERVISOR)
def people(request):
    return render(request, "units/people.html", {})


urlpatterns = [
    path("people/", people, name="people"),
]
