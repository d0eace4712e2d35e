"""Every format from a hand-built topology, drawn by the real graphviz and read back."""

from __future__ import annotations

import dataclasses
import importlib
import io
import itertools
import os
import re
import struct
import subprocess
import time
import xml.etree.ElementTree as ET

import pypdf
import pytest
from PIL import Image

from diagrams import (
    CONTENT_TYPES,
    FORMATS,
    DiagramError,
    Edge,
    LegendEntry,
    Node,
    Paper,
    PaperError,
    RenderTimeout,
    Topology,
    layout,
    render,
)
from diagrams.model import Group

from . import topologies
from .svgread import center, items

rendering = importlib.import_module("diagrams.render")


def _pdf_pages(data: bytes) -> list[pypdf.PageObject]:
    assert data.startswith(b"%PDF-")
    return list(pypdf.PdfReader(io.BytesIO(data)).pages)


def _canon(dot_source: bytes) -> str:
    """graphviz's own parser: `dot -Tcanon` refuses anything that is not valid DOT."""
    done = subprocess.run(["dot", "-Tcanon"], input=dot_source, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def test_formats_and_content_types():
    assert FORMATS == ("svg", "pdf", "png", "dot")
    assert set(CONTENT_TYPES) == set(FORMATS)
    assert CONTENT_TYPES["pdf"] == "application/pdf" and CONTENT_TYPES["svg"] == "image/svg+xml"
    with pytest.raises(DiagramError):
        render(topologies.city(), "gif")


def test_svg_has_nodes_edges_classes_links_legend_and_title_block():
    svg = render(topologies.city(sites=3, servers=2), "svg")
    found = items(svg)
    # every node and edge of the topology, by its own id
    assert {"dc", "site1", "site2", "site3", "srv1-0", "srv3-1"} <= set(found)
    assert {"fiber1", "fiber2", "fiber3", "hosts1-0", "hosts3-1"} <= set(found)
    site = found["site1"]
    assert "node" in site.classes and "kind-site" in site.classes
    assert "status-migration-migrating" in site.classes
    assert site.href == "/sites/1/?tab=map&x=1"
    assert site.tooltip == "tooltip of Site 1"
    assert "Site 1" in site.texts and "3 servers" not in site.text and "2 servers" in site.texts
    fiber = found["fiber3"]
    assert "edge" in fiber.classes and "kind-fiber" in fiber.classes and "status-fiber-planned" in fiber.classes
    assert fiber.href == "/fiber/3/"
    assert "3.5 km" in fiber.text
    # planned fiber is dashed, active is not: the line pattern survives black-and-white printing
    paths = {k: found[k].element.find(".//{http://www.w3.org/2000/svg}path") for k in ("fiber1", "fiber3")}
    assert paths["fiber3"].get("stroke-dasharray") and not paths["fiber1"].get("stroke-dasharray")
    # groups are boxes with their own id and link
    assert "cluster" in found["g1"].classes and found["g1"].href == "/sites/1/"
    # legend: a heading, then one swatch and one text per entry, in order
    assert found["legend"].texts == ["Legend"]
    texts = [found[f"legend-text-{i}"].text for i in range(len(topologies.LEGEND))]
    assert [t.split(" ", 1)[-1] if t.startswith("✗") else t for t in texts] == [e.label for e in topologies.LEGEND]
    assert "key-fiber-planned" in found["legend-swatch-6"].classes and "edge" in found["legend-swatch-6"].classes
    assert "node" in found["legend-swatch-3"].classes
    # title block: city, title, scope, filters, data as of, generated at, page n of m
    block = found["title-block"].texts
    assert block == [
        "Kota Contoh",
        "City network",
        "All OPDs",
        "Region: Kecamatan Utara",
        "Wave: 2",
        "Data as of 31 Dec 2025",
        "Generated 1 Dec 2026 08:00",
        "Page 1 of 1",
    ]


def test_captions_translate_the_title_block_and_legend():
    topology = topologies.city(sites=1, servers=1)
    topology.title = topologies.title(
        captions=(("page", "Halaman {page} dari {pages}"), ("legend", "Keterangan"), ("data_as_of", "Data per {value}"))
    )
    found = items(render(topology, "svg"))
    assert found["legend"].texts == ["Keterangan"]
    assert "Halaman 1 dari 1" in found["title-block"].texts
    assert "Data per 31 Dec 2025" in found["title-block"].texts
    # a translation with a broken placeholder falls back to English instead of failing the render
    topology.title = topologies.title(captions=(("page", "Halaman {halaman}"),))
    assert "Page 1 of 1" in items(render(topology, "svg"))["title-block"].texts


def test_png_decodes_to_the_drawing_size():
    drawing = layout(topologies.city(sites=3, servers=2))
    png = drawing.render("png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.size == (width, height)
    # 96 dpi: points * 96/72, within a pixel or two of rounding
    assert abs(width - drawing.size[0] * 96 / 72) <= 3 and abs(height - drawing.size[1] * 96 / 72) <= 3
    # not a blank picture: the drawing has dark strokes and coloured fills
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 20


def test_png_of_a_big_drawing_is_capped():
    drawing = layout(topologies.city(sites=40, servers=6), timeout=60)
    png = drawing.render("png", timeout=60)
    width, height = struct.unpack(">II", png[16:24])
    assert max(width, height) <= rendering.PNG_MAX_PIXELS + 2


def test_dot_parses_and_keeps_positions_and_decorations():
    source = render(topologies.city(sites=3, servers=2), "dot")
    canon = _canon(source)
    assert "title_block" in canon and "legend_heading" in canon
    assert re.search(r"\bn0\b[^;]*pos=", canon, re.S)
    # the graphviz package reads it too
    import graphviz

    assert graphviz.Source(source.decode()).source.startswith("digraph")


@pytest.mark.parametrize("size", ["A4", "A3"])
@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_pdf_is_exactly_the_paper_asked_for(size, orientation):
    paper = Paper(size, orientation)
    pages = _pdf_pages(render(topologies.city(sites=3, servers=2), "pdf", paper=paper))
    assert len(pages) == 1
    expected = {"A4": (595.2756, 841.8898), "A3": (841.8898, 1190.5512)}[size]
    if orientation == "landscape":
        expected = expected[::-1]
    box = pages[0].mediabox
    assert abs(float(box.width) - expected[0]) < 0.01 and abs(float(box.height) - expected[1]) < 0.01
    text = pages[0].extract_text()
    for words in ("Kota Contoh", "City network", "Page 1 of 1", "Legend", "Data as of 31 Dec 2025", "Site 2"):
        assert words in text


def test_pdf_defaults_to_a4_landscape():
    box = _pdf_pages(render(topologies.city(sites=1, servers=1), "pdf"))[0].mediabox
    assert round(float(box.width)) == 842 and round(float(box.height)) == 595


def test_a_view_too_big_for_the_sheet_is_split_into_an_overview_and_a_page_per_group():
    topology = topologies.city(sites=6, servers=30)
    paper = Paper("A4", "landscape")
    pages = _pdf_pages(render(topology, "pdf", paper=paper, timeout=120))
    # overview + one page per site
    assert len(pages) == 7
    texts = [page.extract_text() for page in pages]
    for n, text in enumerate(texts, 1):
        assert f"Page {n} of 7" in text
        assert "City network" in text and "Legend" in text
    assert "Overview" in texts[0]
    assert "31 objects" in texts[0]  # each site's node in the overview counts what its page shows
    for i in range(1, 7):
        assert f"server {i}-29" in texts[i] and f"server {(i % 6) + 1}-0" not in texts[i]
    # every page is the sheet, and no page prints text below 6 pt
    for page in pages:
        assert round(float(page.mediabox.width)) == 842 and round(float(page.mediabox.height)) == 595
    for page in pages:
        sizes = []

        def visit(text, cm, tm, font, size, sizes=sizes):
            if text.strip():
                sizes.append(abs(size * tm[0] * cm[0]) if tm[0] else abs(size * cm[3]))

        page.extract_text(visitor_text=visit)
        assert sizes and min(sizes) >= 5.99, min(sizes)


def test_the_same_view_on_a3_needs_fewer_pages():
    topology = topologies.city(sites=3, servers=12)
    assert len(_pdf_pages(render(topology, "pdf", paper=Paper("A4"), timeout=120))) == 4
    assert len(_pdf_pages(render(topology, "pdf", paper=Paper("A3"), timeout=120))) == 1


def test_a_group_too_big_for_one_sheet_is_chunked():
    """One site of 400 servers: no groups to split by, so the nodes go over pages in parts."""
    topology = topologies.city(sites=1, servers=400)
    pages = _pdf_pages(render(topology, "pdf", paper=Paper("A4"), timeout=120))
    assert len(pages) > 2
    texts = [page.extract_text() for page in pages]
    assert all(f"Page {n} of {len(pages)}" in t for n, t in enumerate(texts, 1))
    assert any("part 1 of" in t for t in texts)
    everything = "\n".join(texts)
    for k in (0, 199, 399):
        assert f"server 1-{k}" in everything


def test_pinned_positions_stay_where_given():
    topology = topologies.city(sites=5, servers=2, layout="pinned")
    found = items(render(topology, "svg"))
    positions = {node.id: node.position for node in topology.nodes}
    # nodes of one kind have the same outline, so their centres are exactly as far apart as given
    # (SVG y grows downwards; 72 points per inch; within half a point)
    for first, others in (("site1", ("site2", "site3", "site5")), ("srv1-0", ("srv1-1", "srv4-0", "srv5-1"))):
        ox, oy = center(found[first])
        fx, fy = positions[first]
        for node_id in others:
            x, y = center(found[node_id])
            px, py = positions[node_id]
            assert abs((x - ox) - (px - fx) * 72) < 0.6 and abs((oy - y) - (py - fy) * 72) < 0.6, node_id
    # the DOT download carries the same positions (moved as a whole so the drawing starts at 0,0)
    source = render(topology, "dot").decode()
    index = {node.id: i for i, node in enumerate(topology.nodes)}

    def pos(node_id):
        body = re.search(rf"^\tn{index[node_id]}\t\[(.*?)\];$", source, re.S | re.M).group(1)
        x, y = re.search(r'\bpos="([-0-9.]+),([-0-9.]+)', body).groups()
        return float(x), float(y)

    (dx, dy), (sx, sy) = pos("dc"), pos("site3")
    assert abs(sx - dx - 216) < 0.01 and abs(sy - dy) < 0.01  # site3 sits 3 inches right of the DC


def test_pinned_nodes_without_a_position_still_render():
    topology = topologies.city(sites=2, servers=1, layout="pinned")
    topology.nodes.append(Node("lost", "site", "No coordinates"))
    found = items(render(topology, "svg"))
    assert "lost" in found and "No coordinates" in found["lost"].text


def test_unknown_style_keys_do_not_crash():
    topology = Topology(
        title=topologies.title(),
        nodes=[
            Node("a", "spaceship", "A", status="warp:9 migration:nonsense"),
            Node("b", "", "B", status=":", change="teleported"),
        ],
        edges=[Edge("e", "a", "b", "wormhole", status="fiber:melted"), Edge("dangling", "a", "nowhere", "fiber")],
        legend=[LegendEntry("warp:9", "Warp"), LegendEntry("wormhole", "Wormhole"), LegendEntry("", "")],
    )
    for fmt in FORMATS:
        assert render(topology, fmt)
    found = items(render(topology, "svg"))
    assert {"a", "b", "e"} <= set(found) and "dangling" not in found
    assert "?" in found["a"].text  # the neutral look marks what it does not know


def test_an_empty_topology_still_has_its_title_block():
    topology = Topology(title=topologies.title(title=""))
    for fmt in FORMATS:
        assert render(topology, fmt)
    assert "Page 1 of 1" in items(render(topology, "svg"))["title-block"].texts


def test_layout_once_render_many():
    drawing = layout(topologies.city(sites=2, servers=2))
    svg = drawing.render("svg")
    dot = drawing.render("dot")
    assert dot.decode() == drawing.source
    ET.fromstring(svg)
    with pytest.raises(DiagramError):
        drawing.render("pdf")


def test_paper_parse():
    assert Paper.parse("a3", "Portrait") == Paper("A3", "portrait")
    assert Paper.parse(None, "") == Paper("A4", "landscape")
    for size, orientation in (("A5", "landscape"), ("letter", "portrait"), ("A4", "sideways")):
        with pytest.raises(PaperError):
            Paper.parse(size, orientation)
    assert issubclass(PaperError, DiagramError)


def _children() -> set[int]:
    """Pids of this process's living children (graphviz runs are our only children here)."""
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                pids.add(int(entry))
    return pids


def test_a_render_past_its_time_limit_is_killed(monkeypatch):
    started = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(rendering.subprocess, "Popen", recording_popen)
    topology = topologies.flat(20_000)  # dot needs minutes for this (5,000 took 3.2 s on a fast day)
    before = _children()
    begun = time.monotonic()
    with pytest.raises(RenderTimeout) as caught:
        render(topology, "svg", timeout=3)
    assert time.monotonic() - begun < 6
    assert caught.value.seconds == 3 and "3 s" in str(caught.value)
    assert started, "graphviz was never started"
    for proc in started:
        assert proc.returncode is not None  # reaped
        with pytest.raises(ProcessLookupError):
            os.kill(proc.pid, 0)
    assert _children() <= before


def test_a_deadline_already_past_starts_nothing(monkeypatch):
    started = []
    monkeypatch.setattr(rendering.subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(RenderTimeout):
        render(topologies.city(), "svg", timeout=0)
    assert started == []


def test_a_pinned_map_too_big_for_the_sheet_is_tiled_with_an_overview():
    topology = topologies.city(sites=14, servers=8, layout="pinned")
    pages = _pdf_pages(render(topology, "pdf", paper=Paper("A4"), timeout=120))
    assert len(pages) > 2
    texts = [page.extract_text() for page in pages]
    assert all(f"Page {n} of {len(pages)}" in t for n, t in enumerate(texts, 1))
    # the overview shows the whole map as dots with each tile's name, no node labels
    assert "Overview" in texts[0] and "part 1 of" in texts[0] and "server 1-0" not in texts[0]
    everything = "\n".join(texts[1:])
    for node in topology.nodes:
        assert node.label in everything, node.label


def test_a_graphviz_failure_falls_back_to_the_next_way_of_running_it():
    """Graphviz 2.43 crashes on some graphs; the layout then tries safer settings (real dot here)."""
    deadline = time.monotonic() + 30
    broken = (["dot", "-Tdot"], "digraph G { a -> ")
    working = (["dot", "-Tdot"], "digraph G { a -> b }")
    assert rendering._run_first([broken, working], deadline, 30).startswith(b"digraph G {")
    with pytest.raises(rendering.RenderFailed) as caught:
        rendering._run_first([working, broken][::-1][:1], deadline, 30)
    assert "dot failed" in str(caught.value)


def test_the_demo_city_like_crash_case_renders():
    """Labelled lines from a stub to ten nodes of one forced level (the demo city's split page that
    crashed dot with "triangulation failed") render through the fallbacks."""
    nodes = [
        Node(f"s{i}", "site", f"Kantor Camat {i}", details=(f"Kec. {i}", f"{i} dari 7 server selesai"), rank=1)
        for i in range(10)
    ]
    nodes.append(Node("elsewhere:x", "aggregate", "in [part 2 of 3]"))
    edges = [
        Edge(
            f"f{i}",
            "elsewhere:x",
            f"s{i}",
            "fiber",
            label=f"FO-BL-0{i} · {i}.4 km",
            status="fiber:active",
            constrain=False,
        )
        for i in range(10)
    ]
    edges.append(
        Edge("f0b", "elsewhere:x", "s0", "fiber", label="FO-BL-099 · 1.1 km", status="fiber:planned", constrain=False)
    )
    topology = Topology(title=topologies.title(), nodes=nodes, edges=edges)
    found = items(render(topology, "svg", timeout=60))
    assert {f"s{i}" for i in range(10)} <= set(found) and "f0b" in found


def test_a_spread_map_pushes_overlapping_boxes_apart_and_keeps_their_order():
    topology = topologies.city(sites=5, servers=0, layout="pinned")
    # every site within a tenth of an inch of the next, left to right: the boxes overlap
    topology.nodes = [
        dataclasses.replace(node, position=(i * 0.1, 0.0)) if node.kind == "site" else node
        for i, node in enumerate(topology.nodes)
    ]
    sites = [node.id for node in topology.nodes if node.kind == "site"]

    def boxes(drawing: bytes) -> list[tuple[float, float]]:
        found = items(drawing)
        return [center(found[site]) for site in sites]

    held = boxes(render(topology, "svg"))
    assert all(abs(b[0] - a[0] - 7.2) < 0.6 for a, b in itertools.pairwise(held))  # pinned: still overlapping
    topology.spread = True
    spread = boxes(render(topology, "svg"))
    assert all(b[0] > a[0] for a, b in itertools.pairwise(spread))  # left to right as given
    assert min(b[0] - a[0] for a, b in itertools.pairwise(spread)) > 30  # far more than the 7.2 pt given


def test_a_pinned_group_is_named_above_its_members():
    topology = topologies.city(sites=3, servers=0, layout="pinned")
    topology.groups.append(Group("aside", "region", "Sites <without> coordinates"))
    topology.nodes = [
        dataclasses.replace(node, group="aside", position=(float(i), -2.0)) if node.id == "site2" else node
        for i, node in enumerate(topology.nodes)
    ]
    drawing = render(topology, "svg")
    found = items(drawing)
    label = found["aside-label"]
    assert label.text == "Sites <without> coordinates"
    # above the member it names (SVG y grows downwards)
    label_y = float(next(label.element.iter("{http://www.w3.org/2000/svg}text")).get("y"))
    assert label_y < center(found["site2"])[1]


def test_an_empty_group_is_left_out_and_a_filled_nested_one_kept():
    """graphviz gives an empty cluster no box: its corners came back as "nan" in the SVG's paths."""
    topology = Topology(
        title=topologies.city(sites=1, servers=0).title,
        groups=[
            Group("empty", "site", "Kantor Kosong"),
            Group("empty-rack", "rack", "Rak Kosong", parent="empty"),
            Group("outer", "site", "Kantor Isi"),
            Group("inner", "rack", "Rak Isi", parent="outer"),
        ],
        nodes=[Node("srv", "server", "srv-1", group="inner")],
    )
    for fmt in ("svg", "dot"):
        assert b"nan" not in render(topology, fmt).lower()
    found = items(render(topology, "svg"))
    assert "Kantor Kosong" not in "".join(item.text for item in found.values())
    assert {"outer", "inner", "srv"} <= set(found)
