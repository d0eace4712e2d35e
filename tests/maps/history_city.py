"""A city with a December and a January (for the snapshot and comparison pages' tests): December 2025 a
data center, three offices, a link laid and one planned, servers scheduled to move; January 2026 the
servers cut over, the planned link laid, a school and its link added, an old office and its link gone.
``grow(n)`` adds n more sites with a link each, and n more snapshots, for the query-count tests."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

from infra.core.choices import ChangeSource
from infra.core.context import change_context
from infra.inventory.choices import FiberLinkStatus, MigrationState, SiteKind
from infra.maps.builders import DiagramParams
from infra.maps.services import snapshots
from tests.factories import DeviceFactory, FiberLinkFactory, MigrationFactory, SiteFactory

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
END_OF_DECEMBER = datetime.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=WIB)
END_OF_JANUARY = datetime.datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=WIB)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=WIB)


class HistoryCity:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        with change_context(source=ChangeSource.OTHER, at=at(2025, 12, 1, 9, 0)):
            self.dc = dc = SiteFactory(name="Pusat Data", kind=SiteKind.DATA_CENTER)
            health = SiteFactory(name="Dinas Kesehatan")
            finance = SiteFactory(name="BPKAD")
            old = SiteFactory(name="Kantor Lama")
            servers = [DeviceFactory(site=finance, name=f"srv-keu-{n}") for n in range(2)]
            DeviceFactory(site=health, name="srv-kes-1")
            migrations = [MigrationFactory(device=s, state=MigrationState.SCHEDULED) for s in servers]
            FiberLinkFactory(site_a=dc, site_b=health, status=FiberLinkStatus.ACTIVE)
            planned = FiberLinkFactory(site_a=dc, site_b=finance, status=FiberLinkStatus.PLANNED)
            gone = FiberLinkFactory(site_a=health, site_b=old, status=FiberLinkStatus.ACTIVE)
        with change_context(source=ChangeSource.OTHER, at=at(2026, 1, 12, 10, 0)):
            for migration in migrations:
                migration.state = MigrationState.CUT_OVER
                migration.save()
            planned.status = FiberLinkStatus.ACTIVE
            planned.length_km = Decimal("4.200")
            planned.save()
            school = SiteFactory(name="SMPN 1")
            FiberLinkFactory(site_a=health, site_b=school, status=FiberLinkStatus.UNDER_CONSTRUCTION)
            gone.delete()
            old.delete()
        self.ids.update(dc=dc.pk, health=health.pk, finance=finance.pk, school=school.pk)
        self.grown = 0

    def monthly(self) -> list:
        """The month-end snapshots of January (city and fiber views), as the scheduled task takes them."""
        return snapshots.take_monthly(at(2026, 2, 1, 0, 30))

    def take(self, view: str = "city", as_of: datetime.datetime | None = None, user=None):
        params = DiagramParams(view=view, as_of=as_of, as_of_is_date=as_of is not None)
        with change_context(user=user, source=ChangeSource.OTHER):
            return snapshots.take_snapshot(view, params, user=user)

    def grow(self, n: int, user=None) -> None:
        """n more sites, each with a link from the data center, and n more snapshots."""
        with change_context(source=ChangeSource.OTHER, at=at(2026, 1, 20, 8, 0)):
            for i in range(n):
                site = SiteFactory(name=f"Kantor {self.grown + i}")
                FiberLinkFactory(site_a=self.dc, site_b=site, status=FiberLinkStatus.ACTIVE)
        self.grown += n
        for i in range(n):
            self.take("city" if i % 2 else "fiber", as_of=END_OF_JANUARY - datetime.timedelta(days=i), user=user)
