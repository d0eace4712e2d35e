"""The data center: its racks, what has arrived in them, and what is still to come."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diagrams.model import Group, Node, Topology
from infra.inventory.choices import MIGRATION_MOVED_STATES, SiteKind

from .base import Drawing
from .organization import moves, place_servers
from .params import DiagramParams

TABLES = ("racks", "devices", "migrations")
# A rack with more devices than this is one aggregate node with counts (a 42U rack holds at most 42
# physical units; more means virtual machines or blades, counted rather than listed).
RACK_DEVICE_LIMIT = 42
# A data center with more devices in its racks than this (a whole city's consolidation: 20,000 devices
# put some 1,500 there) draws every rack as one aggregate node, or the view passes the thousand nodes
# dot lays out in a second (DESIGN.md 6).
DATACENTER_DEVICE_LIMIT = 500
# More servers on their way than this: one aggregate node per site they come from (any number).
INCOMING_LIMIT = 100


def build_datacenter(params: DiagramParams) -> Topology:
    """Each data-center site a box, each rack a box inside with a rack node (its height and counts) and
    the devices that have arrived; servers still on their way stay at their OPD sites (boxed per site,
    aggregated as in the OPD view) with an edge to their target rack. ``site`` picks one data center.
    Past ``DATACENTER_DEVICE_LIMIT`` devices in the racks every rack is counted, past ``INCOMING_LIMIT``
    servers on their way every origin site."""
    drawing = Drawing(params, tables=TABLES)
    data, topology = drawing.data, drawing.topology
    centers = [s for s in data.sites.values() if s["kind"] == SiteKind.DATA_CENTER]
    if params.site:
        centers = [s for s in centers if s["id"] == params.site.pk]
    centers.sort(key=lambda s: (s["name"].lower(), s["id"]))
    center_ids = {s["id"] for s in centers}
    servers = drawing.servers()
    kept = {s["id"] for s in servers}
    narrowed = bool(params.organization or params.wave or drawing.server_status_filter or params.region)
    coming: dict[int, int] = {}
    for server in servers:
        migration = data.migrations.get(server["id"])
        if migration and migration["state"] not in MIGRATION_MOVED_STATES and migration["target_rack_id"]:
            coming[migration["target_rack_id"]] = coming.get(migration["target_rack_id"], 0) + 1
    in_racks = [
        d
        for d in data.devices.values()
        if data.racks.get(d["rack_id"], {}).get("site_id") in center_ids and (d["id"] in kept or not narrowed)
    ]
    rack_limit = RACK_DEVICE_LIMIT if len(in_racks) <= DATACENTER_DEVICE_LIMIT else 0
    by_rack: dict[int, list[dict]] = {}
    for device in in_racks:
        by_rack.setdefault(device["rack_id"], []).append(device)
    for center in centers:
        group_id = f"dc-{center['id']}"
        topology.groups.append(
            Group(id=group_id, kind="datacenter", label=center["name"], link=drawing.url("site", center["id"]))
        )
        racks = sorted(
            (r for r in data.racks.values() if r["site_id"] == center["id"]), key=lambda r: r["name"].lower()
        )
        for rack in racks:
            members = list(by_rack.get(rack["id"], ()))  # (in_racks holds exactly this rack's kept devices)
            members.sort(key=lambda d: (d["name"].lower(), d["id"]))
            rack_group = f"dc-rack-{rack['id']}"
            topology.groups.append(
                Group(
                    id=rack_group,
                    kind="rack",
                    label=rack["name"],
                    link=drawing.url("rack", rack["id"]),
                    parent=group_id,
                )
            )
            details = [
                _("%(u)sU") % {"u": rack["u_height"]},
                ngettext("%(n)s device arrived", "%(n)s devices arrived", len(members)) % {"n": len(members)},
            ]
            if coming.get(rack["id"]):
                n = coming[rack["id"]]
                details.append(ngettext("%(n)s server to come", "%(n)s servers to come", n) % {"n": n})
            topology.nodes.append(
                Node(
                    id=f"target-rack-{rack['id']}",
                    kind="rack",
                    label=rack["name"],
                    link=drawing.url("rack", rack["id"]),
                    group=rack_group,
                    details=tuple(details),
                )
            )
            if members and len(members) > rack_limit:
                topology.nodes.append(
                    drawing.aggregate_node(
                        f"agg-rack-{rack['id']}", rack["name"], members, rack_group, drawing.url("rack", rack["id"])
                    )
                )
            else:
                topology.nodes.extend(drawing.server_node(d, rack_group) for d in members)
    # Servers on their way to a drawn rack: where they are now, and an edge to the rack.
    on_the_way = [
        s
        for s in servers
        if s["site_id"] not in center_ids
        and (m := data.migrations.get(s["id"]))
        and m["state"] not in MIGRATION_MOVED_STATES
        and data.racks.get(m["target_rack_id"], {}).get("site_id") in center_ids
    ]
    limit = None if len(on_the_way) <= INCOMING_LIMIT else 0
    stands_for = place_servers(drawing, on_the_way, group_prefix="from", limit=limit)
    moves(drawing, on_the_way, stands_for, None)
    scope = ", ".join(c["name"] for c in centers) or _("No data center")
    return drawing.finish(_("Data center"), scope)
