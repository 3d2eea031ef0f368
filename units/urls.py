from django.urls import path

from units import views

urlpatterns = [
    path("roster/", views.roster, name="roster"),
    path("roster/build-week/", views.roster_build_week, name="roster-build-week"),
    path("roster/copy-week/", views.roster_copy_week, name="roster-copy-week"),
    path("roster/pair/", views.roster_pair_unit, name="roster-pair-unit"),
]
