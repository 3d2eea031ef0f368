"""One shift per template and start (``shift_one_per_template_and_start``).

Before this constraint, two supervisors pressing "Build week" at the same moment could each lay
out the same week, leaving two "Day Mon 04 Mar" shifts. Such duplicates are settled first, so
that the migration never fails on a database that has them, and nothing a supervisor entered is
lost:

- of each group of shifts with the same template and start, the one kept is the oldest shift
  with units paired on it (or the oldest, if none has units);
- a duplicate with no units is deleted: it is an exact copy with nothing on it;
- a duplicate with units keeps its units and its times but is detached from the template
  (``template`` set to NULL): the roster page then lists it under "other shifts", where a
  supervisor can move its pairings or delete it.

Each deletion and detachment is written to the audit log as the system's, with a note saying why.
"""

from django.db import migrations, models
from django.db.models import Count

NOTE = (
    "A second shift from the same template at the same start (shift {keeper}), settled when one "
    "shift per template and start became a rule (migration units/0004): {what}."
)


def settle_duplicates(apps, schema_editor):
    Shift = apps.get_model("units", "Shift")
    AuditEntry = apps.get_model("coresponder", "AuditEntry")
    groups = (
        Shift.objects.filter(template__isnull=False)
        .values("template_id", "starts_at")
        .annotate(shifts=Count("id"))
        .filter(shifts__gt=1)
    )
    entries = []
    for group in groups:
        shifts = list(
            Shift.objects.filter(template_id=group["template_id"], starts_at=group["starts_at"])
            .annotate(units_on=Count("units"))
            .order_by("-units_on", "created_at", "id")
        )
        keeper, duplicates = shifts[0], shifts[1:]
        for shift in duplicates:
            if shift.units_on:
                Shift.objects.filter(pk=shift.pk).update(template=None)
                action, changes = "shift.changed", {"template_id": [shift.template_id, None]}
                what = f"detached from its template, its {shift.units_on} unit(s) kept"
            else:
                Shift.objects.filter(pk=shift.pk).delete()
                action = "shift.deleted"
                changes = {
                    "name": [shift.name, None],
                    "starts_at": [shift.starts_at.isoformat(), None],
                    "ends_at": [shift.ends_at.isoformat(), None],
                    "template_id": [shift.template_id, None],
                }
                what = "deleted, having no units"
            entries.append(
                AuditEntry(
                    actor=None, actor_name="system", source="system", action=action, object_type="shift",
                    object_id=str(shift.pk), changes=changes, note=NOTE.format(keeper=keeper.pk, what=what)[:300],
                )
            )  # fmt: skip
    AuditEntry.objects.bulk_create(entries)
    if schema_editor.connection.vendor == "postgresql":
        # The foreign keys' checks are deferred to the end of the transaction, and PostgreSQL
        # will not alter a table with checks pending: run them now, before the constraint.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("coresponder", "0002_audit_entry"),
        ("units", "0003_unit_location_knn_index"),
    ]

    operations = [
        migrations.RunPython(settle_duplicates, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="shift",
            constraint=models.UniqueConstraint(
                fields=("template", "starts_at"), name="shift_one_per_template_and_start"
            ),
        ),
    ]
