from .applications import Application
from .contracts import Contract
from .devices import Device, Interface, IPAddress
from .fiber import FiberCore, FiberLink
from .imports import ImportJob, ImportMapping
from .migration import Migration, MigrationBlocker, MigrationTransition, MigrationWave
from .organizations import Contact, Organization
from .regions import Region
from .sites import Rack, Site
from .targets import YearTarget

__all__ = [
    "Application",
    "Contact",
    "Contract",
    "Device",
    "FiberCore",
    "FiberLink",
    "IPAddress",
    "ImportJob",
    "ImportMapping",
    "Interface",
    "Migration",
    "MigrationBlocker",
    "MigrationTransition",
    "MigrationWave",
    "Organization",
    "Rack",
    "Region",
    "Site",
    "YearTarget",
]
