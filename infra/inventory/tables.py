"""Tables of the inventory lists: columns users can show, hide, order and export."""

import django_tables2 as tables
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from infra.core.tables import BaseTable, choice_label
from infra.core.templatetags.simpul import status_badge

from . import models


class ChoiceBadgeColumn(tables.Column):
    """A choice shown as a coloured badge with its label; exported as the label.

    The colour follows the stored value, which is read from the record: the value django-tables2
    hands to ``render`` is already the label.
    """

    def _choice(self, record) -> tuple[object, str]:
        *path, name = str(self.accessor).split("__")
        owner = record
        try:
            for part in path:
                owner = getattr(owner, part)
        except ObjectDoesNotExist:
            return "", ""
        if owner is None:
            return "", ""
        value = getattr(owner, name)
        return value, choice_label(owner._meta.get_field(name), value)

    def render(self, record):
        return status_badge(*self._choice(record))

    def value(self, record):
        return self._choice(record)[1]


def _badge(field: str, verbose_name=None, accessor: str | None = None) -> ChoiceBadgeColumn:
    return ChoiceBadgeColumn(accessor=accessor or field, verbose_name=verbose_name)


class RegionTable(BaseTable):
    name = tables.Column(linkify=True)
    kind = tables.Column()
    code = tables.Column()
    parent = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = models.Region
        fields = ("pk", "name", "kind", "code", "parent", "created", "last_updated")
        default_columns = ("name", "kind", "code", "parent")


class OrganizationTable(BaseTable):
    name = tables.Column(linkify=True)
    short_name = tables.Column(linkify=True)
    region = tables.Column(linkify=True)
    parent = tables.Column(linkify=True)
    device_count = tables.Column(verbose_name=_("Devices"))
    site_count = tables.Column(verbose_name=_("Sites"))

    class Meta(BaseTable.Meta):
        model = models.Organization
        fields = (
            "pk",
            "short_name",
            "name",
            "kind",
            "region",
            "parent",
            "site_count",
            "device_count",
            "website",
            "description",
            "created",
            "last_updated",
        )
        default_columns = ("short_name", "name", "kind", "region", "site_count", "device_count")


class ContactTable(BaseTable):
    name = tables.Column(linkify=True)
    organization = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = models.Contact
        fields = ("pk", "name", "organization", "title", "phone", "email", "is_primary", "created", "last_updated")
        default_columns = ("name", "organization", "title", "phone", "email", "is_primary")


class SiteTable(BaseTable):
    name = tables.Column(linkify=True)
    status = _badge("status")
    region = tables.Column(linkify=True)
    organization = tables.Column(linkify=True)
    device_count = tables.Column(verbose_name=_("Devices"))

    class Meta(BaseTable.Meta):
        model = models.Site
        fields = (
            "pk",
            "name",
            "kind",
            "status",
            "region",
            "organization",
            "address",
            "latitude",
            "longitude",
            "device_count",
            "description",
            "created",
            "last_updated",
        )
        default_columns = ("name", "kind", "status", "region", "organization", "device_count")


class RackTable(BaseTable):
    name = tables.Column(linkify=True)
    site = tables.Column(linkify=True)
    device_count = tables.Column(verbose_name=_("Devices"))

    class Meta(BaseTable.Meta):
        model = models.Rack
        fields = ("pk", "name", "site", "room", "u_height", "device_count", "created", "last_updated")
        default_columns = ("name", "site", "room", "u_height", "device_count")


class DeviceTable(BaseTable):
    name = tables.Column(linkify=True)
    organization = tables.Column(linkify=True)
    site = tables.Column(linkify=True)
    rack = tables.Column(linkify=True)
    status = _badge("status")
    primary_ip = tables.Column(verbose_name=_("Primary address"), linkify=True)
    migration_state = _badge("migration_state", _("Migration"), accessor="migration__state")
    migration_state_changed_at = tables.DateTimeColumn(
        accessor="migration__state_changed_at", verbose_name=_("Migration state since")
    )

    class Meta(BaseTable.Meta):
        model = models.Device
        fields = (
            "pk",
            "name",
            "organization",
            "site",
            "rack",
            "position",
            "kind",
            "status",
            "vendor",
            "model",
            "serial",
            "asset_number",
            "os",
            "purchase_year",
            "purchase_date",
            "acquisition_value",
            "funding_source",
            "warranty_end",
            "primary_ip",
            "migration_state",
            "migration_state_changed_at",
            "created",
            "last_updated",
        )
        default_columns = (
            "name",
            "organization",
            "site",
            "kind",
            "status",
            "vendor",
            "model",
            "primary_ip",
            "migration_state",
            "migration_state_changed_at",
        )

    def render_acquisition_value(self, value):
        return rupiah(value)

    def value_acquisition_value(self, value):
        return value  # exports keep the number


def rupiah(value) -> str:
    """An amount as the asset register writes it: 314.000.000 (Indonesian), 314,000,000 (English);
    cents only when there are some."""
    return number_format(value, decimal_pos=2 if value % 1 else 0, force_grouping=True)


class InterfaceTable(BaseTable):
    name = tables.Column(linkify=True)
    device = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = models.Interface
        fields = (
            "pk",
            "device",
            "name",
            "kind",
            "speed_mbps",
            "if_index",
            "mac_address",
            "enabled",
            "description",
            "created",
            "last_updated",
        )
        default_columns = ("device", "name", "kind", "speed_mbps", "if_index", "enabled")


class IPAddressTable(BaseTable):
    address = tables.Column(linkify=True)
    interface = tables.Column(linkify=True)
    device = tables.Column(accessor="interface__device", linkify=True, verbose_name=_("Device"))
    status = _badge("status")

    class Meta(BaseTable.Meta):
        model = models.IPAddress
        fields = (
            "pk",
            "address",
            "prefix_length",
            "device",
            "interface",
            "status",
            "dns_name",
            "probe",
            "description",
            "created",
            "last_updated",
        )
        default_columns = ("address", "prefix_length", "device", "interface", "status", "dns_name", "probe")


class ApplicationTable(BaseTable):
    name = tables.Column(linkify=True)
    organization = tables.Column(linkify=True)
    status = _badge("status")
    integration_status = _badge("integration_status", _("SPBE integration"))
    url = tables.URLColumn()

    class Meta(BaseTable.Meta):
        model = models.Application
        fields = (
            "pk",
            "name",
            "short_name",
            "organization",
            "status",
            "criticality",
            "integration_status",
            "target_year",
            "url",
            "created",
            "last_updated",
        )
        default_columns = (
            "name",
            "short_name",
            "organization",
            "status",
            "criticality",
            "integration_status",
            "target_year",
        )


class FiberLinkTable(BaseTable):
    code = tables.Column(linkify=True)
    site_a = tables.Column(linkify=True)
    site_b = tables.Column(linkify=True)
    status = _badge("status")
    cores_in_use = tables.Column(verbose_name=_("Cores in use"))
    contract = tables.Column(linkify=True)
    loss_budget = tables.Column(verbose_name=_("Loss budget (dB)"), empty_values=(), orderable=False, accessor="pk")

    class Meta(BaseTable.Meta):
        model = models.FiberLink
        fields = (
            "pk",
            "code",
            "name",
            "site_a",
            "site_b",
            "cable_type",
            "core_count",
            "cores_in_use",
            "deployment",
            "length_km",
            "status",
            "installed_date",
            "contractor",
            "contract",
            "measured_loss_db",
            "loss_budget",
            "created",
            "last_updated",
        )
        default_columns = (
            "code",
            "site_a",
            "site_b",
            "cable_type",
            "core_count",
            "cores_in_use",
            "deployment",
            "length_km",
            "status",
        )

    def render_loss_budget(self, record):
        return record.loss_budget_db()

    def value_loss_budget(self, record):
        return record.loss_budget_db()


class FiberCoreTable(BaseTable):
    link = tables.Column(linkify=True)
    number = tables.Column(linkify=True)
    state = _badge("state")

    class Meta(BaseTable.Meta):
        model = models.FiberCore
        fields = ("pk", "link", "number", "tube", "tube_color", "color", "state", "carries", "last_updated")
        default_columns = ("link", "number", "tube_color", "color", "state", "carries")


class MigrationWaveTable(BaseTable):
    name = tables.Column(linkify=True)
    status = _badge("status")
    migration_count = tables.Column(verbose_name=_("Servers"))

    class Meta(BaseTable.Meta):
        model = models.MigrationWave
        fields = (
            "pk",
            "name",
            "start_date",
            "end_date",
            "status",
            "migration_count",
            "description",
            "created",
            "last_updated",
        )
        default_columns = ("name", "start_date", "end_date", "status", "migration_count")


class MigrationTable(BaseTable):
    device = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("Server"))
    organization = tables.Column(accessor="device__organization", linkify=True, verbose_name=_("Organization"))
    site = tables.Column(accessor="device__site", linkify=True, verbose_name=_("Site"))
    rack = tables.Column(accessor="device__rack", linkify=True, verbose_name=_("Rack"))
    state = _badge("state")
    wave = tables.Column(linkify=True)
    target_rack = tables.Column(linkify=True)
    open_blockers = tables.Column(verbose_name=_("Open blockers"))

    class Meta(BaseTable.Meta):
        model = models.Migration
        fields = (
            "pk",
            "device",
            "organization",
            "site",
            "rack",
            "state",
            "state_changed_at",
            "readiness",
            "disposition",
            "wave",
            "target_rack",
            "target_host",
            "target_address",
            "planned_start",
            "planned_cutover",
            "actual_cutover",
            "open_blockers",
            "last_updated",
        )
        default_columns = (
            "device",
            "organization",
            "site",
            "rack",
            "state",
            "state_changed_at",
            "readiness",
            "wave",
            "planned_cutover",
            "open_blockers",
        )


class MigrationBlockerTable(BaseTable):
    category = tables.Column(linkify=True)
    migration = tables.Column(linkify=True, verbose_name=_("Server"))

    class Meta(BaseTable.Meta):
        model = models.MigrationBlocker
        fields = (
            "pk",
            "category",
            "migration",
            "description",
            "owner",
            "opened_on",
            "due_on",
            "resolved_on",
            "last_updated",
        )
        default_columns = ("category", "migration", "owner", "opened_on", "due_on", "resolved_on")


class YearTargetTable(BaseTable):
    year = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = models.YearTarget
        fields = (
            "pk",
            "year",
            "servers_moved",
            "applications_integrated",
            "sites_connected",
            "fiber_km",
            "note",
            "last_updated",
        )
        default_columns = ("year", "servers_moved", "applications_integrated", "sites_connected", "fiber_km", "note")


class MismatchColumn(tables.BooleanColumn):
    """Whether the registry differs from the contract: a red badge when it does."""

    def render(self, value, record, bound_column):
        return status_badge("mismatch", _("Differs")) if value else status_badge("matches", _("Matches"))

    def value(self, value, record, bound_column):
        return bool(value)


class DifferenceColumn(tables.Column):
    """Registry minus contract, signed (+1,3 means the registry holds more); blank when not contracted."""

    def render(self, value):
        shown = floatformat(value, "-3")  # to the metre, in the user's language
        return f"+{shown}" if value > 0 else shown


class ContractTable(BaseTable):
    number = tables.Column(linkify=True)
    value = tables.Column()
    status = _badge("status")
    registry_km = tables.Column(verbose_name=_("Fiber in registry (km)"))
    contracted_km = tables.Column()
    km_difference = DifferenceColumn(verbose_name=_("Fiber difference (km)"))
    registry_links = tables.Column(verbose_name=_("Links in registry"))
    links_difference = DifferenceColumn(verbose_name=_("Links difference"))
    registry_sites = tables.Column(verbose_name=_("Sites in registry"))
    sites_difference = DifferenceColumn(verbose_name=_("Sites difference"))
    registry_devices = tables.Column(verbose_name=_("Devices in registry"))
    devices_difference = DifferenceColumn(verbose_name=_("Devices difference"))
    has_mismatch = MismatchColumn(verbose_name=_("Reconciliation"))

    class Meta(BaseTable.Meta):
        model = models.Contract
        fields = (
            "pk",
            "number",
            "title",
            "year",
            "contractor",
            "value",
            "signed_date",
            "start_date",
            "end_date",
            "status",
            "contracted_km",
            "registry_km",
            "km_difference",
            "contracted_links",
            "registry_links",
            "links_difference",
            "contracted_sites",
            "registry_sites",
            "sites_difference",
            "contracted_devices",
            "registry_devices",
            "devices_difference",
            "has_mismatch",
            "created",
            "last_updated",
        )
        default_columns = (
            "number",
            "title",
            "year",
            "contractor",
            "value",
            "status",
            "contracted_km",
            "registry_km",
            "km_difference",
            "has_mismatch",
        )

    def render_value(self, value):
        return rupiah(value)

    def value_value(self, value):
        return value  # exports keep the number

    def render_contracted_km(self, value):
        return floatformat(value, "-3")

    def render_registry_km(self, value):
        return floatformat(value, "-3")
