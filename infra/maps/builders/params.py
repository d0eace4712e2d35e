"""What a diagram is asked for: the cleaned values of the filter form, shared by web, API and CLI."""

from __future__ import annotations

import dataclasses
import datetime

from infra.inventory.models import MigrationWave, Organization, Region, Site

COLOUR_BY = ("migration", "reachability")


@dataclasses.dataclass(frozen=True)
class DiagramParams:
    """A diagram's view, filters and output, as objects (not ids).

    ``as_of`` is the moment the registry is drawn at (``None``: now); for a date it is the end of that
    day in the city's time zone, and ``as_of_is_date`` says to print the date alone. ``status`` is a
    migration state (filters servers) or a fiber link status (filters links).
    """

    view: str = "city"
    organization: Organization | None = None
    region: Region | None = None
    site: Site | None = None
    status: str = ""
    wave: MigrationWave | None = None
    as_of: datetime.datetime | None = None
    as_of_is_date: bool = False
    colour_by: str = "migration"
    paper: str = "A4"
    orientation: str = "landscape"
    format: str = "svg"

    def paper_spec(self):
        """The renderer's ``Paper`` for these values (``diagrams.Paper``)."""
        from diagrams import Paper

        return Paper(self.paper, self.orientation)

    def cache_key(self) -> str:
        """The request in one line (the web's cache key adds ``selectors.data_version``)."""
        parts = [
            self.view,
            f"o{self.organization.pk if self.organization else ''}",
            f"r{self.region.pk if self.region else ''}",
            f"s{self.site.pk if self.site else ''}",
            f"t{self.status}",
            f"w{self.wave.pk if self.wave else ''}",
            f"a{self.as_of.isoformat() if self.as_of else ''}{'d' if self.as_of_is_date else ''}",
            self.colour_by,
            self.paper,
            self.orientation,
            self.format,
        ]
        return ":".join(parts)
