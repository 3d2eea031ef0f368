"""On PostgreSQL a call's history (``CallEvent``) is append-only for the application, as the audit
log is (coresponder/0003): a trigger refuses every DELETE, and every UPDATE except three that
leave the history standing:

- ``note`` blanked (to ``''``): retention erases the free text of old events, as it erases notes;
- ``actor_id`` set to NULL: deleting a login without a history (``on_delete=SET_NULL``);
- ``unit_id`` set to NULL: deleting a unit (``on_delete=SET_NULL``).

Any other change -- of a status, a time, or a note rewritten rather than erased -- is refused,
whoever asks. The other columns are compared as a whole (``to_jsonb(row)`` less the three), so a
column added later is protected without changing this function. TRUNCATE needs the table's
owner, and the application's runtime role is not it (``manage.py grant_app_role``). SQLite (``make
run``) has no trigger: the model's ``save()`` and ``delete()`` refuse there.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION dispatch_call_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (NEW.note = OLD.note OR NEW.note = '')
        AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
        AND (NEW.unit_id IS NOT DISTINCT FROM OLD.unit_id OR NEW.unit_id IS NULL)
        AND to_jsonb(NEW) - ARRAY['note', 'actor_id', 'unit_id'] = to_jsonb(OLD) - ARRAY['note', 'actor_id', 'unit_id']
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'call events are append-only: %% refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER call_events_are_append_only BEFORE UPDATE OR DELETE ON dispatch_callevent
    FOR EACH ROW EXECUTE FUNCTION dispatch_call_event_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS call_events_are_append_only ON dispatch_callevent;
DROP FUNCTION IF EXISTS dispatch_call_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0002_safety_hold_updates_notes_triage")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
