"""The roster's pages: each module of units.views lists its own addresses."""

from units.views import calendar, pairing, people, roster, templates

urlpatterns = (
    roster.urlpatterns + pairing.urlpatterns + people.urlpatterns + templates.urlpatterns + calendar.urlpatterns
)
