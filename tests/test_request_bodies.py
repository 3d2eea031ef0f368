"""Bodies the JSON parser cannot take -- nested past Python's recursion limit, or larger than
DATA_UPLOAD_MAX_MEMORY_SIZE -- are refused in the API's error shape on every endpoint, never a
500 or Django's HTML page."""

import json
import urllib.error
import urllib.request

import pytest
from knox.models import AuthToken

from tests.factories import UserFactory
from tests.places import DOWNTOWN
from tests.processes import free_port, process_env, running, start_web

DEEP = "[" * 5000
ENDPOINTS = [("post", "/api/v1/calls/", "intake"), ("post", "/api/v1/clinicians/", "supervisor"),
             ("patch", "/api/v1/units/{unit}/", "supervisor"), ("post", "/api/v1/calls/{call}/notes/", "dispatcher")]  # fmt: skip


def send(client, method, path, body):
    return client.generic(method.upper(), path, body, content_type="application/json")


@pytest.fixture
def paths(unit_at, call_in):
    unit, call = unit_at(1), call_in("queued")
    return lambda path: path.format(unit=unit.pk, call=call.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("method, path, role", ENDPOINTS)
@pytest.mark.parametrize("depth", [936, 5000])
def test_json_nested_too_deep_is_a_400_in_the_error_shape(api, paths, method, path, role, depth):
    response = send(api(role), method, paths(path), "[" * depth)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "malformed_request", "detail": "The JSON is nested too deeply to read.", "fields": {}}
    }


@pytest.mark.django_db
def test_json_nested_935_deep_is_a_400_too(api):
    """935 was the deepest a live server answered 400; under the test client's deeper stack it
    already crashed."""
    response = send(api("intake"), "post", "/api/v1/calls/", "[" * 935)
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_request"


@pytest.mark.django_db
@pytest.mark.parametrize("method, path, role", ENDPOINTS)
def test_a_body_over_the_size_limit_is_a_413_in_the_error_shape(api, paths, settings, method, path, role):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"name": "x" * 20_000})
    response = send(api(role), method, paths(path), body)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.django_db(transaction=True)
def test_a_live_server_refuses_deep_and_oversized_bodies_in_the_error_shape(settings):
    """Under gunicorn DRF reads the request's stream directly, which Django's size limit does not
    guard: without the parser's own check a body of any size is read and parsed."""
    token = AuthToken.objects.create(user=UserFactory(username="cad", role="intake"))[1]
    port = free_port()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    call = {"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "nature": "welfare_check", "priority": 2}
    oversized = json.dumps({**call, "notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    def post(body: str, headers=headers) -> tuple[int, str, dict]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/calls/", data=body.encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers["Content-Type"], json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], json.load(error)

    with running(start_web(process_env(settings.CELERY_BROKER_URL), port)):
        status, kind, body = post(DEEP)
        assert (status, kind, body["error"]["code"]) == (400, "application/json", "malformed_request")
        status, kind, body = post(oversized)
        assert (status, kind, body["error"]["code"]) == (413, "application/json", "too_large")
        assert post(json.dumps(call))[0] == 201
        # Without a token the sender is refused first, the body unread.
        status, _, body = post(DEEP, headers={"Content-Type": "application/json"})
        assert (status, body["error"]["code"]) == (401, "not_authenticated")
