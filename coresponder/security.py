"""Two security headers of our own making: the Content-Security-Policy's directives (sent by
django-csp, see settings) and ``Cache-Control: no-store`` on everything the application renders.

This module is imported by the settings, so it imports nothing of Django's settings itself.
"""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF
from django.utils.cache import patch_cache_control


def content_security_policy(map_tile_url: str) -> dict:
    """The policy's directives: scripts and styles only from our own static files (no inline
    script, no CDN), images also from the map's tile server, nothing framed, forms only to us."""
    tiles = urlsplit(map_tile_url.replace("{s}", "a"))
    tile_origin = [f"{tiles.scheme}://{tiles.netloc}"] if tiles.netloc else []
    return {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *tile_origin],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response the application renders -- pages, API
    answers, exports, the login page, errors -- so that a shared phone or tablet, or a proxy,
    keeps no copy of a caller's details or a narrative after logout. Static files hold no data
    and keep their long caching: WhiteNoise, before this middleware, answers them itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response
