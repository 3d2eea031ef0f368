"""Caller details written into the audit log before they were logged by length only.

The log is append-only and never erased, while a call's caller name, callback number and notes
are erased after their retention period: entries written by earlier versions still held them in
clear. This rewrites those values to their length, as new entries are written. The trigger that
refuses changes to the log is lifted for this one statement, inside the migration's transaction
(which needs the table's owner: the role that runs migrations).
"""

import re

from django.db import migrations

PERSONAL_FIELDS = ("caller_name", "callback_number", "notes")
BY_LENGTH = re.compile(r"^\(\d+ characters\)$")


def by_length(value):
    if not isinstance(value, str) or value == "" or BY_LENGTH.match(value):
        return value
    return f"({len(value)} characters)"


def redacted(changes: dict) -> dict | None:
    """The changes with caller details by length, or None if there was nothing to redact."""
    result = dict(changes)
    for name in PERSONAL_FIELDS:
        pair = changes.get(name)
        if isinstance(pair, list) and len(pair) == 2:
            result[name] = [by_length(pair[0]), by_length(pair[1])]
    return None if result == changes else result


def redact_caller_details(apps, schema_editor):
    AuditEntry = apps.get_model("coresponder", "AuditEntry")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("ALTER TABLE coresponder_auditentry DISABLE TRIGGER audit_entries_are_append_only")
    for entry in AuditEntry.objects.filter(action="call.created").only("pk", "changes").iterator(chunk_size=2000):
        changes = redacted(entry.changes or {})
        if changes is not None:
            AuditEntry.objects.filter(pk=entry.pk).update(changes=changes)
    if postgresql:
        schema_editor.execute("ALTER TABLE coresponder_auditentry ENABLE TRIGGER audit_entries_are_append_only")


class Migration(migrations.Migration):
    dependencies = [("coresponder", "0003_audit_append_only")]

    operations = [migrations.RunPython(redact_caller_details, migrations.RunPython.noop, elidable=True)]
