"""Loading the demo city: once, in one transaction; a later load only puts the demo users back."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import models, transaction

from infra.core.choices import ChangeSource
from infra.core.context import change_context
from infra.core.models import ObjectChange, User

from ..models import (
    Application,
    Contact,
    Device,
    FiberCore,
    FiberLink,
    Interface,
    IPAddress,
    Migration,
    MigrationBlocker,
    MigrationTransition,
    MigrationWave,
    Organization,
    Rack,
    Region,
    Site,
    YearTarget,
)
from .builder import CityBuilder
from .constants import DATA_CENTER_SITE
from .data import DEMO_USERS
from .users import ensure_users


@dataclass
class DemoResult:
    """What a load did, for the command to print."""

    loaded: bool  # False when the city was already there
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)


# The families a fresh load reports, in this order.
COUNTED_MODELS: tuple[type[models.Model], ...] = (
    Region,
    Organization,
    Contact,
    Site,
    Rack,
    Device,
    Interface,
    IPAddress,
    FiberLink,
    FiberCore,
    Application,
    MigrationWave,
    Migration,
    MigrationTransition,
    MigrationBlocker,
    YearTarget,
    User,
    ObjectChange,
)


def is_loaded() -> bool:
    """Whether the city is there: it is written in one transaction, so its data center stands for all of it."""
    return Site.objects.filter(name=DATA_CENTER_SITE).exists()


def load_demo() -> DemoResult:
    """Load the demo city once; on later runs only reset the demo users (role, OPD, password)."""
    started = time.monotonic()
    with transaction.atomic(), change_context(source=ChangeSource.COMMAND):
        fresh = not is_loaded()
        if fresh:
            CityBuilder().build()
        else:
            ensure_users()
    counts = {str(m._meta.verbose_name_plural): m.objects.count() for m in COUNTED_MODELS} if fresh else {}
    return DemoResult(fresh, time.monotonic() - started, counts, [u.username for u in DEMO_USERS])
