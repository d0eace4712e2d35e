"""Geographic: the sites where they are (their coordinates, projected to inches), fiber between them.

No map tiles and nothing fetched: positions alone, so the drawing works offline and on the wall.
"""

from __future__ import annotations

import dataclasses
import math

from django.utils.translation import gettext as _

from diagrams.model import Group, Topology

from .base import Drawing
from .city import TABLES, city_sites
from .params import DiagramParams

# The map's drawing area in inches (an A4 landscape page less its margins and title block); the
# renderer fits the drawing to the paper asked for, keeping these proportions.
MAP_WIDTH, MAP_HEIGHT = 10.0, 6.0
# Sites without coordinates are never dropped: they stand in rows in a margin box below the map,
# labelled "Sites without coordinates", this far apart.
MARGIN_SPACING_X, MARGIN_SPACING_Y = 1.6, 0.7
UNPLACED_GROUP = "unplaced"


def project(points: dict[int, tuple[float, float]]) -> dict[int, tuple[float, float]]:
    """(latitude, longitude) -> (x, y) inches inside MAP_WIDTH x MAP_HEIGHT, origin bottom left.

    Equirectangular with longitude scaled by the cosine of the middle latitude: true to shape at a
    city's size (a few tens of km), and the same scale on both axes, so distances look right."""
    if not points:
        return {}
    lats = [p[0] for p in points.values()]
    lons = [p[1] for p in points.values()]
    mid = math.cos(math.radians((min(lats) + max(lats)) / 2))
    width = (max(lons) - min(lons)) * mid
    height = max(lats) - min(lats)
    scale = min(MAP_WIDTH / width if width else math.inf, MAP_HEIGHT / height if height else math.inf)
    if scale == math.inf:  # one place (or all at one point): the middle of the map
        return {k: (MAP_WIDTH / 2, MAP_HEIGHT / 2) for k in points}
    # centred on the map area
    off_x = (MAP_WIDTH - width * scale) / 2
    off_y = (MAP_HEIGHT - height * scale) / 2
    return {
        k: (round(off_x + (lon - min(lons)) * mid * scale, 3), round(off_y + (lat - min(lats)) * scale, 3))
        for k, (lat, lon) in points.items()
    }


def build_geographic(params: DiagramParams) -> Topology:
    """The city view's sites and links, each site pinned at its coordinates (``layout="pinned"``).
    A site with no coordinates goes into the margin box below the map, in name order."""
    drawing = Drawing(params, tables=TABLES)
    sites, servers_at = city_sites(drawing)
    site_ids = {s["id"] for s in sites}
    placed = {
        s["id"]: (s["latitude"], s["longitude"])
        for s in sites
        if s["latitude"] is not None and s["longitude"] is not None
    }
    unplaced = [s for s in sites if s["id"] not in placed]
    per_row = max(1, int(MAP_WIDTH // MARGIN_SPACING_X) + 1)
    rows = math.ceil(len(unplaced) / per_row)
    lift = rows * MARGIN_SPACING_Y + (0.4 if rows else 0)  # the map sits above the margin box
    positions = {k: (x, y + lift) for k, (x, y) in project(placed).items()}
    for i, site in enumerate(sorted(unplaced, key=lambda s: (s["name"].lower(), s["id"]))):
        row, col = divmod(i, per_row)
        positions[site["id"]] = (round(col * MARGIN_SPACING_X + 0.5, 3), round(lift - 0.4 - row * MARGIN_SPACING_Y, 3))
    if unplaced:
        drawing.topology.groups.append(Group(id=UNPLACED_GROUP, kind="region", label=_("Sites without coordinates")))
    for site in sites:
        servers = servers_at.get(site["id"], [])
        progress = drawing.progress_line(servers)
        node = drawing.site_node(
            site, details=(progress,) if progress else (), status=drawing.site_status(site["id"], servers)
        )
        group = None if site["id"] in placed else UNPLACED_GROUP
        node = dataclasses.replace(node, position=positions[site["id"]], group=group)
        drawing.topology.nodes.append(node)
    drawing.topology.edges.extend(drawing.fiber_edge(link) for link in drawing.links(site_ids))
    drawing.topology.layout = "pinned"
    # a city centre's offices lie closer than their boxes are wide: pushed apart, the map's shape kept
    drawing.topology.spread = True
    scope = params.region.name if params.region else _("Whole city")
    return drawing.finish(_("City map"), scope)
