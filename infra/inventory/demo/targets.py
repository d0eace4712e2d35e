"""The demo city's yearly targets: the Renstra Diskominfo plan, which the city fell behind on.

Cumulative figures by 31 December, as YearTarget keeps them. Against the demo's history the city
is behind on every past year (servers moved, applications integrated, sites connected, fiber), and
one year ahead (2027) is planned, so the progress page, the dashboard and the evidence page show a
target beside each actual.
"""

from __future__ import annotations

from decimal import Decimal

from ..models import YearTarget

# year: (servers moved, applications integrated, sites connected, active fiber km, note)
PLAN: dict[int, tuple[int, int, int, Decimal, str]] = {
    2024: (10, 15, 58, Decimal("245.0"), "Renstra Diskominfo 2021-2026, Lampiran IV"),
    2025: (40, 25, 66, Decimal("280.0"), "Renstra Diskominfo 2021-2026; SPBE: 10 aplikasi terintegrasi per tahun"),
    2026: (75, 35, 76, Decimal("320.0"), "Renstra Diskominfo 2021-2026; perubahan target 2026"),
    2027: (106, 45, 86, Decimal("360.0"), "Rancangan Renstra 2027-2031 (belum ditetapkan)"),
}


class TargetsMixin:
    def build_targets(self) -> None:
        for year, (servers, applications, sites, km, note) in PLAN.items():
            YearTarget.objects.create(
                year=year,
                servers_moved=servers,
                applications_integrated=applications,
                sites_connected=sites,
                fiber_km=km,
                note=note,
            )
