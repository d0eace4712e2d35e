"""The registry part of the demo city: regions, OPDs with their contacts, sites and racks."""

from __future__ import annotations

from decimal import Decimal

from django.utils.text import slugify

from ..choices import OrganizationKind, RegionKind, SiteKind, SiteStatus
from ..models import Contact, Organization, Rack, Region, Site
from .constants import CITY, CITY_HALL, DATA_CENTER_SITE, EMAIL_DOMAIN, PROVINCE
from .data import (
    DEFAULT_OFFICE,
    FIRST_NAMES,
    HEAD_TITLES,
    KECAMATAN,
    LAST_NAMES,
    ODCS,
    OPD_OFFICES,
    PHONE_PREFIXES,
    POPS,
    kecamatan_names,
    opd_rows,
)
from .websites import OPD_WEBSITES


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


class RegistryMixin:
    """Regions, organizations and their contacts, sites and racks, written one by one (they are few)."""

    # -- regions ------------------------------------------------------------------------------------
    def build_regions(self) -> None:
        province = Region.objects.create(name=PROVINCE[0], kind=RegionKind.PROVINCE, code=PROVINCE[1])
        city = Region.objects.create(name=CITY[0], kind=RegionKind.CITY, code=CITY[1], parent=province)
        self.regions[CITY[0]] = city
        used_codes = {code for code, *_ in KECAMATAN.values()}
        next_code = 21
        for name in kecamatan_names():
            if name in KECAMATAN:
                code, *_rest, kelurahan = KECAMATAN[name]
            else:  # a kecamatan kecamatan-offices.csv does not know: give it the next free code
                while f"18.71.{next_code:02d}" in used_codes:
                    next_code += 1
                code, kelurahan = f"18.71.{next_code:02d}", ()
                used_codes.add(code)
            kec = Region.objects.create(name=name, kind=RegionKind.DISTRICT, code=code, parent=city)
            self.regions[name] = kec
            for i, kel in enumerate(kelurahan, start=1):
                self.regions[f"{name}/{kel}"] = Region.objects.create(
                    name=kel, kind=RegionKind.URBAN_VILLAGE, code=f"{code}.{1000 + i}", parent=kec
                )

    def _kecamatan_point(self, name: str) -> tuple[float, float]:
        if name in KECAMATAN:
            return KECAMATAN[name][1], KECAMATAN[name][2]
        return CITY_HALL

    # -- organizations and contacts -----------------------------------------------------------------
    def build_organizations(self) -> None:
        city = self.regions[CITY[0]]
        for name, short, kind in opd_rows():
            office = OPD_OFFICES.get(short, DEFAULT_OFFICE)
            self.orgs[short] = Organization.objects.create(
                name=name,
                short_name=short,
                kind=kind,
                region=self.regions.get(office.kecamatan, city),
                website=OPD_WEBSITES.get(short, ""),
            )
        setda = self.orgs.get("Setda")
        if "RSUD" in self.orgs and "Dinkes" in self.orgs:
            self.orgs["RSUD"].parent = self.orgs["Dinkes"]
            self.orgs["RSUD"].save()
        for name in kecamatan_names():
            self.orgs[f"Kec. {name}"] = Organization.objects.create(
                name=f"Kecamatan {name}",
                short_name=f"Kec. {name}",
                kind=OrganizationKind.DISTRICT,
                region=self.regions[name],
                parent=setda,
            )
        for org in self.orgs.values():
            self._contacts(org)

    def _person(self, honorific: bool = False) -> tuple[str, str, str]:
        while True:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            if (first, last) not in self.used_names and first != last:
                self.used_names.add((first, last))
                break
        name = f"{first} {last}"
        if honorific:
            pattern = self.rng.choice(
                (
                    "Drs. {n}, M.Si.",
                    "{n}, S.E., M.M.",
                    "Ir. {n}, M.T.",
                    "dr. {n}, M.Kes.",
                    "{n}, S.STP., M.Si.",
                    "{n}, S.Kom., M.T.I.",
                    "{n}, S.H., M.H.",
                )
            )
            name = pattern.format(n=name)
        return name, first.lower(), last.lower()

    def _phone(self) -> str:
        return f"{self.rng.choice(PHONE_PREFIXES)}-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}"

    def _contacts(self, org: Organization) -> None:
        slug = slugify(org.short_name).replace("-", "")
        head, _, _ = self._person(honorific=True)
        Contact.objects.create(
            organization=org,
            name=head,
            title=f"{HEAD_TITLES.get(org.kind, 'Kepala')} {org.short_name}",
            phone=f"(0721) {self.rng.randint(240000, 489999)}",
            email=f"{slug}@{EMAIL_DOMAIN}",
        )
        name, first, last = self._person()
        title = "Pranata Komputer Ahli Muda" if org.kind != OrganizationKind.DISTRICT else "Operator PATEN"
        Contact.objects.create(
            organization=org,
            name=name,
            title=f"{title} (PIC TI)",
            phone=self._phone(),
            email=f"{first}.{last}@{EMAIL_DOMAIN}",
            is_primary=True,
        )
        if self.rng.random() < 0.45:
            name, first, last = self._person()
            Contact.objects.create(
                organization=org,
                name=name,
                title=self.rng.choice(("Kepala Subbagian Umum dan Kepegawaian", "Operator SIMPEG", "Pengurus Barang")),
                phone=self._phone(),
                email=f"{first}.{last}@{EMAIL_DOMAIN}",
            )

    # -- sites and racks ----------------------------------------------------------------------------
    def _site(
        self,
        name: str,
        kind: str,
        org: Organization | None,
        region: Region | None,
        address: str,
        point: tuple[float, float],
        jitter: float = 0.0,
        status: str = SiteStatus.ACTIVE,
        description: str = "",
    ) -> Site:
        lat = point[0] + self.rng.uniform(-jitter, jitter)
        lon = point[1] + self.rng.uniform(-jitter, jitter)
        site = Site.objects.create(
            name=name,
            kind=kind,
            status=status,
            organization=org,
            region=region,
            address=address,
            latitude=_coordinate(lat),
            longitude=_coordinate(lon),
            description=description,
        )
        self.sites[name] = site
        self.site_index[site.pk] = len(self.site_index) + 1
        return site

    def _rack(self, site: Site, name: str, room: str, height: int = 42, description: str = "") -> Rack:
        rack = Rack.objects.create(site=site, name=name, room=room, u_height=height, description=description)
        self.racks[(site.name, name)] = rack
        return rack

    def build_sites(self) -> None:
        tbu = self.regions.get("Teluk Betung Utara")
        kominfo = self.orgs["Diskominfo"]
        dc = self._site(
            DATA_CENTER_SITE,
            SiteKind.DATA_CENTER,
            kominfo,
            tbu,
            "Kompleks Pemkot, Jl. Dr. Susilo No. 2, Sumur Batu",
            CITY_HALL,
            description="Pusat data Diskominfo di kompleks kantor wali kota (Tier II, 12 rak).",
        )
        for n in range(1, 13):
            room = "Ruang Server Utama" if n <= 10 else "Ruang Jaringan"
            note = "Kolokasi perangkat OPD" if 7 <= n <= 10 else ""
            self._rack(dc, f"R{n:02d}", room, description=note)
        cc = self._site(
            "Command Center Bandar Lampung",
            SiteKind.COMMAND_CENTER,
            kominfo,
            tbu,
            "Kompleks Pemkot, Jl. Dr. Susilo No. 2, Gedung C",
            (CITY_HALL[0] - 0.0007, CITY_HALL[1] - 0.0006),
            description="Ruang kendali kota, call center 112 dan video wall CCTV.",
        )
        self._rack(cc, "CC-R01", "Ruang Perangkat")
        self._rack(cc, "CC-R02", "Ruang Perangkat")
        for short in self.orgs:
            if short.startswith("Kec. "):
                continue
            office = OPD_OFFICES.get(short, DEFAULT_OFFICE)
            org = self.orgs[short]
            region = self.regions.get(office.kecamatan, self.regions[CITY[0]])
            if short == "DPMPTSP":
                site = self._site(
                    office.site_name,
                    SiteKind.MPP,
                    org,
                    region,
                    office.street,
                    (CITY_HALL[0] + 0.0016, CITY_HALL[1] + 0.0021),
                    description="Gedung sepuluh lantai; loket layanan lintas OPD dan instansi vertikal.",
                )
            elif office.in_city_hall:
                site = self._site(
                    office.site_name or f"Kantor {short}",
                    SiteKind.OPD_OFFICE,
                    org,
                    region,
                    office.street,
                    CITY_HALL,
                    jitter=0.0016,
                )
            else:
                site = self._site(
                    office.site_name or f"Kantor {short}",
                    SiteKind.OPD_OFFICE,
                    org,
                    region,
                    office.street,
                    self._kecamatan_point(office.kecamatan),
                    jitter=0.006,
                )
            if office.servers >= 4:
                racks = 2 if office.servers >= 8 else 1
                prefix = slugify(short).upper().replace("-", "")[:6]
                for n in range(1, racks + 1):
                    self._rack(site, f"{prefix}-R{n:02d}", "Ruang Server", 42 if racks > 1 else 20)
        for name in kecamatan_names():
            _code, lat, lon, street, _kelurahan = KECAMATAN.get(name, ("", *CITY_HALL, "", ()))
            org = self.orgs[f"Kec. {name}"]
            self._site(
                f"Kantor Camat {name}",
                SiteKind.DISTRICT_OFFICE,
                org,
                self.regions[name],
                street or f"Kecamatan {name}",
                (lat, lon),
                jitter=0.003,
            )
        kelurahan = [(kec, kel) for kec in kecamatan_names() for kel in KECAMATAN.get(kec, ("", 0, 0, "", ()))[4]]
        for kec, kel in sorted(self.rng.sample(kelurahan, min(12, len(kelurahan)))):
            lat, lon = self._kecamatan_point(kec)
            org = Organization.objects.create(
                name=f"Kelurahan {kel}",
                short_name=f"Kel. {kel}",
                kind=OrganizationKind.URBAN_VILLAGE,
                region=self.regions[f"{kec}/{kel}"],
                parent=self.orgs[f"Kec. {kec}"],
            )
            self.orgs[org.short_name] = org
            self._contacts(org)
            self._site(
                f"Kantor Lurah {kel}",
                SiteKind.VILLAGE_OFFICE,
                org,
                self.regions[f"{kec}/{kel}"],
                f"Kelurahan {kel}, Kecamatan {kec}",
                (lat, lon),
                jitter=0.008,
            )
        for name, kec, lat, lon in POPS:
            site = self._site(
                name,
                SiteKind.POP,
                kominfo,
                self.regions.get(kec),
                f"Kabinet outdoor, Kecamatan {kec}",
                (lat, lon),
                description="Kabinet POP dengan OLT dan catu daya cadangan.",
            )
            self._rack(site, "POP-R01", "Kabinet", 20)
        for name, kec, lat, lon in ODCS:
            self._site(
                name,
                SiteKind.POP,
                kominfo,
                self.regions.get(kec),
                f"ODC tepi jalan, Kecamatan {kec}",
                (lat, lon),
                description="Kabinet ODC pasif (splitter dan sambungan).",
            )
