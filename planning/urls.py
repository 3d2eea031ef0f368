"""The planning pages."""

from planning.views import urlpatterns

__all__ = ["urlpatterns"]
