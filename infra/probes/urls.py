"""The probes' web addresses (under /probes/): each editable model's pages declared once in PAGES, and
the read-only lists of what the probes found."""

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import path

from infra.core.views import ModelPages, ObjectListView
from infra.inventory.selectors import count_of

from . import filtersets, forms, models, tables
from .models.alerts import CHANNEL_SECRET_FIELDS
from .models.checks import SECRET_FIELDS
from .views import (
    AlertChannelDetailView,
    AlertChannelTestView,
    AlertDeliveryDetailView,
    AvailabilityReportView,
    ChartDataView,
    CheckDetailView,
    SnmpCredentialDetailView,
    StatusView,
)
from .website_views import WebsiteChecksOnView, WebsitesReportView

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
        detail_queryset=models.Check.objects.select_related(
            "device", "ip_address", "credential", "status", "website", "application", "organization"
        ).defer(*(f"credential__{name}" for name in SECRET_FIELDS)),
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

# Alerts: where they go and who gets what (not in PAGES: tests/probes/test_alerts.py measures them).
ALERT_PAGES = [
    ModelPages(
        "alert-channels",
        models.AlertChannel.objects.defer(*CHANNEL_SECRET_FIELDS).annotate(
            secret_set=_is_set("secret"), rule_count=count_of(models.AlertRule, "channel")
        ),
        filtersets.AlertChannelFilterSet,
        tables.AlertChannelTable,
        forms.AlertChannelForm,
        detail=AlertChannelDetailView,
        detail_queryset=models.AlertChannel.objects.all(),
        extra=[path("alert-channels/<int:pk>/test/", AlertChannelTestView.as_view(), name="alertchannel_test")],
    ),
    ModelPages(
        "alert-rules",
        models.AlertRule.objects.select_related("channel", "organization", "site").defer(
            *(f"channel__{name}" for name in CHANNEL_SECRET_FIELDS)
        ),
        filtersets.AlertRuleFilterSet,
        tables.AlertRuleTable,
        forms.AlertRuleForm,
    ),
]
ALERT_DELIVERIES = models.AlertDelivery.objects.select_related("channel", "event__probe_check").defer(
    *(f"channel__{name}" for name in CHANNEL_SECRET_FIELDS), "payload"
)

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
    path("charts/<str:scope>/<int:pk>/", ChartDataView.as_view(), name="chart"),
    path("websites/", WebsitesReportView.as_view(kind="organizations"), name="websites"),
    path(
        "websites/applications/",
        WebsitesReportView.as_view(kind="applications"),
        name="websites-applications",
    ),
    path("websites/switch-on/", WebsiteChecksOnView.as_view(), name="websites-switch-on"),
    *[pattern for pages in PAGES + ALERT_PAGES for pattern in pages.urls()],
    path(
        "alert-deliveries/",
        ObjectListView.as_view(
            queryset=ALERT_DELIVERIES,
            filterset_class=filtersets.AlertDeliveryFilterSet,
            table_class=tables.AlertDeliveryTable,
            bulk_edit=False,
            bulk_delete=False,
        ),
        name="alertdelivery_list",
    ),
    path(
        "alert-deliveries/<int:pk>/",
        AlertDeliveryDetailView.as_view(
            queryset=models.AlertDelivery.objects.select_related("channel", "event__probe_check__device").defer(
                *(f"channel__{name}" for name in CHANNEL_SECRET_FIELDS)
            )
        ),
        name="alertdelivery",
    ),
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
