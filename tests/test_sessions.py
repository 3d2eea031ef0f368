"""Sessions and logins seen from the pages: the idle timeout means a person's inactivity (a page
polling on its own is no sign of one), a page whose session is over is taken to the login page
rather than having the login page swapped into a panel, and a lock-out cannot be stretched by
whoever keeps trying."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F

from coresponder.models import AuditEntry
from dispatch.models import CrisisCall

pytestmark = pytest.mark.django_db
S = CrisisCall.Status
LOGIN = "/accounts/login/"

# What the pages send when they refresh themselves: htmx names the polling element in HX-Trigger
# and the browser's address in HX-Current-URL; board.js marks the map's fetch.
BOARD_POLL = {"HX-Request": "true", "HX-Trigger": "board-panels", "HX-Current-URL": "http://testserver/board/"}
PHONE_POLL = {"HX-Request": "true", "HX-Trigger": "my-call", "HX-Current-URL": "http://testserver/me/"}
MAP_POLL = {"Accept": "application/json", "X-Polling": "1"}
TYPING = {"X-User-Active": "1"}  # board.js: the dispatcher typed or clicked since the last refresh


def log_in(client, username, password="pass-word-123"):
    return client.post(LOGIN, {"username": username, "password": password})


def time_passes(client, *, minutes: float):
    """As if ``minutes`` went by: the session's login and last-seen times move back."""
    session = client.session
    for key in ("auth_started", "last_seen"):
        session[key] -= minutes * 60
    session.save()


def sent_to_login(response, next_page: str | None):
    """An htmx response that takes the browser to the login page and swaps nothing."""
    expected = f"{LOGIN}?next={next_page}" if next_page else LOGIN
    return (
        response.status_code == 200
        and response.get("HX-Redirect") == expected
        and "Location" not in response
        and response.content == b""
    )


def test_the_boards_polling_does_not_keep_an_idle_session_alive(client, users):
    assert log_in(client, "dispatcher").status_code == 302
    time_passes(client, minutes=29)
    panels = client.get("/board/panels/", headers=BOARD_POLL)
    assert panels.status_code == 200 and 'id="board-panels"' in panels.content.decode()
    assert client.get("/board/map.json", headers=MAP_POLL).status_code == 200

    time_passes(client, minutes=2)  # 31 minutes since the dispatcher last did anything
    assert sent_to_login(client.get("/board/panels/", headers=BOARD_POLL), "/board/")
    assert client.get("/board/")["Location"] == f"{LOGIN}?next=/board/", "logged out, not just turned away once"
    assert "You were logged out after inactivity. Please log in again." in client.get(LOGIN).content.decode()


def test_the_phones_polling_does_not_keep_an_idle_session_alive(client, users):
    assert log_in(client, "clinician").status_code == 302
    time_passes(client, minutes=29)
    assert client.get("/me/panel/", headers=PHONE_POLL).status_code == 200
    time_passes(client, minutes=2)
    assert sent_to_login(client.get("/me/panel/", headers=PHONE_POLL), "/me/")


@pytest.mark.parametrize(
    ("what", "url", "headers"),
    [
        ("opening the board", "/board/", {}),
        ("a click on an htmx button", "/board/calls/{call}/recommend/", {"HX-Request": "true"}),
        ("a panel refresh after typing", "/board/panels/", BOARD_POLL | TYPING),
        ("a map refresh after a click on the map", "/board/map.json", MAP_POLL | TYPING),
    ],
)
def test_a_dispatcher_at_work_keeps_the_session_alive(client, users, call_in, what, url, headers):
    call = call_in(S.QUEUED)
    assert log_in(client, "dispatcher").status_code == 302
    time_passes(client, minutes=29)
    assert client.get(url.format(call=call.pk), headers=headers).status_code == 200, what
    time_passes(client, minutes=2)
    assert client.get("/board/panels/", headers=BOARD_POLL).status_code == 200, f"{what} counts as activity"


def test_the_maps_fetch_gets_a_401_once_the_session_is_over(client, users):
    assert log_in(client, "dispatcher").status_code == 302
    time_passes(client, minutes=31)
    expired = client.get("/board/map.json", headers=MAP_POLL)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "session_expired"
    assert expired.json()["error"]["detail"] == "You were logged out after inactivity. Please log in again."
    again = client.get("/board/map.json", headers=MAP_POLL)
    assert (again.status_code, again.json()["error"]["code"]) == (401, "not_authenticated")


def test_the_shifts_limit_ends_a_session_that_only_polls(client, users):
    assert log_in(client, "dispatcher").status_code == 302
    session = client.session
    session["auth_started"] -= 14 * 3600  # logged in 14 hours ago, the board refreshing all along
    session.save()
    assert sent_to_login(client.get("/board/panels/", headers=BOARD_POLL), "/board/")
    assert "You were logged out after the end of the session&#x27;s time." in client.get(LOGIN).content.decode()


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/board/panels/"), ("get", "/me/panel/"), ("post", "/board/calls/1/move/"), ("get", "/roster/")],
)
def test_an_htmx_request_without_a_login_takes_the_browser_to_the_login_page(client, method, url):
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/board/?tab=units"}
    response = getattr(client, method)(url, headers=headers)
    assert sent_to_login(response, "/board/%3Ftab%3Dunits"), "never swapped into a panel; back to the same view"


@pytest.mark.parametrize(
    "current_url",
    [
        "https://elsewhere.example/board/",
        "http://testserver//elsewhere.example/board/",
        "javascript:alert(1)",
        "not a url at all",
        "http://[::1/board/",
        "",
    ],
)
def test_the_page_to_come_back_to_is_only_ever_a_page_of_this_site(client, current_url):
    headers = {"HX-Request": "true", "HX-Trigger": "board-panels", "HX-Current-URL": current_url}
    assert sent_to_login(client.get("/board/panels/", headers=headers), None)


def test_a_plain_page_without_a_login_redirects_to_the_login_page_and_back(client, users):
    response = client.get("/board/", {"call": "12"})
    assert (response.status_code, response["Location"]) == (302, f"{LOGIN}?next=/board/%3Fcall%3D12")
    assert client.get("/board/map.json", headers=MAP_POLL).status_code == 401
    after_login = client.post(f"{LOGIN}?next=/board/", {"username": "dispatcher", "password": "pass-word-123"})
    assert after_login["Location"] == "/board/"


def test_a_plain_form_sent_after_the_session_ended_comes_back_to_its_page_after_login(client, users):
    assert log_in(client, "dispatcher").status_code == 302
    time_passes(client, minutes=31)
    body = {"address": "3000 Gravois Ave", "lat": "38.6", "lon": "-90.2", "nature": "psychosis", "priority": "2"}
    response = client.post("/board/calls/new/", body, headers={"Referer": "http://testserver/board/"})
    assert response["Location"] == f"{LOGIN}?next=/board/", "not to /board/calls/new/, which only takes a POST"
    after_login = client.post(response["Location"], {"username": "dispatcher", "password": "pass-word-123"})
    assert after_login["Location"] == "/board/" and client.get("/board/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.post("/board/calls/new/", body)["Location"] == LOGIN, "no Referer: the login page's own landing"


@pytest.mark.parametrize("who", ["clinician", "outsider"])
def test_a_logged_in_user_without_the_role_still_gets_403(client, users, who):
    client.force_login(users[who])
    assert client.get("/board/panels/", headers=BOARD_POLL).status_code == 403
    assert client.get("/board/map.json", headers=MAP_POLL).status_code == 403
    assert client.get("/board/").status_code == 403


def lock_time_passes(*, minutes: float):
    """As if ``minutes`` went by for the lock: the failures django-axes holds move back."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


@pytest.mark.parametrize("where", [LOGIN, "/admin/login/"])
def test_attempts_while_locked_are_audited_but_do_not_stretch_the_lock(client, users, settings, where):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)

    log_in(client, "dispatcher", "wrong")
    lock_time_passes(minutes=4)
    log_in(client, "dispatcher", "wrong")  # the second failure: locked for 15 minutes from now
    lock_time_passes(minutes=10)
    client.post(where, {"username": "dispatcher", "password": "still wrong"})
    lock_time_passes(minutes=4)  # 18 minutes since the first failure, 14 since the lock was set
    assert "locked for 1 more minute." in log_in(client, "dispatcher").content.decode()
    lock_time_passes(minutes=1.1)
    assert log_in(client, "dispatcher").status_code == 302, "the lock ends 15 min after the failure that set it"
    failures = AuditEntry.objects.filter(action="auth.login_failed", object_id="dispatcher")
    assert failures.count() == 4, "every attempt during the lock is in the audit log"


# --- Signed in for the shift: a phone registered for alerts (push/sessions.py) -------------------

PHONE_SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/phone-of-the-clinician",
    "keys": {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    },
}


@pytest.fixture
def on_shift(users, unit_at):
    """The clinician's unit, on a shift that started an hour ago and ends in seven."""
    from tests.factories import ClinicianFactory

    return unit_at(1, clinician=ClinicianFactory(user=users["clinician"]))


def registers_the_phone(client):
    answer = client.post("/api/v1/push/subscriptions/", PHONE_SUBSCRIPTION, content_type="application/json")
    assert answer.status_code in (200, 201), answer.content


def shift_moves(unit, *, minutes: float):
    """The unit's shift starts and ends ``minutes`` earlier (later, if negative)."""
    back = timedelta(minutes=minutes)
    type(unit.shift).objects.filter(pk=unit.shift_id).update(
        starts_at=F("starts_at") - back, ends_at=F("ends_at") - back
    )
    type(unit).objects.filter(pk=unit.pk).update(
        shift_starts_at=F("shift_starts_at") - back, shift_ends_at=F("shift_ends_at") - back
    )


def clock_moves(client, unit, *, minutes: float):
    """As if ``minutes`` went by, for the session and the shift alike."""
    time_passes(client, minutes=minutes)
    shift_moves(unit, minutes=minutes)


def test_a_registered_phone_stays_signed_in_through_an_idle_hour_on_shift(client, users, on_shift):
    assert log_in(client, "clinician").status_code == 302
    registers_the_phone(client)
    clock_moves(client, on_shift, minutes=61)
    panel = client.get("/me/panel/", headers=PHONE_POLL)
    assert panel.status_code == 200 and 'id="my-call"' in panel.content.decode()
    clock_moves(client, on_shift, minutes=5 * 60)  # six idle hours, still on shift
    assert client.get("/me/panel/", headers=PHONE_POLL).status_code == 200
    assert client.get("/me/").status_code == 200


def test_a_registered_phone_is_signed_out_once_the_shift_and_its_grace_are_over(client, users, on_shift, settings):
    settings.SESSION_SHIFT_GRACE = timedelta(minutes=60)
    assert log_in(client, "clinician").status_code == 302
    registers_the_phone(client)
    clock_moves(client, on_shift, minutes=7 * 60 + 59)  # the shift ended 59 minutes ago
    assert client.get("/me/panel/", headers=PHONE_POLL).status_code == 200, "within the grace"
    clock_moves(client, on_shift, minutes=2)
    assert sent_to_login(client.get("/me/panel/", headers=PHONE_POLL), "/me/")
    assert "You were logged out after the end of your shift." in client.get(LOGIN).content.decode()


def test_a_phone_that_registered_no_device_times_out_as_before_even_on_shift(client, users, on_shift):
    assert log_in(client, "clinician").status_code == 302
    clock_moves(client, on_shift, minutes=31)
    assert sent_to_login(client.get("/me/panel/", headers=PHONE_POLL), "/me/")


def test_revoking_the_device_elsewhere_signs_the_phone_out(client, users, on_shift):
    from django.test import Client

    from push.models import PushDevice

    assert log_in(client, "clinician").status_code == 302
    registers_the_phone(client)
    desk = Client()
    desk.force_login(users["supervisor"])
    device = PushDevice.objects.get()
    assert desk.post(f"/devices/{device.pk}/revoke/", {"back": "all"})["Location"] == "/devices/"
    assert sent_to_login(client.get("/me/panel/", headers=PHONE_POLL), "/me/"), "signed out at once, not idle"
    assert AuditEntry.objects.filter(action="auth.sessions_ended", object_id="clinician").exists()


def test_logging_out_ends_a_registered_phones_session(client, users, on_shift):
    assert log_in(client, "clinician").status_code == 302
    registers_the_phone(client)
    assert client.post("/accounts/logout/").status_code == 302
    assert sent_to_login(client.get("/me/panel/", headers=PHONE_POLL), "/me/")


def test_a_registered_phone_still_times_out_when_its_person_has_no_shift_now(client, users, on_shift):
    """Registered, but the shift is tomorrow: the idle limit applies as to anyone."""
    assert log_in(client, "clinician").status_code == 302
    registers_the_phone(client)
    shift_moves(on_shift, minutes=-24 * 60)
    time_passes(client, minutes=31)
    assert sent_to_login(client.get("/me/panel/", headers=PHONE_POLL), "/me/")
    assert "You were logged out after inactivity." in client.get(LOGIN).content.decode()


def test_a_phone_idle_since_yesterdays_shift_is_not_kept_for_todays(client, users, on_shift):
    """Used last at the end of yesterday's 8-hour shift, the phone lay closed overnight; the unit
    is on again at 07:00. At 06:40 the session is 15 h old and idle for 7: the next shift is no
    reason to keep it -- it was not used in that shift."""
    assert log_in(client, "clinician").status_code == 302
    registers_the_phone(client)
    clock_moves(client, on_shift, minutes=7 * 60)  # the phone is used until the end of the shift...
    client.get("/me/")
    assert client.session["last_seen"] >= client.session["auth_started"] + 7 * 60 * 60 - 5
    time_passes(client, minutes=7 * 60 + 40)  # ...then nobody touches it until 06:40
    shift_moves(on_shift, minutes=-(8 * 60 + 20))  # its next shift: 07:00, in 20 minutes
    assert sent_to_login(client.get("/me/panel/", headers=PHONE_POLL), "/me/")
    assert "You were logged out after inactivity." in client.get(LOGIN).content.decode()


def test_logging_out_takes_the_phone_off_the_alerts(client, users, on_shift):
    from push.models import PushDevice

    assert log_in(client, "clinician").status_code == 302
    registers_the_phone(client)
    assert client.post("/accounts/logout/").status_code == 302
    device = PushDevice.objects.get()
    assert not device.active and device.revoke_reason == PushDevice.RevokeReason.LOGGED_OUT
    assert device.revoked_by == users["clinician"]
    assert AuditEntry.objects.filter(action="push.device_revoked", note__endswith=": logged out").exists()

    assert log_in(client, "clinician").status_code == 302  # the next login's page posts it again, by itself
    answer = client.post("/api/v1/push/subscriptions/", PHONE_SUBSCRIPTION, content_type="application/json")
    assert answer.status_code == 200 and answer.json() == {"active": False}
    assert not PushDevice.objects.get().active, "only the person's tap on Turn on alerts brings it back"
