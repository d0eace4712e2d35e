"""Paper sizes for printed diagrams, in PostScript points (1/72 inch), and the smallest printed text."""

from __future__ import annotations

import dataclasses

from .errors import PaperError

MM = 72 / 25.4
SIZES = ("A4", "A3")
ORIENTATIONS = ("landscape", "portrait")
# ISO 216, portrait (width, height) in points: A4 is 210 x 297 mm, A3 297 x 420 mm.
_PORTRAIT = {"A4": (210 * MM, 297 * MM), "A3": (297 * MM, 420 * MM)}
MARGIN = 10 * MM
# No printed text smaller than this (points): a page that would need it is split, never shrunk further.
MIN_TEXT_PT = 6.0


@dataclasses.dataclass(frozen=True)
class Paper:
    """A sheet: ISO size and orientation. ``width``/``height`` are the sheet in points."""

    size: str = "A4"
    orientation: str = "landscape"

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise PaperError(f"unknown paper size {self.size!r}: use one of {', '.join(SIZES)}")
        if self.orientation not in ORIENTATIONS:
            raise PaperError(f"unknown orientation {self.orientation!r}: use one of {', '.join(ORIENTATIONS)}")

    @classmethod
    def parse(cls, size: str | None = "A4", orientation: str | None = "landscape") -> Paper:
        """From user input (any case, blanks meaning the default); raises ``PaperError`` for anything else."""
        size = (size or "A4").strip().upper()
        orientation = (orientation or "landscape").strip().lower()
        return cls(size, orientation)

    @property
    def width(self) -> float:
        w, h = _PORTRAIT[self.size]
        return h if self.orientation == "landscape" else w

    @property
    def height(self) -> float:
        w, h = _PORTRAIT[self.size]
        return w if self.orientation == "landscape" else h

    @property
    def printable(self) -> tuple[float, float]:
        """The area inside the margins, in points."""
        return self.width - 2 * MARGIN, self.height - 2 * MARGIN
