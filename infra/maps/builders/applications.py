"""Applications (the SPBE architecture): each OPD's applications, the servers they run on, and their
integration through the API gateway / service bus (SPLP)."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext as _

from diagrams.model import Edge, Group, Node, Topology
from infra.inventory.choices import ApplicationStatus, IntegrationStatus

from .base import Drawing
from .params import DiagramParams

TABLES = ("devices", "migrations", "applications")
# Applications that reach the bus (or are planned to): joined to its node by an "integration" edge.
ON_THE_BUS = (
    IntegrationStatus.PLANNED,
    IntegrationStatus.API_GATEWAY,
    IntegrationStatus.SERVICE_BUS,
    IntegrationStatus.INTEGRATED,
)
BUS_ID = "splp"
# More hosting servers than this (a city of 500 applications runs on about a thousand): the servers of
# each site are one aggregate node, and each application one "runs on" edge from it.
HOST_LIMIT = 300


def build_applications(params: DiagramParams) -> Topology:
    """Applications in a box per owning OPD, coloured by integration status; the servers they run on in
    a box per site (coloured by migration state or reachability), joined by "runs on" edges; one SPLP
    node that integrated applications connect to. An OPD filter keeps its applications (and the servers
    they run on, whoever owns them); state, wave and region filters keep the servers, and the
    applications running on a kept server."""
    drawing = Drawing(params, tables=TABLES)
    data, topology = drawing.data, drawing.topology
    org_id = params.organization.pk if params.organization else None
    narrowed = bool(params.wave or drawing.server_status_filter or params.region)
    # The servers filters keep, whoever owns them (an OPD's application may run on another's server).
    unscoped = drawing.servers(any_organization=True)
    kept = {s["id"]: s for s in unscoped}
    apps = []
    for app in data.applications.values():
        if org_id and app["organization_id"] != org_id:
            continue
        if narrowed and not any(d in kept for d in app["devices"]):
            continue
        apps.append(app)
    apps.sort(key=lambda a: ((a["short_name"] or a["name"]).lower(), a["id"]))
    orgs_drawn: set[int] = set()
    hosts: dict[int, dict] = {}
    for app in apps:
        group_id = f"org-{app['organization_id']}"
        if app["organization_id"] not in orgs_drawn:
            orgs_drawn.add(app["organization_id"])
            org = data.organizations.get(app["organization_id"])
            topology.groups.append(
                Group(
                    id=group_id,
                    kind="organization",
                    label=drawing.org_name(app["organization_id"]),
                    link=drawing.url("organization", app["organization_id"]),
                    details=(org["name"],) if org and org["short_name"] else (),
                )
            )
        integration = app["integration_status"]
        status_line = str(ApplicationStatus(app["status"]).label) if app["status"] in ApplicationStatus.values else ""
        label = app["short_name"] or app["name"]
        topology.nodes.append(
            Node(
                id=f"app-{app['id']}",
                kind="application",
                label=label,
                status=f"integration:{integration}",
                link=drawing.url("application", app["id"]),
                group=group_id,
                details=tuple(x for x in (app["name"] if app["short_name"] else "", status_line) if x),
                tooltip=f"{app['name']} · {IntegrationStatus(integration).label}"
                if integration in IntegrationStatus.values
                else app["name"],
            )
        )
        for device_id in app["devices"]:
            device = kept.get(device_id) if narrowed else data.devices.get(device_id)
            if device is None:
                continue
            hosts[device_id] = device
            topology.edges.append(
                Edge(
                    id=f"hosts-{device_id}-{app['id']}",
                    source=f"device-{device_id}",
                    target=f"app-{app['id']}",
                    kind="hosts",
                )
            )
        if integration in ON_THE_BUS:
            topology.edges.append(
                Edge(
                    id=f"integration-{app['id']}",
                    source=f"app-{app['id']}",
                    target=BUS_ID,
                    kind="integration",
                    status=f"integration:{integration}",
                )
            )
    by_site: dict[int, list[dict]] = {}
    for device in hosts.values():
        by_site.setdefault(device["site_id"], []).append(device)
    aggregate = len(hosts) > HOST_LIMIT
    for site_id in sorted(by_site, key=lambda s: _site_name(drawing, s)):
        group_id = f"host-site-{site_id}"
        link = drawing.url("site", site_id)
        topology.groups.append(
            Group(id=group_id, kind=_site_kind(drawing, site_id), label=_site_name(drawing, site_id), link=link)
        )
        members = sorted(by_site[site_id], key=lambda d: (d["name"].lower(), d["id"]))
        if aggregate:
            node_id = f"agg-host-site-{site_id}"
            topology.nodes.append(
                drawing.aggregate_node(
                    node_id, _site_name(drawing, site_id), members, group_id, drawing.site_diagram_url(site_id)
                )
            )
        else:
            topology.nodes.extend(drawing.server_node(device, group_id) for device in members)
    if aggregate:  # one "runs on" edge per (site, application)
        site_of = {pk: d["site_id"] for pk, d in hosts.items()}
        merged: dict[tuple[str, str], Edge] = {}
        for edge in topology.edges:
            if edge.kind == "hosts":
                source = f"agg-host-site-{site_of[int(edge.source.removeprefix('device-'))]}"
                merged.setdefault(
                    (source, edge.target), dataclasses.replace(edge, id=f"hosts-{source}-{edge.target}", source=source)
                )
        topology.edges = [e for e in topology.edges if e.kind != "hosts"] + list(merged.values())
    if any(e.kind == "integration" for e in topology.edges):
        topology.nodes.append(Node(id=BUS_ID, kind="network", label=_("SPLP / API gateway")))
    scope = str(params.organization) if params.organization else _("Whole city")
    return drawing.finish(_("Application architecture (SPBE)"), scope)


def _site_name(drawing: Drawing, site_id: int) -> str:
    site = drawing.data.sites.get(site_id)
    return site["name"] if site else "?"


def _site_kind(drawing: Drawing, site_id: int) -> str:
    site = drawing.data.sites.get(site_id)
    return drawing.site_kind(site) if site else "site"
