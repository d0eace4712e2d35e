from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from infra.core.api.routers import api_root
from infra.core.api.urls import router as core_router
from infra.core.forms import LoginForm
from infra.core.views import (
    FailedSignInListView,
    PasswordChangeView,
    PickView,
    SearchView,
    SignInListView,
    TableConfigView,
)
from infra.inventory.api.urls import indicator_patterns
from infra.inventory.api.urls import router as inventory_router
from infra.maps.api.urls import urlpatterns as maps_api_patterns
from infra.probes.api.urls import router as probes_router
from infra.probes.api.urls import urlpatterns as probes_api_patterns

from . import views

api_patterns = [
    # One index of every app's endpoints, before the routers' own.
    api_root(
        inventory_router,
        probes_router,
        core_router,
        extra={
            "diagram-snapshots": "maps-diagramsnapshot-list",
            "probes/availability": "probes-availability",
            "probes/reports/availability": "probes-availability-report",
            "diagrams": "diagrams",
            "indicators": "indicators",
        },
    ),
    *inventory_router.urls,
    *indicator_patterns,
    *probes_api_patterns,
    *maps_api_patterns,
    *core_router.urls,
    path("", include("infra.maps.api.history")),  # diagram snapshots and comparisons
]

# The API's documentation pages load Swagger UI and Redoc from their CDN, and both libraries add
# inline styles: these two pages alone widen the content security policy (settings.py) for that.
# Swagger UI's start-up script is served as a file of its own (the split view), so no inline script.
_API_DOCS_CDN = "https://cdn.jsdelivr.net"
api_docs_csp = csp_update(
    {
        "script-src": [_API_DOCS_CDN],
        "style-src": [_API_DOCS_CDN, "https://fonts.googleapis.com", "'unsafe-inline'"],
        "font-src": ["https://fonts.gstatic.com"],
        "img-src": [_API_DOCS_CDN],
        "worker-src": ["blob:"],
    }
)

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", SearchView.as_view(), name="search"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path("sign-ins/", SignInListView.as_view(), name="signin_list"),
    path("sign-ins/failed/", FailedSignInListView.as_view(), name="failed_signin_list"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("preferences/table/<str:table>/", TableConfigView.as_view(), name="table_config"),
    path("pick/<str:form>/<str:field>/", PickView.as_view(), name="pick"),
    path("", include("infra.inventory.urls")),
    path("probes/", include("infra.probes.urls")),
    path("diagrams/", include("infra.maps.urls")),
    path("api/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("api/redoc/", api_docs_csp(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    re_path(r"^api/", views.api_not_found),
    path("admin/", admin.site.urls),
]

# A request Django could not read (too large, too many fields): said clearly, JSON under /api/.
handler400 = views.bad_request
