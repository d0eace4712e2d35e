"""The whole city: sites and the fiber links between them, ranked out from the data center."""

from __future__ import annotations

from django.utils.translation import gettext as _

from diagrams.model import Topology
from infra.inventory.choices import SiteKind

from .base import Drawing, tree_link_ids
from .params import DiagramParams

TABLES = ("devices", "migrations", "links")


def city_sites(drawing: Drawing) -> tuple[list[dict], dict[int, list[dict]]]:
    """The sites the filters keep, and each one's filtered servers.

    The data centers are always drawn (the network is ranked out from them). Without an OPD, wave or
    state filter every site in the region is drawn; with one, only the sites holding a server it keeps
    (or, for an OPD, the sites it owns)."""
    params = drawing.params
    servers_at: dict[int, list[dict]] = {}
    for server in drawing.servers():
        servers_at.setdefault(server["site_id"], []).append(server)
    narrowed = bool(params.organization or params.wave or drawing.server_status_filter)
    org_id = params.organization.pk if params.organization else None
    sites = []
    for site in drawing.data.sites.values():
        if site["kind"] == SiteKind.DATA_CENTER:
            sites.append(site)
        elif not drawing.site_in_region(site["id"]):
            continue
        elif not narrowed or site["id"] in servers_at or (org_id and site["organization_id"] == org_id):
            sites.append(site)
    sites.sort(key=lambda s: (s["kind"] != SiteKind.DATA_CENTER, s["name"].lower(), s["id"]))
    return sites, servers_at


def build_city(params: DiagramParams) -> Topology:
    """Each site one node (its OPDs and progress as counts: the city view never draws servers, so a
    site of 200 servers is as small as one of 2), fiber links as edges that do not decide the ranks."""
    drawing = Drawing(params, tables=TABLES)
    sites, servers_at = city_sites(drawing)
    site_ids = {s["id"] for s in sites}
    links = drawing.links(site_ids)
    ranks = drawing.ranks_from_data_center(site_ids, links)
    for site in sites:
        servers = servers_at.get(site["id"], [])
        drawing.topology.nodes.append(
            drawing.site_node(
                site,
                details=drawing.site_details(site["id"], servers),
                status=drawing.site_status(site["id"], servers),
                rank=ranks[site["id"]],
            )
        )
    tree = tree_link_ids(ranks, links)
    drawing.topology.edges.extend(drawing.fiber_edge(link, constrain=link["id"] in tree) for link in links)
    scope = params.region.name if params.region else _("Whole city")
    return drawing.finish(_("City network"), scope)
