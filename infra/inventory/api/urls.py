from django.urls import path

from infra.core.api.routers import BulkRouter
from infra.core.api.urls import router as core_router

from . import indicators, views

# Mounted first under /api/, so its index page also lists the core's routes (changes, tokens).
router = BulkRouter(trailing_slash="/?", also_list=(core_router,))
for prefix, viewset in [
    ("regions", views.RegionViewSet),
    ("organizations", views.OrganizationViewSet),
    ("contacts", views.ContactViewSet),
    ("sites", views.SiteViewSet),
    ("racks", views.RackViewSet),
    ("devices", views.DeviceViewSet),
    ("interfaces", views.InterfaceViewSet),
    ("ip-addresses", views.IPAddressViewSet),
    ("applications", views.ApplicationViewSet),
    ("fiber-links", views.FiberLinkViewSet),
    ("fiber-cores", views.FiberCoreViewSet),
    ("migration-waves", views.MigrationWaveViewSet),
    ("migrations", views.MigrationViewSet),
    ("migration-transitions", views.MigrationTransitionViewSet),
    ("migration-blockers", views.MigrationBlockerViewSet),
    ("yearly-targets", views.YearTargetViewSet),
    ("contracts", views.ContractViewSet),
]:
    model = viewset.queryset.model
    router.register(prefix, viewset, basename=f"inventory-{model._meta.model_name}")

urlpatterns = router.urls
# Figures, not records: plain views beside the router's (mounted with it under /api/).
indicator_patterns = [
    path("indicators/", indicators.IndicatorListView.as_view(), name="indicators"),
    path("indicators/<str:key>/objects/", indicators.IndicatorObjectsView.as_view(), name="indicator-objects"),
]
