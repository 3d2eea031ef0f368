"""Notes written before authors were shown by name carry their login name: give them the name
the application now shows (units.membership.display_name), so that nobody but a supervisor sees
a login name. Notes whose login is gone keep what they have."""

from django.db import migrations

from coresponder.roles import Role


def name_of(user, apps) -> str:
    full = f"{user.first_name} {user.last_name}".strip()
    if full:
        return full
    for model in ("Clinician", "Officer"):
        person = apps.get_model("units", model).objects.filter(user_id=user.pk).first()
        if person is not None:
            return person.name
    roles = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    return Role(roles[0]).label if roles else "A user"


def name_authors(apps, schema_editor):
    CallNote = apps.get_model("dispatch", "CallNote")
    User = apps.get_model("auth", "User")
    authors = CallNote.objects.filter(author__isnull=False).values_list("author_id", flat=True).distinct()
    for user in User.objects.filter(pk__in=authors).iterator():
        CallNote.objects.filter(author_id=user.pk, author_name=user.username).update(author_name=name_of(user, apps))


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0005_external_id_per_numbering"),
        ("units", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(name_authors, migrations.RunPython.noop, elidable=True)]
