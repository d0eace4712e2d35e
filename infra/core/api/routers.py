"""A router whose list route also takes bulk PUT, PATCH and DELETE."""

from rest_framework.routers import DefaultRouter, Route


class BulkRouter(DefaultRouter):
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
