"""A router whose list route also takes bulk PUT, PATCH and DELETE."""

from django.urls import re_path
from rest_framework.routers import APIRootView, DefaultRouter, Route

from .viewsets import APIMixin


class RootView(APIMixin, APIRootView):
    """Simpul's API: one link per list."""


class BulkRouter(DefaultRouter):
    APIRootView = RootView
    routes = [
        Route(
            url=r"^{prefix}{trailing_slash}$",
            mapping={
                "get": "list",
                "post": "create",
                "put": "bulk_update",
                "patch": "bulk_partial_update",
                "delete": "bulk_destroy",
            },
            name="{basename}-list",
            detail=False,
            initkwargs={"suffix": "List"},
        ),
        *DefaultRouter.routes[1:],
    ]

    def __init__(self, *args, also_list: tuple["BulkRouter", ...] = (), **kwargs):
        # Several apps' routers share /api/: the first one's index lists the others' routes too.
        self.also_list = also_list
        super().__init__(*args, **kwargs)

    def get_api_root_view(self, api_urls=None):
        list_name = self.routes[0].name
        api_root_dict = {}
        for router in (self, *self.also_list):
            for prefix, _viewset, basename in router.registry:
                api_root_dict[prefix] = list_name.format(basename=basename)
        return self.APIRootView.as_view(api_root_dict=api_root_dict)


def api_root(*routers: BulkRouter, extra: dict[str, str] | None = None):
    """The /api/ index of every router the project mounts there (each app has its own), and of
    ``extra`` views by URL name: put it first, before the routers' own index pages."""
    list_name = BulkRouter.routes[0].name
    api_root_dict = {
        prefix: list_name.format(basename=basename)
        for router in routers
        for prefix, _viewset, basename in router.registry
    }
    api_root_dict.update(extra or {})
    return re_path(r"^$", RootView.as_view(api_root_dict=api_root_dict), name="api-root")
