"""The API's rate limits, with the limits as configured (the rest of the suite runs without):
a person's token hammering the API is slowed with 429 and Retry-After in the error shape, while
the CAD's intake link posting calls faster than any real incident is not; each token counts on
its own; and a cache outage lifts the limits rather than stopping intake."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.places import DOWNTOWN

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def configured_limits(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": settings.CONFIGURED_THROTTLE_RATES}


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def new_call(number: int) -> dict:
    return {
        "lat": DOWNTOWN[0],
        "lon": DOWNTOWN[1],
        "nature": "psychosis",
        "priority": 2,
        "external_id": f"CAD-{number}",
    }


def test_a_dispatcher_token_hammering_the_api_is_slowed_down(users):
    dispatcher = token_client(users["dispatcher"])
    answers = [dispatcher.get("/api/v1/calls/") for _ in range(300)]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [200] * 120 + [429] * 180, "120 a minute, then 429"

    refused = answers[-1]
    assert refused.json()["error"]["code"] == "throttled"
    assert set(refused.json()["error"]) == {"code", "detail", "fields"}
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_each_token_counts_on_its_own(users):
    laptop, script = token_client(users["dispatcher"]), token_client(users["dispatcher"])
    for _ in range(121):
        last = script.get("/api/v1/calls/")
    assert last.status_code == 429
    assert laptop.get("/api/v1/calls/").status_code == 200


def test_the_cads_intake_link_posting_calls_fast_is_not_slowed(users):
    cad = token_client(users["intake"])
    statuses = {cad.post("/api/v1/calls/", new_call(n)).status_code for n in range(150)}
    assert statuses == {201}, "150 calls in a few seconds, past a person's limit"


def test_a_cache_outage_lifts_the_limits_rather_than_stopping_intake(users, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    assert token_client(users["intake"]).post("/api/v1/calls/", new_call(1)).status_code == 201
