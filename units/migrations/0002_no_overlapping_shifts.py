"""PostgreSQL's guarantee that nobody is in two units whose shifts overlap.

units.services checks this first, to say so in words; these constraints make sure that even a
bypassed service, a data import or two supervisors at once cannot store it. SQLite (the
embedded development default) has no exclusion constraints, so there the service's row lock is
the guarantee.
"""

from django.db import migrations

MEMBERS = ("clinician", "officer")


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for member in MEMBERS:
        schema_editor.execute(
            f"ALTER TABLE units_unit ADD CONSTRAINT unit_{member}_no_overlapping_shifts "
            f"EXCLUDE USING gist ({member}_id WITH =, tstzrange(shift_starts_at, shift_ends_at, '[)') WITH &&)"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for member in MEMBERS:
        schema_editor.execute(f"ALTER TABLE units_unit DROP CONSTRAINT IF EXISTS unit_{member}_no_overlapping_shifts")


class Migration(migrations.Migration):
    dependencies = [("units", "0001_initial")]

    operations = [migrations.RunPython(add_constraints, drop_constraints, elidable=False)]
