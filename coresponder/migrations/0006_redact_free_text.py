"""Free text written into the audit log before it was logged by length only.

Earlier versions logged a person's note on a call's move (a reason to reassign, a release
review), a unit's out-of-service reason, a new call's address and exact place, and an outcome's
referral in clear, in a log that is never erased. This rewrites them as new entries are written:
texts by their length, the place rounded to a block. As in 0004, the trigger that refuses
changes to the log is lifted for this migration's statements only, inside its transaction (which
needs the table's owner: the role that runs migrations).
"""

import re

from django.db import migrations

BY_LENGTH = re.compile(r"^\(\d+ characters[^)]*\)$")
# The notes the system itself writes on a unit's status (units.services): kept as they are.
SYSTEM_UNIT_NOTES = re.compile(
    r"^(shift (started|ended|moved|changed)|Dispatched to call \d+|Call \d+|Released from call \d+: \w+)$"
)
PLACE_DECIMALS = 3


def by_length(value, what="characters"):
    if not isinstance(value, str) or value == "" or BY_LENGTH.match(value):
        return value
    return f"({len(value)} {what})"


def rounded(value):
    return round(value, PLACE_DECIMALS) if isinstance(value, float) else value


def redact_changes(changes: dict, texts=(), places=()) -> dict:
    result = dict(changes)
    for name, change in changes.items():
        if isinstance(change, list) and len(change) == 2:
            if name in texts:
                result[name] = [by_length(change[0]), by_length(change[1])]
            elif name in places:
                result[name] = [rounded(change[0]), rounded(change[1])]
    return result


def redacted(entry) -> dict:
    """The fields of ``entry`` to change, or {} if it holds no free text in clear."""
    changes = entry.changes or {}
    if entry.action == "call.status" and entry.actor_id is not None and entry.note:
        note = by_length(entry.note, "characters of note")
        return {"note": note} if note != entry.note else {}
    if entry.action == "unit.status" and entry.note and not SYSTEM_UNIT_NOTES.match(entry.note):
        note = by_length(entry.note, "characters of reason")
        return {"note": note} if note != entry.note else {}
    if entry.action == "call.created":
        new = redact_changes(changes, texts=("address",), places=("lat", "lon"))
        return {"changes": new} if new != changes else {}
    if entry.action == "outcome.created":
        new = redact_changes(changes, texts=("referral",))
        return {"changes": new} if new != changes else {}
    return {}


def redact_free_text(apps, schema_editor):
    AuditEntry = apps.get_model("coresponder", "AuditEntry")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute("ALTER TABLE coresponder_auditentry DISABLE TRIGGER audit_entries_are_append_only")
    entries = AuditEntry.objects.filter(action__in=("call.status", "unit.status", "call.created", "outcome.created"))
    for entry in entries.only("pk", "action", "actor_id", "note", "changes").iterator(chunk_size=2000):
        fields = redacted(entry)
        if fields:
            AuditEntry.objects.filter(pk=entry.pk).update(**fields)
    if postgresql:
        schema_editor.execute("ALTER TABLE coresponder_auditentry ENABLE TRIGGER audit_entries_are_append_only")


class Migration(migrations.Migration):
    dependencies = [("coresponder", "0005_counselor_role")]

    operations = [migrations.RunPython(redact_free_text, migrations.RunPython.noop, elidable=True)]
