import os

import pytest
from rest_framework.test import APIClient

from coresponder.roles import Role
from tests.factories import UserFactory

# Playwright's sync API runs an event loop in this thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ALL_ROLES = [role.value for role in Role]


@pytest.fixture
def users(db):
    """One standing user per role, plus an outsider with no role."""
    people = {role: UserFactory(username=role, role=role) for role in ALL_ROLES}
    people["outsider"] = UserFactory(username="outsider")
    return people


@pytest.fixture
def api(users):
    """``api("dispatcher")`` is a client logged in with that role; ``api(None)`` is anonymous."""

    def client_for(who):
        client = APIClient()
        if who is not None:
            client.force_authenticate(users[who] if isinstance(who, str) else who)
        return client

    return client_for
