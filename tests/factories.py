"""factory_boy factories for the inventory: small, valid objects with unique names."""

import datetime
from decimal import Decimal

import factory

from infra.core.choices import Role
from infra.core.models import User
from infra.inventory import choices, models
from infra.inventory.services.fiber import save_link


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Region

    name = factory.Sequence(lambda n: f"Kota {n}")
    kind = choices.RegionKind.CITY
    code = factory.Sequence(lambda n: f"99.{n:02d}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organization

    name = factory.Sequence(lambda n: f"Dinas Uji {n}")
    short_name = factory.Sequence(lambda n: f"DU{n}")
    kind = choices.OrganizationKind.AGENCY


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Site

    name = factory.Sequence(lambda n: f"Kantor {n}")
    kind = choices.SiteKind.OPD_OFFICE
    organization = factory.SubFactory(OrganizationFactory)
    latitude = Decimal("-5.420000")
    longitude = Decimal("105.260000")


class RackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Rack

    site = factory.SubFactory(SiteFactory, kind=choices.SiteKind.DATA_CENTER)
    name = factory.Sequence(lambda n: f"R{n:02d}")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Device

    name = factory.Sequence(lambda n: f"srv-{n:04d}")
    organization = factory.SubFactory(OrganizationFactory)
    site = factory.SubFactory(SiteFactory, organization=factory.SelfAttribute("..organization"))
    kind = choices.DeviceKind.SERVER


class InterfaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Interface

    device = factory.SubFactory(DeviceFactory)
    name = factory.Sequence(lambda n: f"eth{n}")


class IPAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.IPAddress

    address = factory.Sequence(lambda n: f"127.10.{n // 250}.{n % 250 + 1}")
    prefix_length = 24
    interface = factory.SubFactory(InterfaceFactory)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Application

    name = factory.Sequence(lambda n: f"Aplikasi {n}")
    organization = factory.SubFactory(OrganizationFactory)


class FiberLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FiberLink

    code = factory.Sequence(lambda n: f"FO-T-{n:03d}")
    site_a = factory.SubFactory(SiteFactory)
    site_b = factory.SubFactory(SiteFactory)
    core_count = 12
    deployment = choices.Deployment.DUCT
    length_km = Decimal("2.500")
    status = choices.FiberLinkStatus.ACTIVE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return save_link(model_class(*args, **kwargs))  # a link comes with its cores


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contract

    number = factory.Sequence(lambda n: f"{n + 1:03d}/SPK/DISKOMINFO/2024")
    title = factory.Sequence(lambda n: f"Paket Pembangunan Jaringan FO {n + 1}")
    year = 2024
    contractor = "PT Siger Optik Mandiri"


class MigrationWaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MigrationWave

    name = factory.Sequence(lambda n: f"Gelombang {n}")
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 3, 31)


class MigrationFactory(factory.django.DjangoModelFactory):
    """A migration created the way the service creates it: with its first transition (one that
    starts past the first state is an imported starting point, the only way the service allows)."""

    class Meta:
        model = models.Migration

    device = factory.SubFactory(DeviceFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from infra.inventory.services.migration import start_tracking

        device = kwargs.pop("device")
        first = choices.MigrationState.INVENTORIED
        kwargs.setdefault("imported", kwargs.get("state", first) != first)
        return start_tracking(device, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.ENGINEER
    password = factory.PostGenerationMethodCall("set_password", "rahasia-uji-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# --- probes ------------------------------------------------------------------------------------
# Secrets distinctive enough that a test can look for them in any page, answer, export or log.
COMMUNITY = "komunitas-RAHASIA-7f3a"
AUTH_KEY = "kunci-auth-RAHASIA-91c2"
PRIV_KEY = "kunci-priv-RAHASIA-5d0e"
SECRETS = (COMMUNITY, AUTH_KEY, PRIV_KEY)


class SnmpCredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "probes.SnmpCredential"

    name = factory.Sequence(lambda n: f"kredensial-{n}")
    version = "3"
    community = COMMUNITY
    username = "simpul"
    auth_key = AUTH_KEY
    priv_key = PRIV_KEY


class CheckFactory(factory.django.DjangoModelFactory):
    """An ICMP check of a loopback address (tests never probe anything else)."""

    class Meta:
        model = "probes.Check"

    kind = "icmp"
    device = factory.SubFactory(DeviceFactory)
    address = factory.Sequence(lambda n: f"127.30.{n // 250}.{n % 250 + 1}")


class MaintenanceWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "probes.MaintenanceWindow"

    device = factory.SubFactory(DeviceFactory)
    start = datetime.datetime(2026, 3, 1, 1, 0, tzinfo=datetime.UTC)
    end = datetime.datetime(2026, 3, 1, 3, 0, tzinfo=datetime.UTC)
    reason = "Penggantian UPS"


def probe_history(check, *, at=None, results: int = 3) -> dict:
    """What the probes would have written for ``check``: a prober, raw results (the last one failed),
    its status, a state change, an open downtime and a run. Written as the services write them."""
    from infra.probes.models import CheckEvent, CheckStatus, Downtime, Prober, ProbeRun, Result

    at = at or datetime.datetime(2026, 3, 10, 8, 0, tzinfo=datetime.UTC)
    prober, _ = Prober.objects.get_or_create(name="konsumen-uji", defaults={"reference": "127.0.0.1"})
    rows = [
        Result(
            probe_check=check,
            time=at + datetime.timedelta(minutes=i),
            outcome=0 if i < results - 1 else 1,
            sent=3,
            received=3 if i < results - 1 else 0,
            prober=prober,
            rtt_min=0.05,
            rtt_avg=0.07 + i / 100,
            rtt_max=0.1,
            jitter=0.01,
        )
        for i in range(results)
    ]
    Result.objects.bulk_create(rows)
    last = rows[-1].time
    CheckStatus.objects.update_or_create(
        probe_check=check,
        defaults={
            "state": "down",
            "since": last,
            "last_at": last,
            "last_outcome": 1,
            "last_loss": 100.0,
            "next_due": last + datetime.timedelta(minutes=1),
        },
    )
    event = CheckEvent.objects.create(
        probe_check=check, at=last, kind="state", old_state="up", new_state="down", outcome=1
    )
    downtime = Downtime.objects.create(probe_check=check, start=last, cause=1)
    run = ProbeRun.objects.create(due=at, kind=check.kind, checks=[check.pk], status="done", prober=prober, results=1)
    return {"prober": prober, "results": rows, "event": event, "downtime": downtime, "run": run}
