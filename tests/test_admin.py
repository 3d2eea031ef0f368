"""The Django admin shows the roster but never changes it (the services hold the roster rules and
write the audit log); logins and roles are still managed there, and those changes are audited."""

from datetime import time

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.test import RequestFactory

from coresponder.models import AuditEntry
from tests.factories import ShiftTemplateFactory, UnitFactory, UserFactory
from units.models import Clinician, Officer, Shift, ShiftTemplate, Unit

pytestmark = pytest.mark.django_db

DOMAIN_APPS = {"coresponder", "units", "dispatch"}


def role_group(name: str) -> Group:
    """A role's group: made by a migration, but a transactional test elsewhere may have flushed it."""
    return Group.objects.get_or_create(name=name)[0]


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root", "root@example.org", "pass-word-123")
    client.force_login(user)
    return user


@pytest.fixture
def roster():
    """One record of each kind the admin shows: model -> instance."""
    unit = UnitFactory()
    template = ShiftTemplateFactory(name="Day", start_time=time(7), end_time=time(15))
    return {Clinician: unit.clinician, Officer: unit.officer, ShiftTemplate: template, Shift: unit.shift, Unit: unit}


def url(model, view, *args):
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/" + {
        "changelist": "",
        "add": "add/",
        "change": "{}/change/",
        "delete": "{}/delete/",
    }[view].format(*args)


def row(obj):
    return type(obj).objects.filter(pk=obj.pk).values().first()


@pytest.mark.parametrize("model", [Clinician, Officer, ShiftTemplate, Shift, Unit])
def test_a_superuser_sees_roster_records_in_the_admin_but_cannot_save_them(client, root, roster, model):
    obj = roster[model]
    before = row(obj)

    listing = client.get(url(model, "changelist"))
    assert listing.status_code == 200
    assert url(model, "add").encode() not in listing.content, "no 'Add' button"

    page = client.get(url(model, "change", obj.pk))
    assert page.status_code == 200
    assert str(obj).encode() in page.content
    for button in (b'name="_save"', b'name="_continue"', b'name="_addanother"', b"deletelink"):
        assert button not in page.content, button

    fields = {k: v for k, v in before.items() if v is not None and k != "id"} | {"name": "Edited", "_save": "Save"}
    assert client.post(url(model, "change", obj.pk), fields).status_code == 403
    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "add"), fields).status_code == 403
    assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    client.post(url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert row(obj) == before, "nothing changed"
    assert not AuditEntry.objects.exclude(object_type="login").exists()


def test_a_supervisor_sees_the_roster_read_only_too(client, roster):
    client.force_login(UserFactory(username="boss", role="supervisor"))
    unit = roster[Unit]
    assert client.get(url(Unit, "change", unit.pk)).status_code == 200
    assert client.post(url(Unit, "change", unit.pk), {"call_sign": "CR-99"}).status_code == 403
    assert Unit.objects.get(pk=unit.pk).call_sign == unit.call_sign


def test_the_audit_log_is_not_in_the_admin(client, root):
    entry = AuditEntry.objects.create(action="test.entry")
    assert client.get(url(AuditEntry, "changelist")).status_code == 404
    assert client.get(url(AuditEntry, "change", entry.pk)).status_code == 404
    assert client.post(url(AuditEntry, "add"), {"action": "forged"}).status_code == 404
    assert list(AuditEntry.objects.exclude(object_type="login").values_list("action", flat=True)) == ["test.entry"]


def test_no_domain_model_in_the_admin_can_be_added_changed_or_deleted(root):
    request = RequestFactory().get("/admin/")
    request.user = root
    registered = [(model, model_admin) for model, model_admin in admin.site._registry.items()
                  if model._meta.app_label in DOMAIN_APPS]  # fmt: skip
    assert {model for model, _ in registered} >= {Clinician, Officer, ShiftTemplate, Shift, Unit}
    for model, model_admin in registered:
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model


# --- logins and roles are still managed in the admin, and audited ---


def test_giving_a_login_a_role_in_the_admin_is_audited(client, root):
    person = UserFactory(username="casey", role="clinician")
    page = client.get(f"/admin/auth/user/{person.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' in page.content
    form = {
        "username": "casey",
        "first_name": "Casey",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "groups": [role_group("clinician").pk, role_group("supervisor").pk],
        "user_permissions": [Permission.objects.get(codename="change_user").pk],
        "date_joined_0": "2030-01-01",
        "date_joined_1": "08:00:00",
        "_save": "Save",
    }
    response = client.post(f"/admin/auth/user/{person.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(person.groups.values_list("name", flat=True)) == {"clinician", "supervisor"}

    entry = AuditEntry.objects.get(action="user.changed")
    assert entry.actor == root and entry.source == "web"
    assert entry.object_type == "user" and entry.object_id == str(person.pk)
    assert entry.changes["groups"] == [["clinician"], ["clinician", "supervisor"]]
    assert entry.changes["first_name"] == ["", "Casey"]
    assert entry.changes["user_permissions"] == [[], ["auth.change_user"]], "a permission given one by one, too"
    assert "password" not in entry.changes


def test_a_password_set_in_the_admin_is_audited_without_the_password(client, root):
    person = UserFactory(username="casey")
    response = client.post(
        f"/admin/auth/user/{person.pk}/password/",
        {"password1": "a-New-passw0rd-42", "password2": "a-New-passw0rd-42", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action="user.changed")
    assert entry.actor == root and "password changed" in entry.note
    person.refresh_from_db()
    assert person.password not in str(entry.changes) + entry.note


def test_a_login_created_in_the_admin_is_audited(client, root):
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "newbie", "password1": "a-New-passw0rd-42", "password2": "a-New-passw0rd-42",
         "usable_password": "true", "_save": "Save"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    newbie = User.objects.get(username="newbie")
    entry = AuditEntry.objects.get(action="user.created")
    assert entry.actor == root and entry.object_id == str(newbie.pk)
    assert entry.changes["username"] == [None, "newbie"]
    assert "password" not in entry.changes and newbie.password not in str(entry.changes)


def test_a_group_changed_in_the_admin_is_audited(client, root):
    group = Group.objects.create(name="night crew")
    assert client.get(f"/admin/auth/group/{group.pk}/change/").status_code == 200
    response = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "night shift", "_save": "Save"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="group.changed")
    assert entry.actor == root and entry.changes == {"name": ["night crew", "night shift"]}


def test_a_role_group_can_be_neither_renamed_nor_deleted_in_the_admin(client, root):
    group = role_group("dispatcher")
    dispatcher = UserFactory(username="dee", role="dispatcher")
    client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "dispatchers", "_save": "Save"})
    assert client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 403
    refused = client.post(
        "/admin/auth/group/", {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"}
    )
    assert refused.status_code == 403
    assert list(dispatcher.groups.values_list("name", flat=True)) == ["dispatcher"], "still a dispatcher"
    assert not AuditEntry.objects.filter(object_type="group").exists()


def test_a_login_deleted_in_the_admin_is_audited(client, root):
    person = UserFactory(username="temp", role="intake")
    response = client.post(f"/admin/auth/user/{person.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(username="temp").exists()
    entry = AuditEntry.objects.get(action="user.deleted")
    assert entry.actor == root and entry.object_id == str(person.pk)
    assert entry.changes["username"] == ["temp", None] and entry.changes["groups"] == [["intake"], None]
