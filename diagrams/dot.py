"""Topology -> DOT source, with every piece of user text escaped for the exact place it goes.

Graphviz treats text differently by attribute (measured on graphviz 2.43): an HTML label decodes
entities and then turns ``\\N`` into the node's name; a tooltip goes through that escape processing
twice; ``id`` is copied as it is; a quoted label starting with ``<`` is still plain text but an
unquoted ``<...>`` is HTML. So user text never goes into DOT raw: labels are HTML labels whose text
is entity-encoded (``&`` ``<`` ``>`` ``"``) with backslashes doubled, tooltips double their doubled
backslashes, ids carry backslashes as ``&#92;``, and node names are generated (``n0``, ``n1``...).
The user's own ids go into the SVG's ``id`` attribute only. No value ever holds a raw ``"`` or a
lone backslash, so nothing can close a string or a label early.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from . import styles
from .model import Edge, Group, Node, Topology

NODE_FONT_PT = 10
DETAIL_FONT_PT = 8
EDGE_FONT_PT = 8
CLUSTER_FONT_PT = 10
# The smallest text any renderer here writes: what the print check scales against.
SMALLEST_FONT_PT = min(DETAIL_FONT_PT, EDGE_FONT_PT)
MAX_LABEL = 200
# graphviz refuses an empty <FONT></FONT> or <B></B>: empty text is a no-break space
NBSP = "&#160;"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _clean(text: object) -> str:
    text = "" if text is None else str(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub(" ", text)


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def html_text(text: object) -> str:
    """One line of user text inside an HTML label: entities, and ``\\`` doubled (HTML labels take ``\\N``)."""
    return _entities(_clean(text).replace("\n", " ")).replace("\\", "\\\\")


def html_lines(text: object, *, limit: int = MAX_LABEL) -> list[str]:
    """User text with line breaks as escaped lines (a label may hold a newline: it becomes a line break)."""
    text = _clean(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return [html_text(line) for line in text.split("\n")]


def tooltip_attr(text: object) -> str:
    """A quoted ``tooltip``: graphviz unescapes tooltips twice, so one backslash is written as four."""
    return _entities(_clean(text)).replace("\\", "\\\\\\\\").replace("\n", "&#10;")


def url_attr(text: object) -> str:
    """A quoted ``URL``: entities for XML, ``\\`` doubled (one escape pass), no line breaks."""
    text = _clean(text).replace("\n", "%0A").replace(" ", "%20")
    return _entities(text).replace("\\", "\\\\")


def id_attr(text: object) -> str:
    """A quoted ``id``: copied verbatim into the SVG, so XML entities only (``&#92;`` for a backslash)."""
    return _entities(_clean(text)).replace("\\", "&#92;").replace("\n", "&#10;")


def attrs(values: dict[str, str], *, raw: Iterable[str] = ()) -> str:
    """``[k="v", ...]``; values must already be escaped by the functions above (or be our own constants).

    ``raw`` names attributes written unquoted (HTML labels ``<...>``).
    """
    raw = set(raw)
    parts = []
    for key, value in values.items():
        if key in raw:
            parts.append(f"{key}={value}")
        else:
            if '"' in value:
                raise ValueError(f"unescaped quote in attribute {key}")
            parts.append(f'{key}="{value}"')
    return "[" + ", ".join(parts) + "]"


def node_label(node: Node | Group, mark: str, *, strike: bool = False, bold: bool = True) -> str:
    """The HTML label of a node or group: mark and name, then the details in smaller type."""
    lines = html_lines(node.label) or [""]
    name = "<BR/>".join(lines) if any(lines) else NBSP
    if bold:
        name = f"<B>{name}</B>"
    if strike:
        name = f"<S>{name}</S>"
    head = f"{html_text(mark)} {name}" if mark else name
    out = [f'<FONT POINT-SIZE="{NODE_FONT_PT}">{head}</FONT>']
    for detail in node.details:
        for line in html_lines(detail):
            out.append(f'<FONT POINT-SIZE="{DETAIL_FONT_PT}">{line or NBSP}</FONT>')
    return "<" + "<BR/>".join(out) + ">"


def node_classes(kind: str, status: str, change: str) -> str:
    keys = [styles.css_class("kind", kind)]
    keys += [styles.css_class("status", key) for key in styles.status_keys(status)]
    keys.append(styles.css_class("change", change))
    return " ".join(k for k in keys if k)


def _node_stmt(name: str, node: Node, pinned: bool) -> str:
    look = styles.node_look(node.kind, node.status, node.change)
    values = styles.node_attrs(look)
    values["label"] = node_label(node, look.mark or "", strike=bool(look.strike))
    values["id"] = id_attr(node.id)
    values["class"] = node_classes(node.kind, node.status, node.change)
    values["tooltip"] = tooltip_attr(node.tooltip or node.label)
    if node.link:
        values["URL"] = url_attr(node.link)
        values["target"] = "_top"
    if pinned and node.position is not None:
        x, y = node.position
        values["pos"] = f"{float(x) * 72:.2f},{float(y) * 72:.2f}!"
    return f"\t{name} {attrs(values, raw=('label',))};"


def _edge_stmt(source: str, target: str, edge: Edge, *, wrap: bool = False) -> str:
    look = styles.edge_look(edge.kind, edge.status, edge.change)
    values = styles.edge_attrs(look)
    text = " ".join(p for p in (look.mark or "", _clean(edge.label)) if p)
    if text:
        inner = "<BR/>".join(html_lines(text))
        if look.strike:
            inner = f"<S>{inner}</S>"
        values["label"] = f'<<FONT POINT-SIZE="{EDGE_FONT_PT}">{inner}</FONT>>'
    values["id"] = id_attr(edge.id)
    values["class"] = node_classes(edge.kind, edge.status, edge.change)
    values["tooltip"] = tooltip_attr(edge.tooltip or edge.label or edge.kind)
    if edge.link:
        values["URL"] = url_attr(edge.link)
        values["target"] = "_top"
    if not edge.constrain and not wrap:
        values["constraint"] = "false"
    return f"\t{source} -> {target} {attrs(values, raw=('label',))};"


def _group_open(name: str, group: Group) -> list[str]:
    look = styles.node_look(group.kind, group.status, group.change)
    values = styles.group_attrs(group.kind, group.status, group.change)
    values["label"] = node_label(group, look.mark or "", strike=bool(look.strike))
    values["id"] = id_attr(group.id)
    values["class"] = node_classes(group.kind, group.status, group.change)
    values["tooltip"] = tooltip_attr(group.label)
    if group.link:
        values["URL"] = url_attr(group.link)
        values["target"] = "_top"
    lines = [f"subgraph {name} {{"]
    for key, value in values.items():
        lines.append(f"\t{key}={value};" if key == "label" else f'\t{key}="{value}";')
    return lines


GRAPH_ATTRS = {
    "newrank": "true",
    "fontname": styles.FONT,
    "fontsize": str(CLUSTER_FONT_PT),
    "nodesep": "0.2",
    "ranksep": "0.5",
    "bgcolor": "white",
    "pad": "0",
    "labeljust": "l",
    "outputorder": "edgesfirst",
}


def _pinned_group_labels(topology: Topology) -> list[str]:
    """A pinned drawing has no cluster boxes: each group's name stands above its members instead (the
    geographic view's "sites without coordinates" must not look as if they stood where they are drawn)."""
    lines = []
    for i, group in enumerate(topology.groups):
        spots = [n.position for n in topology.nodes if n.group == group.id and n.position is not None]
        if not spots or not group.label:
            continue
        x = (min(p[0] for p in spots) + max(p[0] for p in spots)) / 2
        y = max(p[1] for p in spots) + 0.45
        values = {
            "shape": "plaintext",
            "label": f"<<B>{html_text(group.label)}</B>>",
            "id": id_attr(f"{group.id}-label"),
            "class": "group-label",
            "pos": f"{x * 72:.2f},{y * 72:.2f}!",
            "fontsize": str(CLUSTER_FONT_PT),
        }
        lines.append(f"\tgroup_label_{i} {attrs(values, raw=('label',))};")
    return lines


def to_dot(topology: Topology, *, name: str = "G", wrap: bool = False) -> str:
    """The graph to lay out: groups as clusters (ranked layout), nodes, edges and rank constraints.

    A pinned topology keeps each node's ``position`` (inches -> points) and draws no cluster boxes:
    ``neato -n2`` places nodes where they are told and routes straight edges between them. ``wrap``
    leaves out the rank constraints and lets every edge rank so that ``unflatten`` can fold long
    columns into blocks (for print; slower on big graphs, so only for a page that does not fit).
    """
    pinned = topology.layout == "pinned"
    names = {node.id: f"n{i}" for i, node in enumerate(topology.nodes)}
    graph = dict(GRAPH_ATTRS)
    graph["rankdir"] = topology.direction if topology.direction in ("LR", "RL", "TB", "BT") else "LR"
    if pinned:
        graph["splines"] = "line"
    if wrap:
        graph.update(nodesep="0.12", ranksep="0.35")
    lines = [f"digraph {name} {{", "\tgraph " + attrs(graph) + ";"]
    lines.append("\t" + f'node [fontname="{styles.FONT}", fontsize={NODE_FONT_PT}, margin="0.1,0.05"];')
    lines.append("\t" + f'edge [fontname="{styles.FONT}", fontsize={EDGE_FONT_PT}];')

    groups = {g.id: g for g in topology.groups} if not pinned else {}
    children: dict[str | None, list[Group]] = {}
    for group in groups.values():
        parent = group.parent if group.parent in groups and group.parent != group.id else None
        children.setdefault(parent, []).append(group)
    members: dict[str | None, list[Node]] = {}
    for node in topology.nodes:
        members.setdefault(node.group if node.group in groups else None, []).append(node)
    cluster_names = {gid: f"cluster_{i}" for i, gid in enumerate(groups)}
    seen: set[str] = set()

    # graphviz gives an empty cluster no box (its corners come back as "nan"): a group with nothing
    # inside it, however deep, is left out
    filled: set[str] = set()
    for gid in list(members):
        steps = 0
        while gid in groups and gid not in filled and steps <= len(groups):
            filled.add(gid)
            parent = groups[gid].parent
            gid = parent if parent in groups and parent != gid else None
            steps += 1

    def emit(group: Group, depth: int) -> None:
        if group.id in seen or group.id not in filled:  # a cycle of parents: each group once; empty: none
            return
        seen.add(group.id)
        indent = "\t" * depth
        lines.extend(indent + line for line in _group_open(cluster_names[group.id], group))
        for node in members.get(group.id, []):
            lines.append(indent + _node_stmt(names[node.id], node, pinned))
        for child in children.get(group.id, []):
            emit(child, depth + 1)
        lines.append(indent + "}")

    for group in children.get(None, []):
        emit(group, 1)
    if pinned:
        lines.extend(_pinned_group_labels(topology))
    for node in members.get(None, []):
        lines.append(_node_stmt(names[node.id], node, pinned))
    for edge in topology.edges:
        if edge.source in names and edge.target in names:
            lines.append(_edge_stmt(names[edge.source], names[edge.target], edge, wrap=wrap))

    if not pinned and not wrap:
        ranks: dict[int, list[str]] = {}
        for node in topology.nodes:
            if node.rank is not None:
                ranks.setdefault(int(node.rank), []).append(names[node.id])
        levels = sorted(ranks)
        for level in levels:
            lines.append("\t{rank=same; " + "; ".join(ranks[level]) + ";}")
        # invisible steps keep the levels in order (rank=same alone only aligns each level)
        for lower, upper in itertools.pairwise(levels):
            lines.append(f'\t{ranks[lower][0]} -> {ranks[upper][0]} [style="invis", weight="1"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
