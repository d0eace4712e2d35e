"""The change log's timeline: when each record was written (``recorded``, the database's clock), who
entered it, and the hash chain (infra.core.chain).

Existing records get ``recorded`` = their ``time``: when they were really written is not known, and
the migration's own time would mark every one of them "entered later", which most were not. Their
``entered_by`` says so ("(before 0008)"), and they are chained in the order they were written (their
id), the order the chain keeps for every later record.

Triggers: the database refuses a ``recorded`` other than its own clock's (clock_timestamp() on
PostgreSQL, 'now' on SQLite: a time at most 10 seconds old), and PostgreSQL gets the
function that locks the chain and reads its head (core_objectchange_head). On SQLite, adding the
columns rebuilds the table, which drops 0003's trigger: it is made again here (and on the way back).
"""

from django.db import migrations, models

from infra.core import chain

MIGRATED_ENTERER = "(before 0008)"
SQLITE_IMMUTABLE = """
CREATE TRIGGER IF NOT EXISTS core_objectchange_immutable BEFORE UPDATE ON core_objectchange
BEGIN SELECT RAISE(ABORT, 'change records cannot be edited'); END;
"""
PG_RECORDED = """
CREATE OR REPLACE FUNCTION core_objectchange_recorded() RETURNS trigger AS $$
BEGIN
    IF NEW.recorded IS NULL OR NEW.recorded > clock_timestamp()
            OR NEW.recorded < clock_timestamp() - interval '10 seconds' THEN
        RAISE EXCEPTION 'the recorded time of a change record is the database''s clock (%%), not %%',
            clock_timestamp(), coalesce(NEW.recorded::text, 'none') USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_objectchange_recorded BEFORE INSERT ON core_objectchange
    FOR EACH ROW EXECUTE FUNCTION core_objectchange_recorded();
"""
PG_RECORDED_REVERSE = """
DROP TRIGGER IF EXISTS core_objectchange_recorded ON core_objectchange;
DROP FUNCTION IF EXISTS core_objectchange_recorded();
DROP FUNCTION IF EXISTS core_objectchange_head();
"""
SQLITE_RECORDED = """
CREATE TRIGGER core_objectchange_recorded BEFORE INSERT ON core_objectchange
WHEN NEW.recorded IS NULL
    OR julianday(NEW.recorded) > julianday('now') + 0.5 / 86400.0
    OR julianday(NEW.recorded) < julianday('now') - 10.0 / 86400.0
BEGIN SELECT RAISE(ABORT, 'the recorded time of a change record is the database''s clock'); END;
"""
SQLITE_RECORDED_REVERSE = "DROP TRIGGER IF EXISTS core_objectchange_recorded;"


def restore_sqlite_immutability(apps, schema_editor):
    """0003's SQLite trigger, gone with the table the columns' removal rebuilt."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_IMMUTABLE)


def chain_existing(apps, schema_editor):
    """recorded = time, entered_by = MIGRATED_ENTERER, and the hashes, in id order, a batch at a time."""
    connection = schema_editor.connection
    ObjectChange = apps.get_model("core", "ObjectChange")
    opts = ObjectChange._meta
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE core_objectchange DISABLE TRIGGER core_objectchange_immutable")
    elif connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS core_objectchange_immutable")
    columns = [n for n in chain.HASHED_FIELDS if n not in ("recorded", "prev_hash", "entered_by")]
    fields = {f.attname: f for f in opts.concrete_fields}
    sql = "UPDATE core_objectchange SET recorded = %s, entered_by = %s, prev_hash = %s, hash = %s WHERE id = %s"
    prev, last = chain.GENESIS, 0
    with connection.cursor() as cursor:
        while True:
            page = list(
                ObjectChange.objects.using(connection.alias)
                .filter(id__gt=last)
                .order_by("id")
                .values("id", *columns)[:2000]
            )
            if not page:
                break
            updates = []
            for row in page:
                row.update(recorded=row["time"], entered_by=MIGRATED_ENTERER, prev_hash=prev)
                row["hash"] = chain.digest(row)
                updates.append(
                    (
                        fields["recorded"].get_db_prep_save(row["time"], connection),
                        MIGRATED_ENTERER,
                        prev,
                        row["hash"],
                        row["id"],
                    )
                )
                prev = row["hash"]
            cursor.executemany(sql, updates)
            last = page[-1]["id"]
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE core_objectchange ENABLE TRIGGER core_objectchange_immutable")
    elif connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_IMMUTABLE)


def install_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_RECORDED)
        schema_editor.execute(chain.PG_HEAD_FUNCTION)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_RECORDED)


def remove_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_RECORDED_REVERSE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_RECORDED_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_must_change_password"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_immutability),
        migrations.AddField(
            model_name="objectchange",
            name="entered_by",
            field=models.CharField(blank=True, editable=False, max_length=150, verbose_name="entered by"),
        ),
        migrations.AddField(
            model_name="objectchange",
            name="hash",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="hash"),
        ),
        migrations.AddField(
            model_name="objectchange",
            name="prev_hash",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="previous hash"),
        ),
        migrations.AddField(
            model_name="objectchange",
            name="recorded",
            field=models.DateTimeField(editable=False, null=True, verbose_name="recorded"),
        ),
        migrations.AddConstraint(
            model_name="objectchange",
            constraint=models.UniqueConstraint(
                condition=models.Q(("prev_hash__isnull", False)),
                fields=("prev_hash",),
                name="objectchange_chain_unique",
            ),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
