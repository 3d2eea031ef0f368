"""On PostgreSQL the audit log is append-only for the application: a trigger refuses every
UPDATE and DELETE of its rows, whoever asks. (TRUNCATE needs the table's owner; give the
application a role that does not own its tables in production -- README, "Security".) Removing
entries after their retention period is a database administrator's job."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION coresponder_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: %% refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entries_are_append_only BEFORE UPDATE OR DELETE ON coresponder_auditentry
    FOR EACH ROW EXECUTE FUNCTION coresponder_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS audit_entries_are_append_only ON coresponder_auditentry;
DROP FUNCTION IF EXISTS coresponder_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("coresponder", "0002_audit_entry")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
