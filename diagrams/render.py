"""Topology -> SVG, PDF, PNG or DOT through Debian's graphviz, under a time limit.

The pipeline (DESIGN.md section 6): lay the graph out ONCE (``dot -Tdot`` for ranked views,
``neato -n2 -Tdot`` for pinned ones), add the legend and the title block as pinned nodes around the
positioned drawing, then render each format from that positioned graph with ``neato -n2``. So the
legend and title block are part of every output (SVG, PNG, PDF, DOT), drawn by the same font engine
that measured them.

Print: a PDF page is exactly the sheet asked for (A4/A3, either orientation, in points). The drawing
is scaled to fit inside 10 mm margins; when that would print text below 6 pt, a ranked page is first
folded (``unflatten``), then split by its groups (sites, OPDs...) into an overview page plus pages of
neighbouring groups (recursively, and in parts of nodes when one group alone is too big); a pinned
map is cut into tiles after an overview of the whole map. Every page has the legend and "page n of
m" (docs: docs/diagrams.md, "Printing").

Every graphviz run is a child process in its own process group with the time left of the caller's
``timeout``; past it, the group is killed and reaped and ``RenderTimeout`` is raised. One graph per
process (graphviz 2.43 corrupted its heap on multi-graph input); a layout that crashes graphviz is
tried again with safer settings.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import io
import math
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable

from . import dot as dotmod
from . import styles
from .errors import DiagramError, RenderFailed, RenderTimeout
from .model import Edge, Group, Node, Topology
from .paper import MIN_TEXT_PT, Paper

FORMATS = ("svg", "pdf", "png", "dot")
CONTENT_TYPES = {
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "png": "image/png",
    "dot": "text/vnd.graphviz; charset=utf-8",
}
# The title block's and legend's own words; TitleBlock.captions overrides them per language.
CAPTIONS = {
    "data_as_of": "Data as of {value}",
    "generated_at": "Generated {value}",
    "page": "Page {page} of {pages}",
    "legend": "Legend",
    "overview": "Overview",
    "part": "part {part} of {parts}",
    "count": "{count} objects",
    "elsewhere": "in {group}",
}
# A small drawing is enlarged at most this much to fill a sheet.
MAX_UPSCALE = 2.0
# Print text must reach MIN_TEXT_PT: the drawing's smallest text is SMALLEST_FONT_PT.
MIN_PRINT_SCALE = MIN_TEXT_PT / dotmod.SMALLEST_FONT_PT
# PNG: 96 dpi, less when the picture would pass this many pixels on its long side.
PNG_DPI = 96
PNG_MAX_PIXELS = 12000
# The screen a drawing without paper is arranged for (legend beside or below it): 16:10.
SCREEN = (1600.0, 1000.0)
GAP = 18.0
EDGE_MARGIN = 6.0
SWATCH_W = 36.0
SWATCH_H = 20.0
LEGEND_FONT_PT = 8
TITLE_FONT_PT = 14
TITLE_LINE = 120
MAX_SPLIT_DEPTH = 6
# More stubs than this on one page (lines leaving to many other pages) are merged into one.
MAX_STUBS = 6
# About how many nodes a folded A4 page holds at 6 pt (measured: a 30-server fan prints at 0.89 of
# full size); a group without subgroups that does not fit is cut in runs of about this many per A4,
# times the square root of the sheet's area over A4's (a fan folds worse the bigger it is).
PAGE_NODES = 24
# More nodes than this on one A4 sheet (times the sheet's area over A4's) cannot print at 6 pt however
# they are laid out (a node with its spacing takes about 100 x 30 pt at 6/8 scale): split at once.
MOST_PAGE_NODES = 250
# unflatten's stagger (leaf edges 1..N ranks long) when a page is folded to fit: about the square
# root of half the largest fan-out (30 servers on one switch -> 4 ranks), within these bounds.
UNFLATTEN = (3, 30)


# ----------------------------------------------------------------------------------------- processes


def _run(cmd: list[str], source: str, deadline: float, timeout: float) -> bytes:
    """Run a graphviz command on ``source`` with the time left until ``deadline``; kill it past that."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise RenderTimeout(timeout)
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: killing it leaves nothing behind
        )
    except FileNotFoundError as exc:
        raise RenderFailed(f"graphviz is not installed ({cmd[0]} not found): apt-get install graphviz") from exc
    try:
        out, err = proc.communicate(source.encode("utf-8"), timeout=left)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise RenderTimeout(timeout) from None
    except BaseException:
        _kill(proc)
        raise
    if proc.returncode != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise RenderFailed(f"{cmd[0]} failed ({proc.returncode}): {' / '.join(message)}")
    return out


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.kill()
    proc.communicate()


# ----------------------------------------------------------------------------------------- text helpers


def _captions(topology: Topology) -> dict[str, str]:
    captions = dict(CAPTIONS)
    captions.update({k: v for k, v in topology.title.captions if isinstance(v, str)})
    return captions


def _caption(captions: dict[str, str], key: str, **values: object) -> str:
    """A caption with its values; a translation with a broken placeholder falls back to English."""
    try:
        return captions[key].format(**values)
    except (KeyError, IndexError, ValueError):
        return CAPTIONS[key].format(**values)


def _short(text: str, limit: int = TITLE_LINE) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _font(text: str, size: float, *, bold: bool = False) -> str:
    inner = dotmod.html_text(_short(text)) or dotmod.NBSP
    if bold:
        inner = f"<B>{inner}</B>"
    return f'<FONT POINT-SIZE="{size:g}">{inner}</FONT>'


def _title_label(topology: Topology, captions: dict[str, str], page: int, pages: int, subtitle: str) -> str:
    """The title block: an HTML table (city, title, scope, filters, data as of, generated at, page n of m)."""
    title = topology.title
    rows = []
    if title.city:
        rows.append(_font(title.city, 9))
    rows.append(_font(title.title, TITLE_FONT_PT, bold=True))
    scope = " — ".join(p for p in (title.scope, subtitle) if p)
    if scope:
        rows.append(_font(scope, 9))
    for name, value in title.filters:
        rows.append(_font(f"{name}: {value}", 8))
    if title.data_as_of:
        rows.append(_font(_caption(captions, "data_as_of", value=title.data_as_of), 8))
    if title.generated_at:
        rows.append(_font(_caption(captions, "generated_at", value=title.generated_at), 8))
    rows.append(_font(_caption(captions, "page", page=page, pages=pages), 8, bold=True))
    cells = "".join(f'<TR><TD ALIGN="LEFT">{row}</TD></TR>' for row in rows)
    return (
        '<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="#000000" BGCOLOR="white">'
        f"{cells}</TABLE>>"
    )


# ----------------------------------------------------------------------------------------- legend


@dataclasses.dataclass(frozen=True)
class _Entry:
    key: str
    text: str
    line: bool  # drawn as a line (edge key) rather than a shape


def _legend_entries(topology: Topology) -> list[_Entry]:
    edge_keys: set[str] = set()
    node_keys: set[str] = set()
    for edge in topology.edges:
        edge_keys.add(edge.kind)
        edge_keys.update(styles.status_keys(edge.status))
        if edge.change:
            edge_keys.add(f"change:{edge.change}")
    for node in topology.nodes:
        node_keys.add(node.kind)
        node_keys.update(styles.status_keys(node.status))
        if node.change:
            node_keys.add(f"change:{node.change}")
    entries = []
    for item in topology.legend:
        key = str(item.key)
        namespace = key.split(":")[0] if ":" in key else ""
        line = (
            key in styles.EDGE_KINDS
            or namespace in styles.EDGE_NAMESPACES
            or (key in edge_keys and key not in node_keys and key not in styles.NODE_KINDS)
        )
        mark = styles.edge_look(*_swatch_args(key)).mark if line else ""
        text = " ".join(p for p in (mark, str(item.label)) if p)
        entries.append(_Entry(key, text, line))
    return entries


def _swatch_args(key: str) -> tuple[str, str, str]:
    """(kind, status, change) that draw a key's swatch."""
    if key.startswith("change:"):
        return "", "", key.split(":", 1)[1]
    if ":" in key:
        return "", key, ""
    return key, "", ""


# ----------------------------------------------------------------------------------------- layout


@dataclasses.dataclass
class _Laid:
    """A page laid out: the positioned main graph, its bounding box, and its decorations' sizes."""

    topology: Topology
    subtitle: str
    text: str
    bb: tuple[float, float, float, float]
    title_size: tuple[float, float]
    legend_sizes: list[tuple[float, float]]
    heading_size: tuple[float, float]
    entries: list[_Entry]


def _strip_values(text: str) -> str:
    """DOT text with every quoted string and HTML label emptied, so a regex can read the rest safely."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "<":
            depth, j = 0, i
            while j < n:
                if text[j] == "<":
                    depth += 1
                elif text[j] == ">":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append('""')
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


_STMT = re.compile(r"^\t(\w+)\s*\[([^\]]*)\]", re.M)
_NUM = r"([-+]?[0-9.]+(?:e[-+]?[0-9]+)?)"


def _node_sizes(text: str) -> dict[str, tuple[float, float]]:
    """Node name -> (width, height) in points from graphviz's -Tdot output."""
    sizes = {}
    for name, body in _STMT.findall(_strip_values(text)):
        w = re.search(r"\bwidth=" + _NUM, body)
        h = re.search(r"\bheight=" + _NUM, body)
        if w and h:
            sizes[name] = (float(w.group(1)) * 72, float(h.group(1)) * 72)
    return sizes


def _bb(text: str) -> tuple[float, float, float, float]:
    match = re.search(r'\bbb="([^"]*)"', text)
    if not match:
        return (0.0, 0.0, 0.0, 0.0)
    parts = [float(v) for v in match.group(1).split(",")]
    return (parts[0], parts[1], parts[2], parts[3]) if len(parts) == 4 else (0.0, 0.0, 0.0, 0.0)


def _measure_lines(prefix: str, laid_title: str, entries: list[_Entry], heading: str) -> list[str]:
    """Nodes for one page's decorations, so that graphviz measures them with the same fonts."""
    lines = [f'\t{prefix}t [label={laid_title}, pos="0,0!"];']
    lines.append(f'\t{prefix}h [label={_font(heading, 9, bold=True).join("<>")}, pos="0,0!"];')
    for i, entry in enumerate(entries):
        lines.append(f'\t{prefix}l{i} [label=<{_font(entry.text, LEGEND_FONT_PT)}>, pos="0,0!"];')
    return lines


def _measure_source(lines: list[str]) -> str:
    # width/height 0: graphviz's minimum node size (0.75 x 0.5 in) would hide the text's own size
    head = [
        "digraph measure {",
        f'\tnode [shape="plaintext", fontname="{styles.FONT}", margin="0", width="0", height="0"];',
    ]
    return "\n".join([*head, *lines, "}"]) + "\n"


def _pin_missing(topology: Topology) -> Topology:
    """A pinned topology's nodes without a position go in a row under the others (never a crash)."""
    if topology.layout != "pinned" or all(n.position is not None for n in topology.nodes):
        return topology
    ys = [n.position[1] for n in topology.nodes if n.position is not None]
    y = (min(ys) if ys else 0.0) - 1.0
    nodes, k = [], 0
    for node in topology.nodes:
        if node.position is None:
            node = dataclasses.replace(node, position=(k * 1.8, y))
            k += 1
        nodes.append(node)
    return dataclasses.replace(topology, nodes=nodes)


def _stagger(topology: Topology) -> int:
    degree: dict[str, int] = {}
    for edge in topology.edges:
        degree[edge.source] = degree.get(edge.source, 0) + 1
        degree[edge.target] = degree.get(edge.target, 0) + 1
    fan = max(degree.values(), default=0)
    loose = len(topology.nodes) - len(degree)
    low, high = UNFLATTEN
    return max(low, min(high, math.ceil(math.sqrt(max(fan, loose) / 2))))


# A graphviz run: the command and its input (or what makes the input, for fallbacks rarely needed).
Job = tuple[list[str], "str | Callable[[], str]"]


def _run_first(attempts: list[Job], deadline: float, timeout: float) -> bytes:
    """The first of several ways to run a graph that graphviz gets through (a crash tries the next)."""
    for n, (cmd, source) in enumerate(attempts):
        try:
            return _run(cmd, source if isinstance(source, str) else source(), deadline, timeout)
        except RenderFailed:
            if n == len(attempts) - 1:
                raise
    raise RenderFailed("nothing to run")


def _run_many(jobs: list[Job | list[Job]], deadline: float, timeout: float) -> list[bytes]:
    """Several graphviz runs side by side (one per core), each under the same deadline. A job may be a
    list of fallbacks (see ``_layout_many``).

    One graph per process: graphviz 2.43 given several graphs in one input corrupted its heap on
    some (each alone laid out fine), so pages are never batched into one run.
    """
    attempts = [job if isinstance(job, list) else [job] for job in jobs]
    if len(attempts) == 1:
        return [_run_first(attempts[0], deadline, timeout)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(attempts), os.cpu_count() or 2)) as pool:
        futures = [pool.submit(_run_first, job, deadline, timeout) for job in attempts]
        return [future.result() for future in futures]


def _layout_many(
    pages: list[tuple[Topology, str]], deadline: float, timeout: float, *, wrap: bool = False
) -> list[_Laid]:
    """Lay out several pages (one graphviz run each, in parallel); their decorations are measured in
    one more run.

    ``wrap`` folds long ranks first (graphviz's ``unflatten``: leaves staggered over several ranks,
    loose nodes chained), which turns a site's column of 30 servers into a block that fits a sheet.
    """
    jobs: list[Job | list[Job]] = []
    measures: list[str] = []
    prepared = []
    for i, (topology, subtitle) in enumerate(pages):
        topology = _pin_missing(topology)
        captions = _captions(topology)
        entries = _legend_entries(topology)
        # measured with the widest page numbers it could carry
        title = _title_label(topology, captions, 888, 888, subtitle)
        pinned = topology.layout == "pinned"
        source = dotmod.to_dot(topology, name="G", wrap=wrap and not pinned)
        if pinned:
            # spread: positions kept as a start, boxes pushed apart where they overlap (a city centre's
            # offices would otherwise hide each other's names); prism keeps the map's shape, unscaled
            if topology.spread:
                jobs.append((["neato", "-n", "-Goverlap=prism", "-Goverlap_scaling=0", "-Tdot"], source))
            else:
                jobs.append((["neato", "-n2", "-Tdot"], source))
        else:
            # graphviz 2.43 crashes routing some graphs (labelled edges between nodes of one rank:
            # "triangulation failed", a segfault); then every edge ranks and no rank=same level is
            # kept (no such edges left), and last, right-angled lines
            safe = functools.partial(dotmod.to_dot, topology, name="G", wrap=True)
            if wrap:
                stagger = _stagger(topology)
                # a pipeline in its own process group: a timeout kills both
                fold = f"unflatten -l {stagger} -f -c {stagger} | dot -Tdot"
                first = (["sh", "-c", fold], source)
                fallbacks: list[Job] = [
                    (["sh", "-c", f"{fold} -Gsplines=polyline"], source),
                    (["sh", "-c", f"{fold} -Gsplines=ortho"], source),
                ]
            else:
                first = (["dot", "-Tdot"], source)
                fallbacks = [(["dot", "-Tdot"], safe), (["dot", "-Tdot", "-Gsplines=polyline"], safe)]
            fallbacks.append((["dot", "-Tdot", "-Gsplines=ortho"], safe))
            jobs.append([first, *fallbacks])
        measures.extend(_measure_lines(f"m{i}_", title, entries, captions["legend"]))
        prepared.append((topology, subtitle, entries))
    jobs.append((["dot", "-Tdot"], _measure_source(measures)))
    outputs = _run_many(jobs, deadline, timeout)
    sizes = _node_sizes(outputs[-1].decode("utf-8"))
    laid = []
    for i, (topology, subtitle, entries) in enumerate(prepared):
        text = outputs[i].decode("utf-8")
        if not text.lstrip().startswith("digraph"):
            raise RenderFailed("graphviz returned no graph")
        laid.append(
            _Laid(
                topology=topology,
                subtitle=subtitle,
                text=text,
                bb=_bb(text),
                title_size=sizes.get(f"m{i}_t", (200.0, 80.0)),
                heading_size=sizes.get(f"m{i}_h", (60.0, 14.0)),
                legend_sizes=[sizes.get(f"m{i}_l{j}", (100.0, 12.0)) for j in range(len(entries))],
                entries=entries,
            )
        )
    return laid


# ----------------------------------------------------------------------------------------- composing


@dataclasses.dataclass
class _Composed:
    text: str
    width: float
    height: float


def _legend_grid(laid: _Laid, cols: int) -> tuple[int, int, float, float, float]:
    """(columns, rows per column, column width, row height, total height) of the legend in ``cols``."""
    n = len(laid.entries)
    if not n:
        return 0, 0, 0.0, 0.0, 0.0
    row_h = max(SWATCH_H + 4, *(h + 4 for _, h in laid.legend_sizes))
    col_w = SWATCH_W + 8 + max(w for w, _ in laid.legend_sizes) + 14
    head = laid.heading_size[1] + 6
    rows = math.ceil(n / max(1, cols))
    cols = math.ceil(n / rows)
    return cols, rows, col_w, row_h, head + rows * row_h


def _arrange(laid: _Laid, mode: str, cols: int) -> dict[str, object]:
    """Where the legend (in ``cols`` columns) and the title block go, beside ("right") or under
    ("below") the drawing."""
    x0, y0, x1, y1 = laid.bb
    tw, th = laid.title_size
    cols, rows, col_w, row_h, lh = _legend_grid(laid, cols)
    if mode == "right":
        col_x = x1 + GAP if x1 > x0 else x0
        legend_top = max(y1, y0 + th + GAP + lh)
        title_pos = (col_x + tw / 2, y0 + th / 2)
        legend_origin = (col_x, legend_top)
        right = col_x + max(tw, cols * col_w)
        box = (x0, y0, right, max(y1, legend_top))
    else:
        band_top = y0 - GAP if y1 > y0 else y0
        legend_origin = (x0, band_top)
        legend_right = x0 + cols * col_w
        title_left = max(x1 - tw, legend_right + GAP)
        title_pos = (title_left + tw / 2, band_top - th / 2)
        bottom = band_top - max(th, lh)
        box = (x0, bottom, max(x1, title_left + tw), y1)
    return {
        "cols": cols,
        "rows": rows,
        "col_w": col_w,
        "row_h": row_h,
        "title_pos": title_pos,
        "legend_origin": legend_origin,
        "box": box,
    }


def _fit_scale(width: float, height: float, target: tuple[float, float]) -> float:
    if width <= 0 or height <= 0:
        return MAX_UPSCALE
    return min(target[0] / width, target[1] / height, MAX_UPSCALE)


def _choose(laid: _Laid, target: tuple[float, float]) -> dict[str, object]:
    """The arrangement (legend beside or under, in 1..12 columns) that lets the whole fit ``target``
    largest; ties go to fewer columns."""
    best = None
    for mode in ("right", "below"):
        for cols in range(1, min(len(laid.entries), 12) + 1 if laid.entries else 2):
            arrangement = _arrange(laid, mode, cols)
            x0, y0, x1, y1 = arrangement["box"]  # type: ignore[misc]
            scale = _fit_scale(x1 - x0 + 2 * EDGE_MARGIN, y1 - y0 + 2 * EDGE_MARGIN, target)
            if best is None or scale > best[0] + 1e-6:
                best = (scale, arrangement)
    assert best is not None
    return best[1]


def _compose(laid: _Laid, page: int, pages: int, target: tuple[float, float]) -> _Composed:
    """The positioned main graph plus pinned legend and title block nodes: what every format renders."""
    arrangement = _choose(laid, target)
    topology = laid.topology
    captions = _captions(topology)
    out = []
    tx, ty = arrangement["title_pos"]  # type: ignore[misc]
    tw, th = laid.title_size
    title = _title_label(topology, captions, page, pages, laid.subtitle)
    out.append(
        f'\ttitle_block [shape="plaintext", margin="0", label={title}, id="title-block", class="title-block", '
        f'pos="{tx:.2f},{ty:.2f}", width="{tw / 72:.4f}", height="{th / 72:.4f}", tooltip=" "];'
    )
    if laid.entries:
        lx, ly = arrangement["legend_origin"]  # type: ignore[misc]
        hw, hh = laid.heading_size
        heading = _font(captions["legend"], 9, bold=True)
        out.append(
            f'\tlegend_heading [shape="plaintext", margin="0", label=<{heading}>, id="legend", class="legend", '
            f'pos="{lx + hw / 2:.2f},{ly - hh / 2:.2f}", width="{hw / 72:.4f}", height="{hh / 72:.4f}", tooltip=" "];'
        )
        rows = int(arrangement["rows"])  # type: ignore[call-overload]
        col_w = float(arrangement["col_w"])  # type: ignore[arg-type]
        row_h = float(arrangement["row_h"])  # type: ignore[arg-type]
        top = ly - hh - 6
        for i, entry in enumerate(laid.entries):
            col, row = divmod(i, rows)
            x = lx + col * col_w
            y = top - row * row_h - row_h / 2
            out.extend(_swatch(i, entry, x, y))
            w, h = laid.legend_sizes[i]
            text = _font(entry.text, LEGEND_FONT_PT)
            key_class = styles.css_class("key", entry.key)
            out.append(
                f'\tlegend_text_{i} [shape="plaintext", margin="0", label=<{text}>, id="legend-text-{i}", '
                f'class="legend-text {key_class}", pos="{x + SWATCH_W + 8 + w / 2:.2f},{y:.2f}", '
                f'width="{w / 72:.4f}", height="{h / 72:.4f}", tooltip=" "];'
            )
    bx0, by0, bx1, by1 = arrangement["box"]  # type: ignore[misc]
    bx0, by0, bx1, by1 = bx0 - EDGE_MARGIN, by0 - EDGE_MARGIN, bx1 + EDGE_MARGIN, by1 + EDGE_MARGIN
    # two invisible corner points make the drawing's box exactly this (neato -n2 recomputes it)
    for name, (x, y) in (("corner_a", (bx0, by0)), ("corner_b", (bx1, by1))):
        out.append(
            f'\t{name} [shape="point", style="invis", width="0.01", height="0.01", label="", pos="{x:.2f},{y:.2f}"];'
        )
    main = laid.text.rstrip()
    if main.endswith("}"):
        main = main[:-1]
    text = main + "\n" + "\n".join(out) + "\n}\n"
    return _Composed(text=text, width=bx1 - bx0, height=by1 - by0)


def _swatch(i: int, entry: _Entry, x: float, y: float) -> list[str]:
    """A legend swatch: the key's shape with its fill, border and mark, or a short line in its style."""
    kind, status, change = _swatch_args(entry.key)
    key_class = styles.css_class("key", entry.key)
    if entry.line:
        look = styles.edge_look(kind, status, change)
        values = styles.edge_attrs(look)
        a, b = (x + 2, y), (x + SWATCH_W - 2, y)
        span = (b[0] - a[0]) / 3
        pos = f"{a[0]:.2f},{y:.2f} {a[0] + span:.2f},{y:.2f} {a[0] + 2 * span:.2f},{y:.2f} {b[0]:.2f},{y:.2f}"
        return [
            f'\tlegend_a{i} [shape="point", style="invis", width="0.01", height="0.01", label="", '
            f'pos="{a[0]:.2f},{y:.2f}"];',
            f'\tlegend_b{i} [shape="point", style="invis", width="0.01", height="0.01", label="", '
            f'pos="{b[0]:.2f},{y:.2f}"];',
            f'\tlegend_a{i} -> legend_b{i} [dir="none", color="{values["color"]}", style="{values["style"]}", '
            f'penwidth="{values["penwidth"]}", pos="{pos}", id="legend-swatch-{i}", class="legend-swatch {key_class}", '
            'tooltip=" "];',
        ]
    look = styles.node_look(kind or "legend", status, change)
    values = styles.node_attrs(look)
    if kind in styles.NODE_KINDS:
        values["fillcolor"] = "#FFFFFF"
    values.update(
        {
            "label": f'<<FONT POINT-SIZE="{LEGEND_FONT_PT}">{dotmod.html_text(look.mark or "") or dotmod.NBSP}</FONT>>',
            "fixedsize": "true",
            "width": f"{SWATCH_W / 72:.4f}",
            "height": f"{SWATCH_H / 72:.4f}",
            "pos": f"{x + SWATCH_W / 2:.2f},{y:.2f}",
            "id": f"legend-swatch-{i}",
            "class": f"legend-swatch {key_class}",
            "tooltip": " ",
            "fontname": styles.FONT,
        }
    )
    return [f"\tlegend_swatch_{i} {dotmod.attrs(values, raw=('label',))};"]


# ----------------------------------------------------------------------------------------- splitting


def _descendants(topology: Topology, group_id: str) -> set[str]:
    parents = {g.id: g.parent for g in topology.groups}
    out = set()
    for gid in parents:
        seen, cur = set(), gid
        while cur is not None and cur not in seen:
            if cur == group_id:
                out.add(gid)
                break
            seen.add(cur)
            cur = parents.get(cur)
    return out


def _units(topology: Topology) -> tuple[list[Group], Topology]:
    """The top-level groups to split by. A single top group is unwrapped (its children become the
    units, its own nodes loose), since a page per group would be the same page again."""
    ids = {g.id for g in topology.groups}
    for _ in range(MAX_SPLIT_DEPTH):
        top = [g for g in topology.groups if g.parent not in ids or g.parent == g.id]
        if len(top) != 1:
            return top, topology
        only = top[0]
        groups = [dataclasses.replace(g, parent=None) if g.parent == only.id else g for g in topology.groups]
        groups = [g for g in groups if g.id != only.id]
        nodes = [dataclasses.replace(n, group=None) if n.group == only.id else n for n in topology.nodes]
        topology = dataclasses.replace(topology, groups=groups, nodes=nodes)
        ids = {g.id for g in groups}
    return [], topology


def _stub(stub_id: str, node: Node, where: str, captions: dict[str, str]) -> Node:
    """A node drawn on a page only to show where lines leave it: the other page's group, greyed."""
    if where:
        return Node(id=stub_id, kind="aggregate", label=_caption(captions, "elsewhere", group=where))
    return Node(id=stub_id, kind=node.kind, label=node.label, link=node.link, position=node.position, rank=node.rank)


def _used_legend(topology: Topology) -> Topology:
    """A page cut from a bigger view keeps only the legend entries for what it shows, and no rank
    constraints: every line ranks and no level is forced. (Graphviz 2.43 spent 34 s on a three-node
    page with labelled lines between nodes of one forced level; the whole view's ranking means
    little on a part of it.)"""
    topology = dataclasses.replace(
        topology,
        nodes=[dataclasses.replace(n, rank=None) if n.rank is not None else n for n in topology.nodes],
        edges=[dataclasses.replace(e, constrain=True) if not e.constrain else e for e in topology.edges],
    )
    used: set[str] = set()
    for item in (*topology.nodes, *topology.groups, *topology.edges):
        used.add(item.kind)
        used.update(styles.status_keys(item.status))
        if item.change:
            used.add(f"change:{item.change}")
    return dataclasses.replace(topology, legend=[e for e in topology.legend if e.key in used])


def _subset(
    topology: Topology, keep: set[str], groups: list[Group], owner: dict[str, str], units: dict[str, str]
) -> Topology:
    """Nodes ``keep`` with their groups, inner edges, and one stub per other unit that lines lead to.

    ``owner`` maps node id -> unit id (a top-level group, or a chunk), ``units`` unit id -> label; lines
    to the same unit with the same kind and status from one node are drawn once, so a hub's page does
    not fill with stubs.
    """
    captions = _captions(topology)
    by_id = {n.id: n for n in topology.nodes}
    nodes = [n for n in topology.nodes if n.id in keep]
    edges = []
    stubs: dict[str, Node] = {}
    for edge in topology.edges:
        a, b = edge.source in keep, edge.target in keep
        if a and b:
            edges.append(edge)
        elif (a or b) and (edge.target if a else edge.source) in by_id:
            other = edge.target if a else edge.source
            unit = owner.get(other, "")
            stub_id = f"elsewhere:{unit}" if unit else other
            if stub_id not in stubs:
                stubs[stub_id] = _stub(stub_id, by_id[other], units.get(unit, ""), captions)
            source, target = (edge.source, stub_id) if a else (stub_id, edge.target)
            edges.append(dataclasses.replace(edge, source=source, target=target))
    unit_stubs = [k for k in stubs if k.startswith("elsewhere:")]
    if len(unit_stubs) > MAX_STUBS:
        # a hub with lines to many pages: one stub for all of them ("in part 2 of 18 … part 18 of 18")
        names = [units.get(k.split(":", 1)[1], "") for k in unit_stubs]
        merged = _stub("elsewhere:*", Node("", "", ""), f"{names[0]} … {names[-1]}", captions)
        for k in unit_stubs:
            del stubs[k]
        stubs[merged.id] = merged
        moved = set(unit_stubs)
        edges = [
            dataclasses.replace(
                e,
                source=merged.id if e.source in moved else e.source,
                target=merged.id if e.target in moved else e.target,
            )
            for e in edges
        ]
    # one line per (inner node, stub, kind, status, direction): a hub's page does not fill with copies
    kept, drawn = [], set()
    for e in edges:
        key = (e.source, e.target, e.kind, e.status)
        if (e.source in stubs or e.target in stubs) and key in drawn:
            continue
        drawn.add(key)
        kept.append(e)
    return _used_legend(dataclasses.replace(topology, nodes=nodes + list(stubs.values()), groups=groups, edges=kept))


def _split(topology: Topology, capacity: float) -> list[tuple[Topology, str]]:
    """An overview and the top-level groups on pages, neighbours sharing a page up to ``capacity``
    nodes (at most half the view, so that splitting always gets somewhere); [] without groups."""
    capacity = min(capacity, len(topology.nodes) / 2)
    captions = _captions(topology)
    top, topology = _units(topology)
    if len(top) < 2:
        return []
    ids = {g.id for g in topology.groups}
    unit_of: dict[str, str] = {}
    members: dict[str, set[str]] = {}
    for unit in top:
        inside = _descendants(topology, unit.id)
        for group in topology.groups:
            if group.id in inside:
                unit_of[group.id] = unit.id
        members[unit.id] = set()
    owner: dict[str, str] = {}
    for node in topology.nodes:
        if node.group in ids:
            unit = unit_of.get(node.group or "")
            if unit:
                members[unit].add(node.id)
                owner[node.id] = unit
    # the overview: each unit one node, edges between units merged with a count
    overview_nodes = []
    for unit in top:
        inside = [n for n in topology.nodes if owner.get(n.id) == unit.id]
        ranks = [n.rank for n in inside if n.rank is not None]
        positions = [n.position for n in inside if n.position is not None]
        position = None
        if positions:
            position = (sum(p[0] for p in positions) / len(positions), sum(p[1] for p in positions) / len(positions))
        overview_nodes.append(
            Node(
                id=unit.id,
                kind=unit.kind if unit.kind in styles.NODE_KINDS else "aggregate",
                label=unit.label,
                status=unit.status,
                link=unit.link,
                details=(*unit.details, _caption(captions, "count", count=len(inside))),
                rank=min(ranks) if ranks else None,
                position=position,
                change=unit.change,
            )
        )
    loose = [n for n in topology.nodes if n.id not in owner]
    merged: dict[tuple[str, str, str, str], list[Edge]] = {}
    for edge in topology.edges:
        a = owner.get(edge.source, edge.source)
        b = owner.get(edge.target, edge.target)
        if a != b:
            merged.setdefault((a, b, edge.kind, edge.status), []).append(edge)
    overview_edges = []
    for (a, b, kind, status), group_edges in merged.items():
        first = group_edges[0]
        label = first.label if len(group_edges) == 1 else f"× {len(group_edges)}"
        overview_edges.append(
            Edge(
                id=first.id if len(group_edges) == 1 else f"{first.id}+{len(group_edges) - 1}",
                source=a,
                target=b,
                kind=kind,
                label=label,
                status=status,
                constrain=first.constrain,
            )
        )
    overview = _used_legend(
        dataclasses.replace(topology, nodes=overview_nodes + loose, groups=[], edges=overview_edges)
    )
    labels = {unit.id: unit.label for unit in top}
    pages = [(overview, captions["overview"])]
    # neighbouring groups share a page while they hold fewer than ``capacity`` nodes together
    bins: list[list[Group]] = []
    count = 0
    for unit in top:
        size = len(members[unit.id])
        if bins and count + size <= capacity:
            bins[-1].append(unit)
            count += size
        else:
            bins.append([unit])
            count = size
    for units in bins:
        inside = set().union(*(_descendants(topology, unit.id) for unit in units))
        groups = [g for g in topology.groups if g.id in inside]
        keep = set().union(*(members[unit.id] for unit in units))
        label = units[0].label if len(units) == 1 else f"{units[0].label} … {units[-1].label}"
        pages.append((_subset(topology, keep, groups, owner, labels), label))
    return pages


def _chunks(topology: Topology, parts: int, subtitle: str) -> list[tuple[Topology, str]]:
    """Without groups to split by: the nodes in ``parts`` runs (ranked order), lines leaving as stubs."""
    captions = _captions(topology)
    order = sorted(topology.nodes, key=lambda n: n.rank if n.rank is not None else 0)
    size = max(1, math.ceil(len(order) / parts))
    runs = [order[i : i + size] for i in range(0, len(order), size)]
    owner = {n.id: f"part{k}" for k, run in enumerate(runs, 1) for n in run}
    labels = {f"part{k}": f"[{_caption(captions, 'part', part=k, parts=len(runs))}]" for k in range(1, len(runs) + 1)}
    pages = []
    for k, run in enumerate(runs, 1):
        keep = {n.id for n in run}
        used = {n.group for n in run}
        groups = [g for g in topology.groups if g.id in used]
        label = " ".join(p for p in (subtitle, labels[f"part{k}"]) if p)
        pages.append((_subset(topology, keep, groups, owner, labels), label))
    return pages


def _tiles(topology: Topology, scale: float, subtitle: str) -> list[tuple[Topology, str, bool]]:
    """A pinned map too big for the sheet: an overview (the whole map shrunk, nodes as dots, each
    tile's name where it lies) and one page per tile of the map at full size, lines leaving as stubs
    at the tile's edge. The third value says "overview" (accepted as it is, it has no small text)."""
    captions = _captions(topology)
    n = min(12, max(2, math.ceil(MIN_PRINT_SCALE / max(scale, 1e-3) * 1.1)))
    placed = [node for node in topology.nodes if node.position is not None]
    xs = [float(node.position[0]) for node in placed]  # type: ignore[index]
    ys = [float(node.position[1]) for node in placed]  # type: ignore[index]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    w, h = (x1 - x0) / n or 1.0, (y1 - y0) / n or 1.0

    def tile_of(x: float, y: float) -> tuple[int, int]:
        # row 0 at the top: pages read like the map, left to right, top to bottom
        return min(n - 1, int((y1 - y) / h)), min(n - 1, int((x - x0) / w))

    cells: dict[tuple[int, int], list[Node]] = {}
    for node in placed:
        cells.setdefault(tile_of(*node.position), []).append(node)  # type: ignore[misc]
    order = sorted(cells)
    names = {cell: f"tile{cell[0]}_{cell[1]}" for cell in order}
    labels = {
        names[cell]: f"[{_caption(captions, 'part', part=k, parts=len(order))}]" for k, cell in enumerate(order, 1)
    }
    owner = {node.id: names[cell] for cell, nodes in cells.items() for node in nodes}
    centre = {names[(r, c)]: (x0 + (c + 0.5) * w, y1 - (r + 0.5) * h) for r, c in order}
    pages: list[tuple[Topology, str, bool]] = []
    f = max(scale / MIN_PRINT_SCALE * 0.85, 0.01)
    overview_nodes = [
        Node(
            node.id,
            "marker",
            "",
            status=node.status,
            link=node.link,
            position=(node.position[0] * f, node.position[1] * f),
        )  # type: ignore[index]
        for node in placed
    ]
    overview_nodes += [
        Node(f"tile:{name}", "tile", labels[name], position=(centre[name][0] * f, centre[name][1] * f))
        for name in labels
    ]
    overview_edges = [dataclasses.replace(edge, label="") for edge in topology.edges]
    overview = _used_legend(dataclasses.replace(topology, nodes=overview_nodes, groups=[], edges=overview_edges))
    pages.append((overview, " — ".join(p for p in (subtitle, captions["overview"]) if p), True))
    for cell in order:
        name = names[cell]
        page = _subset(topology, {node.id for node in cells[cell]}, [], owner, labels)
        cx0, cy1 = x0 + cell[1] * w, y1 - cell[0] * h
        nodes = []
        for node in page.nodes:
            if node.id.startswith("elsewhere:"):
                other = centre.get(node.id.split(":", 1)[1], (cx0 - 0.8, cy1 - h - 0.8))
                # at the tile's edge, towards the other tile
                px = min(max(other[0], cx0 - 0.8), cx0 + w + 0.8)
                py = min(max(other[1], cy1 - h - 0.8), cy1 + 0.8)
                node = dataclasses.replace(node, position=(px, py))
            nodes.append(node)
        pages.append(
            (dataclasses.replace(page, nodes=nodes), " ".join(p for p in (subtitle, labels[name]) if p), False)
        )
    return pages


def _capacity(paper: Paper) -> float:
    """About how many nodes a page of ``paper`` holds at 6 pt (see PAGE_NODES)."""
    a4 = Paper("A4")
    return PAGE_NODES * math.sqrt(paper.width * paper.height / (a4.width * a4.height))


def _presplit(topology: Topology, subtitle: str, paper: Paper) -> list[tuple[Topology, str, bool]]:
    """The parts of a view far too big for one sheet, chosen without laying it out."""
    if topology.layout == "pinned":
        placed = [node.position for node in topology.nodes if node.position is not None]
        if not placed:
            return []
        # the map's extent plus room for labels, legend and title block, against the sheet
        width = (max(p[0] for p in placed) - min(p[0] for p in placed)) * 72 + 400
        height = (max(p[1] for p in placed) - min(p[1] for p in placed)) * 72 + 100
        return _tiles(topology, _fit_scale(width, height, paper.printable), subtitle)
    parts = _split(topology, _capacity(paper))
    if parts:
        return [(t, " — ".join(p for p in (subtitle, s) if p), False) for t, s in parts]
    need = max(2, math.ceil(len(topology.nodes) / _capacity(paper)))
    return [(t, s, False) for t, s in _chunks(topology, min(need, len(topology.nodes)), subtitle)]


def _print_scale(composed: _Composed, paper: Paper) -> float:
    return _fit_scale(composed.width, composed.height, paper.printable)


def _plan(topology: Topology, paper: Paper, deadline: float, timeout: float) -> list[_Laid]:
    """The pages a print needs: the whole view if it fits at >= 6 pt text, else split (see module doc).

    A ranked page that does not fit is first folded (``unflatten``), then split. Breadth-first with one
    graphviz run per step; a page that does not fit is replaced in place by its parts, so pages keep
    reading order (overview, then each group).
    """
    # slot: a finished page, or (topology, subtitle, depth, folded) still to lay out
    slots: list[_Laid | tuple[Topology, str, int, bool]] = [(topology, "", 0, False)]
    a4 = Paper("A4")
    most = MOST_PAGE_NODES * paper.width * paper.height / (a4.width * a4.height)
    while True:
        todo = [i for i, slot in enumerate(slots) if isinstance(slot, tuple)]
        if not todo:
            break
        # far too many nodes for one sheet: split without laying the whole out first (at 5,000
        # nodes that layout alone is most of the time)
        early: dict[int, list[tuple[Topology, str, int, bool]]] = {}
        for i in todo:
            page_topology, subtitle, depth, _ = slots[i]  # type: ignore[misc]
            if len(page_topology.nodes) > most and depth < MAX_SPLIT_DEPTH:
                parts = _presplit(page_topology, subtitle, paper)
                if parts:
                    early[i] = [(t, s, depth + 1 if not overview else MAX_SPLIT_DEPTH, False)
                                for t, s, overview in parts]  # fmt: skip
        if early:
            slots = [item for i, slot in enumerate(slots) for item in early.get(i, [slot])]
            continue
        laid: dict[int, _Laid] = {}
        batch = [i for i in todo if not slots[i][3]]  # type: ignore[index]
        if batch:
            items = [(slots[i][0], slots[i][1]) for i in batch]  # type: ignore[index]
            laid.update(zip(batch, _layout_many(items, deadline, timeout), strict=True))
        batch = [i for i in todo if slots[i][3]]  # type: ignore[index]
        if batch:
            # folded both ways (a fan runs down the page left to right, or across it top to bottom),
            # in one parallel batch; the one that prints larger wins
            items = [
                (dataclasses.replace(slots[i][0], direction=d), slots[i][1])  # type: ignore[index]
                for i in batch
                for d in ("LR", "TB")
            ]
            both = _layout_many(items, deadline, timeout, wrap=True)
            for k, i in enumerate(batch):
                pair = both[2 * k : 2 * k + 2]
                laid[i] = max(pair, key=lambda p: _print_scale(_compose(p, 1, 1, paper.printable), paper))
        expanded: dict[int, list[tuple[Topology, str, int, bool]]] = {}
        for i in todo:
            _, _, depth, folded = slots[i]  # type: ignore[misc]
            page = laid[i]
            scale = _print_scale(_compose(page, 1, 1, paper.printable), paper)
            if scale >= MIN_PRINT_SCALE or depth >= MAX_SPLIT_DEPTH or len(page.topology.nodes) <= 1:
                slots[i] = page
                continue
            if not folded and page.topology.layout != "pinned":
                expanded[i] = [(page.topology, page.subtitle, depth, True)]
                continue
            if page.topology.layout == "pinned":
                expanded[i] = [(t, s, MAX_SPLIT_DEPTH if overview else depth + 1, False)
                               for t, s, overview in _tiles(page.topology, scale, page.subtitle)]  # fmt: skip
                continue
            parts = _split(page.topology, _capacity(paper))
            if parts:
                parts = [(t, " — ".join(p for p in (page.subtitle, s) if p)) for t, s in parts]
            else:
                need = max(2, math.ceil(len(page.topology.nodes) / _capacity(paper)))
                parts = _chunks(page.topology, min(need, len(page.topology.nodes)), page.subtitle)
            expanded[i] = [(t, s, depth + 1, False) for t, s in parts]
        flat: list[_Laid | tuple[Topology, str, int, bool]] = []
        for i, slot in enumerate(slots):
            flat.extend(expanded.get(i, [slot]))
        slots = flat
    return [slot for slot in slots if isinstance(slot, _Laid)]


# ----------------------------------------------------------------------------------------- public


class Drawing:
    """A topology laid out once, with its legend and title block: render any format from it."""

    def __init__(self, composed: _Composed, timeout: float) -> None:
        self._composed = composed
        self._timeout = timeout

    @property
    def source(self) -> str:
        """The positioned DOT (what ``neato -n2`` renders)."""
        return self._composed.text

    @property
    def size(self) -> tuple[float, float]:
        """Width and height in points at 100 %."""
        return self._composed.width, self._composed.height

    def render(self, fmt: str, *, timeout: float | None = None) -> bytes:
        """SVG, PNG or DOT from the laid-out drawing within ``timeout`` seconds from now (default: the
        layout's); PDF needs paper and pages: use ``render()``."""
        limit = self._timeout if timeout is None else timeout
        return self._render(fmt, time.monotonic() + limit, limit)

    def _render(self, fmt: str, deadline: float, limit: float) -> bytes:
        if fmt == "dot":
            return self._composed.text.encode("utf-8")
        if fmt == "svg":
            return _run(["neato", "-n2", "-Tsvg"], self._composed.text, deadline, limit)
        if fmt == "png":
            longest = max(self._composed.width, self._composed.height, 1.0)
            dpi = min(PNG_DPI, PNG_MAX_PIXELS * 72 / longest)
            return _run(["neato", "-n2", "-Tpng", f"-Gdpi={dpi:.2f}"], self._composed.text, deadline, limit)
        raise DiagramError(f"unknown format {fmt!r}: use one of svg, png, dot (pdf through render())")


def layout(topology: Topology, *, paper: Paper | None = None, timeout: float = 30.0) -> Drawing:
    """Lay a topology out once (legend and title block beside or under it, whichever suits the paper or
    a 16:10 screen better), for rendering several formats from the same positions."""
    deadline = time.monotonic() + timeout
    laid = _layout_many([(topology, "")], deadline, timeout)[0]
    target = paper.printable if paper else SCREEN
    return Drawing(_compose(laid, 1, 1, target), timeout)


def _pdf(topology: Topology, paper: Paper, deadline: float, timeout: float) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import RectangleObject

    planned = _plan(topology, paper, deadline, timeout)
    jobs = []
    for number, laid in enumerate(planned, 1):
        composed = _compose(laid, number, len(planned), paper.printable)
        scale = _print_scale(composed, paper)
        size = f"{composed.width * scale / 72:.4f},{composed.height * scale / 72:.4f}!"
        jobs.append((["neato", "-n2", "-Tpdf", "-Gmargin=0", f"-Gsize={size}"], composed.text))
    writer = PdfWriter()
    for data in _run_many(jobs, deadline, timeout):
        writer.add_page(PdfReader(io.BytesIO(data)).pages[0])
        added = writer.pages[-1]
        drawn_w, drawn_h = float(added.mediabox.width), float(added.mediabox.height)
        # the sheet, exactly, with the drawing in its middle
        dx = (paper.width - drawn_w) / 2
        dy = (paper.height - drawn_h) / 2
        box = RectangleObject([-dx, -dy, paper.width - dx, paper.height - dy])
        added.mediabox = box
        added.cropbox = box
    writer.add_metadata({"/Title": topology.title.title, "/Producer": "Simpul diagrams (graphviz)"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render(topology: Topology, fmt: str, *, paper: Paper | None = None, timeout: float = 30.0) -> bytes:
    """The topology as ``fmt`` (svg, pdf, png, dot) within ``timeout`` seconds, or ``RenderTimeout``.

    PDF pages are exactly ``paper`` (A4 landscape when not given), split over several pages (overview
    first) rather than printing text below 6 pt. SVG, PNG and DOT are the whole drawing at 100 %.
    """
    if fmt not in FORMATS:
        raise DiagramError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    deadline = time.monotonic() + timeout
    if fmt == "pdf":
        return _pdf(topology, paper or Paper(), deadline, timeout)
    laid = _layout_many([(topology, "")], deadline, timeout)[0]
    target = paper.printable if paper else SCREEN
    # one deadline for the layout and the drawing together
    return Drawing(_compose(laid, 1, 1, target), timeout)._render(fmt, deadline, timeout)
