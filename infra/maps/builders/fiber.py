"""The fiber network: links by status and deployment, with length and cores in use."""

from __future__ import annotations

from django.utils.translation import gettext as _

from diagrams.model import Topology

from .base import Drawing, tree_link_ids
from .params import DiagramParams

TABLES = ("devices", "links", "cores")


def build_fiber(params: DiagramParams) -> Topology:
    """Every link the filters keep, between the sites it joins (a site on no kept link is not drawn:
    this is the cable plant, the city view shows every site). An OPD keeps the links touching a site it
    owns or has devices at; a region the links with an end in it."""
    drawing = Drawing(params, tables=TABLES)
    data = drawing.data
    org_id = params.organization.pk if params.organization else None
    org_sites = None
    if org_id is not None:
        org_sites = {s for s, row in data.sites.items() if row["organization_id"] == org_id}
        org_sites |= {d["site_id"] for d in data.devices.values() if d["organization_id"] == org_id}
    links = [
        link
        for link in drawing.links()
        if (drawing.site_in_region(link["site_a_id"]) or drawing.site_in_region(link["site_b_id"]))
        and (org_sites is None or link["site_a_id"] in org_sites or link["site_b_id"] in org_sites)
    ]
    site_ids = {link["site_a_id"] for link in links} | {link["site_b_id"] for link in links}
    site_ids &= set(data.sites)  # a link whose site did not exist then (as_of) has no end to draw
    links = [link for link in links if link["site_a_id"] in site_ids and link["site_b_id"] in site_ids]
    ranks = drawing.ranks_from_data_center(site_ids, links)
    for site_id in sorted(site_ids, key=lambda s: (ranks[s], data.sites[s]["name"].lower())):
        site = data.sites[site_id]
        count = sum(1 for link in links if site_id in (link["site_a_id"], link["site_b_id"]))
        details = (_("%(n)s links") % {"n": count},) if count > 1 else ()
        status = f"reachability:{drawing.reach.site(site_id)}" if drawing.reach else ""
        drawing.topology.nodes.append(drawing.site_node(site, details=details, status=status, rank=ranks[site_id]))
    tree = tree_link_ids(ranks, links)
    drawing.topology.edges.extend(drawing.fiber_edge(link, constrain=link["id"] in tree) for link in links)
    scope = params.region.name if params.region else _("Whole city")
    return drawing.finish(_("Fiber network"), scope)
