"""A Topology as plain JSON data and back: what a stored snapshot holds.

Snapshots are kept for years, so the stored form is explicit and versioned (``"format": 1``), tuples
become lists and back, keys this version does not know are ignored (a newer writer's optional fields)
and missing ones take the model's defaults (an older snapshot read after a field was added).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .model import Edge, Group, LegendEntry, Node, TitleBlock, Topology

FORMAT = 1


class SerializeError(ValueError):
    """The stored data is not a topology this code can read."""


def to_dict(topology: Topology) -> dict[str, Any]:
    """The topology as JSON-ready data (dicts, lists, strings, numbers, booleans, None)."""
    return {
        "format": FORMAT,
        "title": _plain(topology.title),
        "nodes": [_plain(n) for n in topology.nodes],
        "groups": [_plain(g) for g in topology.groups],
        "edges": [_plain(e) for e in topology.edges],
        "legend": [_plain(e) for e in topology.legend],
        "layout": topology.layout,
        "direction": topology.direction,
        "spread": topology.spread,
    }


def from_dict(data: Mapping[str, Any]) -> Topology:
    """The topology ``to_dict`` stored; ``SerializeError`` for data of another format or shape."""
    if not isinstance(data, Mapping):
        raise SerializeError("A stored topology is a JSON object.")
    if data.get("format") != FORMAT:
        raise SerializeError(f"Unknown topology format {data.get('format')!r} (this code reads {FORMAT}).")
    try:
        title = TitleBlock(**_known(TitleBlock, data["title"]))
        title = dataclasses.replace(
            title,
            filters=tuple((str(k), str(v)) for k, v in title.filters),
            captions=tuple((str(k), str(v)) for k, v in title.captions),
        )
        return Topology(
            title=title,
            nodes=[_node(n) for n in data.get("nodes", ())],
            groups=[_group(g) for g in data.get("groups", ())],
            edges=[Edge(**_known(Edge, e)) for e in data.get("edges", ())],
            legend=[LegendEntry(**_known(LegendEntry, e)) for e in data.get("legend", ())],
            layout=data.get("layout", "ranked"),
            direction=data.get("direction", "LR"),
            spread=bool(data.get("spread", False)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SerializeError(f"Not a stored topology: {error}") from error


def _plain(item: object) -> dict[str, Any]:
    return {f.name: _json(getattr(item, f.name)) for f in dataclasses.fields(item)}


def _json(value: object) -> object:
    if isinstance(value, (tuple, list)):
        return [_json(v) for v in value]
    return value


def _known(cls: type, data: object) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise TypeError(f"{cls.__name__} is stored as an object, not {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _node(data: object) -> Node:
    values = _known(Node, data)
    values["details"] = tuple(values.get("details", ()))
    position = values.get("position")
    if position is not None:
        x, y = position
        values["position"] = (float(x), float(y))
    return Node(**values)


def _group(data: object) -> Group:
    values = _known(Group, data)
    values["details"] = tuple(values.get("details", ()))
    return Group(**values)
