"""``manage.py rotate_secrets``: encrypt every stored secret with the first key of SIMPUL_SECRET_KEYS.

Key rotation (docs/operations.md): put a new key first in SIMPUL_SECRET_KEYS, keep the old ones after
it, run this, then remove the old keys. Secrets are read and written as stored (encrypted), never
decrypted into the log or the output; the rows are not change-logged (the secret itself is the same)."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from infra.core import crypto
from infra.core.models.fields import EncryptedTextField


class Command(BaseCommand):
    help = "Encrypt every stored secret again with the first key of SIMPUL_SECRET_KEYS."

    def handle(self, *args, **options) -> None:
        total = 0
        quote = connection.ops.quote_name
        with transaction.atomic():
            for model in apps.get_models():
                fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
                if not fields:
                    continue
                table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
                columns = ", ".join(quote(f.column) for f in fields)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT {pk}, {columns} FROM {table}")
                    rows = cursor.fetchall()
                    for row_pk, *values in rows:
                        rotated = [crypto.rotate(v) if v else "" for v in values]
                        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
                        cursor.execute(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", [*rotated, row_pk])
                        total += sum(1 for v in values if v)
        if options["verbosity"]:
            self.stdout.write(f"Encrypted {total} secrets again with the first key.")
