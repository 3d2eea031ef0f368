"""A responder's private calendar feed (.ics)."""

urlpatterns = []
