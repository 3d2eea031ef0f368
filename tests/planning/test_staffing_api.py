"""GET /api/v1/planning/staffing/?week=: the shape SPEC §6 gives, who may read it, bad weeks."""

from datetime import date, time, timedelta

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import EVERYONE, expected
from tests.planning.helpers import past_call

pytestmark = pytest.mark.django_db
URL = "/api/v1/planning/staffing/"
WEEK = date(2030, 6, 17)


@pytest.mark.parametrize("who", EVERYONE)
def test_supervisors_and_dispatchers_read_the_staffing_others_are_refused(api, who):
    response = api(who).get(URL, {"week": WEEK.isoformat()})
    assert response.status_code == expected(200, who, {"supervisor", "dispatcher"})
    if response.status_code != 200:
        assert set(response.json()["error"]) == {"code", "detail", "fields"}


def test_the_week_has_every_local_hour_in_the_specs_shape(api):
    past_call(WEEK - timedelta(days=6), time(14, 5), travel=10, on_scene=55, transport=10)

    body = api("supervisor").get(URL, {"week": "2030-06-19"}).json()  # any day: its week

    assert list(body) == ["week", "wait_target_minutes", "wait_target_share", "hours"]
    assert (body["week"], body["wait_target_minutes"], body["wait_target_share"]) == ("2030-06-17", 10, 0.1)
    assert len(body["hours"]) == 168
    first = body["hours"][0]
    assert list(first) == ["start", "expected_calls", "service_minutes", "recommended_units", "on_duty", "target"]
    assert first["start"] == "2030-06-17T00:00:00-05:00"
    tuesday_14 = body["hours"][24 + 14]
    assert tuesday_14["expected_calls"] == pytest.approx(0.5 / 8, abs=0.001)
    assert tuesday_14["service_minutes"] == 75.0 and tuesday_14["recommended_units"] >= 1


def test_a_dst_week_answers_169_hours(api):
    assert len(api("dispatcher").get(URL, {"week": "2030-10-28"}).json()["hours"]) == 169


@pytest.mark.parametrize(
    "query",
    [{}, {"week": ""}, {"week": "next week"}, {"week": "2030-02-30"}, {"week": "0001-01-01"}, {"week": "9999-12-31"},
     {"week": "2030-06-17T00:00"}],
)  # fmt: skip
def test_a_bad_or_missing_week_is_a_400_by_the_field(api, query):
    response = api("supervisor").get(URL, query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "week" in error["fields"]


def test_the_schema_documents_the_200_body_exactly():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"][URL]["get"]
    assert operation["parameters"][0]["name"] == "week" and operation["parameters"][0]["required"]
    body = schema["components"]["schemas"]["Staffing"]
    hour = schema["components"]["schemas"]["StaffingHour"]
    assert list(body["properties"]) == ["week", "wait_target_minutes", "wait_target_share", "hours"]
    assert set(body["required"]) == set(body["properties"])
    assert list(hour["properties"]) == [
        "start",
        "expected_calls",
        "service_minutes",
        "recommended_units",
        "on_duty",
        "target",
    ]
    assert set(hour["required"]) == set(hour["properties"])
