"""MAC addresses are validated and kept in one form, aa:bb:cc:dd:ee:ff (infra.core.models.fields).

Stored values in an accepted notation are rewritten to that form; anything else is left as it was
(no value is lost), and model validation asks for a valid address at the interface's next edit.
The rewrite is not change-logged: it changes how a value is written, not the value.
"""

import re

import infra.core.models.fields
from django.db import migrations

# A copy of infra.core.models.fields.canonical_mac as of this migration: later changes to the rule
# do not change what this migration did.
_NOTATIONS = (
    re.compile(r"([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})"),
    re.compile(r"([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})"),
    re.compile(r"([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})"),
    re.compile(r"([0-9a-f]{12})"),
)
BATCH = 1000


def _canonical(value):
    text = value.strip().lower()
    for notation in _NOTATIONS:
        match = notation.fullmatch(text)
        if match:
            digits = "".join(match.groups())
            return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
    return None


def normalise(apps, schema_editor):
    Interface = apps.get_model("inventory", "Interface")
    rows = Interface.objects.using(schema_editor.connection.alias).exclude(mac_address="")
    changed = []
    for pk, mac in rows.values_list("pk", "mac_address").iterator(chunk_size=BATCH):
        canonical = _canonical(mac)
        if canonical is not None and canonical != mac:
            changed.append(Interface(pk=pk, mac_address=canonical))
    Interface.objects.using(schema_editor.connection.alias).bulk_update(changed, ["mac_address"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0005_text_limits'),
    ]

    operations = [
        migrations.AlterField(
            model_name='interface',
            name='mac_address',
            field=infra.core.models.fields.MACAddressField(blank=True, max_length=17, verbose_name='MAC address'),
        ),
        migrations.RunPython(normalise, migrations.RunPython.noop),
    ]
