"""The crisis line's counselors (triage mode) get their role's group."""

from django.db import migrations


def create_counselor_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="counselor")


class Migration(migrations.Migration):
    dependencies = [("coresponder", "0004_redact_caller_details")]

    operations = [migrations.RunPython(create_counselor_role, migrations.RunPython.noop)]
