"""The roster's pages: each module of units.views lists its own addresses."""

from units.views import calendar, pairing, people, roster, templates, unit_pages

urlpatterns = (
    roster.urlpatterns
    + pairing.urlpatterns
    + people.urlpatterns
    + templates.urlpatterns
    + calendar.urlpatterns
    + unit_pages.urlpatterns
)
