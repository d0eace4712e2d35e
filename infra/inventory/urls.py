"""The inventory's web addresses: the import pages, and every model's pages declared once in PAGES."""

from django.db.models import Prefetch
from django.urls import path

from infra.core.views import ModelPages

from . import choices, filtersets, forms, models, tables
from .reconciliation import with_reconciliation
from .selectors import count_of
from .views import (
    ContractDetailView,
    DeviceDetailView,
    EvidenceObjectsView,
    EvidenceView,
    FiberLinkDetailView,
    ImportJobView,
    ImportMappingDeleteView,
    ImportProgressView,
    ImportRecheckView,
    ImportTemplateView,
    ImportView,
    MigrationBoardView,
    MigrationDetailView,
    MigrationProgressView,
    MigrationTransitionView,
    MigrationWaveDetailView,
    OrganizationDetailView,
    SiteDetailView,
)

app_name = "inventory"

PAGES = [
    ModelPages(
        "regions",
        models.Region.objects.select_related("parent"),
        filtersets.RegionFilterSet,
        tables.RegionTable,
        forms.RegionForm,
        forms.RegionBulkEditForm,
    ),
    ModelPages(
        "organizations",
        models.Organization.objects.select_related("region", "parent").annotate(
            device_count=count_of(models.Device, "organization"), site_count=count_of(models.Site, "organization")
        ),
        filtersets.OrganizationFilterSet,
        tables.OrganizationTable,
        forms.OrganizationForm,
        forms.OrganizationBulkEditForm,
        detail=OrganizationDetailView,
        detail_queryset=models.Organization.objects.select_related("region", "parent"),
    ),
    ModelPages(
        "contacts",
        models.Contact.objects.select_related("organization"),
        filtersets.ContactFilterSet,
        tables.ContactTable,
        forms.ContactForm,
        forms.ContactBulkEditForm,
    ),
    ModelPages(
        "sites",
        models.Site.objects.select_related("region", "organization").annotate(
            device_count=count_of(models.Device, "site")
        ),
        filtersets.SiteFilterSet,
        tables.SiteTable,
        forms.SiteForm,
        forms.SiteBulkEditForm,
        detail=SiteDetailView,
        detail_queryset=models.Site.objects.select_related("region", "organization"),
    ),
    ModelPages(
        "racks",
        models.Rack.objects.select_related("site").annotate(device_count=count_of(models.Device, "rack")),
        filtersets.RackFilterSet,
        tables.RackTable,
        forms.RackForm,
        forms.RackBulkEditForm,
        detail_queryset=models.Rack.objects.select_related("site"),
    ),
    ModelPages(
        "devices",
        models.Device.objects.select_related("organization", "site", "rack", "primary_ip", "migration").only(
            # Of the related rows, only what the list shows of them (names, links, the migration state):
            # building five whole objects per row was a third of the list's time.
            *(f.name for f in models.Device._meta.concrete_fields),
            "organization__name",
            "organization__short_name",
            "site__name",
            "rack__name",
            "primary_ip__address",
            "primary_ip__prefix_length",
            "migration__state",
            "migration__state_changed_at",
        ),
        filtersets.DeviceFilterSet,
        tables.DeviceTable,
        forms.DeviceForm,
        forms.DeviceBulkEditForm,
        detail=DeviceDetailView,
        detail_queryset=models.Device.objects.select_related(
            "organization", "site", "rack", "primary_ip", "host", "contract"
        ),
    ),
    ModelPages(
        "interfaces",
        models.Interface.objects.select_related("device"),
        filtersets.InterfaceFilterSet,
        tables.InterfaceTable,
        forms.InterfaceForm,
        forms.InterfaceBulkEditForm,
    ),
    ModelPages(
        "ip-addresses",
        models.IPAddress.objects.select_related("interface", "interface__device"),
        filtersets.IPAddressFilterSet,
        tables.IPAddressTable,
        forms.IPAddressForm,
        forms.IPAddressBulkEditForm,
    ),
    ModelPages(
        "applications",
        models.Application.objects.select_related("organization"),
        filtersets.ApplicationFilterSet,
        tables.ApplicationTable,
        forms.ApplicationForm,
        forms.ApplicationBulkEditForm,
        detail_queryset=models.Application.objects.select_related("organization").prefetch_related(
            Prefetch("devices", queryset=models.Device.objects.select_related("site"))
        ),
    ),
    ModelPages(
        "fiber-links",
        models.FiberLink.objects.select_related("site_a", "site_b", "contract").annotate(
            cores_in_use=count_of(models.FiberCore, "link", state=choices.CoreState.IN_USE)
        ),
        filtersets.FiberLinkFilterSet,
        tables.FiberLinkTable,
        forms.FiberLinkForm,
        forms.FiberLinkBulkEditForm,
        detail=FiberLinkDetailView,
        detail_queryset=models.FiberLink.objects.select_related(
            "site_a", "site_b", "interface_a__device", "interface_b__device", "contract"
        ),
    ),
    ModelPages(
        "fiber-cores",
        models.FiberCore.objects.select_related("link"),
        filtersets.FiberCoreFilterSet,
        tables.FiberCoreTable,
        forms.FiberCoreForm,
        forms.FiberCoreBulkEditForm,
    ),
    ModelPages(
        "migration-waves",
        models.MigrationWave.objects.annotate(migration_count=count_of(models.Migration, "wave")),
        filtersets.MigrationWaveFilterSet,
        tables.MigrationWaveTable,
        forms.MigrationWaveForm,
        forms.MigrationWaveBulkEditForm,
        detail=MigrationWaveDetailView,
        detail_queryset=models.MigrationWave.objects.all(),
    ),
    ModelPages(
        "migrations",
        models.Migration.objects.select_related(
            "device", "device__organization", "device__site", "device__rack", "wave", "target_rack", "target_host"
        )
        .only(
            # Of the related rows, only their names (as for devices).
            *(f.name for f in models.Migration._meta.concrete_fields),
            "device__name",
            "device__organization",
            "device__site",
            "device__rack",
            "device__organization__name",
            "device__organization__short_name",
            "device__site__name",
            "device__rack__name",
            "wave__name",
            "target_rack__name",
            "target_host__name",
        )
        .annotate(open_blockers=count_of(models.MigrationBlocker, "migration", resolved_on__isnull=True)),
        filtersets.MigrationFilterSet,
        tables.MigrationTable,
        forms.MigrationForm,
        forms.MigrationBulkEditForm,
        detail=MigrationDetailView,
        detail_queryset=models.Migration.objects.select_related(
            "device", "device__organization", "device__site", "wave", "target_rack", "target_host"
        ),
        extra=[
            path("migrations/<int:pk>/transition/", MigrationTransitionView.as_view(), name="migration_transition"),
            path("migrations/board/", MigrationBoardView.as_view(), name="migration_board"),
            path("migrations/progress/", MigrationProgressView.as_view(), name="migration_progress"),
        ],
    ),
    ModelPages(
        "migration-blockers",
        models.MigrationBlocker.objects.select_related("migration", "migration__device"),
        filtersets.MigrationBlockerFilterSet,
        tables.MigrationBlockerTable,
        forms.MigrationBlockerForm,
        forms.MigrationBlockerBulkEditForm,
    ),
]
PAGES.append(
    ModelPages(
        "contracts",
        with_reconciliation(models.Contract.objects.all()),
        filtersets.ContractFilterSet,
        tables.ContractTable,
        forms.ContractForm,
        forms.ContractBulkEditForm,
        detail=ContractDetailView,
        detail_queryset=with_reconciliation(models.Contract.objects.all()),
    )
)
PAGES.append(
    ModelPages(
        "yearly-targets",
        models.YearTarget.objects.all(),
        filtersets.YearTargetFilterSet,
        tables.YearTargetTable,
        forms.YearTargetForm,
    )
)

urlpatterns = [
    path("evidence/", EvidenceView.as_view(), name="evidence"),
    path("evidence/<str:key>/", EvidenceObjectsView.as_view(), name="evidence_objects"),
    path("import/", ImportView.as_view(), name="import"),
    path("import/<uuid:token>/", ImportJobView.as_view(), name="import_job"),
    path("import/<uuid:token>/progress/", ImportProgressView.as_view(), name="import_progress"),
    path("import/<uuid:token>/recheck/", ImportRecheckView.as_view(), name="import_recheck"),
    path("import/mappings/<int:pk>/delete/", ImportMappingDeleteView.as_view(), name="import_mapping_delete"),
    path("import/template/<str:kind>.<str:fmt>", ImportTemplateView.as_view(), name="import_template"),
    *[pattern for pages in PAGES for pattern in pages.urls()],
]
