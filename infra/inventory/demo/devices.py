"""How the demo makes a device: serial, asset number, interfaces, rack position, management address.

Devices wait in ``pending`` and are written together by ``_flush`` (bulk writes, each logged).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..choices import DeviceKind, DeviceStatus, InterfaceKind
from ..models import Device, Interface, IPAddress, Organization, Rack, Site
from .constants import EMAIL_DOMAIN
from .writes import bulk_create, bulk_update


@dataclass
class PendingDevice:
    """A device made but not yet written, with its interfaces and the one its management address goes on."""

    device: Device
    interfaces: list[Interface]
    mgmt: Interface
    probe: bool


def hypervisor(host: Device) -> str:
    """The vendor a virtual machine on ``host`` shows: its hypervisor's."""
    return "VMware" if "ESXi" in host.os else "Proxmox"


class DevicesMixin:
    """Makes devices with their interfaces and management addresses, and writes them in bulk."""

    # -- devices ------------------------------------------------------------------------------------
    def _serial(self, vendor: str) -> str:
        r = self.rng
        alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

        def s(n: int, chars: str = alnum) -> str:
            return "".join(r.choice(chars) for _ in range(n))

        formats = {
            "Dell": lambda: s(7),
            "HPE": lambda: f"CZ{s(8)}",
            "Lenovo": lambda: f"J30{s(5)}",
            "Fujitsu": lambda: f"YL{s(8)}",
            "Cisco": lambda: f"FOC{r.randint(2000, 2799)}{s(4)}",
            "MikroTik": lambda: s(12, "0123456789ABCDEF"),
            "Huawei": lambda: f"2102{s(16, '0123456789')}",
            "ZTE": lambda: f"ZTEG{s(8, '0123456789ABCDEF')}",
            "Fortinet": lambda: f"FG{s(2, '0123456789')}{s(2)}TK{s(8, '0123456789')}",
            "Ruijie": lambda: f"G1{s(11)}",
            "APC": lambda: f"AS{r.randint(1900, 2499)}{s(6, '0123456789')}",
            "Synology": lambda: f"{r.randint(18, 24)}{s(2)}PDN{s(6, '0123456789')}",
            "QNAP": lambda: f"Q{s(9, '0123456789')}",
            "Hikvision": lambda: f"DS{s(10, '0123456789')}",
        }
        while (serial := formats.get(vendor, lambda: s(10))()) in self.serials:
            pass
        self.serials.add(serial)
        return serial

    def _asset_number(self, kind: str, year: int) -> str:
        code = {
            DeviceKind.SERVER: "1.3.2.10.01.02",
            DeviceKind.STORAGE: "1.3.2.10.01.02",
            DeviceKind.UPS: "1.3.2.05.02.06",
        }.get(kind, "1.3.2.10.02.04")
        self.asset_registers[code] += 1
        return f"{code}.{self.asset_registers[code]:05d}/{year}"

    def _interfaces(self, kind: str, vendor: str, model: str) -> tuple[list[Interface], int]:
        """Interfaces a device of this kind has, and the index of the one that carries management."""
        K = InterfaceKind
        ports: list[tuple[str, str, int | None]] = []
        if kind == DeviceKind.SERVER:
            return [Interface(name=n, kind=K.COPPER_1G, speed_mbps=1000) for n in ("eno1", "eno2")], 0
        if kind == DeviceKind.VIRTUAL_MACHINE:
            return [Interface(name="ens192", kind=K.VIRTUAL, speed_mbps=10000)], 0
        if kind == DeviceKind.SWITCH:
            big = "9500" in model or "6857" in model or "S6730" in model
            if vendor == "Cisco":
                access = "TwentyFiveGigE1/0/{}" if big else "GigabitEthernet1/0/{}"
                ports = [
                    (access.format(i), K.SFP28 if big else K.COPPER_1G, 25000 if big else 1000) for i in range(1, 25)
                ]
                ports += [(f"TenGigabitEthernet1/1/{i}", K.SFP_PLUS, 10000) for i in range(1, 5)]
                ports.append(("Vlan100", K.VIRTUAL, None))
            elif vendor == "Huawei":
                ports = [
                    (
                        f"{'XGigabitEthernet' if big else 'GigabitEthernet'}0/0/{i}",
                        K.SFP_PLUS if big else K.COPPER_1G,
                        10000 if big else 1000,
                    )
                    for i in range(1, 25)
                ]
                ports += [
                    (
                        f"{'100GE' if big else 'XGigabitEthernet'}0/0/{i}",
                        K.QSFP if big else K.SFP_PLUS,
                        40000 if big else 10000,
                    )
                    for i in range(1, 5)
                ]
                ports.append(("Vlanif100", K.VIRTUAL, None))
            else:  # Ruijie and the rest
                ports = [(f"GigabitEthernet 0/{i}", K.COPPER_1G, 1000) for i in range(1, 25)]
                ports += [(f"TenGigabitEthernet 0/{i}", K.SFP_PLUS, 10000) for i in range(25, 29)]
                ports.append(("VLAN 100", K.VIRTUAL, None))
        elif kind == DeviceKind.ROUTER:
            if vendor == "MikroTik":
                count = 16 if "CCR2004" in model else 12 if "CCR2216" in model else 10 if "4011" in model else 5
                ports = [(f"ether{i}", K.COPPER_1G, 1000) for i in range(1, count + 1)]
                ports += [("sfp-sfpplus1", K.SFP_PLUS, 10000), ("vlan100-mgmt", K.VIRTUAL, None)]
            else:
                ports = [(f"GigabitEthernet0/0/{i}", K.COPPER_1G, 1000) for i in range(3)]
                ports += [("TenGigabitEthernet0/1/0", K.SFP_PLUS, 10000), ("Loopback0", K.VIRTUAL, None)]
        elif kind == DeviceKind.FIREWALL:
            count = 16 if "600" in model or "200" in model else 8
            ports = [(f"port{i}", K.COPPER_1G, 1000) for i in range(1, count + 1)]
            ports += [("x1", K.SFP_PLUS, 10000), ("x2", K.SFP_PLUS, 10000), ("mgmt", K.COPPER_1G, 1000)]
        elif kind == DeviceKind.OLT:
            if vendor == "ZTE":
                ports = [(f"gpon-olt_1/1/{i}", K.GPON, 2500) for i in range(1, 17)]
                ports += [
                    ("gei_1/3/1", K.SFP_PLUS, 10000),
                    ("gei_1/3/2", K.SFP_PLUS, 10000),
                    ("mng1", K.COPPER_1G, 100),
                ]
            else:
                ports = [(f"GPON 0/1/{i}", K.GPON, 2500) for i in range(16)]
                ports += [
                    ("XGE 0/9/0", K.SFP_PLUS, 10000),
                    ("XGE 0/9/1", K.SFP_PLUS, 10000),
                    ("meth0", K.COPPER_1G, 100),
                ]
        elif kind == DeviceKind.ONT:
            ports = [
                ("pon1", K.GPON, 2500),
                *((f"lan{i}", K.COPPER_1G, 1000) for i in range(1, 5)),
                ("mgmt", K.VIRTUAL, None),
            ]
        elif kind == DeviceKind.ACCESS_POINT:
            ports = [("eth0", K.COPPER_1G, 1000), ("wlan0", K.WIRELESS, 574), ("wlan1", K.WIRELESS, 2402)]
            interfaces = [Interface(name=n, kind=k, speed_mbps=s, if_index=i) for i, (n, k, s) in enumerate(ports, 1)]
            return interfaces, 0
        elif kind == DeviceKind.STORAGE:
            ports = [
                ("mgmt", K.COPPER_1G, 1000),
                ("ctrlA-port1", K.SFP_PLUS, 10000),
                ("ctrlB-port1", K.SFP_PLUS, 10000),
            ]
            interfaces = [Interface(name=n, kind=k, speed_mbps=s, if_index=i) for i, (n, k, s) in enumerate(ports, 1)]
            return interfaces, 0
        else:  # UPS network card, other
            return [Interface(name="nmc0", kind=K.COPPER_1G, speed_mbps=100, if_index=1)], 0
        interfaces = [Interface(name=n, kind=k, speed_mbps=s, if_index=i) for i, (n, k, s) in enumerate(ports, 1)]
        return interfaces, len(interfaces) - 1  # the management interface comes last

    def _device(
        self,
        name: str,
        org: Organization,
        site: Site,
        kind: str,
        vendor: str = "",
        model: str = "",
        *,
        rack: Rack | None = None,
        position: int | None = None,
        height: int = 1,
        year: int | None = None,
        os: str = "",
        status: str = DeviceStatus.ACTIVE,
        host: Device | None = None,
        description: str = "",
        warranty_years: int = 3,
    ) -> Device:
        rng = self.rng
        if rack is not None and position is None:
            position = self._position(rack, height)
        physical = kind != DeviceKind.VIRTUAL_MACHINE
        warranty = (
            datetime.date(year + warranty_years, rng.randint(1, 12), rng.randint(1, 28)) if physical and year else None
        )
        device = Device(
            name=name,
            organization=org,
            site=site,
            kind=kind,
            status=status,
            rack=rack,
            position=position,
            host=host,
            vendor=vendor,
            model=model,
            serial=self._serial(vendor) if physical else "",
            asset_number=self._asset_number(kind, year) if physical and year else "",
            os=os,
            purchase_year=year,
            warranty_end=warranty,
            description=description,
        )
        interfaces, mgmt_index = self._interfaces(kind, vendor, model)
        mgmt = interfaces[mgmt_index]
        mgmt.description = "Manajemen"
        mgmt.mac_address = ":".join(f"{b:02x}" for b in (0x02, 0x71, *(rng.randrange(256) for _ in range(4))))
        self.pending.append(PendingDevice(device, interfaces, mgmt, probe=status == DeviceStatus.ACTIVE))
        self.devices[name] = device
        return device

    def _position(self, rack: Rack, height: int) -> int:
        """The next free unit from the bottom (U1 stays free for cabling)."""
        position = self.rack_next_u[rack.pk] or 2
        self.rack_next_u[rack.pk] = position + height
        return position

    def _flush(self) -> None:
        """Write the pending devices with their interfaces and management address, logging each write."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        devices = [p.device for p in pending]
        bulk_create(Device, devices)
        interfaces = []
        for p in pending:
            for interface in p.interfaces:
                interface.device = p.device
                interfaces.append(interface)
        bulk_create(Interface, interfaces)
        addresses = []
        for p in pending:
            site_number = self.site_index[p.device.site_id]
            self.site_hosts[site_number] += 1
            host_number = self.site_hosts[site_number]
            addresses.append(
                IPAddress(
                    address=f"127.71.{site_number}.{host_number}",
                    prefix_length=24,
                    interface=p.mgmt,
                    probe=p.probe,
                    dns_name=f"{p.device.name}.jip.{EMAIL_DOMAIN}",
                    description="Alamat manajemen (lab: loopback)",
                )
            )
        bulk_create(IPAddress, addresses)
        bulk_update(Device, devices, [{"primary_ip": address} for address in addresses])
