"""One site: its racks, its devices (virtual machines on their hosts) and its fiber links."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diagrams.model import Edge, Group, Node, Topology

from .base import SERVER_KINDS, Drawing
from .params import DiagramParams

TABLES = ("racks", "devices", "migrations", "links")
# The site view draws every device of a site up to this many (a floor of a data center: dot lays out a
# thousand nodes in about a second, DESIGN.md 6); beyond, each rack (and the devices in no rack) is one
# aggregate node with counts.
SITE_DEVICE_LIMIT = 300


def build_site(params: DiagramParams) -> Topology:
    """The site's devices inside a box per rack, VMs joined to their hosts, and the site's fiber links
    to its neighbours (drawn as their own nodes). The OPD, state and wave filters keep servers (other
    devices are kept with an OPD filter only when that OPD owns them)."""
    drawing = Drawing(params, tables=TABLES)
    data, topology = drawing.data, drawing.topology
    site = data.sites.get(params.site.pk)
    if site is None:  # as of a date the site did not exist yet (or no more): an empty drawing says so
        return drawing.finish(_("Site"), params.site.name)
    site_id = site["id"]
    kept_servers = {s["id"] for s in drawing.servers()}
    org_id = params.organization.pk if params.organization else None
    narrowed_servers = bool(params.wave or drawing.server_status_filter)
    devices = []
    for device in data.devices.values():
        if device["site_id"] != site_id:
            continue
        if device["kind"] in SERVER_KINDS:
            if device["id"] not in kept_servers and (org_id or narrowed_servers or params.region):
                continue
        elif org_id and device["organization_id"] != org_id:
            continue
        devices.append(device)
    devices.sort(key=lambda d: (d["name"].lower(), d["id"]))
    site_group = f"site-{site_id}"
    topology.groups.append(
        Group(
            id=site_group,
            kind=drawing.site_kind(site),
            label=site["name"],
            status=drawing.site_status(site_id, [d for d in devices if d["kind"] in SERVER_KINDS]),
            link=drawing.url("site", site_id),
            details=drawing.site_details(site_id, [d for d in devices if d["kind"] in SERVER_KINDS]),
        )
    )
    racks = sorted((r for r in data.racks.values() if r["site_id"] == site_id), key=lambda r: r["name"].lower())
    in_rack: dict[int | None, list[dict]] = {}
    for device in devices:
        rack_id = device["rack_id"] if device["rack_id"] in data.racks else None
        in_rack.setdefault(rack_id, []).append(device)
    aggregate = len(devices) > SITE_DEVICE_LIMIT
    for rack in racks:
        group_id = f"rack-{rack['id']}"
        members = in_rack.get(rack["id"], [])
        topology.groups.append(
            Group(
                id=group_id,
                kind="rack",
                label=rack["name"],
                link=drawing.url("rack", rack["id"]),
                parent=site_group,
                details=(
                    _("%(u)sU") % {"u": rack["u_height"]},
                    ngettext("%(n)s device", "%(n)s devices", len(members)) % {"n": len(members)},
                ),
            )
        )
        if aggregate and members:
            topology.nodes.append(
                drawing.aggregate_node(
                    f"agg-rack-{rack['id']}", rack["name"], members, group_id, drawing.url("rack", rack["id"])
                )
            )
        elif not members:  # an empty rack still shows (a group with nothing in it is not drawn)
            topology.nodes.append(drawing_rack_node(drawing, rack, group_id))
        else:
            topology.nodes.extend(drawing.server_node(d, group_id) for d in members)
    loose = in_rack.get(None, [])
    if aggregate and loose:
        topology.nodes.append(
            drawing.aggregate_node(
                f"agg-site-{site_id}", _("Not in a rack"), loose, site_group, drawing.url("site", site_id)
            )
        )
    else:
        topology.nodes.extend(drawing.server_node(d, site_group) for d in loose)
    drawn = topology.node_ids()
    for device in devices:
        host = device["host_id"]
        if host and f"device-{host}" in drawn and f"device-{device['id']}" in drawn:
            topology.edges.append(
                Edge(id=f"hosts-{device['id']}", source=f"device-{host}", target=f"device-{device['id']}", kind="hosts")
            )
    # The site's fiber links, to its neighbours drawn outside its box.
    for link in drawing.links():
        if site_id not in (link["site_a_id"], link["site_b_id"]):
            continue
        other = link["site_b_id"] if link["site_a_id"] == site_id else link["site_a_id"]
        if other not in data.sites:
            continue
        if f"site-{other}" not in drawn:
            status = f"reachability:{drawing.reach.site(other)}" if drawing.reach else ""
            topology.nodes.append(drawing.site_node(data.sites[other], status=status))
            drawn.add(f"site-{other}")
        if f"site-{site_id}" not in drawn:
            # the site itself as the near end of its links, inside its own box
            node = drawing.site_node(site, status=drawing.site_status(site_id, []) if drawing.reach else "")
            topology.nodes.append(_in_group(node, site_group))
            drawn.add(f"site-{site_id}")
        topology.edges.append(drawing.fiber_edge(link))
    return drawing.finish(_("Site"), site["name"])


def drawing_rack_node(drawing: Drawing, rack: dict, group_id: str) -> Node:
    return Node(
        id=f"rack-node-{rack['id']}",
        kind="rack",
        label=rack["name"],
        link=drawing.url("rack", rack["id"]),
        group=group_id,
        details=(_("empty"),),
    )


def _in_group(node: Node, group_id: str) -> Node:
    return dataclasses.replace(node, group=group_id)
