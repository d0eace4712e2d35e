"""Contracts: the free-text procurement package of fiber links becomes a Contract they point at.

Each distinct non-empty package (spaces trimmed) becomes a contract numbered with that text; its
contractor is the links' contractor when they all name the same one (else blank), its fiscal year
the links' installation year when they agree (else blank). Its contracted quantities stay blank:
the registry does not know them. Backwards, each link gets its contract's number as its package
again (a device's contract is lost: devices had no package).
"""

import django.core.validators
import django.db.models.deletion
import infra.core.models.fields
from decimal import Decimal
from django.db import migrations, models


def packages_to_contracts(apps, schema_editor):
    FiberLink = apps.get_model("inventory", "FiberLink")
    Contract = apps.get_model("inventory", "Contract")
    packages: dict[str, dict] = {}
    for pk, package, contractor, installed in FiberLink.objects.values_list(
        "pk", "procurement_package", "contractor", "installed_date"
    ):
        package = (package or "").strip()
        if not package:
            continue
        found = packages.setdefault(package, {"links": [], "contractors": set(), "years": set()})
        found["links"].append(pk)
        if contractor.strip():
            found["contractors"].add(contractor.strip())
        if installed is not None:
            found["years"].add(installed.year)
    for package, found in packages.items():
        contractors, years = found["contractors"], found["years"]
        contract = Contract.objects.create(
            number=package,
            contractor=next(iter(contractors)) if len(contractors) == 1 else "",
            year=next(iter(years)) if len(years) == 1 and 2000 <= next(iter(years)) <= 2100 else None,
            description=f"Made from the procurement package of {len(found['links'])} fiber link(s).",
        )
        FiberLink.objects.filter(pk__in=found["links"]).update(contract=contract)


def contracts_to_packages(apps, schema_editor):
    FiberLink = apps.get_model("inventory", "FiberLink")
    Contract = apps.get_model("inventory", "Contract")
    for contract in Contract.objects.all():
        FiberLink.objects.filter(contract=contract).update(procurement_package=contract.number[:200])


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0011_organization_website'),
    ]

    operations = [
        migrations.CreateModel(
            name='Contract',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created', models.DateTimeField(auto_now_add=True, null=True, verbose_name='created')),
                ('last_updated', models.DateTimeField(auto_now=True, null=True, verbose_name='last updated')),
                ('number', models.CharField(help_text='The number on the contract or SPK, e.g. 041/SPK/DISKOMINFO/2024.', max_length=200, verbose_name='contract number')),
                ('title', models.CharField(blank=True, help_text='The package name (nama paket).', max_length=300, verbose_name='title')),
                ('year', models.PositiveSmallIntegerField(blank=True, help_text='The budget year (tahun anggaran) the contract is paid from.', null=True, validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='fiscal year')),
                ('contractor', models.CharField(blank=True, max_length=150, verbose_name='contractor')),
                ('value', models.DecimalField(blank=True, decimal_places=2, help_text="The contract's value in Rupiah (nilai kontrak).", max_digits=17, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='contract value (Rp)')),
                ('signed_date', models.DateField(blank=True, null=True, verbose_name='signed on')),
                ('start_date', models.DateField(blank=True, null=True, verbose_name='work starts')),
                ('end_date', models.DateField(blank=True, help_text='When the work is due to be handed over.', null=True, verbose_name='completion date')),
                ('status', models.CharField(choices=[('planned', 'Planned'), ('active', 'Under way'), ('completed', 'Handed over'), ('terminated', 'Terminated')], default='active', max_length=20, verbose_name='status')),
                ('contracted_km', models.DecimalField(blank=True, decimal_places=3, help_text='The route length of fiber the contract buys; empty when it buys none.', max_digits=8, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='contracted fiber (km)')),
                ('contracted_links', models.PositiveIntegerField(blank=True, null=True, verbose_name='contracted fiber links')),
                ('contracted_sites', models.PositiveIntegerField(blank=True, null=True, verbose_name='contracted sites')),
                ('contracted_devices', models.PositiveIntegerField(blank=True, null=True, verbose_name='contracted devices')),
                ('description', infra.core.models.fields.LimitedTextField(blank=True, max_length=4000, verbose_name='description')),
            ],
            options={
                'verbose_name': 'contract',
                'verbose_name_plural': 'contracts',
                'ordering': ['-year', 'number'],
                'indexes': [models.Index(fields=['year'], name='inventory_c_year_ec286a_idx')],
                'constraints': [models.UniqueConstraint(fields=('number',), name='contract_unique_number', violation_error_message='A contract with this number already exists.'), models.CheckConstraint(condition=models.Q(('value__gte', 0), ('value__isnull', True), _connector='OR'), name='contract_value_not_negative', violation_error_message='The contract value cannot be negative.'), models.CheckConstraint(condition=models.Q(('contracted_km__gte', 0), ('contracted_km__isnull', True), _connector='OR'), name='contract_km_not_negative', violation_error_message='The contracted fiber length cannot be negative.')],
            },
        ),
        migrations.AddField(
            model_name='device',
            name='contract',
            field=models.ForeignKey(blank=True, help_text='The procurement package (paket pengadaan) the device was bought under.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='devices', to='inventory.contract', verbose_name='contract'),
        ),
        migrations.AddField(
            model_name='fiberlink',
            name='contract',
            field=models.ForeignKey(blank=True, help_text='The procurement package (paket pengadaan) the link was laid under.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='fiber_links', to='inventory.contract', verbose_name='contract'),
        ),
        migrations.RunPython(packages_to_contracts, contracts_to_packages),
        migrations.RemoveField(
            model_name='fiberlink',
            name='procurement_package',
        ),
    ]
