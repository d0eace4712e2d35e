"""How each style key looks: colour, shape, line and a mark, so that meaning survives grey printing.

Colours are the Okabe-Ito palette (readable with every common colour-vision deficiency). Colour is
never the only cue: every status also has a mark printed before the label (✓, ✗, ◑ ...), a border or
line pattern (dashed, dotted, bold) or a shape, so a black-and-white copy still says the same thing.
Builders name keys only ("site", "migration:accepted", "fiber:planned"); an unknown key gets a neutral
grey look, never an error.
"""

from __future__ import annotations

import dataclasses
import functools
import re

# Okabe & Ito (2008), "Color Universal Design".
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#999999"
# Light tints of the same hues for fills, so black text stays readable on them.
TINT = {
    ORANGE: "#F8DDA0",
    SKY_BLUE: "#CDE9F8",
    GREEN: "#A6DECF",
    YELLOW: "#FAF5B3",
    BLUE: "#A6CBE3",
    VERMILLION: "#F0BE9A",
    PURPLE: "#EDCCDF",
    GREY: "#E0E0E0",
}
WHITE = "#FFFFFF"
FONT = "DejaVu Sans"


@dataclasses.dataclass(frozen=True)
class Look:
    """Graphviz attributes for one key; ``None``/empty means "not set by this key" when looks are merged."""

    shape: str | None = None
    fill: str | None = None
    color: str | None = None
    line: str | None = None  # "solid", "dashed", "dotted", "bold"
    penwidth: float | None = None
    peripheries: int | None = None
    mark: str | None = None
    strike: bool | None = None
    rounded: bool | None = None
    arrowhead: str | None = None

    def over(self, base: Look) -> Look:
        """This look's set fields on top of ``base``."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return dataclasses.replace(base, **{k: v for k, v in values.items() if v is not None})


NEUTRAL = Look(fill=TINT[GREY], color=GREY, line="solid", penwidth=1.0, mark="")

# Node kinds: the shape says what a thing is.
NODE_KINDS: dict[str, Look] = {
    "region": Look(shape="folder"),
    "organization": Look(shape="tab"),
    "site": Look(shape="house"),
    "datacenter": Look(shape="box3d", penwidth=2.0),
    "device": Look(shape="box"),
    "server": Look(shape="box", rounded=True),
    "network": Look(shape="ellipse"),
    "rack": Look(shape="cylinder"),
    "application": Look(shape="hexagon"),
    "aggregate": Look(shape="box", peripheries=2),
    # the renderer's own: a node as a dot (a printed map's overview page) and a tile's name on it
    "marker": Look(shape="point"),
    "tile": Look(shape="plaintext", fill=WHITE, color=WHITE),
}
DEFAULT_NODE_KIND = Look(shape="box")

# Edge kinds: what a line joins; the arrow says which way.
EDGE_KINDS: dict[str, Look] = {
    "fiber": Look(color=BLACK, penwidth=2.0, arrowhead="none"),
    "hosts": Look(color=GREY, arrowhead="normal"),
    "located": Look(color=GREY, line="dotted", arrowhead="none"),
    "moves_to": Look(color=BLUE, line="dashed", arrowhead="vee", penwidth=1.5),
    "integration": Look(color=PURPLE, arrowhead="diamond"),
}
DEFAULT_EDGE_KIND = Look(color=GREY, arrowhead="normal")


def _status(color: str, mark: str, line: str = "solid", *, fill: str | None = None, border: str | None = None) -> Look:
    return Look(fill=fill or TINT.get(color, WHITE), color=border or color, line=line, mark=mark)


# Statuses: fill and border colour, a mark, and a border (nodes) or line (edges) pattern.
STATUSES: dict[str, Look] = {
    # Migration: from "only counted" (white, hollow mark) to "done" (green, tick); off-path states apart.
    "migration:inventoried": _status(GREY, "○", fill=WHITE),
    "migration:assessed": _status(GREY, "◔"),
    "migration:scheduled": _status(YELLOW, "◑", "dashed", border=BLACK),
    "migration:migrating": _status(ORANGE, "⇢", "bold"),
    "migration:testing": _status(SKY_BLUE, "◕", "bold"),
    "migration:cut_over": _status(BLUE, "●"),
    "migration:accepted": _status(GREEN, "✓"),
    "migration:source_decommissioned": _status(GREEN, "✓✓", "bold"),
    "migration:retired": _status(GREY, "⊘", "dotted", fill=WHITE),
    "migration:retained": _status(PURPLE, "⌂"),
    # Reachability from the probes.
    "reachability:up": _status(GREEN, "✓"),
    "reachability:down": _status(VERMILLION, "✗", "bold"),
    "reachability:unreachable": _status(ORANGE, "⚠", "dashed"),
    "reachability:unknown": _status(GREY, "?", "dotted"),
    "reachability:maintenance": _status(SKY_BLUE, "⚒"),
    "reachability:unmonitored": _status(GREY, "–", "dotted", fill=WHITE),
    # Fiber links: planned dashed, under construction dotted, faulty bold and marked.
    "fiber:planned": Look(color=BLUE, line="dashed", mark="", penwidth=2.0),
    "fiber:under_construction": Look(color=ORANGE, line="dotted", mark="⚒", penwidth=2.5),
    "fiber:active": Look(color=BLACK, line="solid", mark="", penwidth=2.0),
    "fiber:faulty": Look(color=VERMILLION, line="bold", mark="✗", penwidth=4.0, arrowhead="tee"),
    "fiber:decommissioned": Look(color=GREY, line="dotted", mark="⊘", penwidth=1.0),
    # How a cable is laid: a second line cue (arrow tail shapes would clutter), given as a mark.
    "deployment:aerial_adss": Look(mark="∩"),
    "deployment:duct": Look(mark="▭"),
    "deployment:direct_buried": Look(mark="▁"),
    "deployment:indoor": Look(mark="⌂"),
    # Devices.
    "device:planned": _status(GREY, "○", "dashed", fill=WHITE),
    "device:active": _status(GREEN, "●"),
    "device:offline": _status(VERMILLION, "✗", "bold"),
    "device:decommissioned": _status(GREY, "⊘", "dotted", fill=WHITE),
    # Application integration (SPBE): none, planned, API gateway, service bus, integrated.
    "integration:none": _status(GREY, "–", "dotted", fill=WHITE),
    "integration:planned": _status(YELLOW, "◑", "dashed", border=BLACK),
    "integration:api_gateway": _status(BLUE, "⇄"),
    "integration:service_bus": _status(PURPLE, "⇆", "bold"),
    "integration:integrated": _status(GREEN, "✓", "bold"),
    # Applications.
    "application:planned": _status(GREY, "○", "dashed", fill=WHITE),
    "application:development": _status(ORANGE, "◑"),
    "application:production": _status(GREEN, "●"),
    "application:retired": _status(GREY, "⊘", "dotted", fill=WHITE),
    # Comparison of two dates.
    "change:added": Look(color=GREEN, penwidth=3.0, peripheries=2, mark="✚"),
    "change:removed": Look(color=VERMILLION, line="dashed", strike=True, mark="−", fill=WHITE),
    "change:changed": Look(color=PURPLE, penwidth=3.0, line="bold", mark="Δ"),
}
# Later namespaces win where two keys set the same attribute: a fault's red beats the cable's look.
_PRIORITY = ("deployment", "application", "device", "integration", "migration", "reachability", "fiber", "change")
# Keys whose swatch in the legend is a line, not a shape (other keys are lines when an edge uses them).
EDGE_NAMESPACES = ("fiber", "deployment")


def status_keys(status: str) -> list[str]:
    """The keys in a status string: one key, or several separated by spaces or commas."""
    keys = [k for k in re.split(r"[\s,]+", status or "") if k]
    return sorted(keys, key=lambda k: _PRIORITY.index(k.split(":")[0]) if k.split(":")[0] in _PRIORITY else -1)


def status_look(key: str) -> Look:
    """One status key's look; a namespaced key nobody defined is neutral grey with a question mark."""
    if key in STATUSES:
        return STATUSES[key]
    return dataclasses.replace(NEUTRAL, mark="?")


# Pure functions of three strings returning a frozen Look: a big print asks for the same few looks
# tens of thousands of times (about 40 us each uncached).
@functools.lru_cache(maxsize=4096)
def node_look(kind: str, status: str = "", change: str = "") -> Look:
    """Shape from the kind, colour/pattern/mark from the status keys, emphasis from the change mark."""
    look = NODE_KINDS.get(kind, DEFAULT_NODE_KIND).over(NEUTRAL)
    marks = []
    for key in status_keys(status):
        part = status_look(key)
        look = part.over(look)
        if part.mark:
            marks.append(part.mark)
    if change:
        part = status_look(f"change:{change}")
        look = dataclasses.replace(part, mark=None).over(look)
        marks.insert(0, part.mark or "")
    return dataclasses.replace(look, mark=" ".join(m for m in marks if m))


@functools.lru_cache(maxsize=4096)
def edge_look(kind: str, status: str = "", change: str = "") -> Look:
    """The line for an edge: kind first, then its status keys, then the change mark."""
    look = EDGE_KINDS.get(kind, DEFAULT_EDGE_KIND).over(Look(color=GREY, line="solid", penwidth=1.0, mark=""))
    marks = []
    for key in status_keys(status):
        part = status_look(key)
        # an edge has no fill; keep only what a line can show
        look = dataclasses.replace(part, fill=None, shape=None, peripheries=None).over(look)
        if part.mark:
            marks.append(part.mark)
    if change:
        part = status_look(f"change:{change}")
        look = dataclasses.replace(part, mark=None, fill=None, peripheries=None).over(look)
        if change == "added":
            look = dataclasses.replace(look, line="bold")
        marks.insert(0, part.mark or "")
    return dataclasses.replace(look, mark=" ".join(m for m in marks if m))


def node_attrs(look: Look) -> dict[str, str]:
    """Graphviz node attributes for a look (label and ids are added by the DOT writer)."""
    style = ["filled"]
    if look.line and look.line != "solid":
        style.append(look.line)
    if look.rounded:
        style.append("rounded")
    attrs = {
        "shape": look.shape or "box",
        "style": ",".join(style),
        "fillcolor": look.fill or WHITE,
        "color": look.color or BLACK,
        "penwidth": f"{look.penwidth or 1.0:g}",
    }
    if look.peripheries:
        attrs["peripheries"] = str(look.peripheries)
    if attrs["shape"] == "point":
        attrs["width"] = attrs["height"] = "0.12"
    return attrs


def edge_attrs(look: Look) -> dict[str, str]:
    """Graphviz edge attributes for a look."""
    attrs = {
        "color": look.color or BLACK,
        "style": look.line or "solid",
        "penwidth": f"{look.penwidth or 1.0:g}",
        "arrowhead": look.arrowhead or "normal",
    }
    return attrs


def group_attrs(kind: str, status: str = "", change: str = "") -> dict[str, str]:
    """A cluster's box: a light fill and the status's border colour and pattern, rounded corners."""
    look = node_look(kind, status, change)
    style = ["rounded", "filled"]
    if look.line and look.line != "solid":
        style.append(look.line)
    fill = "#F7F7F7" if not status else look.fill or "#F7F7F7"
    if kind == "datacenter":
        fill = "#EEF4FA"
    return {
        "style": ",".join(style),
        "fillcolor": fill,
        "color": look.color or GREY,
        "penwidth": f"{max(look.penwidth or 1.0, 1.0):g}",
    }


def css_class(prefix: str, value: str) -> str:
    """A CSS class name for a key ("status-migration-accepted"): letters, digits, dashes and underscores."""
    return f"{prefix}-{re.sub(r'[^A-Za-z0-9_-]+', '-', value).strip('-')}" if value else ""
