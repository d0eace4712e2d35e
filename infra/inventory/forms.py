"""Forms of the inventory: one edit form and one bulk-edit form per model."""

from infra.core.forms import BaseModelForm, BulkEditForm
from infra.core.validation import as_id

from . import choices, models
from .services.fiber import save_link


class RegionForm(BaseModelForm):
    class Meta:
        model = models.Region
        fields = ("name", "kind", "code", "parent")


class OrganizationForm(BaseModelForm):
    class Meta:
        model = models.Organization
        fields = ("name", "short_name", "kind", "parent", "region", "website", "description")


class ContactForm(BaseModelForm):
    class Meta:
        model = models.Contact
        fields = ("organization", "name", "title", "phone", "email", "is_primary")


class SiteForm(BaseModelForm):
    class Meta:
        model = models.Site
        fields = ("name", "kind", "status", "region", "organization", "address", "latitude", "longitude", "description")


class RackForm(BaseModelForm):
    class Meta:
        model = models.Rack
        fields = ("site", "name", "room", "u_height", "description")


class DeviceForm(BaseModelForm):
    picker_search = {"rack": ("site__name", "name")}

    class Meta:
        model = models.Device
        fields = (
            "name",
            "organization",
            "site",
            "rack",
            "position",
            "kind",
            "status",
            "host",
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
            "contract",
            "primary_ip",
            "description",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keep the pickers short: a VM's host is a physical server; the primary address is one of
        # this device's own.
        self.fields["host"].queryset = models.Device.objects.filter(kind=choices.DeviceKind.SERVER).only("name")
        self.fields["rack"].queryset = models.Rack.objects.select_related("site")
        self.fields["rack"].label_from_instance = lambda rack: f"{rack.site.name} / {rack.name}"
        if self.instance.pk:
            self.fields["primary_ip"].queryset = models.IPAddress.objects.filter(interface__device=self.instance)
        else:
            self.fields.pop("primary_ip")


class InterfaceForm(BaseModelForm):
    class Meta:
        model = models.Interface
        fields = ("device", "name", "kind", "speed_mbps", "if_index", "mac_address", "enabled", "description")


class IPAddressForm(BaseModelForm):
    picker_search = {"interface": ("device__name", "name")}

    class Meta:
        model = models.IPAddress
        fields = ("address", "prefix_length", "interface", "status", "dns_name", "probe", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interface"].queryset = models.Interface.objects.select_related("device")
        self.fields["interface"].label_from_instance = lambda i: f"{i.device.name} {i.name}"
        if self.initial.get("device"):
            self.fields["interface"].queryset = self.fields["interface"].queryset.filter(
                device_id=self.initial["device"]
            )


class ApplicationForm(BaseModelForm):
    class Meta:
        model = models.Application
        fields = (
            "name",
            "short_name",
            "organization",
            "url",
            "status",
            "criticality",
            "integration_status",
            "target_year",
            "devices",
            "description",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["devices"].queryset = models.Device.objects.filter(kind__in=choices.SERVER_KINDS).only("name")


class FiberLinkForm(BaseModelForm):
    picker_search = {"interface_a": ("device__name", "name"), "interface_b": ("device__name", "name")}

    class Meta:
        model = models.FiberLink
        fields = (
            "code",
            "name",
            "site_a",
            "termination_a",
            "termination_a_label",
            "interface_a",
            "site_b",
            "termination_b",
            "termination_b_label",
            "interface_b",
            "cable_type",
            "core_count",
            "deployment",
            "length_km",
            "splice_count",
            "connector_count",
            "status",
            "installed_date",
            "contractor",
            "contract",
            "measured_loss_db",
            "measured_wavelength",
            "measured_on",
            "description",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each end's port is an interface of a device at that end's site: the choices are those of the
        # site the form holds (as sent, or as stored); the model's clean() says so when they differ.
        for end in ("a", "b"):
            field = self.fields[f"interface_{end}"]
            field.queryset = models.Interface.objects.select_related("device")
            field.label_from_instance = lambda i: f"{i.device.name} {i.name}"
            site = self._site_of(end)
            if site is not None:
                field.queryset = field.queryset.filter(device__site_id=site)

    def _site_of(self, end: str) -> int | None:
        name = f"site_{end}"
        if self.is_bound:
            return as_id(self.data.get(self.add_prefix(name)))
        return as_id(self.initial.get(name)) or getattr(self.instance, f"{name}_id", None)

    def save(self, commit: bool = True) -> models.FiberLink:
        """The link with its cores (the fiber service keeps them in step with the core count)."""
        link = super().save(commit=False)
        if commit:
            save_link(link)
        return link


class FiberCoreForm(BaseModelForm):
    class Meta:
        model = models.FiberCore
        fields = ("state", "carries")


class MigrationWaveForm(BaseModelForm):
    class Meta:
        model = models.MigrationWave
        fields = ("name", "start_date", "end_date", "status", "description")


class MigrationForm(BaseModelForm):
    class Meta:
        model = models.Migration
        fields = (
            "device",
            "readiness",
            "disposition",
            "wave",
            "target_rack",
            "target_host",
            "target_address",
            "target_vlan",
            "backup_verified_on",
            "owner_signed_off_on",
            "retain_justification",
            "planned_start",
            "planned_cutover",
            "planned_acceptance",
            "planned_decommission",
            "notes",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        servers = models.Device.objects.filter(kind__in=choices.SERVER_KINDS)
        if self.instance.pk:
            self.fields["device"].disabled = True
            self.fields["device"].queryset = servers.filter(pk=self.instance.device_id)
        else:
            self.fields["device"].queryset = servers.filter(migration__isnull=True).only("name")
        self.fields["target_host"].queryset = models.Device.objects.filter(
            kind=choices.DeviceKind.SERVER, site__kind=choices.SiteKind.DATA_CENTER
        ).only("name")
        self.fields["target_rack"].queryset = models.Rack.objects.filter(
            site__kind=choices.SiteKind.DATA_CENTER
        ).select_related("site")

    def save(self, commit: bool = True):
        if self.instance.pk is None:
            from .services.migration import start_tracking

            data = {k: v for k, v in self.cleaned_data.items() if k not in ("device", "_version")}
            self.instance = start_tracking(self.cleaned_data["device"], **data)
            return self.instance
        return super().save(commit)


class MigrationBlockerForm(BaseModelForm):
    picker_search = {"migration": ("device__name",)}

    class Meta:
        model = models.MigrationBlocker
        fields = ("migration", "category", "description", "owner", "opened_on", "due_on", "resolved_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["migration"].queryset = models.Migration.objects.select_related("device")


# --- Bulk edit ---------------------------------------------------------------------------------
def bulk_form(model, fields: tuple[str, ...]) -> type[BulkEditForm]:
    return type(f"{model.__name__}BulkEditForm", (BulkEditForm,), {"model": model, "fields_to_edit": fields})


RegionBulkEditForm = bulk_form(models.Region, ("kind", "parent"))
OrganizationBulkEditForm = bulk_form(models.Organization, ("kind", "parent", "region"))
ContactBulkEditForm = bulk_form(models.Contact, ("organization", "title", "is_primary"))
SiteBulkEditForm = bulk_form(models.Site, ("kind", "status", "region", "organization"))
RackBulkEditForm = bulk_form(models.Rack, ("room", "u_height"))
DeviceBulkEditForm = bulk_form(
    models.Device,
    (
        "organization",
        "site",
        "kind",
        "status",
        "vendor",
        "model",
        "os",
        "purchase_year",
        "purchase_date",
        "funding_source",
        "warranty_end",
    ),
)
InterfaceBulkEditForm = bulk_form(models.Interface, ("kind", "speed_mbps", "enabled"))
IPAddressBulkEditForm = bulk_form(models.IPAddress, ("status", "probe", "dns_name"))
ApplicationBulkEditForm = bulk_form(
    models.Application, ("organization", "status", "criticality", "integration_status", "target_year")
)
FiberLinkBulkEditForm = bulk_form(
    models.FiberLink, ("status", "cable_type", "deployment", "contractor", "contract", "installed_date")
)
FiberCoreBulkEditForm = bulk_form(models.FiberCore, ("state", "carries"))
MigrationWaveBulkEditForm = bulk_form(models.MigrationWave, ("status", "start_date", "end_date"))
MigrationBulkEditForm = bulk_form(
    models.Migration,
    (
        "readiness",
        "disposition",
        "wave",
        "target_rack",
        "backup_verified_on",
        "owner_signed_off_on",
        "planned_start",
        "planned_cutover",
    ),
)
MigrationBlockerBulkEditForm = bulk_form(models.MigrationBlocker, ("owner", "due_on", "resolved_on"))


class YearTargetForm(BaseModelForm):
    class Meta:
        model = models.YearTarget
        fields = ("year", "servers_moved", "applications_integrated", "sites_connected", "fiber_km", "note")


class ContractForm(BaseModelForm):
    class Meta:
        model = models.Contract
        fields = (
            "number",
            "title",
            "year",
            "contractor",
            "value",
            "status",
            "signed_date",
            "start_date",
            "end_date",
            "contracted_km",
            "contracted_links",
            "contracted_sites",
            "contracted_devices",
            "description",
        )


ContractBulkEditForm = bulk_form(models.Contract, ("year", "contractor", "status", "end_date"))
