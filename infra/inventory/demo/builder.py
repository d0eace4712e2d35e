"""The demo city's builder: one seeded random generator and the state every part of the city shares.

Each family is built by its own mixin (``registry``, ``devices``/``networks``, ``fiber``, ``history``,
``applications``); this class holds what they share and runs them in order. The order matters only where
one family points at another, and for the random draws: the same order gives the same city.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter

from infra.core.models import User

from ..models import Device, FiberLink, Organization, Rack, Region, Site
from .applications import ApplicationsMixin
from .constants import REGISTRY_ENTERED, SEED
from .devices import DevicesMixin, PendingDevice
from .fiber import FiberMixin
from .history import HistoryMixin
from .networks import NetworksMixin
from .registry import RegistryMixin
from .targets import TargetsMixin
from .users import ensure_users
from .writes import logged_at


class CityBuilder(
    RegistryMixin, DevicesMixin, NetworksMixin, FiberMixin, HistoryMixin, ApplicationsMixin, TargetsMixin
):
    """Builds the whole city in one pass; the order matters only where one family points at another."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.regions: dict[str, Region] = {}
        self.orgs: dict[str, Organization] = {}
        self.sites: dict[str, Site] = {}
        self.site_index: dict[int, int] = {}
        self.site_hosts: Counter[int] = Counter()
        self.racks: dict[tuple[str, str], Rack] = {}
        self.rack_next_u: Counter[int] = Counter()
        self.devices: dict[str, Device] = {}
        self.pending: list[PendingDevice] = []
        self.asset_registers: Counter[str] = Counter()
        self.used_names: set[str] = set()
        self.serials: set[str] = set()
        self.links: list[FiberLink] = []
        self.site_link_status: dict[int, str] = {}
        self.opd_servers: list[Device] = []
        self.dc_hosts: list[Device] = []
        self.vm_of: dict[int, Device] = {}
        self.cut_over_at: dict[int, datetime.datetime] = {}
        self.switched_off_at: dict[int, datetime.datetime] = {}
        self.users: dict[str, User] = {}

    # -- orchestration ------------------------------------------------------------------------------
    def build(self) -> None:
        with logged_at(REGISTRY_ENTERED):
            self.build_regions()
            self.build_organizations()
            self.users = ensure_users()
            self.build_sites()
            self.build_devices()
            self.build_fiber()
        self.build_migrations()  # each change logged at the moment of its step
        with logged_at(REGISTRY_ENTERED):
            self.build_applications()
            self.build_targets()
