"""The plain topology model that every diagram is drawn from.

The builders in ``infra`` fill it from the database; the renderers here turn it into DOT, SVG, PDF and
PNG. It holds only finished, translated text (labels, legend entries, title block), so that this
package needs neither the ORM nor Django's translation machinery.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable


@dataclasses.dataclass(frozen=True)
class Node:
    """One thing on the drawing: a site, a device, a rack, an OPD, an application, or an aggregate.

    ``kind`` picks the shape (see ``diagrams.styles``), ``status`` the colour and pattern; ``group`` is
    the id of the ``Group`` the node is drawn inside. ``position`` pins the node (in inches, origin at
    the bottom left) for geographic views. ``change`` marks a node in a comparison of two dates
    ("added", "removed", "changed", or "" when unchanged).
    """

    id: str
    kind: str
    label: str
    status: str = ""
    link: str = ""
    group: str | None = None
    details: tuple[str, ...] = ()
    tooltip: str = ""
    position: tuple[float, float] | None = None
    rank: int | None = None
    change: str = ""


@dataclasses.dataclass(frozen=True)
class Group:
    """A box around nodes: a site's devices, an OPD's servers, a rack's contents. Groups may nest."""

    id: str
    kind: str
    label: str
    status: str = ""
    link: str = ""
    parent: str | None = None
    details: tuple[str, ...] = ()
    change: str = ""


@dataclasses.dataclass(frozen=True)
class Edge:
    """A line between two nodes: a fiber link, a device's place in a site, a server hosting an app.

    ``constrain`` False keeps the edge from deciding the layout's ranks (site-to-site fiber in the city
    view, which is ranked outward from the data center instead: DESIGN.md section 6).
    """

    id: str
    source: str
    target: str
    kind: str
    label: str = ""
    status: str = ""
    link: str = ""
    tooltip: str = ""
    constrain: bool = True
    change: str = ""


@dataclasses.dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: what a style key means, in the reader's language."""

    key: str
    label: str


@dataclasses.dataclass(frozen=True)
class TitleBlock:
    """The block printed on every diagram. Every value is finished text in the reader's language."""

    city: str
    title: str
    scope: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    data_as_of: str = ""
    generated_at: str = ""
    # The block's own words in the reader's language, as (key, template) pairs overriding the English
    # defaults in ``diagrams.render.CAPTIONS`` ("page" -> "Halaman {page} dari {pages}", "legend", ...).
    captions: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass
class Topology:
    """A whole diagram: what to draw, how to lay it out, and what the legend and title block say.

    ``layout`` is "ranked" (graphviz dot, ranked from the first rank outward) or "pinned" (every node
    has a ``position``; drawn with neato -n2, no layout). ``legend`` lists the style keys the drawing
    uses with their meaning; renderers draw exactly these entries. ``spread`` lets a pinned layout push
    overlapping boxes apart (keeping the map's shape) instead of holding every node exactly in place.
    """

    title: TitleBlock
    nodes: list[Node] = dataclasses.field(default_factory=list)
    groups: list[Group] = dataclasses.field(default_factory=list)
    edges: list[Edge] = dataclasses.field(default_factory=list)
    legend: list[LegendEntry] = dataclasses.field(default_factory=list)
    layout: str = "ranked"
    direction: str = "LR"
    spread: bool = False

    def add_nodes(self, nodes: Iterable[Node]) -> None:
        self.nodes.extend(nodes)

    def node_ids(self) -> set[str]:
        return {node.id for node in self.nodes}
