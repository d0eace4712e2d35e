"""The diagram builders: one function per view, from the database to a ``diagrams.model.Topology``.

``build(view, params)`` is the one entry point (web, API and CLI call it); ``VIEWS`` names the views in
the order menus show them. Each build runs a fixed number of queries whatever the city's size (one per
table it reads, ``infra.maps.selectors``), for the present or, with ``params.as_of``, for the registry
as the change log says it was.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from diagrams.model import Topology

from .applications import build_applications
from .city import build_city
from .datacenter import RACK_DEVICE_LIMIT, build_datacenter
from .fiber import build_fiber
from .geographic import build_geographic
from .organization import AGGREGATE_SERVERS, build_organization
from .params import COLOUR_BY, DiagramParams
from .site import SITE_DEVICE_LIMIT, build_site

Builder = Callable[[DiagramParams], Topology]

# view name -> (label, builder), in menu order.
VIEWS: dict[str, tuple[str, Builder]] = {
    "city": (_("City network"), build_city),
    "site": (_("Site"), build_site),
    "organization": (_("OPD servers"), build_organization),
    "datacenter": (_("Data center"), build_datacenter),
    "fiber": (_("Fiber network"), build_fiber),
    "applications": (_("Application architecture (SPBE)"), build_applications),
    "geographic": (_("City map"), build_geographic),
}
# Views that draw one site or one OPD and cannot be drawn without it.
NEEDS_SITE = ("site",)
NEEDS_ORGANIZATION = ("organization",)
# Views whose status filter is a fiber link status only, or a migration state only.
FIBER_STATUS_VIEWS = ("city", "site", "fiber", "geographic")
SERVER_STATUS_VIEWS = ("city", "site", "organization", "datacenter", "applications", "geographic")


def build(view: str, params: DiagramParams) -> Topology:
    """The topology of ``view`` for ``params`` (a ``DiagramForm``'s ``params()``). Raises KeyError for
    an unknown view (the form refuses it first)."""
    _label, builder = VIEWS[view]
    return builder(params)


__all__ = [
    "AGGREGATE_SERVERS",
    "COLOUR_BY",
    "FIBER_STATUS_VIEWS",
    "NEEDS_ORGANIZATION",
    "NEEDS_SITE",
    "RACK_DEVICE_LIMIT",
    "SERVER_STATUS_VIEWS",
    "SITE_DEVICE_LIMIT",
    "VIEWS",
    "DiagramParams",
    "build",
]
