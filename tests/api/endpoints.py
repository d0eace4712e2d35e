"""Every model endpoint of the API, with a way to make a valid object and a valid payload for it.

Payloads are built from the factories (``Factory.build`` with its related objects saved) and turned
into JSON the way a client would send them: related objects by id, decimals and dates as text.
"""

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import factory
from django.db import models

from infra.inventory import choices
from infra.inventory import models as inv
from infra.probes import models as probes

from ..factories import (
    COMMUNITY,
    ApplicationFactory,
    CheckFactory,
    ContractFactory,
    DeviceFactory,
    FiberLinkFactory,
    InterfaceFactory,
    IPAddressFactory,
    MaintenanceWindowFactory,
    MigrationFactory,
    MigrationWaveFactory,
    OrganizationFactory,
    RackFactory,
    RegionFactory,
    SiteFactory,
    SnmpCredentialFactory,
)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.Contact

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Pak Kontak {n}")
    email = factory.Sequence(lambda n: f"kontak{n}@kota.go.id")


class MigrationBlockerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.MigrationBlocker

    migration = factory.SubFactory(MigrationFactory)
    category = choices.BlockerCategory.BACKUP
    owner = "Diskominfo"
    opened_on = datetime.date(2026, 1, 5)


class YearTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = inv.YearTarget

    year = factory.Sequence(lambda n: 2030 + n)
    servers_moved = 40


def as_json(value: object) -> object:
    """A model value as a client sends it."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def payload_from(instance: models.Model, *, skip: tuple[str, ...] = ()) -> dict:
    """The writable fields of an unsaved (factory-built) instance, as JSON."""
    data = {}
    for f in instance._meta.concrete_fields:
        if not f.editable or f.primary_key or f.name in ("created", "last_updated", *skip):
            continue
        value = getattr(instance, f.name)
        if value is None:
            continue
        data[f.name] = as_json(value)
    return data


_unique = itertools.count(1)


def _server(**kwargs) -> inv.Device:
    return DeviceFactory(kind=choices.DeviceKind.SERVER, **kwargs)


@dataclass
class Endpoint:
    prefix: str
    model: type[models.Model]
    make: Callable[[], models.Model]  # a saved object
    payload: Callable[[], dict] | None  # a valid POST body (related objects saved); None: no create
    change: dict  # a valid change of one field (sent with PUT)
    patch: dict  # another valid change of the same field (sent with PATCH)
    deletable: bool = True
    write_only: tuple[str, ...] = ()  # fields accepted and never returned (secrets)
    readers: tuple[str, ...] | None = None  # the roles that read it, when not every role does

    def __str__(self) -> str:
        return self.prefix


def _site_payload() -> dict:
    return payload_from(SiteFactory.build(organization=OrganizationFactory()))


def _rack_payload() -> dict:
    return payload_from(RackFactory.build(site=SiteFactory()))


def _device_payload() -> dict:
    org = OrganizationFactory()
    return payload_from(DeviceFactory.build(organization=org, site=SiteFactory(organization=org)))


def _interface_payload() -> dict:
    return payload_from(InterfaceFactory.build(device=DeviceFactory()))


def _ip_payload() -> dict:
    n = next(_unique)
    return payload_from(
        IPAddressFactory.build(interface=InterfaceFactory(), address=f"127.44.{n // 250}.{n % 250 + 1}")
    )


def _application_payload() -> dict:
    org = OrganizationFactory()
    body = payload_from(ApplicationFactory.build(organization=org), skip=("url",))
    body["service_url"] = "https://sipd.kota.go.id/"
    body["devices"] = [DeviceFactory(organization=org).pk]
    return body


def _fiber_payload() -> dict:
    return payload_from(FiberLinkFactory.build(site_a=SiteFactory(), site_b=SiteFactory()))


def _migration_payload() -> dict:
    return {"device": _server().pk, "readiness": choices.Readiness.READY, "planned_start": "2026-03-02"}


def _blocker_payload() -> dict:
    return payload_from(MigrationBlockerFactory.build(migration=MigrationFactory(device=_server())))


def _year_payload() -> dict:
    return payload_from(YearTargetFactory.build(year=2060 + next(_unique) % 40))


def _check_payload() -> dict:
    n = next(_unique)
    # "url" is the object's API address: an HTTP(S) check's page is written as "target_url".
    return payload_from(
        CheckFactory.build(device=DeviceFactory(), address=f"127.45.{n // 250}.{n % 250 + 1}"), skip=("url",)
    )


def _credential_payload() -> dict:
    return {"name": f"kredensial-api-{next(_unique)}", "version": "2c", "community": COMMUNITY, "description": "uji"}


def _maintenance_payload() -> dict:
    # In WIB, as the API writes times back: the test compares what it sent with what it reads.
    return {
        "device": DeviceFactory().pk,
        "start": "2026-03-01T08:00:00+07:00",
        "end": "2026-03-01T10:00:00+07:00",
        "reason": "Penggantian UPS",
    }


ENDPOINTS = [
    Endpoint(
        "regions",
        inv.Region,
        RegionFactory,
        lambda: payload_from(RegionFactory.build()),
        {"code": "99.99.77"},
        {"code": "99.99.78"},
    ),
    Endpoint(
        "organizations",
        inv.Organization,
        OrganizationFactory,
        lambda: payload_from(OrganizationFactory.build()),
        {"description": "Dinas uji coba"},
        {"description": "Dinas uji coba kedua"},
    ),
    Endpoint(
        "contacts",
        inv.Contact,
        ContactFactory,
        lambda: payload_from(ContactFactory.build(organization=OrganizationFactory())),
        {"phone": "0721-123456"},
        {"phone": "0721-654321"},
    ),
    Endpoint(
        "sites",
        inv.Site,
        SiteFactory,
        _site_payload,
        {"address": "Jl. Dr. Susilo No. 2"},
        {"address": "Jl. Wolter Monginsidi 3"},
    ),
    Endpoint("racks", inv.Rack, RackFactory, _rack_payload, {"room": "Ruang Server 2"}, {"room": "Ruang Server 3"}),
    Endpoint("devices", inv.Device, DeviceFactory, _device_payload, {"purchase_year": 2021}, {"purchase_year": 2022}),
    Endpoint(
        "interfaces", inv.Interface, InterfaceFactory, _interface_payload, {"speed_mbps": 1000}, {"speed_mbps": 10000}
    ),
    Endpoint(
        "ip-addresses",
        inv.IPAddress,
        IPAddressFactory,
        _ip_payload,
        {"dns_name": "srv.kota.go.id"},
        {"dns_name": "srv2.kota.go.id"},
    ),
    Endpoint(
        "applications",
        inv.Application,
        ApplicationFactory,
        _application_payload,
        {"target_year": 2027},
        {"target_year": 2028},
    ),
    Endpoint(
        "fiber-links",
        inv.FiberLink,
        FiberLinkFactory,
        _fiber_payload,
        {"contractor": "PT Serat Nusantara"},
        {"contractor": "CV Kabel Jaya"},
    ),
    Endpoint(
        "contracts",
        inv.Contract,
        ContractFactory,
        lambda: payload_from(ContractFactory.build(value=Decimal("4865000000.00"), contracted_km=Decimal("12.500"))),
        {"contractor": "PT Krakatau Data Link"},
        {"contractor": "CV Tapis Jaringan Nusantara"},
    ),
    Endpoint(
        "fiber-cores",
        inv.FiberCore,
        lambda: FiberLinkFactory().cores.get(number=1),
        None,
        {"state": choices.CoreState.IN_USE},
        {"state": choices.CoreState.RESERVED},
        deletable=False,
    ),
    Endpoint(
        "migration-waves",
        inv.MigrationWave,
        MigrationWaveFactory,
        lambda: payload_from(MigrationWaveFactory.build()),
        {"description": "Server OPD di Kecamatan"},
        {"description": "Server OPD di Kelurahan"},
    ),
    Endpoint(
        "migrations",
        inv.Migration,
        lambda: MigrationFactory(device=_server()),
        _migration_payload,
        {"readiness": choices.Readiness.READY_WITH_CONDITIONS},
        {"readiness": choices.Readiness.NOT_READY},
    ),
    Endpoint(
        "migration-blockers",
        inv.MigrationBlocker,
        lambda: MigrationBlockerFactory(migration=MigrationFactory(device=_server())),
        _blocker_payload,
        {"owner": "BPKAD"},
        {"owner": "Bappeda"},
    ),
    Endpoint(
        "yearly-targets", inv.YearTarget, YearTargetFactory, _year_payload, {"servers_moved": 55}, {"servers_moved": 60}
    ),
    Endpoint("probes/checks", probes.Check, CheckFactory, _check_payload, {"interval": 120}, {"interval": 300}),
    Endpoint(
        "probes/snmp-credentials",
        probes.SnmpCredential,
        SnmpCredentialFactory,
        _credential_payload,
        {"description": "Switch inti"},
        {"description": "Switch distribusi"},
        write_only=("community",),
        readers=("administrator", "engineer"),
    ),
    Endpoint(
        "probes/maintenance-windows",
        probes.MaintenanceWindow,
        MaintenanceWindowFactory,
        _maintenance_payload,
        {"reason": "Ganti UPS"},
        {"reason": "Ganti baterai UPS"},
    ),
]
WRITABLE = [e for e in ENDPOINTS if e.payload is not None]
BY_PREFIX = {e.prefix: e for e in ENDPOINTS}


def url(prefix: str, pk: int | None = None, suffix: str = "") -> str:
    return f"/api/{prefix}/" + (f"{pk}/" if pk is not None else "") + (f"{suffix}/" if suffix else "")
