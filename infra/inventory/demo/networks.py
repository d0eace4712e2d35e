"""What stands where in the demo city: the data center, the command center, the OPD and kecamatan offices,
the MPP, the POPs and the virtual machines already running in the data center."""

from __future__ import annotations

from django.utils.text import slugify

from ..choices import DeviceKind, DeviceStatus
from ..models import Organization, Rack, Site
from .constants import DATA_CENTER_SITE
from .data import (
    DC_VMS,
    DEFAULT_OFFICE,
    GENERIC_SERVER_ROLES,
    KECAMATAN_LINKS,
    OPD_OFFICES,
    OPD_SERVER_MODELS,
    POPS,
    SERVER_OS,
    SERVER_ROLES,
    kecamatan_names,
)
from .devices import hypervisor


class NetworksMixin:
    """Places each site's equipment; the devices are written by ``_flush`` once a family is placed."""

    def build_devices(self) -> None:
        self._data_center()
        self._command_center()
        self._offices()
        self._flush()
        self._vms()
        self._flush()

    def _data_center(self) -> None:
        dc = self.sites[DATA_CENTER_SITE]
        kominfo = self.orgs["Diskominfo"]

        def rack(n: int) -> Rack:
            return self.racks[(DATA_CENTER_SITE, f"R{n:02d}")]

        for n in range(1, 11):  # a top-of-rack switch at the top of each server rack
            self._device(
                f"dc-tor-r{n:02d}",
                kominfo,
                dc,
                DeviceKind.SWITCH,
                "Huawei",
                "CloudEngine S6730-H24X6C",
                rack=rack(n),
                position=42,
                year=2023,
                os="Huawei VRP V200R022",
            )
        core = [("dc-core-01", 11, 40), ("dc-core-02", 12, 40)]
        for name, r, u in core:
            self._device(
                name,
                kominfo,
                dc,
                DeviceKind.SWITCH,
                "Cisco",
                "Catalyst 9500-24Y4C",
                rack=rack(r),
                position=u,
                year=2023,
                os="Cisco IOS XE 17.9.4",
                warranty_years=5,
            )
        for i, r in ((1, 11), (2, 12)):
            self._device(
                f"dc-fw-0{i}",
                kominfo,
                dc,
                DeviceKind.FIREWALL,
                "Fortinet",
                "FortiGate 600E",
                rack=rack(r),
                position=36,
                year=2023,
                os="FortiOS 7.2.8",
                warranty_years=5,
            )
            self._device(
                f"dc-rtr-0{i}",
                kominfo,
                dc,
                DeviceKind.ROUTER,
                "MikroTik",
                "CCR2216-1G-12XS-2XQ",
                rack=rack(r),
                position=34,
                year=2024,
                os="RouterOS 7.15",
            )
        self._device(
            "dc-olt-01",
            kominfo,
            dc,
            DeviceKind.OLT,
            "Huawei",
            "MA5800-X7",
            rack=rack(12),
            position=20,
            height=7,
            year=2023,
            os="MA5800 V100R021",
        )
        self._device(
            "dc-mgmt-sw-01",
            kominfo,
            dc,
            DeviceKind.SWITCH,
            "Ruijie",
            "RG-S2910-24GT4XS-E",
            rack=rack(11),
            position=30,
            year=2023,
            os="RGOS 11.4",
        )
        host_models = (
            [("Dell", "PowerEdge R750", "VMware ESXi 7.0 U3", 2022)] * 4
            + [("HPE", "ProLiant DL380 Gen10 Plus", "VMware ESXi 8.0 U2", 2023)] * 4
            + [("Lenovo", "ThinkSystem SR650 V2", "Proxmox VE 8.2", 2024)] * 2
        )
        for i, (vendor, model, os, year) in enumerate(host_models, start=1):
            self.dc_hosts.append(
                self._device(
                    f"dc-host-{i:02d}",
                    kominfo,
                    dc,
                    DeviceKind.SERVER,
                    vendor,
                    model,
                    rack=rack((i + 1) // 2),
                    height=2,
                    year=year,
                    os=os,
                    warranty_years=5,
                    description="Host virtualisasi cluster pusat data",
                )
            )
        self._device(
            "dc-backup-01",
            kominfo,
            dc,
            DeviceKind.SERVER,
            "Dell",
            "PowerEdge R740xd",
            rack=rack(6),
            height=2,
            year=2022,
            os="Windows Server 2022",
            description="Server backup (repositori)",
        )
        self._device(
            "dc-stor-01",
            kominfo,
            dc,
            DeviceKind.STORAGE,
            "Dell",
            "PowerVault ME5024",
            rack=rack(6),
            height=2,
            year=2023,
            os="ME5 firmware 1.2",
            warranty_years=5,
        )
        self._device(
            "dc-stor-02",
            kominfo,
            dc,
            DeviceKind.STORAGE,
            "HPE",
            "MSA 2060",
            rack=rack(6),
            height=2,
            year=2024,
            os="MSA firmware IN110R003",
            warranty_years=5,
        )
        for i in range(1, 5):
            self._device(
                f"dc-ups-{i:02d}",
                kominfo,
                dc,
                DeviceKind.UPS,
                "APC",
                "Smart-UPS SRT 10000VA",
                rack=rack(11 if i <= 2 else 12),
                position=2 + (i % 2) * 6,
                height=6,
                year=2023,
                os="NMC AP9641 v2.4",
                warranty_years=2,
            )

    def _command_center(self) -> None:
        cc = self.sites["Command Center Bandar Lampung"]
        kominfo = self.orgs["Diskominfo"]
        r1, r2 = self.racks[(cc.name, "CC-R01")], self.racks[(cc.name, "CC-R02")]
        self._device(
            "cc-sw-01",
            kominfo,
            cc,
            DeviceKind.SWITCH,
            "Cisco",
            "Catalyst 9300-24T",
            rack=r1,
            position=40,
            year=2022,
            os="Cisco IOS XE 17.6.5",
        )
        self._device(
            "cc-rtr-01",
            kominfo,
            cc,
            DeviceKind.ROUTER,
            "MikroTik",
            "CCR2004-16G-2S+",
            rack=r1,
            position=38,
            year=2022,
            os="RouterOS 7.14",
        )
        self._device(
            "cc-fw-01",
            kominfo,
            cc,
            DeviceKind.FIREWALL,
            "Fortinet",
            "FortiGate 200F",
            rack=r1,
            position=36,
            year=2022,
            os="FortiOS 7.2.8",
        )
        self._device(
            "cc-vms-01",
            kominfo,
            cc,
            DeviceKind.SERVER,
            "Dell",
            "PowerEdge R740xd",
            rack=r2,
            height=2,
            year=2021,
            os="Windows Server 2019",
            description="Video management system CCTV kota",
        )
        self._device(
            "cc-nvr-01",
            kominfo,
            cc,
            DeviceKind.STORAGE,
            "Hikvision",
            "DS-96256NI-I24",
            rack=r2,
            height=4,
            year=2021,
            os="NVR firmware 4.7",
            description="Perekam CCTV 256 kanal",
        )
        self._device(
            "cc-ups-01",
            kominfo,
            cc,
            DeviceKind.UPS,
            "APC",
            "Smart-UPS SRT 6000VA",
            rack=r1,
            position=2,
            height=4,
            year=2022,
            os="NMC AP9641 v2.4",
        )
        for i in range(1, 3):
            self._device(
                f"cc-ap-0{i}",
                kominfo,
                cc,
                DeviceKind.ACCESS_POINT,
                "Ruijie",
                "RG-AP820-L(V3)",
                year=2022,
                os="RGOS AP 11.9",
            )

    def _opd_network(self, short: str, site: Site, org: Organization, size: int, year: int) -> None:
        rng = self.rng
        slug = slugify(short)
        if size >= 5 or short == "DPMPTSP":
            router = rng.choice(
                (("MikroTik", "CCR2004-16G-2S+", "RouterOS 7.14"), ("Cisco", "ISR 4331", "Cisco IOS XE 17.3"))
            )
        else:
            router = rng.choice(
                (("MikroTik", "RB4011iGS+RM", "RouterOS 7.12"), ("MikroTik", "hEX S (RB760iGS)", "RouterOS 7.12"))
            )
        self._device(f"rtr-{slug}", org, site, DeviceKind.ROUTER, *router[:2], year=year, os=router[2])
        switches = 2 if size >= 5 else 1
        for i in range(1, switches + 1):
            sw = rng.choice(
                (
                    ("Cisco", "Catalyst 2960X-24TS-L", "Cisco IOS 15.2(7)E"),
                    ("Huawei", "S5735-L24T4X-A", "Huawei VRP V200R021"),
                    ("Ruijie", "RG-S2910-24GT4XS-E", "RGOS 11.4"),
                )
            )
            status = DeviceStatus.ACTIVE if rng.random() > 0.04 else DeviceStatus.OFFLINE
            self._device(
                f"sw-{slug}-{i:02d}",
                org,
                site,
                DeviceKind.SWITCH,
                sw[0],
                sw[1],
                year=year + rng.randint(0, 2),
                os=sw[2],
                status=status,
            )
        for i in range(1, (3 if size >= 5 else 2)):
            ap = rng.choice(
                (
                    ("Ruijie", "RG-AP820-L(V3)", "RGOS AP 11.9"),
                    ("Ubiquiti", "UniFi U6-Lite", "UniFi 6.6"),
                    ("MikroTik", "cAP ax", "RouterOS 7.14"),
                )
            )
            status = DeviceStatus.ACTIVE if rng.random() > 0.08 else DeviceStatus.OFFLINE
            self._device(
                f"ap-{slug}-{i:02d}",
                org,
                site,
                DeviceKind.ACCESS_POINT,
                *ap[:2],
                year=2022 + rng.randint(0, 3),
                os=ap[2],
                status=status,
            )
        ups = ("APC", "Smart-UPS SRT 3000VA") if size >= 4 else ("APC", "Smart-UPS SMT1500I")
        self._device(f"ups-{slug}-01", org, site, DeviceKind.UPS, *ups, year=year, os="NMC AP9631 v7.1")
        if size >= 5:
            nas = rng.choice((("Synology", "RackStation RS1221+", "DSM 7.2"), ("QNAP", "TS-873AeU", "QTS 5.1")))
            self._device(
                f"nas-{slug}-01", org, site, DeviceKind.STORAGE, *nas[:2], year=2020 + rng.randint(0, 3), os=nas[2]
            )
        if short in ("BPKAD", "Bapenda", "Disdukcapil", "Dinkes", "RSUD"):
            self._device(
                f"fw-{slug}-01",
                org,
                site,
                DeviceKind.FIREWALL,
                "Fortinet",
                "FortiGate 100F",
                year=2022,
                os="FortiOS 7.0.15",
            )

    def _opd_servers(self, short: str, site: Site, org: Organization, count: int) -> None:
        rng = self.rng
        slug = slugify(short)
        roles = SERVER_ROLES.get(short, ())
        racks = [r for (s, _), r in self.racks.items() if s == site.name]
        for i in range(1, count + 1):
            vendor, model = rng.choice(OPD_SERVER_MODELS)
            year = rng.randint(2012, 2021)
            if "Gen10" in model or "R740" in model or "SR650" in model or "M4" in model:
                year = max(year, 2018)
            role = roles[i - 1] if i <= len(roles) else rng.choice(GENERIC_SERVER_ROLES)
            tower = model.startswith(("PowerEdge T", "ProLiant ML", "ThinkSystem ST"))
            rack = racks[(i - 1) % len(racks)] if racks and not tower else None
            name = f"srv-{slug}-{i:02d}"
            self.opd_servers.append(
                self._device(
                    name,
                    org,
                    site,
                    DeviceKind.SERVER,
                    vendor,
                    model,
                    rack=rack,
                    height=2,
                    year=year,
                    os=rng.choice(SERVER_OS),
                    description=role,
                )
            )

    def _offices(self) -> None:
        rng = self.rng
        mpp = self.sites.get("Mal Pelayanan Publik Bandar Lampung")
        for short, org in self.orgs.items():
            if short.startswith(("Kec. ", "Kel. ")):
                continue
            office = OPD_OFFICES.get(short, DEFAULT_OFFICE)
            site = self.sites[office.site_name or f"Kantor {short}"]
            year = rng.randint(2016, 2022)
            if site == mpp:
                self._mpp(site, org)
            else:
                self._opd_network(short, site, org, office.servers, year)
            self._opd_servers(short, site, org, office.servers)
        kecamatan_servers = set(rng.sample(kecamatan_names(), 6))
        for name in kecamatan_names():
            site, org = self.sites[f"Kantor Camat {name}"], self.orgs[f"Kec. {name}"]
            slug = slugify(name)
            planned = KECAMATAN_LINKS.get(name) == "P"
            year = rng.randint(2019, 2024)
            self._device(
                f"rtr-kec-{slug}",
                org,
                site,
                DeviceKind.ROUTER,
                "MikroTik",
                rng.choice(("RB4011iGS+RM", "hEX S (RB760iGS)")),
                year=year,
                os="RouterOS 7.12",
                status=DeviceStatus.OFFLINE if KECAMATAN_LINKS.get(name) == "F" else DeviceStatus.ACTIVE,
            )
            self._device(
                f"sw-kec-{slug}",
                org,
                site,
                DeviceKind.SWITCH,
                "Ruijie",
                "RG-S2910-24GT4XS-E",
                year=year,
                os="RGOS 11.4",
            )
            self._device(
                f"ap-kec-{slug}",
                org,
                site,
                DeviceKind.ACCESS_POINT,
                "Ruijie",
                "RG-AP820-L(V3)",
                year=year,
                os="RGOS AP 11.9",
            )
            self._device(
                f"ups-kec-{slug}",
                org,
                site,
                DeviceKind.UPS,
                "APC",
                "Smart-UPS SMT1500I",
                year=year,
                os="NMC AP9631 v7.1",
                status=DeviceStatus.PLANNED if planned else DeviceStatus.ACTIVE,
            )
            if name in kecamatan_servers:
                vendor, model = rng.choice(
                    (("Dell", "PowerEdge T430"), ("HPE", "ProLiant ML350 Gen9"), ("Lenovo", "ThinkSystem ST250"))
                )
                self.opd_servers.append(
                    self._device(
                        f"srv-kec-{slug}-01",
                        org,
                        site,
                        DeviceKind.SERVER,
                        vendor,
                        model,
                        year=rng.randint(2014, 2019),
                        os=rng.choice(SERVER_OS),
                        description="Server PATEN (pelayanan administrasi terpadu kecamatan)",
                    )
                )
        for short, org in self.orgs.items():
            if not short.startswith("Kel. "):
                continue
            kel = short.removeprefix("Kel. ")
            site, slug = self.sites[f"Kantor Lurah {kel}"], slugify(kel)
            self._device(
                f"ont-kel-{slug}",
                org,
                site,
                DeviceKind.ONT,
                *rng.choice((("ZTE", "F670L"), ("Huawei", "EG8145V5"))),
                year=2025,
                os="ONT firmware V9",
            )
            self._device(
                f"ap-kel-{slug}",
                org,
                site,
                DeviceKind.ACCESS_POINT,
                "Ruijie",
                "RG-AP820-L(V3)",
                year=2025,
                os="RGOS AP 11.9",
            )
        kominfo = self.orgs["Diskominfo"]
        for name, *_ in POPS:
            site, slug = self.sites[name], slugify(name)
            rack = self.racks[(name, "POP-R01")]
            olt = rng.choice((("ZTE", "ZXA10 C320", "ZXAN V2.1"), ("Huawei", "MA5800-X2", "MA5800 V100R021")))
            self._device(
                f"olt-{slug}", kominfo, site, DeviceKind.OLT, *olt[:2], rack=rack, height=2, year=2024, os=olt[2]
            )
            self._device(
                f"sw-{slug}",
                kominfo,
                site,
                DeviceKind.SWITCH,
                "Huawei",
                "S5735-L24T4X-A",
                rack=rack,
                year=2024,
                os="Huawei VRP V200R021",
            )
            self._device(
                f"ups-{slug}",
                kominfo,
                site,
                DeviceKind.UPS,
                "APC",
                "Smart-UPS SRT 2200VA",
                rack=rack,
                height=2,
                year=2024,
                os="NMC AP9641 v2.4",
            )

    def _mpp(self, site: Site, org: Organization) -> None:
        rng = self.rng
        rack = next(r for (s, _), r in self.racks.items() if s == site.name)
        self._device(
            "rtr-mpp",
            org,
            site,
            DeviceKind.ROUTER,
            "MikroTik",
            "CCR2004-16G-2S+",
            rack=rack,
            year=2021,
            os="RouterOS 7.14",
        )
        self._device(
            "sw-mpp-core",
            org,
            site,
            DeviceKind.SWITCH,
            "Huawei",
            "S6730-H24X6C",
            rack=rack,
            year=2021,
            os="Huawei VRP V200R021",
        )
        for floor in range(1, 11):
            status = DeviceStatus.PLANNED if floor == 10 else DeviceStatus.ACTIVE
            self._device(
                f"sw-mpp-lt{floor:02d}",
                org,
                site,
                DeviceKind.SWITCH,
                "Ruijie",
                "RG-S2910-24GT4XS-E",
                year=2021,
                os="RGOS 11.4",
                status=status,
                description=f"Switch distribusi lantai {floor}",
            )
            self._device(
                f"ap-mpp-lt{floor:02d}",
                org,
                site,
                DeviceKind.ACCESS_POINT,
                "Ruijie",
                "RG-AP820-L(V3)",
                year=2021 + (floor == 10) * 5,
                os="RGOS AP 11.9",
                status=status if rng.random() > 0.1 else DeviceStatus.OFFLINE,
                description=f"Wi-Fi publik lantai {floor}",
            )
        self._device(
            "ups-mpp-01",
            org,
            site,
            DeviceKind.UPS,
            "APC",
            "Smart-UPS SRT 6000VA",
            rack=rack,
            height=4,
            year=2021,
            os="NMC AP9641 v2.4",
        )

    def _vms(self) -> None:
        dc = self.sites[DATA_CENTER_SITE]
        for i, (name, owner, os, description) in enumerate(DC_VMS):
            org = self.orgs.get(owner, self.orgs["Diskominfo"])
            host = self.dc_hosts[i % len(self.dc_hosts)]
            self._device(
                name,
                org,
                dc,
                DeviceKind.VIRTUAL_MACHINE,
                hypervisor(host),
                "Virtual machine",
                os=os,
                host=host,
                description=description,
            )
