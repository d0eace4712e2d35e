"""What can go wrong when drawing a diagram, as exceptions the web, API and CLI turn into clear messages."""

from __future__ import annotations


class DiagramError(Exception):
    """Base of every error this package raises on purpose."""


class PaperError(DiagramError, ValueError):
    """An unknown paper size or orientation (the caller's input, not a bug)."""


class RenderTimeout(DiagramError):
    """The render ran past its time limit; the graphviz process has been killed and reaped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the diagram took longer than {seconds:g} s to draw")
        self.seconds = seconds


class RenderFailed(DiagramError):
    """Graphviz is missing or refused the graph: a bug here or a broken installation, never user text."""
