"""On PostgreSQL, make the raw results table partitioned by day (services.partitions). SQLite keeps
the plain table that 0001 made."""

from django.db import migrations


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from infra.probes.services import partitions

    model = apps.get_model("probes", "Result")
    table = model._meta.db_table
    sql, params = schema_editor.table_sql(model)
    schema_editor.execute(f'DROP TABLE "{table}"')
    schema_editor.execute(f'{sql} PARTITION BY RANGE ("time")', params or None)
    schema_editor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
    partitions.ensure(using=schema_editor.connection.alias)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("probes", "Result")
    schema_editor.execute(f'DROP TABLE "{model._meta.db_table}" CASCADE')
    schema_editor.create_model(model)


class Migration(migrations.Migration):
    dependencies = [("probes", "0001_initial")]

    operations = [migrations.RunPython(partition, unpartition)]
