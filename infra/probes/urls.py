"""The probes' web addresses (under /probes/): each editable model's pages declared once in PAGES, and
the read-only lists of what the probes found."""

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import path

from infra.core.views import ModelPages, ObjectListView
from infra.inventory.selectors import count_of

from . import filtersets, forms, models, tables
from .models.checks import SECRET_FIELDS
from .views import AvailabilityReportView, CheckDetailView, SnmpCredentialDetailView, StatusView

app_name = "probes"


def _is_set(name: str) -> ExpressionWrapper:
    # The stored column is empty exactly when the secret is: no row is decrypted to tell.
    return ExpressionWrapper(~Q(**{name: ""}), output_field=BooleanField())


def _check_list_queryset():
    device_names = ("device__name", "device__site__name", "device__organization__name")
    return models.Check.objects.select_related("device__site", "device__organization", "status").only(
        *(f.name for f in models.Check._meta.concrete_fields),
        *device_names,
        "device__organization__short_name",
        *(f"status__{f.name}" for f in models.CheckStatus._meta.concrete_fields),
    )


PAGES = [
    ModelPages(
        "checks",
        _check_list_queryset(),
        filtersets.CheckFilterSet,
        tables.CheckTable,
        forms.CheckForm,
        forms.CheckBulkEditForm,
        detail=CheckDetailView,
        detail_queryset=models.Check.objects.select_related("device", "ip_address", "credential", "status").defer(
            *(f"credential__{name}" for name in SECRET_FIELDS)
        ),
    ),
    ModelPages(
        "snmp-credentials",
        models.SnmpCredential.objects.defer(*SECRET_FIELDS).annotate(
            community_set=_is_set("community"),
            auth_key_set=_is_set("auth_key"),
            priv_key_set=_is_set("priv_key"),
            check_count=count_of(models.Check, "credential"),
        ),
        filtersets.SnmpCredentialFilterSet,
        tables.SnmpCredentialTable,
        forms.SnmpCredentialForm,
        detail=SnmpCredentialDetailView,
        detail_queryset=models.SnmpCredential.objects.all(),
    ),
    ModelPages(
        "maintenance",
        models.MaintenanceWindow.objects.select_related("device", "site", "organization"),
        filtersets.MaintenanceWindowFilterSet,
        tables.MaintenanceWindowTable,
        forms.MaintenanceWindowForm,
    ),
]

# What the probes found: read-only lists (no add, no edit, no selection).
READ_ONLY_LISTS = [
    (
        "events",
        models.CheckEvent.objects.select_related("probe_check__device", "root_cause"),
        filtersets.CheckEventFilterSet,
        tables.CheckEventTable,
    ),
    (
        "downtimes",
        models.Downtime.objects.select_related("probe_check__device__site", "root_cause"),
        filtersets.DowntimeFilterSet,
        tables.DowntimeTable,
    ),
    ("runs", models.ProbeRun.objects.select_related("prober"), filtersets.ProbeRunFilterSet, tables.ProbeRunTable),
]

urlpatterns = [
    path("status/", StatusView.as_view(), name="status"),
    path("reports/availability/", AvailabilityReportView.as_view(), name="availability-report"),
    *[pattern for pages in PAGES for pattern in pages.urls()],
    *[
        path(
            f"{slug}/",
            ObjectListView.as_view(
                queryset=queryset,
                filterset_class=filterset,
                table_class=table,
                bulk_edit=False,
                bulk_delete=False,
            ),
            name=f"{queryset.model._meta.model_name}_list",
        )
        for slug, queryset, filterset, table in READ_ONLY_LISTS
    ],
]
