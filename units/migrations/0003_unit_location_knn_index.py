"""On PostgreSQL, a nearest-first index of the units that may be sent: dispatch.selectors.
ranked_candidates walks it with ``point(lon, lat) <-> point(...)`` and stops after a few rows,
so ranking costs the same with 100 units on shift or 10,000. (SQLite, the embedded default,
ranks with a plain scan.)"""

from django.db import migrations

INDEX = "unit_available_location_knn"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON units_unit USING gist (point(lon, lat)) "
            "WHERE status = 'available' AND uniformed = false AND lat IS NOT NULL"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("units", "0002_no_overlapping_shifts")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
