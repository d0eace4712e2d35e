"""The styles: every status readable without colour, unknown keys neutral, palette colour-blind safe."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from diagrams import styles

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#999999"}
KINDS = (
    "site",
    "datacenter",
    "device",
    "server",
    "network",
    "rack",
    "organization",
    "application",
    "aggregate",
    "region",
)
EDGE_KINDS = ("fiber", "hosts", "located", "moves_to", "integration")


def test_every_kind_the_builders_use_has_a_look():
    assert set(KINDS) <= set(styles.NODE_KINDS)
    assert set(EDGE_KINDS) <= set(styles.EDGE_KINDS)
    # node kinds are told apart by shape, not colour
    shapes = [styles.node_attrs(styles.node_look(kind))["shape"] for kind in KINDS]
    extra = [(styles.node_look(kind).peripheries, styles.node_look(kind).rounded) for kind in KINDS]
    assert len(set(zip(shapes, extra, strict=True))) == len(KINDS)


def test_line_and_border_colours_are_okabe_ito():
    for key, look in styles.STATUSES.items():
        if look.color:
            assert look.color.upper() in OKABE_ITO, key
    for look in [*styles.EDGE_KINDS.values()]:
        assert look.color.upper() in OKABE_ITO


def _cue(key: str) -> tuple:
    """What is left of a status on a grey, colour-blind print: mark, border/line pattern, width, shape."""
    look = styles.STATUSES[key]
    return (look.mark, look.line, look.penwidth, look.peripheries, look.strike)


def test_each_status_is_distinct_without_colour():
    by_namespace = defaultdict(list)
    for key in styles.STATUSES:
        by_namespace[key.split(":")[0]].append(key)
    for namespace, keys in by_namespace.items():
        cues = [_cue(key) for key in keys]
        assert len(set(cues)) == len(cues), namespace


def test_planned_fiber_is_dashed_and_faulty_is_marked():
    planned = styles.edge_look("fiber", "fiber:planned")
    faulty = styles.edge_look("fiber", "fiber:faulty deployment:duct")
    active = styles.edge_look("fiber", "fiber:active")
    assert planned.line == "dashed" and active.line == "solid"
    assert "✗" in faulty.mark and faulty.color == styles.VERMILLION and faulty.penwidth > active.penwidth
    assert styles.edge_attrs(planned)["style"] == "dashed"


def test_statuses_combine_and_the_more_urgent_wins():
    # the fault's colour beats the cable's look whichever order the builder wrote them in
    for status in ("fiber:faulty deployment:duct", "deployment:duct, fiber:faulty"):
        look = styles.edge_look("fiber", status)
        assert look.color == styles.VERMILLION
        assert "▭" in look.mark and "✗" in look.mark


def test_changes_are_drawn_distinctly():
    added = styles.node_look("server", "migration:accepted", "added")
    removed = styles.node_look("server", "migration:accepted", "removed")
    changed = styles.node_look("server", "migration:accepted", "changed")
    plain = styles.node_look("server", "migration:accepted")
    assert added.peripheries == 2 and added.mark.startswith("✚")
    assert removed.strike and removed.line == "dashed" and removed.mark.startswith("−")
    assert changed.mark.startswith("Δ") and changed.penwidth > plain.penwidth
    assert styles.edge_look("fiber", "fiber:active", "added").line == "bold"


@pytest.mark.parametrize("kind", ["", "spaceship", "<b>"])
@pytest.mark.parametrize("status", ["", "nonsense", "warp:9", "migration:nope", ":", " , "])
def test_unknown_keys_are_neutral_grey(kind, status):
    look = styles.node_look(kind, status, "")
    attrs = styles.node_attrs(look)
    assert attrs["shape"] == "box"
    if status.strip(" ,:"):
        assert look.color == styles.GREY and look.mark == "?"
    styles.edge_attrs(styles.edge_look(kind, status, "teleported"))


def test_css_classes_are_safe():
    assert styles.css_class("status", "migration:cut_over") == "status-migration-cut_over"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", styles.css_class("kind", '<x y="1">'))
    assert styles.css_class("kind", "") == ""


def test_every_mark_is_in_the_font_graphviz_measures_with():
    """A mark missing from DejaVu Sans would print as an empty box (or another font's wider glyph)."""
    from fontTools.ttLib import TTFont

    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    cmap = TTFont(font).getBestCmap()
    for key, look in styles.STATUSES.items():
        for char in look.mark or "":
            assert ord(char) in cmap, (key, char)
