"""Database triggers that refuse to alter the change log, whatever client writes to the database.

PostgreSQL refuses UPDATE and DELETE (TRUNCATE, which only an operator runs, still works).
SQLite refuses UPDATE; Django's flush uses DELETE on SQLite, so there deletes are refused by the
model layer only.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION core_objectchange_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'change records cannot be edited or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_objectchange_immutable
    BEFORE UPDATE OR DELETE ON core_objectchange
    FOR EACH ROW EXECUTE FUNCTION core_objectchange_immutable();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS core_objectchange_immutable ON core_objectchange;
DROP FUNCTION IF EXISTS core_objectchange_immutable();
"""
SQLITE_FORWARD = """
CREATE TRIGGER core_objectchange_immutable BEFORE UPDATE ON core_objectchange
BEGIN SELECT RAISE(ABORT, 'change records cannot be edited'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS core_objectchange_immutable;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(forward, reverse)]
