"""The probes' API, under /api/probes/: a router of its own, included by the project's urls.py."""

from django.urls import path

from infra.core.api.routers import BulkRouter

from . import views

router = BulkRouter(trailing_slash="/?")
router.include_root_view = False  # /api/ has one index (the inventory's router)
for prefix, viewset in [
    ("checks", views.CheckViewSet),
    ("snmp-credentials", views.SnmpCredentialViewSet),
    ("maintenance-windows", views.MaintenanceWindowViewSet),
    ("events", views.CheckEventViewSet),
    ("downtimes", views.DowntimeViewSet),
    ("runs", views.ProbeRunViewSet),
    ("status", views.CheckStatusViewSet),
    ("results", views.ResultViewSet),
    ("alert-channels", views.AlertChannelViewSet),
    ("alert-rules", views.AlertRuleViewSet),
    ("alert-deliveries", views.AlertDeliveryViewSet),
]:
    model = viewset.queryset.model
    router.register(f"probes/{prefix}", viewset, basename=f"probes-{model._meta.model_name}")

urlpatterns = [
    *router.urls,
    path("probes/availability/", views.AvailabilityView.as_view(), name="probes-availability"),
    path("probes/reports/availability/", views.AvailabilityReportView.as_view(), name="probes-availability-report"),
    path("probes/websites/", views.WebsitesView.as_view(kind="organizations"), name="probes-websites"),
    path(
        "probes/websites/applications/",
        views.WebsitesView.as_view(kind="applications"),
        name="probes-websites-applications",
    ),
]
