"""How long does the renderer (diagrams/) take at 100, 1,000 and 5,000 nodes, ranked and pinned?

Run: .venv/bin/python bench/diagrams_render.py [--sizes 100,1000,5000] [--timeout 300] [--pdf-max 5000]

No database: a generated city of sites (one group each, 1 site node + 24 servers), the sites joined
by fiber as a tree from a data center (site-to-site fiber ``constrain=False``, ranks by hops from the
data center, as the city view does), every fifth link planned, every seventh faulty. "pinned" is the
same graph with every node at a fixed position (a grid per site), drawn without layout.

Times, for each size and layout, one cold run each (graphviz has no warm state):
- layout: ``diagrams.layout()`` (the graph laid out once, legend and title block measured and placed);
- svg, png, dot: rendering that laid-out drawing (``Drawing.render``);
- pdf A3: ``render(..., "pdf", paper=A3 landscape)`` from scratch, including the split into pages
  when text would print below 6 pt; with its page count.

Prints a table and one JSON line (docs/diagrams.md).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagrams import Edge, Group, LegendEntry, Node, Paper, TitleBlock, Topology, layout, render  # noqa: E402

PER_SITE = 24
STATES = ("migration:inventoried", "migration:scheduled", "migration:migrating", "migration:accepted")


def city(nodes: int, pinned: bool, seed: int = 1) -> Topology:
    """About ``nodes`` nodes: sites of 1 + PER_SITE, fiber as a random tree from the data center."""
    rng = random.Random(seed)
    sites = max(1, (nodes - 1) // (PER_SITE + 1))
    out = [Node("dc", "datacenter", "Data center", status="migration:accepted", rank=0, position=(0.0, 0.0))]
    groups, edges = [], []
    hops = {"dc": 0}
    side = int(sites**0.5) + 1
    for s in range(sites):
        head = f"site{s}"
        parent = "dc" if s < 4 else f"site{rng.randrange(max(1, s - 1))}"
        hops[head] = hops[parent] + 1
        gx, gy = (s % side) * 9.0, (s // side) * 4.0 + 1.5
        groups.append(Group(f"g{s}", "site", f"Kantor OPD {s}", link=f"/sites/{s}/"))
        out.append(
            Node(head, "site", f"Site {s}", status="reachability:up", group=f"g{s}", link=f"/sites/{s}/",
                 rank=hops[head], position=(gx, gy), details=(f"{PER_SITE} servers",))
        )  # fmt: skip
        status = "fiber:faulty" if s % 7 == 3 else "fiber:planned" if s % 5 == 2 else "fiber:active"
        edges.append(Edge(f"f{s}", parent, head, "fiber", label=f"{rng.uniform(0.3, 9):.1f} km", status=status,
                          constrain=False))  # fmt: skip
        for k in range(PER_SITE):
            sid = f"srv{s}-{k}"
            out.append(
                Node(sid, "server", f"srv-{s:04d}-{k:02d}", status=rng.choice(STATES), group=f"g{s}",
                     link=f"/devices/{s * 100 + k}/", rank=hops[head] + 1,
                     position=(gx + 1.4 * (k % 6), gy + 0.5 + 0.5 * (k // 6)))
            )  # fmt: skip
            edges.append(Edge(f"h{s}-{k}", head, sid, "hosts"))
    legend = [LegendEntry(key, key.split(":")[-1].replace("_", " ").capitalize()) for key in STATES]
    legend += [LegendEntry("fiber:active", "Fiber"), LegendEntry("fiber:planned", "Planned fiber"),
               LegendEntry("fiber:faulty", "Faulty fiber"), LegendEntry("site", "Site"),
               LegendEntry("server", "Server")]  # fmt: skip
    title = TitleBlock(city="Kota Bench", title=f"{len(out)} nodes", scope="bench", data_as_of="today",
                       generated_at="now")  # fmt: skip
    return Topology(title=title, nodes=out, groups=[] if pinned else groups, edges=edges, legend=legend,
                    layout="pinned" if pinned else "ranked")  # fmt: skip


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--pdf-max", type=int, default=5000, help="skip the PDF above this many nodes")
    args = parser.parse_args()
    import pypdf

    results = []
    print(f"{'nodes':>6} {'layout':>7} {'lay out':>8} {'svg':>7} {'png':>7} {'dot':>7} {'pdf A3':>8} {'pages':>5}")
    for size in (int(v) for v in args.sizes.split(",")):
        for pinned in (False, True):
            topology = city(size, pinned)
            row = {"nodes": len(topology.nodes), "edges": len(topology.edges), "layout": topology.layout}
            drawing, row["layout_s"] = _timed(lambda t=topology: layout(t, timeout=args.timeout))
            for fmt in ("svg", "png", "dot"):
                data, row[f"{fmt}_s"] = _timed(lambda f=fmt, d=drawing: d.render(f, timeout=args.timeout))
                row[f"{fmt}_bytes"] = len(data)
            if len(topology.nodes) <= args.pdf_max:
                pdf, row["pdf_a3_s"] = _timed(
                    lambda t=topology: render(t, "pdf", paper=Paper("A3"), timeout=args.timeout)
                )
                row["pdf_pages"] = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
            results.append(row)
            print(
                f"{row['nodes']:>6} {row['layout']:>7} {row['layout_s']:>7.2f}s {row['svg_s']:>6.2f}s "
                f"{row['png_s']:>6.2f}s {row['dot_s']:>6.3f}s {row.get('pdf_a3_s', float('nan')):>7.2f}s "
                f"{row.get('pdf_pages', 0):>5}",
                flush=True,
            )
    print(json.dumps({"bench": "diagrams_render", "results": results}))


if __name__ == "__main__":
    main()
