"""Hand-built topologies for the renderer's tests and the bench: no database, no builder."""

from __future__ import annotations

from diagrams import Edge, Group, LegendEntry, Node, TitleBlock, Topology

HOSTILE = ("<srv>", '"a"', "a\\nb", "{x|y}", "&amp;", '"]; evil [label="x', "<B>bold</B>", "\\N \\G", "a\nb")

LEGEND = [
    LegendEntry("datacenter", "Data center"),
    LegendEntry("site", "Site"),
    LegendEntry("server", "Server"),
    LegendEntry("migration:accepted", "Accepted"),
    LegendEntry("migration:migrating", "Migrating"),
    LegendEntry("fiber:active", "Fiber in service"),
    LegendEntry("fiber:planned", "Planned fiber"),
    LegendEntry("fiber:faulty", "Faulty fiber"),
]


def title(**extra: object) -> TitleBlock:
    values = {
        "city": "Kota Contoh",
        "title": "City network",
        "scope": "All OPDs",
        "filters": (("Region", "Kecamatan Utara"), ("Wave", "2")),
        "data_as_of": "31 Dec 2025",
        "generated_at": "1 Dec 2026 08:00",
    }
    values.update(extra)
    return TitleBlock(**values)  # type: ignore[arg-type]


def city(sites: int = 4, servers: int = 3, *, layout: str = "ranked", hostile: bool = False) -> Topology:
    """A data center and ``sites`` sites (each a group with ``servers`` servers), fiber from the DC.

    Site ``i`` sits at (i, i % 3) inches when pinned; every third fiber is planned, every fifth faulty.
    """
    dc = Node("dc", "datacenter", "Data Center", status="migration:accepted", link="/sites/0/", rank=0, position=(0, 0))
    nodes = [dc]
    groups = []
    edges = []
    for i in range(1, sites + 1):
        name = HOSTILE[(i - 1) % len(HOSTILE)] if hostile else f"Site {i}"
        groups.append(Group(f"g{i}", "site", f"Group of {name}", link=f"/sites/{i}/"))
        head = f"site{i}"
        nodes.append(
            Node(
                head,
                "site",
                name,
                status="migration:migrating" if i % 2 else "migration:accepted",
                link=f"/sites/{i}/?tab=map&x=1",
                group=f"g{i}",
                details=(f"{servers} servers",),
                tooltip=f"tooltip of {name}",
                rank=1,
                position=(float(i), float(i % 3)),
            )
        )
        for k in range(servers):
            sid = f"srv{i}-{k}"
            nodes.append(
                Node(
                    sid,
                    "server",
                    f"server {i}-{k}",
                    status="migration:accepted",
                    link=f"/devices/{i * 100 + k}/",
                    group=f"g{i}",
                    rank=2,
                    position=(float(i) + 0.2 * k, float(i % 3) + 0.5),
                )
            )
            edges.append(Edge(f"hosts{i}-{k}", head, sid, "hosts"))
        status = "fiber:faulty" if i % 5 == 0 else "fiber:planned" if i % 3 == 0 else "fiber:active"
        edges.append(
            Edge(
                f"fiber{i}", "dc", head, "fiber", label=f"{i}.5 km", status=status, link=f"/fiber/{i}/", constrain=False
            )
        )
    if layout == "pinned":
        groups = []
    return Topology(title=title(), nodes=nodes, groups=groups, edges=edges, legend=list(LEGEND), layout=layout)


def flat(n: int, *, layout: str = "ranked") -> Topology:
    """``n`` servers in sites of 25 hanging off a data center, for size and time tests."""
    per_site = 25
    sites = max(1, n // (per_site + 1))
    return city(sites, per_site, layout=layout)
