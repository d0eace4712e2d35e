"""The demo city's fiber: links from the data center to offices and POPs, the POP ring, and core states."""

from __future__ import annotations

import datetime
import itertools
import math
from collections import defaultdict
from decimal import Decimal

from ..choices import CableType, CoreState, Deployment, FiberLinkStatus, TerminationKind
from ..models import Contract, FiberCore, FiberLink, Site
from ..services.fiber import save_link
from .constants import CITY_HALL, DATA_CENTER_SITE, DEMO_TODAY
from .data import (
    CONTRACTORS,
    CONTRACTS,
    DEFAULT_OFFICE,
    FIBER_PHASES,
    KECAMATAN_LINKS,
    MISMATCHED_PACKAGE,
    ODCS,
    OPD_OFFICES,
    POPS,
    kecamatan_names,
)

# How much less fiber the mismatched package's contract buys than the registry holds under it.
MISMATCH_KM = Decimal("1.300")


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _bearing(origin: tuple[float, float], point: tuple[float, float]) -> float:
    return math.atan2(point[0] - origin[0], point[1] - origin[1])


class FiberMixin:
    """Fiber links with their measured loss, and the state of each core they carry."""

    # -- fiber --------------------------------------------------------------------------------------
    def _link(
        self,
        site_a: Site,
        site_b: Site,
        phase: str,
        cores: int,
        deployment: str,
        *,
        cable: str = CableType.G652D,
        term_b: str = TerminationKind.OTB,
        name: str = "",
        carries: tuple[str, ...] = (),
        status: str | None = None,
        description: str = "",
    ) -> FiberLink:
        rng = self.rng
        package, year, phase_status = FIBER_PHASES[phase]
        status = status or phase_status
        straight = _distance_km(
            (float(site_a.latitude), float(site_a.longitude)), (float(site_b.latitude), float(site_b.longitude))
        )
        length = min(12.0, max(0.3, straight * rng.uniform(1.25, 1.6)))
        length_km = Decimal(f"{length:.3f}")
        splices = math.ceil(length / 2.5) + rng.randint(0, 2)
        connectors = 4 if term_b == TerminationKind.ODC else 2
        built = status in (FiberLinkStatus.ACTIVE, FiberLinkStatus.FAULTY, FiberLinkStatus.DECOMMISSIONED)
        installed = datetime.date(year, rng.randint(6, 11), rng.randint(1, 28)) if built else None
        code = f"FO-BL-{len(self.links) + 1:03d}"
        link = FiberLink(
            code=code,
            name=name or f"{site_a.name} - {site_b.name}",
            site_a=site_a,
            site_b=site_b,
            termination_a=TerminationKind.OTB,
            termination_a_label=f"OTB-{code[-3:]}-A",
            termination_b=term_b,
            termination_b_label=f"{'ODC' if term_b == TerminationKind.ODC else 'OTB'}-{code[-3:]}-B",
            cable_type=cable,
            core_count=cores,
            deployment=deployment,
            length_km=length_km,
            splice_count=splices,
            connector_count=connectors,
            status=status,
            installed_date=installed,
            contractor=self._link_contractor(package, status),
            contract=self.contracts[package],
            description=description,
        )
        if built and installed:
            budget = link.loss_budget_db()
            factor = rng.uniform(1.1, 1.5) if rng.random() < 0.1 else rng.uniform(0.55, 0.95)
            if status == FiberLinkStatus.FAULTY:
                factor = 4.0
            link.measured_loss_db = (budget * Decimal(str(factor))).quantize(Decimal("0.01"))
            link.measured_on = min(DEMO_TODAY, installed + datetime.timedelta(days=rng.randint(7, 40)))
        save_link(link)  # with its cores
        link._demo_carries = carries
        self.links.append(link)
        for site in (site_a, site_b):
            if status == FiberLinkStatus.ACTIVE or site.pk not in self.site_link_status:
                self.site_link_status[site.pk] = status
        return link

    def _link_contractor(self, package: str, status: str) -> str:
        """The contract's one contractor. The draw that used to pick one per link is kept, so that
        the rest of the city (drawn after it) stays as it was."""
        if status == FiberLinkStatus.PLANNED:
            return ""
        self.rng.choice(CONTRACTORS)
        return self.contracts[package].contractor

    def build_contracts(self) -> None:
        """One contract per fiber package; its quantities are set once the links are laid."""
        self.contracts: dict[str, Contract] = {}
        for package, year, _status in FIBER_PHASES.values():
            if package in self.contracts:
                continue
            c = CONTRACTS[package]
            self.contracts[package] = Contract.objects.create(
                number=c.number,
                title=package,
                year=year,
                contractor=c.contractor,
                value=Decimal(c.value),
                signed_date=c.signed,
                start_date=c.start,
                end_date=c.end,
                status=c.status,
            )

    def contract_quantities(self) -> None:
        """What each contract buys: the as-built figures, except the one package contracted short."""
        for package, contract in self.contracts.items():
            links = [link for link in self.links if link.contract_id == contract.pk]
            km = sum((link.length_km for link in links), Decimal("0"))
            contract.contracted_km = km - MISMATCH_KM if package == MISMATCHED_PACKAGE else km
            contract.contracted_links = len(links)
            contract.contracted_sites = len({s for link in links for s in (link.site_a_id, link.site_b_id)})
            contract.save()

    def build_fiber(self) -> None:
        self.build_contracts()
        dc = self.sites[DATA_CENTER_SITE]
        rng = self.rng
        cc = self.sites["Command Center Bandar Lampung"]
        self._link(
            dc,
            cc,
            "I",
            24,
            Deployment.INDOOR,
            carries=("Uplink command center", "Uplink command center", "Video wall CCTV", "Call center 112"),
        )
        for short in self.orgs:
            if short.startswith(("Kec. ", "Kel. ")):
                continue
            office = OPD_OFFICES.get(short, DEFAULT_OFFICE)
            if office.link == "-":
                continue
            site = self.sites[office.site_name or f"Kantor {short}"]
            central = office.in_city_hall or office.link == "R"
            deployment = (
                Deployment.DUCT if central else rng.choice((Deployment.AERIAL, Deployment.AERIAL, Deployment.DUCT))
            )
            cores = 48 if short in ("Setda", "DPMPTSP") else 24 if office.servers >= 4 else 12
            carries = [f"JIP {short} (Tx)", f"JIP {short} (Rx)", f"Internet {short}"]
            if short == "Dishub":
                carries += ["CCTV ATCS", "CCTV ATCS", "Kontroler lampu lalu lintas"]
            if short == "DPMPTSP":
                carries += ["Wi-Fi publik MPP", "Antrean MPP"]
            if short == "RSUD":
                carries += ["Bridging BPJS", "Telemedisin"]
            if office.link == "R":
                self._link(
                    dc,
                    site,
                    "II",
                    cores,
                    Deployment.AERIAL,
                    carries=(),
                    status=FiberLinkStatus.DECOMMISSIONED,
                    description="Kabel udara lama; diganti jalur ducting pada 2025.",
                )
            self._link(dc, site, office.link, cores, deployment, carries=tuple(carries))
        pops = [self.sites[name] for name, *_ in POPS]
        for pop in pops:
            self._link(
                dc,
                pop,
                "I",
                48,
                Deployment.DUCT,
                name=f"Trunk {pop.name}",
                carries=(
                    f"Uplink OLT {pop.name} (1)",
                    f"Uplink OLT {pop.name} (2)",
                    f"JIP {pop.name}",
                    f"JIP {pop.name}",
                    "CCTV ATCS",
                    "CCTV ATCS",
                    "Backbone internet",
                    "Backbone internet",
                ),
            )
        # The ring runs POP to POP round the city; its two ends meet again at the data center.
        ring = sorted(pops, key=lambda p: _bearing(CITY_HALL, (float(p.latitude), float(p.longitude))))
        for a, b in itertools.pairwise(ring):
            self._link(
                a,
                b,
                "II",
                24,
                Deployment.AERIAL,
                name=f"Ring {a.name} - {b.name}",
                carries=("Ring backbone JIP", "Ring backbone JIP"),
            )
        for odc_name, *_ in ODCS:
            self._link(
                dc,
                self.sites[odc_name],
                "III",
                48,
                Deployment.DUCT,
                term_b=TerminationKind.ODC,
                carries=("Distribusi GPON", "Distribusi GPON", "CCTV persimpangan"),
            )
        for name in kecamatan_names():
            site = self.sites[f"Kantor Camat {name}"]
            point = (float(site.latitude), float(site.longitude))
            pop = min(pops, key=lambda p: _distance_km(point, (float(p.latitude), float(p.longitude))))
            phase = KECAMATAN_LINKS.get(name) or rng.choice(("II", "III", "III"))
            self._link(
                pop,
                site,
                phase,
                12,
                Deployment.AERIAL,
                carries=(f"JIP Kecamatan {name}", f"JIP Kecamatan {name}", f"CCTV Kecamatan {name}"),
                description="Kabel putus tertimpa pohon tumbang; menunggu perbaikan." if phase == "F" else "",
            )
        for short, org in self.orgs.items():
            if not short.startswith("Kel. "):
                continue
            kel = short.removeprefix("Kel. ")
            kec = org.parent.short_name.removeprefix("Kec. ")
            phase = rng.choice(("III", "III", "UC", "P"))
            self._link(
                self.sites[f"Kantor Camat {kec}"],
                self.sites[f"Kantor Lurah {kel}"],
                phase,
                12,
                Deployment.AERIAL,
                cable=rng.choice((CableType.G652D, CableType.G657A1)),
                carries=(f"GPON Kelurahan {kel}",),
            )
        self._core_states()
        self.contract_quantities()

    def _core_states(self) -> None:
        """Mark the cores each link carries; the cores were created with the link (all spare)."""
        rng = self.rng
        cores_by_link: dict[int, list[FiberCore]] = defaultdict(list)
        for core in FiberCore.objects.filter(link__in=self.links).order_by("link_id", "number"):
            cores_by_link[core.link_id].append(core)
        for link in self.links:
            cores = cores_by_link[link.pk]
            changed: list[FiberCore] = []
            if link.status in (FiberLinkStatus.ACTIVE, FiberLinkStatus.FAULTY):
                for core, carries in zip(cores, link._demo_carries, strict=False):
                    core.state, core.carries = CoreState.IN_USE, carries
                    changed.append(core)
                for core in cores[-2:]:
                    core.state, core.carries = CoreState.RESERVED, "Cadangan pemeliharaan"
                    changed.append(core)
                if link.status == FiberLinkStatus.FAULTY:
                    for core in cores[: len(link._demo_carries)]:
                        core.state = CoreState.BROKEN
                elif rng.random() < 0.12:
                    core = cores[len(link._demo_carries)]
                    core.state, core.carries = CoreState.BROKEN, "Patah di joint closure"
                    changed.append(core)
            elif link.status in (FiberLinkStatus.PLANNED, FiberLinkStatus.UNDER_CONSTRUCTION) and link._demo_carries:
                cores[0].state, cores[0].carries = CoreState.RESERVED, f"Rencana: {link._demo_carries[0]}"
                changed.append(cores[0])
            for core in dict.fromkeys(changed):
                core.save()
