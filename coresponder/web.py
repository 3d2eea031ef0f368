"""Helpers shared by the web pages."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from coresponder.errors import ApplicationError, error_body
from coresponder.roles import has_role

NOT_LOGGED_IN = "Log in to see this page."


def wants_json(request: HttpRequest) -> bool:
    """The API, or a page's script fetching JSON (the board's map): they read a 401, not a login page."""
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def _path_on_this_site(request: HttpRequest, url: str) -> str:
    """The path (and query) of ``url`` if it is an address on this site, else ""."""
    allowed = {"allowed_hosts": {request.get_host()}, "require_https": request.is_secure()}
    if not url or not url_has_allowed_host_and_scheme(url, **allowed):
        return ""
    parts = urlsplit(url)
    # "https://host//elsewhere" has the path "//elsewhere", which a browser reads as another host.
    if not parts.path.startswith("/") or not url_has_allowed_host_and_scheme(parts.path, **allowed):
        return ""
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def login_response(
    request: HttpRequest, *, code: str = "not_authenticated", detail: str = NOT_LOGGED_IN
) -> HttpResponse:
    """Sends someone who is not (or no longer) logged in to the login page, in the way the
    request understands, to come back afterwards to the page they were on.

    An htmx request (a panel's polling, a button) gets HX-Redirect and no body: a 302 would be
    followed by the browser and the login page swapped into the panel. htmx sends the page's
    address as HX-Current-URL. A script fetching JSON gets a 401 in the API's error shape and
    sends the browser to the login page itself. A plain page gets a redirect; a plain form's
    POST comes back to the page the form was on (its Referer), not to a URL that only takes
    POSTs.
    """
    if request.headers.get("HX-Request") == "true":
        back = _path_on_this_site(request, request.headers.get("HX-Current-URL", ""))
        return HttpResponseClientRedirect(redirect_to_login(back).url if back else resolve_url(settings.LOGIN_URL))
    if wants_json(request):
        return JsonResponse(error_body(code, detail), status=401)
    if request.method in ("GET", "HEAD"):
        return redirect_to_login(request.get_full_path())
    back = _path_on_this_site(request, request.headers.get("Referer", ""))
    return redirect_to_login(back) if back else redirect(settings.LOGIN_URL)


def role_required(*roles: str):
    """Log in first; then only users in one of ``roles`` see the page (403 for others)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return login_response(request)
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not open this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def posted_form(form, *, invalid: str, do: Callable[[dict], str], after: Callable[..., HttpResponse]) -> HttpResponse:
    """The one shape of every button on the web pages: parse the form, call the service with its
    data, and answer with ``after(error)`` or ``after(None, success)`` -- the refusal's sentence,
    or the success message ``do`` returns."""
    if not form.is_valid():
        return after(ApplicationError(invalid))
    try:
        success = do(form.cleaned_data)
    except ApplicationError as refusal:
        return after(refusal)
    return after(None, success)
