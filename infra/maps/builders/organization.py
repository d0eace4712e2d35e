"""One OPD: its servers, where they are, where they are going, their state."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diagrams.model import Edge, Group, Node, Topology
from infra.inventory.choices import MIGRATION_MOVED_STATES

from .base import Drawing
from .params import DiagramParams

TABLES = ("racks", "devices", "migrations")
# A site holding more than this many of the OPD's servers draws them as one aggregate node with counts
# per state (its own page, the site view, draws them all): 25 servers in a column is about what an A4
# page holds at 6 pt.
AGGREGATE_SERVERS = 25


def place_servers(
    drawing: Drawing, servers: list[dict], group_prefix: str = "at", limit: int | None = None
) -> dict[int, str]:
    """Group servers by the site they are at (one box each, the site's name and progress) and draw them,
    one node each or one aggregate beyond ``limit`` at a site (``AGGREGATE_SERVERS`` by default).
    {server id: the node that stands for it}."""
    limit = AGGREGATE_SERVERS if limit is None else limit
    data, topology = drawing.data, drawing.topology
    by_site: dict[int, list[dict]] = {}
    for server in servers:
        by_site.setdefault(server["site_id"], []).append(server)
    stands_for: dict[int, str] = {}
    for site_id in sorted(by_site, key=lambda s: (data.sites.get(s, {}).get("name", "").lower(), s)):
        site = data.sites.get(site_id)
        members = by_site[site_id]
        group_id = f"{group_prefix}-site-{site_id}"
        topology.groups.append(
            Group(
                id=group_id,
                kind=drawing.site_kind(site) if site else "site",
                label=site["name"] if site else "?",
                link=drawing.url("site", site_id),
                details=tuple(x for x in (drawing.progress_line(members),) if x),
            )
        )
        if len(members) > limit:
            node_id = f"agg-{group_prefix}-site-{site_id}"
            label = site["name"] if site else "?"
            topology.nodes.append(
                drawing.aggregate_node(node_id, label, members, group_id, drawing.site_diagram_url(site_id))
            )
            stands_for.update(dict.fromkeys((m["id"] for m in members), node_id))
        else:
            for member in members:
                topology.nodes.append(drawing.server_node(member, group_id))
                stands_for[member["id"]] = f"device-{member['id']}"
    return stands_for


def moves(drawing: Drawing, servers: list[dict], stands_for: dict[int, str], target_group: str | None) -> None:
    """A "moves to" edge from each server not yet moved to its target rack (or host); servers drawn as one
    aggregate share one edge per target, labelled with their number."""
    data, topology = drawing.data, drawing.topology
    counted: dict[tuple[str, str], int] = {}
    drawn = topology.node_ids()
    for server in servers:
        migration = data.migrations.get(server["id"])
        if migration is None or migration["state"] in MIGRATION_MOVED_STATES:
            continue
        target = None
        if migration["target_rack_id"] in data.racks:
            rack = data.racks[migration["target_rack_id"]]
            target = f"target-rack-{rack['id']}"
            if target not in drawn:
                drawn.add(target)
                topology.nodes.append(
                    Node(
                        id=target,
                        kind="rack",
                        label=rack["name"],
                        link=drawing.url("rack", rack["id"]),
                        group=target_group,
                        details=(data.sites[rack["site_id"]]["name"],) if rack["site_id"] in data.sites else (),
                    )
                )
        elif migration["target_host_id"] in data.devices:
            host = data.devices[migration["target_host_id"]]
            target = f"target-host-{host['id']}"
            if target not in drawn:
                drawn.add(target)
                topology.nodes.append(drawing.server_node(host, target_group, prefix="target-host"))
        if target is None:
            continue
        key = (stands_for[server["id"]], target)
        counted[key] = counted.get(key, 0) + 1
    for (source, target), n in counted.items():
        topology.edges.append(
            Edge(
                id=f"moves-{source}-{target}",
                source=source,
                target=target,
                kind="moves_to",
                label=ngettext("%(n)s server", "%(n)s servers", n) % {"n": n} if n > 1 else "",
            )
        )


def build_organization(params: DiagramParams) -> Topology:
    """The OPD's servers in a box per site they are at, and an edge to where each is going (its target
    rack or host in the data center) until it has moved."""
    drawing = Drawing(params, tables=TABLES)
    servers = drawing.servers()
    stands_for = place_servers(drawing, servers)
    if any(drawing.data.migrations.get(s["id"]) for s in servers):
        drawing.topology.groups.append(Group(id="targets", kind="datacenter", label=_("Targets in the data center")))
    moves(drawing, servers, stands_for, "targets")
    if not any(n.group == "targets" for n in drawing.topology.nodes):
        drawing.topology.groups = [g for g in drawing.topology.groups if g.id != "targets"]
    org = drawing.data.organizations.get(params.organization.pk)
    scope = (org["name"] if org else params.organization.name) if params.organization else ""
    return drawing.finish(_("OPD servers"), scope)
