"""The login lock-out (django-axes) locks a username at the address the failures came from: an
attacker who knows a dispatcher's username cannot keep the dispatcher out from the dispatch
room, the address the attacker used is locked, the login page says so in the same words as
ever, and the audit log has every failure and says which locked and which were refused."""

import pytest

from coresponder.models import AuditEntry

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
ATTACKER = "203.0.113.66"
DISPATCH_ROOM = "192.0.2.10"
LOCKED_SENTENCE = "Too many failed logins: this account is locked for 15 more minutes."


def log_in(client, address, password="pass-word-123", username="dispatcher", **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def failures(username="dispatcher"):
    return list(
        AuditEntry.objects.filter(action="auth.login_failed", object_id=username)
        .order_by("id")
        .values_list("ip", "note")
    )


def test_an_attacker_elsewhere_cannot_lock_the_dispatcher_out(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(6):
        log_in(client, ATTACKER, password="guess")

    at_the_desk = log_in(client, DISPATCH_ROOM)
    assert at_the_desk.status_code == 302, "the dispatcher logs in from their own address"
    assert client.get("/board/").status_code == 200


def test_the_address_that_failed_is_locked_and_told_so_in_the_usual_words(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(4):
        assert LOCKED_SENTENCE not in log_in(client, ATTACKER, password="guess").content.decode()
    fifth = log_in(client, ATTACKER, password="guess")
    assert LOCKED_SENTENCE in fifth.content.decode(), "the failure that sets the lock says so"

    right_password = log_in(client, ATTACKER)
    assert right_password.status_code == 200 and "_auth_user_id" not in client.session
    assert LOCKED_SENTENCE in right_password.content.decode()

    assert failures() == [(ATTACKER, "")] * 4 + [(ATTACKER, "locked out after this failure"), (ATTACKER, "locked out")]


def test_the_lock_follows_the_address_the_audit_log_records_behind_a_proxy(client, users, settings):
    """Behind one proxy the client is the last X-Forwarded-For entry; what the attacker writes
    further left is not believed, so forging the dispatcher's address locks nothing of theirs."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3
    proxy = "10.0.0.2"
    for _ in range(3):
        log_in(client, proxy, password="guess", HTTP_X_FORWARDED_FOR=f"{DISPATCH_ROOM}, {ATTACKER}")

    assert LOCKED_SENTENCE in log_in(client, proxy, HTTP_X_FORWARDED_FOR=ATTACKER).content.decode()
    assert log_in(client, proxy, HTTP_X_FORWARDED_FOR=DISPATCH_ROOM).status_code == 302
    assert {ip for ip, _ in failures()} == {ATTACKER}


def test_a_successful_login_clears_the_failures_of_its_address(client, users, settings):
    settings.AXES_FAILURE_LIMIT = 3
    log_in(client, DISPATCH_ROOM, password="typo"), log_in(client, DISPATCH_ROOM, password="typo")
    assert log_in(client, DISPATCH_ROOM).status_code == 302
    client.post("/accounts/logout/")
    log_in(client, DISPATCH_ROOM, password="typo"), log_in(client, DISPATCH_ROOM, password="typo")
    assert log_in(client, DISPATCH_ROOM).status_code == 302, "two new failures, not four"
