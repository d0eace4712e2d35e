"""Filters for every inventory list, shared by the web UI and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from infra.core.filtersets import BaseFilterSet, lookups_for

from . import choices, models
from .reconciliation import with_reconciliation


def _region_and_descendants(region_ids: list[int]) -> set[int]:
    """A region filter includes the regions below it (a kecamatan includes its kelurahan)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in models.Region.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), list(region_ids)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, ()))
    return found


class RegionTreeFilter(django_filters.ModelMultipleChoiceFilter):
    def __init__(self, *args, region_path: str = "region", **kwargs):
        self.region_path = region_path
        kwargs.setdefault("queryset", models.Region.objects.all())
        kwargs.setdefault("label", _("Region"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        ids = _region_and_descendants([r.pk for r in value])
        return qs.filter(**{f"{self.region_path}__in": ids})


def _hinted(widget: django_filters.widgets.RangeWidget, input_type: str) -> django_filters.widgets.RangeWidget:
    """A range's two boxes say which end they are (they share one label) and take the right input."""
    for box, hint in zip(widget.widgets, (pgettext_lazy("range", "from"), pgettext_lazy("range", "to")), strict=True):
        box.input_type = input_type
        box.attrs.update({"placeholder": hint, "aria-label": hint})
    return widget


def _multi(choice_class, field_name: str | None = None, label=None):
    kwargs = {"choices": choice_class.choices}
    if field_name:
        kwargs["field_name"] = field_name
    if label:
        kwargs["label"] = label
    return django_filters.MultipleChoiceFilter(**kwargs)


def _objects(model, field_name: str | None = None, label=None):
    kwargs = {"queryset": model.objects.all()}
    if field_name:
        kwargs["field_name"] = field_name
    if label:
        kwargs["label"] = label
    return django_filters.ModelMultipleChoiceFilter(**kwargs)


class RegionFilterSet(BaseFilterSet):
    kind = _multi(choices.RegionKind)
    parent = _objects(models.Region)
    search_fields = ("name", "code")
    panel_fields = ("kind", "parent")

    class Meta:
        model = models.Region
        fields = lookups_for(models.Region, ["name", "code"])


class OrganizationFilterSet(BaseFilterSet):
    kind = _multi(choices.OrganizationKind)
    region = RegionTreeFilter()
    parent = _objects(models.Organization)
    has_website = django_filters.BooleanFilter(
        field_name="website", method="filter_has_website", label=_("Has a website")
    )
    search_fields = ("name", "short_name", "website", "description")
    panel_fields = ("kind", "region", "parent", "has_website")

    class Meta:
        model = models.Organization
        fields = lookups_for(models.Organization, ["name", "short_name", "website"])

    def filter_has_website(self, queryset, name: str, value: bool | None):
        if value is None:
            return queryset
        return queryset.exclude(website="") if value else queryset.filter(website="")


class ContactFilterSet(BaseFilterSet):
    organization = _objects(models.Organization)
    search_fields = ("name", "title", "phone", "email")
    panel_fields = ("organization", "is_primary")

    class Meta:
        model = models.Contact
        fields = lookups_for(models.Contact, ["name", "title", "email", "phone", "is_primary"])


class SiteFilterSet(BaseFilterSet):
    kind = _multi(choices.SiteKind)
    status = _multi(choices.SiteStatus)
    region = RegionTreeFilter()
    organization = _objects(models.Organization)
    search_fields = ("name", "address", "description")
    panel_fields = ("kind", "status", "region", "organization")

    class Meta:
        model = models.Site
        fields = lookups_for(models.Site, ["name", "address", "latitude", "longitude"])


class RackFilterSet(BaseFilterSet):
    site = _objects(models.Site)
    search_fields = ("name", "room")
    panel_fields = ("site",)

    class Meta:
        model = models.Rack
        fields = lookups_for(models.Rack, ["name", "room", "u_height"])


class DeviceFilterSet(BaseFilterSet):
    organization = _objects(models.Organization)
    contract = _objects(models.Contract)
    site = _objects(models.Site)
    region = RegionTreeFilter(region_path="site__region")
    rack = _objects(models.Rack)
    kind = _multi(choices.DeviceKind)
    status = _multi(choices.DeviceStatus)
    migration_state = _multi(choices.MigrationState, field_name="migration__state", label=_("Migration state"))
    has_primary_ip = django_filters.BooleanFilter(
        field_name="primary_ip", lookup_expr="isnull", exclude=True, label=_("Has a primary address")
    )
    funding_source = _multi(choices.FundingSource)
    # The asset register's ranges: ?purchased_after=2019-01-01&purchased_before=..., ?value_min=&value_max=.
    purchased = django_filters.DateFromToRangeFilter(
        field_name="purchase_date",
        label=_("Purchase date"),
        widget=_hinted(django_filters.widgets.DateRangeWidget(), "date"),
    )
    value = django_filters.RangeFilter(
        field_name="acquisition_value",
        label=_("Acquisition value (Rp)"),
        widget=_hinted(django_filters.widgets.RangeWidget(), "number"),
    )
    search_fields = ("name", "serial", "asset_number", "vendor", "model", "os")
    panel_fields = (
        "organization",
        "site",
        "region",
        "kind",
        "status",
        "migration_state",
        "vendor",
        "purchase_year",
        "funding_source",
        "purchased",
        "value",
    )

    class Meta:
        model = models.Device
        fields = lookups_for(
            models.Device,
            [
                "name",
                "vendor",
                "model",
                "serial",
                "asset_number",
                "os",
                "purchase_year",
                "purchase_date",
                "acquisition_value",
                "warranty_end",
                "position",
                "host",
            ],
        )


class InterfaceFilterSet(BaseFilterSet):
    device = _objects(models.Device)
    kind = _multi(choices.InterfaceKind)
    search_fields = ("name", "description", "mac_address")
    panel_fields = ("kind", "enabled")

    class Meta:
        model = models.Interface
        fields = lookups_for(models.Interface, ["name", "speed_mbps", "if_index", "mac_address", "enabled"])


class IPAddressFilterSet(BaseFilterSet):
    status = _multi(choices.IPAddressStatus)
    device = _objects(models.Device, field_name="interface__device", label=_("Device"))
    search_fields = ("address", "dns_name", "description")
    panel_fields = ("status", "probe")

    class Meta:
        model = models.IPAddress
        fields = lookups_for(models.IPAddress, ["address", "prefix_length", "dns_name", "probe", "interface"])


class ApplicationFilterSet(BaseFilterSet):
    organization = _objects(models.Organization, label=_("Owner"))
    status = _multi(choices.ApplicationStatus)
    criticality = _multi(choices.Criticality)
    integration_status = _multi(choices.IntegrationStatus, label=_("SPBE integration"))
    device = _objects(models.Device, field_name="devices", label=_("Hosted on"))
    search_fields = ("name", "short_name", "url", "description")
    panel_fields = ("organization", "status", "criticality", "integration_status", "target_year")

    class Meta:
        model = models.Application
        fields = lookups_for(models.Application, ["name", "short_name", "url", "target_year"])


class FiberLinkFilterSet(BaseFilterSet):
    site = django_filters.ModelMultipleChoiceFilter(
        queryset=models.Site.objects.all(), method="filter_site", label=_("Site (either end)")
    )
    status = _multi(choices.FiberLinkStatus)
    cable_type = _multi(choices.CableType)
    deployment = _multi(choices.Deployment)
    core_count = django_filters.MultipleChoiceFilter(choices=[(n, str(n)) for n in choices.CORE_COUNTS])
    device = django_filters.ModelMultipleChoiceFilter(
        queryset=models.Device.objects.all(), method="filter_device", label=_("Device (either end's interface)")
    )
    contract = _objects(models.Contract)
    search_fields = ("code", "name", "contractor", "contract__number", "description")
    panel_fields = ("site", "status", "cable_type", "deployment", "core_count", "contractor", "contract")

    class Meta:
        model = models.FiberLink
        fields = lookups_for(
            models.FiberLink,
            [
                "code",
                "name",
                "site_a",
                "site_b",
                "interface_a",
                "interface_b",
                "length_km",
                "installed_date",
                "contractor",
                "measured_loss_db",
                "splice_count",
            ],
        )

    def filter_site(self, queryset, name, value):
        if not value:
            return queryset
        from django.db.models import Q

        return queryset.filter(Q(site_a__in=value) | Q(site_b__in=value))

    def filter_device(self, queryset, name, value):
        """The links that end on a port of these devices (a switch's uplinks)."""
        if not value:
            return queryset
        from django.db.models import Q

        return queryset.filter(Q(interface_a__device__in=value) | Q(interface_b__device__in=value))


class FiberCoreFilterSet(BaseFilterSet):
    link = _objects(models.FiberLink)
    state = _multi(choices.CoreState)
    color = _multi(choices.CoreColor)
    search_fields = ("carries",)
    panel_fields = ("link", "state", "color")

    class Meta:
        model = models.FiberCore
        fields = lookups_for(models.FiberCore, ["number", "tube", "carries"])


class MigrationWaveFilterSet(BaseFilterSet):
    status = _multi(choices.WaveStatus)
    search_fields = ("name", "description")
    panel_fields = ("status",)

    class Meta:
        model = models.MigrationWave
        fields = lookups_for(models.MigrationWave, ["name", "start_date", "end_date"])


class MigrationFilterSet(BaseFilterSet):
    state = _multi(choices.MigrationState)
    organization = _objects(models.Organization, field_name="device__organization", label=_("Organization"))
    site = _objects(models.Site, field_name="device__site", label=_("Site"))
    wave = _objects(models.MigrationWave)
    readiness = _multi(choices.Readiness)
    disposition = _multi(choices.Disposition)
    has_open_blocker = django_filters.BooleanFilter(method="filter_open_blocker", label=_("Has an open blocker"))
    search_fields = ("device__name", "notes")
    panel_fields = ("organization", "wave", "state", "readiness", "disposition", "has_open_blocker")

    class Meta:
        model = models.Migration
        fields = lookups_for(
            models.Migration,
            [
                "device",
                "target_rack",
                "target_host",
                "planned_start",
                "planned_cutover",
                "actual_cutover",
                "state_changed_at",
            ],
        )

    def filter_open_blocker(self, queryset, name, value):
        if value is None:
            return queryset
        open_ids = models.MigrationBlocker.objects.filter(resolved_on__isnull=True).values("migration_id")
        return queryset.filter(pk__in=open_ids) if value else queryset.exclude(pk__in=open_ids)


class MigrationBlockerFilterSet(BaseFilterSet):
    migration = _objects(models.Migration)
    category = _multi(choices.BlockerCategory)
    is_open = django_filters.BooleanFilter(field_name="resolved_on", lookup_expr="isnull", label=_("Open"))
    search_fields = ("description", "owner")
    panel_fields = ("category", "is_open")

    class Meta:
        model = models.MigrationBlocker
        fields = lookups_for(models.MigrationBlocker, ["owner", "opened_on", "due_on", "resolved_on"])


class MigrationTransitionFilterSet(BaseFilterSet):
    migration = _objects(models.Migration)
    from_state = _multi(choices.MigrationState)
    to_state = _multi(choices.MigrationState)
    search_fields = ("reason", "override_reason")
    panel_fields = ("from_state", "to_state", "is_rollback", "is_imported_start")
    created = None
    last_updated = None

    class Meta:
        model = models.MigrationTransition
        fields = lookups_for(models.MigrationTransition, ["at", "user", "is_rollback", "is_imported_start"])


class YearTargetFilterSet(BaseFilterSet):
    search_fields = ("note",)

    class Meta:
        model = models.YearTarget
        fields = lookups_for(
            models.YearTarget, ["year", "servers_moved", "applications_integrated", "sites_connected", "fiber_km"]
        )


class ContractFilterSet(BaseFilterSet):
    """Contracts by year, contractor, number and status, and whether the registry matches them
    (``has_mismatch`` reads the reconciliation the list's queryset is annotated with)."""

    status = _multi(choices.ContractStatus)
    has_mismatch = django_filters.BooleanFilter(
        method="filter_has_mismatch",
        label=_("Registry differs from the contract"),
    )
    search_fields = ("number", "title", "contractor", "description")
    panel_fields = ("year", "status", "contractor", "has_mismatch")

    class Meta:
        model = models.Contract
        fields = lookups_for(
            models.Contract,
            ["number", "title", "year", "contractor", "value", "signed_date", "start_date", "end_date"],
        )

    def filter_has_mismatch(self, queryset, name, value):
        if value is None:
            return queryset
        if "has_mismatch" not in queryset.query.annotations:
            queryset = with_reconciliation(queryset)
        return queryset.filter(has_mismatch=value)
