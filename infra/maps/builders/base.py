"""What every view shares: the rows it reads, the filters, statuses, links, legend and title block.

A view module reads the registry through ``Drawing`` (one query per table, ``infra.maps.selectors``),
adds nodes, groups and edges with the style keys of ``diagrams.styles`` (the renderer gives them their
look), and ``Drawing.finish`` writes the legend for exactly the keys used and the title block, in the
active language.
"""

from __future__ import annotations

import datetime
from collections import Counter, deque
from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from diagrams.model import Edge, LegendEntry, Node, TitleBlock, Topology
from infra.inventory.choices import (
    MIGRATION_DONE_STATES,
    ApplicationStatus,
    Deployment,
    DeviceKind,
    DeviceStatus,
    FiberLinkStatus,
    IntegrationStatus,
    MigrationState,
    SiteKind,
)

from .. import selectors
from .params import DiagramParams

SERVER_KINDS = (DeviceKind.SERVER.value, DeviceKind.VIRTUAL_MACHINE.value)
NETWORK_KINDS = tuple(
    k.value
    for k in (
        DeviceKind.SWITCH,
        DeviceKind.ROUTER,
        DeviceKind.FIREWALL,
        DeviceKind.OLT,
        DeviceKind.ONT,
        DeviceKind.ACCESS_POINT,
    )
)
MIGRATION_STATES = tuple(MigrationState.values)
FIBER_STATUSES = tuple(FiberLinkStatus.values)
# Least advanced first: the order a site's or aggregate's dominant state breaks ties in (the slower wins).
STATE_ORDER = {state: i for i, state in enumerate(MIGRATION_STATES)}
# Worst first: an aggregate of devices takes the worst reachability among them.
REACHABILITY_ORDER = ("down", "unreachable", "maintenance", "unknown", "up", "unmonitored")
# At most this many OPD names on a site's node in the city and geographic views; the rest are counted.
OPD_NAMES_SHOWN = 3


def dominant_state(states: Iterable[str]) -> str:
    """The state most servers are in; a tie goes to the least advanced state. Empty for no servers."""
    counts = Counter(states)
    if not counts:
        return ""
    return min(counts, key=lambda s: (-counts[s], STATE_ORDER.get(s, 99)))


def worst_reachability(words: Iterable[str]) -> str:
    found = set(words)
    return next((w for w in REACHABILITY_ORDER if w in found), "unmonitored")


class Drawing:
    """One build: the params, the rows read for it, and the topology being filled."""

    def __init__(self, params: DiagramParams, *, tables: Iterable[str] = ()) -> None:
        """``tables``: what the view reads besides regions, OPDs and sites (``selectors.COLUMNS`` names, "cores")."""
        self.params = params
        self.tables = frozenset(tables)
        self.data = selectors.load(self.tables, params.as_of)
        self.reach = (
            selectors.reachability({pk: s["organization_id"] for pk, s in self.data.sites.items()})
            if params.colour_by == "reachability"
            else None
        )
        _change_id, self.newest_change = (None, None) if params.as_of else selectors.newest_change()
        self.topology = Topology(title=TitleBlock(city="", title=""))
        self._urls: dict[str, tuple[str, str]] = {}
        self._region_ids = self._subtree(params.region.pk) if params.region else None

    # --- links ------------------------------------------------------------------------------------
    def site_diagram_url(self, site_id: int) -> str:
        """Where an aggregate node expands: the site's own diagram, which draws every server there."""
        if "site_diagram" not in self._urls:
            self._urls["site_diagram"] = (reverse("maps:diagram"), "")
        return f"{self._urls['site_diagram'][0]}?view=site&site={int(site_id)}"

    def url(self, model_name: str, pk: int | None) -> str:
        """The object's page (``inventory:<model>``, as ``get_absolute_url`` gives), reversed once a model."""
        if pk is None:
            return ""
        if model_name not in self._urls:
            marker = "987654321"
            try:
                path = reverse(f"inventory:{model_name}", args=[int(marker)])
            except NoReverseMatch:
                path = ""
            self._urls[model_name] = (path, marker)
        path, marker = self._urls[model_name]
        return path.replace(marker, str(pk)) if path else ""

    # --- filters ----------------------------------------------------------------------------------
    def _subtree(self, region_id: int) -> set[int]:
        children: dict[int | None, list[int]] = {}
        for pk, row in self.data.regions.items():
            children.setdefault(row["parent_id"], []).append(pk)
        found, todo = set(), [region_id]
        while todo:
            pk = todo.pop()
            if pk not in found:
                found.add(pk)
                todo.extend(children.get(pk, ()))
        return found

    def site_in_region(self, site_id: int | None) -> bool:
        if self._region_ids is None:
            return True
        site = self.data.sites.get(site_id)
        return site is not None and site["region_id"] in self._region_ids

    @property
    def server_status_filter(self) -> str:
        return self.params.status if self.params.status in MIGRATION_STATES else ""

    @property
    def fiber_status_filter(self) -> str:
        return self.params.status if self.params.status in FIBER_STATUSES else ""

    def servers(self, *, any_organization: bool = False) -> list[dict]:
        """The servers (physical and virtual) the filters keep: OPD (unless ``any_organization``), wave,
        migration state, region."""
        params, migrations = self.params, self.data.migrations
        org_id = params.organization.pk if params.organization and not any_organization else None
        wave_id = params.wave.pk if params.wave else None
        state = self.server_status_filter
        kept = []
        for device in self.data.devices.values():
            if device["kind"] not in SERVER_KINDS:
                continue
            if org_id is not None and device["organization_id"] != org_id:
                continue
            migration = migrations.get(device["id"])
            if wave_id is not None and (migration is None or migration["wave_id"] != wave_id):
                continue
            if state and (migration is None or migration["state"] != state):
                continue
            if not self.site_in_region(device["site_id"]):
                continue
            kept.append(device)
        kept.sort(key=lambda d: (d["name"].lower(), d["id"]))
        return kept

    def links(self, site_ids: set[int] | None = None) -> list[dict]:
        """Fiber links with the status filter, between the given sites (all when None)."""
        status = self.fiber_status_filter
        kept = [
            link
            for link in self.data.links.values()
            if (not status or link["status"] == status)
            and (site_ids is None or (link["site_a_id"] in site_ids and link["site_b_id"] in site_ids))
        ]
        kept.sort(key=lambda link: (link["code"], link["id"]))
        return kept

    # --- labels and statuses ----------------------------------------------------------------------
    def org_name(self, org_id: int | None) -> str:
        row = self.data.organizations.get(org_id)
        return (row["short_name"] or row["name"]) if row else ""

    def site_kind(self, site: dict) -> str:
        return "datacenter" if site["kind"] == SiteKind.DATA_CENTER else "site"

    def device_kind(self, device: dict) -> str:
        if device["kind"] in SERVER_KINDS:
            return "server"
        return "network" if device["kind"] in NETWORK_KINDS else "device"

    def device_status(self, device: dict) -> str:
        """Reachability when asked for; else a server's migration state, or the device's own status."""
        if self.reach is not None:
            return f"reachability:{self.reach.device(device['id'])}"
        migration = self.data.migrations.get(device["id"])
        if device["kind"] in SERVER_KINDS and migration is not None:
            return f"migration:{migration['state']}"
        return f"device:{device['status']}"

    def site_status(self, site_id: int, servers: list[dict]) -> str:
        """A site's colour: its reachability, or the dominant migration state of its (filtered) servers."""
        if self.reach is not None:
            return f"reachability:{self.reach.site(site_id)}"
        state = dominant_state(
            self.data.migrations[s["id"]]["state"] for s in servers if s["id"] in self.data.migrations
        )
        return f"migration:{state}" if state else ""

    def aggregate_status(self, devices: list[dict]) -> str:
        if self.reach is not None:
            return f"reachability:{worst_reachability(self.reach.device(d['id']) for d in devices)}"
        state = dominant_state(
            self.data.migrations[d["id"]]["state"] for d in devices if d["id"] in self.data.migrations
        )
        return f"migration:{state}" if state else ""

    def progress_line(self, servers: list[dict]) -> str:
        """ "12 of 40 servers done (30 %)" over the servers with a migration; done is moved, retired or
        retained (the progress page's rule). Empty when none of them is tracked."""
        tracked = [self.data.migrations[s["id"]]["state"] for s in servers if s["id"] in self.data.migrations]
        if not tracked:
            return ""
        done = sum(1 for state in tracked if state in MIGRATION_DONE_STATES)
        return ngettext(
            "%(done)s of %(total)s server done (%(percent)s %%)",
            "%(done)s of %(total)s servers done (%(percent)s %%)",
            len(tracked),
        ) % {"done": done, "total": len(tracked), "percent": formats.number_format(100.0 * done / len(tracked), 0)}

    def state_counts(self, devices: list[dict]) -> tuple[str, ...]:
        """One line per migration state (most first) for an aggregate's details."""
        counts = Counter(
            self.data.migrations[d["id"]]["state"] if d["id"] in self.data.migrations else "" for d in devices
        )
        lines = []
        for state, n in sorted(counts.items(), key=lambda kv: (-kv[1], STATE_ORDER.get(kv[0], 99))):
            label = MigrationState(state).label if state else _("Not tracked")
            lines.append(f"{label}: {n}")
        return tuple(lines)

    def reachability_counts(self, devices: list[dict]) -> tuple[str, ...]:
        counts = Counter(self.reach.device(d["id"]) for d in devices) if self.reach else Counter()
        return tuple(f"{reachability_label(w)}: {counts[w]}" for w in REACHABILITY_ORDER if counts[w])

    def server_node(self, device: dict, group: str | None, *, prefix: str = "device") -> Node:
        details = []
        if device["kind"] == DeviceKind.VIRTUAL_MACHINE:
            details.append(_("Virtual machine"))
        org = self.org_name(device["organization_id"])
        if org:
            details.append(org)
        status = self.device_status(device)
        return Node(
            id=f"{prefix}-{device['id']}",
            kind=self.device_kind(device),
            label=device["name"],
            status=status,
            link=self.url("device", device["id"]),
            group=group,
            details=tuple(details),
            tooltip=f"{device['name']} · {status_label(status)}",
        )

    def aggregate_node(self, node_id: str, label: str, devices: list[dict], group: str | None, link: str) -> Node:
        """Many servers (or devices) as one node with counts per state (the views' aggregation rule)."""
        counts = self.reachability_counts(devices) if self.reach is not None else self.state_counts(devices)
        if all(d["kind"] in SERVER_KINDS for d in devices):
            total = ngettext("%(n)s server", "%(n)s servers", len(devices)) % {"n": len(devices)}
        else:
            total = ngettext("%(n)s device", "%(n)s devices", len(devices)) % {"n": len(devices)}
        return Node(
            id=node_id,
            kind="aggregate",
            label=label,
            status=self.aggregate_status(devices),
            link=link,
            group=group,
            details=(total, *counts),
            tooltip=f"{label}: {total}",
        )

    def fiber_edge(self, link: dict, *, constrain: bool = True, prefix: str = "site") -> Edge:
        length = link["length_km"]
        parts = [link["code"]]
        if length is not None:
            parts.append(_("%(km)s km") % {"km": formats.number_format(length, 1)})
        if "cores" in self.tables:
            parts.append(
                _("%(used)s/%(cores)s cores in use")
                % {"used": self.data.cores_in_use.get(link["id"], 0), "cores": link["core_count"]}
            )
        status = f"fiber:{link['status']} deployment:{link['deployment']}"
        return Edge(
            id=f"link-{link['id']}",
            source=f"{prefix}-{link['site_a_id']}",
            target=f"{prefix}-{link['site_b_id']}",
            kind="fiber",
            label=" · ".join(parts),
            status=status,
            link=self.url("fiberlink", link["id"]),
            tooltip=" · ".join([link["name"] or link["code"], *(status_label(k) for k in status.split())]),
            constrain=constrain,
        )

    def site_node(self, site: dict, *, details: tuple[str, ...] = (), status: str = "", rank=None) -> Node:
        return Node(
            id=f"site-{site['id']}",
            kind=self.site_kind(site),
            label=site["name"],
            status=status,
            link=self.url("site", site["id"]),
            details=details,
            tooltip=site["name"],
            rank=rank,
        )

    def site_details(self, site_id: int, servers: list[dict]) -> tuple[str, ...]:
        """A site's OPDs (those owning it or with devices there) and its servers' progress."""
        orgs = {self.data.sites[site_id]["organization_id"]} - {None}
        orgs |= {s["organization_id"] for s in servers}
        names = sorted((self.org_name(o) for o in orgs), key=str.lower)
        lines = []
        if names:
            shown = ", ".join(names[:OPD_NAMES_SHOWN])
            if len(names) > OPD_NAMES_SHOWN:
                more = len(names) - OPD_NAMES_SHOWN
                shown += " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": more}
            lines.append(shown)
        progress = self.progress_line(servers)
        if progress:
            lines.append(progress)
        return tuple(lines)

    # --- ranks ------------------------------------------------------------------------------------
    def ranks_from_data_center(self, site_ids: set[int], links: list[dict]) -> dict[int, int]:
        """Hops from the nearest data center over the drawn links (DESIGN.md 6: rank outward from it,
        never by the fiber rings); a site no path reaches goes one rank past the farthest."""
        neighbours: dict[int, set[int]] = {s: set() for s in site_ids}
        for link in links:
            neighbours[link["site_a_id"]].add(link["site_b_id"])
            neighbours[link["site_b_id"]].add(link["site_a_id"])
        roots = [s for s in site_ids if self.data.sites[s]["kind"] == SiteKind.DATA_CENTER]
        rank = dict.fromkeys(roots, 0)
        queue = deque(roots)
        while queue:
            here = queue.popleft()
            for there in sorted(neighbours[here]):
                if there not in rank:
                    rank[there] = rank[here] + 1
                    queue.append(there)
        beyond = max(rank.values(), default=-1) + 1
        return {s: rank.get(s, beyond) for s in site_ids}

    # --- finishing --------------------------------------------------------------------------------
    def finish(self, title: str, scope: str) -> Topology:
        """Legend entries for the keys the drawing uses, and the title block, in the active language."""
        topology = self.topology
        used: list[str] = []
        for item in (*topology.nodes, *topology.groups, *topology.edges):
            for key in (item.kind, *item.status.split()):
                if key and key not in used:
                    used.append(key)
        topology.legend = [LegendEntry(key=k, label=key_label(k)) for k in sorted(used, key=_legend_order)]
        topology.title = TitleBlock(
            city=selectors.city_name(self.data.regions),
            title=title,
            scope=scope,
            filters=self.filter_lines(),
            data_as_of=self.data_as_of(),
            generated_at=format_moment(timezone.now()),
            captions=captions(),
        )
        return topology

    def filter_lines(self) -> tuple[tuple[str, str], ...]:
        params, lines = self.params, []
        if params.organization:
            lines.append((_("OPD"), str(params.organization)))
        if params.region:
            lines.append((_("Region"), params.region.name))
        if params.site and params.view != "site":
            lines.append((_("Site"), params.site.name))
        if params.status:
            lines.append((_("Status"), status_value_label(params.status)))
        if params.wave:
            lines.append((_("Wave"), params.wave.name))
        lines.append(
            (_("Colour"), _("Reachability (now)") if params.colour_by == "reachability" else _("Migration state"))
        )
        return tuple(lines)

    def data_as_of(self) -> str:
        if self.params.as_of is not None:
            moment = timezone.localtime(self.params.as_of)
            return formats.date_format(moment.date(), "j F Y") if self.params.as_of_is_date else format_moment(moment)
        return format_moment(self.newest_change) if self.newest_change else _("no data yet")


def format_moment(moment: datetime.datetime) -> str:
    """ "20 November 2026, 15:30 WIB" in the active language, in the city's time zone."""
    return formats.date_format(timezone.localtime(moment), "j F Y, H:i T")


# --- legend labels ------------------------------------------------------------------------------------


def kind_labels() -> dict[str, str]:
    return {
        "site": _("Site"),
        "datacenter": _("Data center"),
        "device": _("Device"),
        "server": _("Server"),
        "network": _("Network device"),
        "rack": _("Rack"),
        "organization": _("OPD"),
        "application": _("Application"),
        "aggregate": _("Many servers, counted"),
        "region": _("Area"),
        "fiber": _("Fiber link"),
        "hosts": _("Runs on"),
        "located": _("Located in"),
        "moves_to": _("Moves to"),
        "integration": _("Integration (SPLP)"),
    }


def reachability_label(word: str) -> str:
    return {
        "up": _("Reachable"),
        "down": pgettext("check state", "Down"),
        "unreachable": _("Cut off behind a down site"),
        "unknown": pgettext("check state", "Unknown"),
        "maintenance": _("Down in maintenance"),
        "unmonitored": _("Not monitored"),
    }.get(word, word)


def status_value_label(value: str) -> str:
    """A status filter's value: a migration state or a fiber link status."""
    if value in MIGRATION_STATES:
        return str(MigrationState(value).label)
    if value in FIBER_STATUSES:
        return _("Fiber link: %(status)s") % {"status": FiberLinkStatus(value).label}
    return value


def status_label(key: str) -> str:
    """A namespaced status key in words (tooltips), without the namespace's own name."""
    space, _sep, value = key.partition(":")
    choices = {
        "migration": MigrationState,
        "fiber": FiberLinkStatus,
        "deployment": Deployment,
        "device": DeviceStatus,
        "integration": IntegrationStatus,
        "application": ApplicationStatus,
    }
    if space == "reachability":
        return reachability_label(value)
    if space in choices and value in choices[space].values:
        return str(choices[space](value).label)
    return value


def key_label(key: str) -> str:
    """A legend line: what a style key means, in the reader's language."""
    kinds = kind_labels()
    if key in kinds:
        return kinds[key]
    space, _sep, _value = key.partition(":")
    prefix = {
        "fiber": _("Fiber link: %(status)s"),
        "deployment": _("Deployment: %(status)s"),
        "device": _("Device: %(status)s"),
        "integration": _("SPBE integration: %(status)s"),
        "application": _("Application: %(status)s"),
        "change": "%(status)s",
    }.get(space)
    label = status_label(key)
    if space == "change":
        label = {"added": _("Added"), "removed": _("Removed"), "changed": _("Changed")}.get(_value, _value)
    return prefix % {"status": label} if prefix else label


_LEGEND_SPACES = ("", "migration", "reachability", "device", "fiber", "deployment", "integration", "application")


def _legend_order(key: str) -> tuple[int, int, str]:
    """Kinds first, then statuses by family in their choice order (not alphabetically)."""
    space, _sep, value = key.partition(":") if ":" in key else ("", "", key)
    order = {
        "migration": MIGRATION_STATES,
        "reachability": REACHABILITY_ORDER,
        "fiber": FIBER_STATUSES,
        "deployment": tuple(Deployment.values),
        "device": tuple(DeviceStatus.values),
        "integration": tuple(IntegrationStatus.values),
        "application": tuple(ApplicationStatus.values),
        "": tuple(kind_labels()),
    }.get(space, ())
    family = _LEGEND_SPACES.index(space) if space in _LEGEND_SPACES else len(_LEGEND_SPACES)
    return family, order.index(value) if value in order else len(order), value


def captions() -> tuple[tuple[str, str], ...]:
    """The renderer's own words on every page (title block, legend, split pages), in the active language."""
    return (
        ("data_as_of", _("Data as of {value}")),
        ("generated_at", _("Generated {value}")),
        ("page", _("Page {page} of {pages}")),
        ("legend", _("Legend")),
        ("overview", _("Overview")),
        ("part", _("part {part} of {parts}")),
        ("count", _("{count} objects")),
        ("elsewhere", _("in {group}")),
    )


def tree_link_ids(ranks: dict[int, int], links: list[dict]) -> set[int]:
    """For each ranked site, one link to a site a rank nearer the data center (the lowest id).

    Only these decide the layout: each office is drawn beside the POP that feeds it, while rings and
    cross links (constraint off) follow wherever their ends land."""
    chosen: dict[int, int] = {}
    for link in sorted(links, key=lambda link: link["id"]):
        a, b = link["site_a_id"], link["site_b_id"]
        for child, parent in ((a, b), (b, a)):
            if ranks.get(child, 0) > 0 and ranks.get(parent) == ranks[child] - 1:
                chosen.setdefault(child, link["id"])
    return set(chosen.values())
