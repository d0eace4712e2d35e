"""Hostile names render as text: they neither break the DOT nor inject markup, nodes or attributes."""

from __future__ import annotations

import io
import subprocess
import xml.etree.ElementTree as ET

import pypdf
import pytest

from diagrams import Edge, Group, LegendEntry, Node, Topology, render
from diagrams import dot as dotmod

from . import topologies
from .svgread import items

HOSTILE = topologies.HOSTILE


def _hostile_topology() -> Topology:
    nodes = []
    edges = []
    for i, name in enumerate(HOSTILE):
        nodes.append(
            Node(
                id=f"id {name}",
                kind="device",
                label=name,
                details=(f"detail {name}",),
                link=f"/x/?q={name}",
                tooltip=f"tip {name}",
                group="grp",
            )
        )
        if i:
            edges.append(Edge(f"edge {name}", f"id {HOSTILE[0]}", f"id {name}", "fiber", label=f"label {name}"))
    return Topology(
        title=topologies.title(title='Title <i>"x"</i> &amp; \\N', scope="{a|b}", filters=(("<f>", "&lt;v&gt;"),)),
        nodes=nodes,
        groups=[Group("grp", "site", 'Group "<g>" \\G')],
        edges=edges,
        legend=[LegendEntry("device", '<legend> & "q" \\N')],
    )


@pytest.fixture(scope="module")
def svg() -> bytes:
    return render(_hostile_topology(), "svg")


def test_dot_with_hostile_names_parses():
    for source in (dotmod.to_dot(_hostile_topology()).encode(), render(_hostile_topology(), "dot")):
        done = subprocess.run(["dot", "-Tcanon"], input=source, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr.decode()
    # exactly our nodes and edges: the label '"]; evil [label="x' closes nothing and adds no node
    plain = subprocess.run(
        ["dot", "-Tplain"], input=dotmod.to_dot(_hostile_topology()).encode(), capture_output=True, timeout=60
    ).stdout.decode()
    lines = plain.splitlines()
    assert sum(line.startswith("node ") for line in lines) == len(HOSTILE)
    assert sum(line.startswith("edge ") for line in lines) == len(HOSTILE) - 1


def test_hostile_names_render_as_literal_text(svg):
    found = items(svg)
    for name in HOSTILE:
        node = found[f"id {name}"]  # the user's id arrives as the SVG id, verbatim
        lines = name.split("\n")
        for line in lines:
            assert line in node.texts, (name, node.texts)
        # a line break in user text is a line break in the drawing, never markup
        assert f"detail {name}".split("\n") == node.texts[len(lines) :]
        assert node.tooltip == f"tip {name}"
        assert node.href == f"/x/?q={name}".replace("\n", "%0A").replace(" ", "%20")
    for name in HOSTILE[1:]:
        edge = found[f"edge {name}"]
        assert edge.texts == f"label {name}".split("\n")
    assert found["grp"].text == 'Group "<g>" \\G'
    assert 'Title <i>"x"</i> &amp; \\N' in found["title-block"].texts
    assert "<f>: &lt;v&gt;" in found["title-block"].texts
    assert '<legend> & "q" \\N' in found["legend-text-0"].texts


def test_no_markup_is_injected(svg):
    root = ET.fromstring(svg)
    # "<B>bold</B>" stays text: no bold run, no <i> element, no element named after user text
    assert not any(
        t.get("font-weight") == "bold" and t.text == "bold" for t in root.iter("{http://www.w3.org/2000/svg}text")
    )
    tags = {el.tag.split("}")[1] for el in root.iter()}
    assert tags <= {"svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "a"}


def test_hostile_names_in_pdf_and_png():
    topology = _hostile_topology()
    text = pypdf.PdfReader(io.BytesIO(render(topology, "pdf"))).pages[0].extract_text()
    for name in ("<srv>", '"a"', "a\\nb", "{x|y}", "&amp;", "<B>bold</B>", "\\N \\G"):
        assert name in text, name
    assert render(topology, "png").startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<srv>", "&lt;srv&gt;"),
        ('"a"', "&quot;a&quot;"),
        ("a\\nb", "a\\\\nb"),
        ("&amp;", "&amp;amp;"),
        ("x\x00y\x1bz", "x y z"),
    ],
)
def test_html_text(text, expected):
    assert dotmod.html_text(text) == expected


def test_attribute_values_never_hold_a_quote_or_a_lone_backslash():
    nasty = 'a"b\\c\nd\\'
    for escape in (dotmod.tooltip_attr, dotmod.url_attr, dotmod.id_attr):
        value = escape(nasty)
        assert '"' not in value
        stripped = value.replace("\\\\", "")
        assert "\\" not in stripped, (escape.__name__, value)
    with pytest.raises(ValueError):
        dotmod.attrs({"label": 'x"y'})


def test_long_labels_are_cut():
    node = Node("n", "site", "x" * 1000)
    label = dotmod.node_label(node, "")
    assert len(label) < 400 and "…" in label
