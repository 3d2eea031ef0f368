"""The API takes values as the schema writes them: no guessing at "1" for 1 or at yes for true."""

import pytest

from tests.factories import ClinicianFactory
from tests.places import DOWNTOWN

pytestmark = pytest.mark.django_db
CALL = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "welfare_check", "priority": 2}


@pytest.mark.parametrize(
    "field, value, message",
    [("priority", "2", "Must be a whole number."), ("weapons", 1, "Must be true or false."),
     ("lat", "38.63", "Must be a number."), ("address", 1200, "Must be a string."),
     ("nature", 3, "Must be a string.")],
)  # fmt: skip
def test_a_call_with_a_value_of_the_wrong_type_is_refused_and_the_field_named(api, field, value, message):
    response = api("intake").post("/api/v1/calls/", {**CALL, field: value})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [message]}


def test_a_misspelled_field_is_refused_not_dropped(api):
    """A safety flag lost to a typo would send a unit to a call that should be held."""
    response = api("intake").post("/api/v1/calls/", {**CALL, "wepons": True})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"wepons": ["Not a field of this request; check the spelling."]}
    schema = api("intake").get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schema["CallIntakeRequest"]["additionalProperties"] is False


def test_values_of_the_right_type_are_taken(api):
    response = api("intake").post("/api/v1/calls/", {**CALL, "lat": 38, "weapons": False, "address": "1200 Market St"})
    assert response.status_code == 201 and response.json()["lat"] == 38.0


def test_lists_are_checked_item_by_item(api):
    body = {"name": "Maya Patel", "credential": "LCSW", "languages": ["en", 7]}
    response = api("supervisor").post("/api/v1/clinicians/", body)
    assert (response.status_code, response.json()["error"]["fields"]) == (400, {"languages": ["Must be a string."]})
    response = api("supervisor").post(
        "/api/v1/officers/", {"name": "Sam Carter", "badge_number": "4100", "username": 0}
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (400, {"username": ["Must be a string."]})


@pytest.mark.parametrize("query", [{"active": "yes"}, {"active": "1"}, {"nature": ""}, {"status": ""}])
def test_a_filter_that_would_be_ignored_is_refused(api, query):
    response = api("dispatcher").get("/api/v1/calls/", query)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == list(query)


def test_filters_written_as_the_schema_says_work(api, call_in):
    call_in("queued")
    call_in("closed")
    assert api("dispatcher").get("/api/v1/calls/", {"active": "true"}).json()["count"] == 1
    assert api("dispatcher").get("/api/v1/calls/", {"active": "false"}).json()["count"] == 1


@pytest.mark.parametrize("size", ["null", "0", "501", "-1", "2.5", "٣"])
def test_a_page_size_out_of_range_is_refused_not_replaced(api, size):
    response = api("dispatcher").get("/api/v1/clinicians/", {"page_size": size})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page_size": ["A whole number from 1 to 500."]}


def test_a_page_size_in_range_pages(api):
    ClinicianFactory.create_batch(3)
    body = api("dispatcher").get("/api/v1/clinicians/", {"page_size": "2"}).json()
    assert (body["count"], len(body["results"]), body["next"] is not None) == (3, 2, True)


def test_a_number_too_big_for_any_id_is_a_400_not_a_crash(api, call_in):
    call = call_in("queued")
    response = api("dispatcher").post(f"/api/v1/calls/{call.pk}/assign/", {"unit": int("9" * 400)})
    assert response.status_code == 400 and "unit" in response.json()["error"]["fields"]


def test_a_read_only_field_in_a_change_is_refused_not_silently_dropped(api, unit_at):
    unit = unit_at(1)
    response = api("supervisor").patch(f"/api/v1/units/{unit.pk}/", {"status": "out_of_service"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"status": ["Not a field of this request; check the spelling."]}
    unit.refresh_from_db()
    assert unit.status == "available"
