"""Give the application's runtime role what it needs on PostgreSQL, and nothing more.

Two roles: the *owner* of the tables runs migrations (and this command); the *runtime* role, which
web, workers and beat connect as, may read and write rows but not TRUNCATE, ALTER, DROP or
CREATE anything, and only append to the permanent record -- so neither a bug nor an intruder in
the application can rewrite or empty the audit log or a call's history around their triggers
(TRUNCATE fires no row trigger; only a table's owner may run it, or a role granted it).

Run it after every ``migrate`` (docker-compose's ``grant-app-role`` service does): tables a new
version adds get their grants then. It is idempotent: each run first takes back what the role
held on the tables, so a privilege removed here is removed there too.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

from coresponder.models import AuditEntry
from dispatch.models import CallEvent

READ_WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE")
# The permanent record: appended to, never changed. The columns of a call's history the runtime
# may still change are the ones its trigger lets through (dispatch migration 0003): a note blanked
# by retention, and the SET NULL of deleting a login or a unit.
APPEND_ONLY = {
    AuditEntry._meta.db_table: (),
    CallEvent._meta.db_table: ("note", "actor_id", "unit_id"),
}
READ_ONLY = {"django_migrations"}  # the migrations' own bookkeeping: the owner's


class Command(BaseCommand):
    help = (
        "PostgreSQL: create ROLE if needed (LOGIN; password from DATABASE_APP_PASSWORD if set) and give "
        "it rows to read and write in this database, append-only on the audit log and call history, "
        "and no TRUNCATE or DDL. Run as the tables' owner, after every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The runtime role, e.g. coresponder_app.")

    @transaction.atomic
    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are for PostgreSQL; the embedded SQLite database has none.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database(), current_schema()")
            owner, database, schema = cursor.fetchone()
            if role == owner:
                raise CommandError(f"{role} runs this command and owns the tables: give the runtime another role.")
            for statement in self._statements(cursor, role=role, database=database, schema=schema):
                cursor.execute(statement.as_string(connection.connection))
            cursor.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"{role} may still create objects in schema {schema} (PostgreSQL before 15 grants it to "
                    f"everyone): run REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC as its owner, then this again."
                )
        self.stdout.write(f"{role}: rows of {database} to read and write; audit log and call history append-only.")

    def _statements(self, cursor, *, role: str, database: str, schema: str):
        name, password = sql.Identifier(role), os.environ.get("DATABASE_APP_PASSWORD") or None
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            yield sql.SQL("CREATE ROLE {} LOGIN").format(name)
        else:
            yield sql.SQL("ALTER ROLE {} LOGIN").format(name)
        if password:
            yield sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password))
        yield sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), name)
        yield sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), name)
        yield sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(sql.Identifier(schema), name)
        # Ids come from identity columns, which need no privilege on their sequences.
        yield sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(sql.Identifier(schema), name)
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema])
        for (table,) in cursor.fetchall():
            yield from self._table_grants(sql.Identifier(schema, table), table, name)

    @staticmethod
    def _table_grants(qualified, table: str, role):
        if table in READ_ONLY:
            yield sql.SQL("GRANT SELECT ON {} TO {}").format(qualified, role)
        elif table in APPEND_ONLY:
            yield sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(qualified, role)
            if columns := APPEND_ONLY[table]:
                names = sql.SQL(", ").join(map(sql.Identifier, columns))
                yield sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(names, qualified, role)
        else:
            yield sql.SQL("GRANT {} ON {} TO {}").format(sql.SQL(", ").join(map(sql.SQL, READ_WRITE)), qualified, role)
