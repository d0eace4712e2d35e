"""Reading the renderer's SVG back: elements by class and id, their text, link and tooltip."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


@dataclass
class Item:
    id: str
    classes: list[str]
    texts: list[str]
    href: str | None
    tooltip: str | None
    element: ET.Element

    @property
    def text(self) -> str:
        return " ".join(self.texts)


def items(svg: bytes) -> dict[str, Item]:
    """Every node, edge and cluster group of a graphviz SVG, by its id."""
    root = ET.fromstring(svg)
    found = {}
    for g in root.iter(f"{SVG}g"):
        classes = (g.get("class") or "").split()
        if not {"node", "edge", "cluster"} & set(classes):
            continue
        link = g.find(f".//{SVG}a")
        found[g.get("id")] = Item(
            id=g.get("id"),
            classes=classes,
            texts=[t.text or "" for t in g.iter(f"{SVG}text")],
            href=None if link is None else link.get(f"{XLINK}href"),
            tooltip=None if link is None else link.get(f"{XLINK}title"),
            element=g,
        )
    return found


def center(item: Item) -> tuple[float, float]:
    """The middle of a node's outline (polygon points or ellipse), in SVG user units."""
    xs: list[float] = []
    ys: list[float] = []
    for shape in item.element.iter():
        if shape.tag == f"{SVG}polygon":
            for point in shape.get("points").split():
                x, y = point.split(",")
                xs.append(float(x))
                ys.append(float(y))
        elif shape.tag == f"{SVG}ellipse":
            xs.append(float(shape.get("cx")))
            ys.append(float(shape.get("cy")))
        elif shape.tag == f"{SVG}path":  # rounded boxes are paths
            numbers = [float(v) for v in re.findall(r"-?[0-9.]+", shape.get("d"))]
            xs.extend(numbers[0::2])
            ys.extend(numbers[1::2])
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
