from infra.core.api.routers import BulkRouter

from . import views

router = BulkRouter(trailing_slash="/?")
router.register("changes", views.ObjectChangeViewSet, basename="core-objectchange")
router.register("tokens", views.TokenViewSet, basename="core-token")

urlpatterns = router.urls
