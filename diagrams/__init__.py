"""Network topology as a plain model (nodes, groups, edges) and its renderers: no ORM, no Django models.

``render(topology, fmt, paper=..., timeout=...)`` is the one call the web, API and CLI need; see
``diagrams.render`` for the pipeline and ``diagrams.styles`` for what each colour, shape and line means.
"""

from .errors import DiagramError, PaperError, RenderFailed, RenderTimeout
from .model import Edge, Group, LegendEntry, Node, TitleBlock, Topology
from .paper import ORIENTATIONS, SIZES, Paper
from .render import CAPTIONS, CONTENT_TYPES, FORMATS, Drawing, layout, render

__all__ = [
    "CAPTIONS",
    "CONTENT_TYPES",
    "FORMATS",
    "ORIENTATIONS",
    "SIZES",
    "DiagramError",
    "Drawing",
    "Edge",
    "Group",
    "LegendEntry",
    "Node",
    "Paper",
    "PaperError",
    "RenderFailed",
    "RenderTimeout",
    "TitleBlock",
    "Topology",
    "layout",
    "render",
]
