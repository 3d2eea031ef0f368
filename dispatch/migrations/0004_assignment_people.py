"""Each assignment keeps the clinician and the officer who were on it.

Access to a call's caller details, narrative and clinical notes follows the people who were on
the call, not whoever is paired into its unit today. Assignments made before this migration are
given their unit's pairing as it is now: units cannot be re-paired while on a call, so that is
who was on it unless the unit was re-paired since (which the old rule already got wrong).
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_from_units(apps, schema_editor):
    Assignment = apps.get_model("dispatch", "Assignment")
    Unit = apps.get_model("units", "Unit")
    for unit_id, clinician_id, officer_id in Unit.objects.values_list("pk", "clinician_id", "officer_id").iterator():
        Assignment.objects.filter(unit_id=unit_id).update(clinician_id=clinician_id, officer_id=officer_id)


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0003_call_event_append_only"),
        ("units", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="clinician",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="assignments", to="units.clinician"
            ),
        ),
        migrations.AddField(
            model_name="assignment",
            name="officer",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="assignments", to="units.officer"
            ),
        ),
        migrations.RunPython(fill_from_units, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="assignment",
            name="clinician",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="assignments", to="units.clinician"
            ),
        ),
        migrations.AlterField(
            model_name="assignment",
            name="officer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="assignments", to="units.officer"
            ),
        ),
    ]
