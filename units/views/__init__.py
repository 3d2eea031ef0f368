"""The supervisor's pages, one module a task; each lists its own ``urlpatterns`` (units.urls)."""
