"""No input, however malformed, gets a 500: every roster endpoint answers 4xx with the one shape."""

import pytest

from tests.factories import ClinicianFactory, OfficerFactory, ShiftFactory, UnitFactory

pytestmark = pytest.mark.django_db

HUGE = "x" * 100_000


def endpoints():
    unit = UnitFactory()
    return [
        ("post", "/api/v1/clinicians/"),
        ("patch", f"/api/v1/clinicians/{ClinicianFactory().pk}/"),
        ("post", "/api/v1/officers/"),
        ("patch", f"/api/v1/officers/{OfficerFactory().pk}/"),
        ("post", "/api/v1/shifts/"),
        ("patch", f"/api/v1/shifts/{ShiftFactory().pk}/"),
        ("post", "/api/v1/units/"),
        ("patch", f"/api/v1/units/{unit.pk}/"),
        ("post", f"/api/v1/units/{unit.pk}/location/"),
        ("post", f"/api/v1/units/{unit.pk}/status/"),
    ]


FIELDS = [
    "name",
    "credential",
    "languages",
    "badge_number",
    "active",
    "cit_trained",
    "username",
    "starts_at",
    "ends_at",
    "template",
    "call_sign",
    "shift",
    "clinician",
    "officer",
    "uniformed",
    "lat",
    "lon",
    "recorded_at",
    "status",
    "reason",
]
WRONG_TYPES = {
    "name": ["x"],
    "credential": ["LCSW"],
    "languages": "en",
    "badge_number": {},
    "active": "perhaps",
    "cit_trained": [],
    "username": ["u"],
    "starts_at": "tomorrow",
    "ends_at": 5,
    "template": "t",
    "call_sign": [],
    "shift": "one",
    "clinician": -1,
    "officer": 10**30,
    "uniformed": "maybe",
    "lat": [],
    "lon": {},
    "recorded_at": "yesterday",
    "status": None,
    "reason": {},
}
BODIES = {
    "wrong-types": WRONG_TYPES,
    "huge-strings": dict.fromkeys(FIELDS, HUGE),
    "bad-language-codes": {**WRONG_TYPES, "languages": ["english", 7]},
    "a-list": [1, 2, 3],
    "a-string": "just a string",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_malformed_json_bodies_get_400_with_the_error_shape(api, body):
    client = api("supervisor")
    dispatcher = api("dispatcher")
    for method, url in endpoints():
        caller = dispatcher if url.endswith(("/location/", "/status/")) else client
        response = getattr(caller, method)(url, body, format="json")
        assert response.status_code == 400, (method, url, response.content[:300])
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert error["detail"]


def test_required_fields_are_named(api):
    response = api("supervisor").post("/api/v1/units/", {}, format="json")
    assert set(response.json()["error"]["fields"]) == {"call_sign", "shift", "clinician", "officer"}


@pytest.mark.parametrize("payload", ['{"name": ', "\xff\xfe", "{'single': 'quotes'}", "NaN"])
def test_broken_json_is_a_400(api, payload):
    response = api("supervisor").generic(
        "POST", "/api/v1/clinicians/", payload.encode("utf-8", "surrogateescape"), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_a_form_post_is_refused_as_unsupported(api):
    response = api("supervisor").post("/api/v1/clinicians/", "name=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("path", ["/api/v1/units/99999999999999999999999/", "/api/v1/units/abc/", "/api/v1/nothing/"])
def test_unknown_paths_are_json_404s(api, path):
    response = api("supervisor").get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "query", ["status=flying", "date=31-02-2030", "shift=abc", "on_duty_at=noon", "page=999", "page=abc"]
)
def test_bad_filters_are_4xx_not_500(api, query):
    response = api("dispatcher").get(f"/api/v1/units/?{query}")
    assert response.status_code in (400, 404)
    assert "error" in response.json()


def test_a_bad_token_is_a_401(client):
    response = client.get("/api/v1/units/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/units/?date=9999-12-31", "/api/v1/shifts/?date=9999-12-31", "/api/v1/shifts/?week=9999-12-31"],
)  # fmt: skip
def test_dates_at_the_ends_of_the_calendar_are_400s(api, path):
    response = api("supervisor").get(path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
