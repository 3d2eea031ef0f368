"""The API's rate limits: each token (or, for the web pages' own API calls, each logged-in user)
may make so many requests a minute, by its role. The 911 CAD's intake link posts calls and
gets the most room; a person's token gets what a person working fast could need, so a script
gone wrong, or a stolen token draining the call list, is slowed to a trickle. Over the limit
the API answers 429 with Retry-After and the error shape (coresponder.errors: "throttled").

The counts live in the default cache, shared by every web process (settings: CACHES). If the
cache cannot be reached the request goes through: an outage of the cache must not stop intake.
"""

from __future__ import annotations

import logging

from knox.models import AuthToken
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from coresponder.roles import user_roles

log = logging.getLogger(__name__)
NO_ROLE = "user"  # the rate of a logged-in user with no role (most operations refuse them anyway)


class RoleRateThrottle(SimpleRateThrottle):
    """Counts requests per token (or per user without one) against the most generous rate of
    the caller's roles, read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] at each request. A
    role whose rate is None is not limited. Anonymous requests are refused before this runs."""

    def __init__(self):  # the rate depends on who is asking: chosen in allow_request
        self.rate = None

    def allow_request(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return True
        rates = api_settings.DEFAULT_THROTTLE_RATES
        self.scope, self.rate = _most_generous(rates, user_roles(request.user) or {NO_ROLE})
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):  # the cache is down or unreachable: let the request through
            log.warning("The rate limit's cache is unreachable: request allowed.", exc_info=True)
            return True

    def get_cache_key(self, request, view):
        token = request.auth
        ident = f"token-{token.token_key}" if isinstance(token, AuthToken) else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _most_generous(rates: dict, roles) -> tuple[str, str | None]:
    """The (role, rate) allowing the most requests per second; a role without limit wins."""
    chosen = [(role, rates.get(role, rates.get(NO_ROLE))) for role in sorted(roles)]
    unlimited = [(role, rate) for role, rate in chosen if rate is None]
    if unlimited:
        return unlimited[0]
    return max(chosen, key=lambda pair: _per_second(pair[1]))


def _per_second(rate: str) -> float:
    number, period = RoleRateThrottle().parse_rate(rate)
    return number / period
