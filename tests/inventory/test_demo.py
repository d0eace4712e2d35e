"""The demo city (``manage.py load_demo``) checked against what it promises.

Loading takes seconds, so the module loads it once (twice, in fact: the first load is compared with
the second to show the city is deterministic, then rolled back) and every test reads that city
inside its own savepoint.
"""

import datetime
import io
import ipaddress
import itertools
import os
import subprocess
import sys
import sysconfig
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.http import HttpRequest
from django.test import override_settings

from infra.core.choices import ChangeAction, Role
from infra.core.history import state_as_of
from infra.core.models import ObjectChange, User
from infra.inventory import demo
from infra.inventory.choices import (
    MIGRATION_ROLLBACKS,
    MIGRATION_TRANSITIONS,
    CoreState,
    DeviceKind,
    DeviceStatus,
    FiberLinkStatus,
    MigrationState,
    OrganizationKind,
    RegionKind,
    SiteKind,
)
from infra.inventory.models import (
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
)

LOGGED_MODELS = (
    Region, Organization, Contact, Site, Rack, Device, Interface, IPAddress, FiberLink, FiberCore,
    Application, MigrationWave, Migration, MigrationBlocker,
)  # fmt: skip


def _fingerprint() -> dict[str, set]:
    """What a user would see of the city, by natural keys (ids may differ between databases)."""
    return {
        "devices": set(
            Device.objects.values_list(
                "name",
                "organization__short_name",
                "site__name",
                "rack__name",
                "position",
                "kind",
                "status",
                "vendor",
                "model",
                "serial",
                "asset_number",
                "os",
                "purchase_year",
                "warranty_end",
                "primary_ip__address",
                "primary_ip__probe",
                "host__name",
            )
        ),
        "transitions": set(
            MigrationTransition.objects.values_list(
                "migration__device__name",
                "from_state",
                "to_state",
                "at",
                "user__username",
                "reason",
                "override_reason",
                "is_rollback",
            )
        ),
        "migrations": set(
            Migration.objects.values_list(
                "device__name",
                "state",
                "readiness",
                "disposition",
                "wave__name",
                "target_rack__name",
                "target_host__name",
                "target_address",
                "target_vlan",
                "planned_start",
                "actual_cutover",
            )
        ),
        "links": set(
            FiberLink.objects.values_list(
                "code",
                "site_a__name",
                "site_b__name",
                "status",
                "length_km",
                "splice_count",
                "measured_loss_db",
                "installed_date",
                "contractor",
                "contract__number",
            )
        ),
        "cores": set(
            FiberCore.objects.exclude(state=CoreState.SPARE).values_list("link__code", "number", "state", "carries")
        ),
        "sites": set(Site.objects.values_list("name", "kind", "latitude", "longitude", "address")),
        "contacts": set(Contact.objects.values_list("organization__short_name", "name", "title", "phone", "email")),
        "blockers": set(
            MigrationBlocker.objects.values_list("migration__device__name", "category", "opened_on", "resolved_on")
        ),
        "applications": set(Application.objects.values_list("name", "organization__short_name", "devices__name")),
    }


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load the city twice from an empty database; keep the second load for the module's tests.

    The first load runs with a BASE_DIR whose parent has no ``shared/`` folder beside it, so comparing
    the two loads also shows the city does not depend on anything outside the repository.
    """
    alone = tmp_path_factory.mktemp("alone") / "simpul"
    alone.mkdir()
    # The hashers the tests run with (conftest's _fast_password_hashing, which a module fixture does
    # not get): a later load compares the demo users' password hashes with these.
    hashers = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    )
    with django_db_blocker.unblock(), hashers:
        with transaction.atomic(), override_settings(BASE_DIR=alone):
            first_result = demo.load_demo()
            first = _fingerprint()
            transaction.set_rollback(True)
        with transaction.atomic():
            result = demo.load_demo()
            yield result, first, first_result
            transaction.set_rollback(True)


def test_loads_once_from_an_empty_database(demo_city, db):
    result, _, _ = demo_city
    assert result.loaded
    assert demo.is_loaded()
    assert result.counts["devices"] == Device.objects.count()


def test_same_city_on_every_load(demo_city, db):
    _, first, _ = demo_city
    second = _fingerprint()
    for family, rows in first.items():
        assert rows == second[family], family


def test_same_city_whatever_lies_beside_the_repository(demo_city, db):
    """The first load ran with a BASE_DIR whose parent has no shared/ folder: same counts as the second."""
    result, _, alone = demo_city
    assert alone.loaded and alone.counts == result.counts


def test_regions_organizations_and_contacts(demo_city, db):
    city = Region.objects.get(code="18.71", kind=RegionKind.CITY)
    assert city.parent.code == "18" and city.parent.kind == RegionKind.PROVINCE
    kecamatan = Region.objects.filter(parent=city, kind=RegionKind.DISTRICT)
    assert kecamatan.count() == 20
    assert sorted(kecamatan.values_list("code", flat=True)) == [f"18.71.{n:02d}" for n in range(1, 21)]
    for kec in kecamatan:
        assert 2 <= kec.children.filter(kind=RegionKind.URBAN_VILLAGE).count() <= 4, kec
    city_opds = Organization.objects.exclude(kind__in=[OrganizationKind.DISTRICT, OrganizationKind.URBAN_VILLAGE])
    assert city_opds.count() >= 30
    assert {"Diskominfo", "Disdukcapil", "Dinkes", "BPKAD", "Bappeda", "RSUD", "Inspektorat"} <= set(
        city_opds.values_list("short_name", flat=True)
    )
    assert Organization.objects.filter(kind=OrganizationKind.DISTRICT).count() == 20
    for org in Organization.objects.prefetch_related("contacts"):
        contacts = list(org.contacts.all())
        assert sum(c.is_primary for c in contacts) == 1, org
        for contact in contacts:
            assert contact.email.endswith("@bandarlampungkota.go.id"), contact
    mobiles = Contact.objects.filter(is_primary=True).values_list("phone", flat=True)
    assert all(len(p) == 14 and p.startswith("08") and p[4] == p[9] == "-" for p in mobiles)


def test_sites_racks_and_coordinates(demo_city, db):
    sites = Site.objects.all()
    assert sites.count() >= 40
    for site in sites:
        assert Decimal("-5.55") <= site.latitude <= Decimal("-5.33"), site
        assert Decimal("105.18") <= site.longitude <= Decimal("105.35"), site
    kinds = set(sites.values_list("kind", flat=True))
    assert {SiteKind.DATA_CENTER, SiteKind.COMMAND_CENTER, SiteKind.MPP, SiteKind.VILLAGE_OFFICE, SiteKind.POP} <= kinds
    assert sites.filter(kind=SiteKind.DISTRICT_OFFICE).count() == 20
    dc = Site.objects.get(name=demo.DATA_CENTER_SITE, kind=SiteKind.DATA_CENTER)
    assert sorted(dc.racks.values_list("name", flat=True)) == [f"R{n:02d}" for n in range(1, 13)]
    assert Rack.objects.filter(site__kind=SiteKind.OPD_OFFICE).values("site").distinct().count() >= 5


def test_devices_addresses_and_interfaces(demo_city, db):
    devices = Device.objects.select_related("primary_ip__interface")
    assert devices.count() >= 300
    kinds = set(devices.values_list("kind", flat=True))
    assert set(DeviceKind.values) - {DeviceKind.OTHER} <= kinds
    assert devices.filter(kind=DeviceKind.VIRTUAL_MACHINE, host__site__kind=SiteKind.DATA_CENTER).count() >= 30
    vendors = set(devices.values_list("vendor", flat=True))
    assert {"Dell", "HPE", "Lenovo", "Cisco", "MikroTik", "Huawei", "ZTE", "Fortinet", "Ruijie", "APC"} <= vendors
    for device in devices:
        assert device.primary_ip is not None and device.primary_ip.interface.device_id == device.pk, device
        if device.kind != DeviceKind.VIRTUAL_MACHINE:
            assert device.serial and device.asset_number and device.purchase_year, device
    assets = [a for a in devices.values_list("asset_number", flat=True) if a]
    assert len(assets) == len(set(assets))
    # Every active device is probed; nothing else is.
    for device in devices:
        assert device.primary_ip.probe == (device.status == DeviceStatus.ACTIVE), device
    network = devices.filter(kind__in=[DeviceKind.SWITCH, DeviceKind.ROUTER, DeviceKind.FIREWALL, DeviceKind.OLT])
    assert not Interface.objects.filter(device__in=network, if_index__isnull=True).exists()
    assert Interface.objects.filter(device__in=network).count() > 5 * network.count()


def test_every_probed_address_is_loopback(demo_city, db):
    probed = IPAddress.objects.filter(probe=True)
    assert probed.count() >= 300
    for address in probed.values_list("address", flat=True):
        assert ipaddress.ip_address(address) in ipaddress.ip_network("127.0.0.0/8"), address
    targets = set(Migration.objects.exclude(target_address=None).values_list("target_address", flat=True))
    assert targets and all(ipaddress.ip_address(a) in ipaddress.ip_network("10.71.0.0/16") for a in targets)
    assert not IPAddress.objects.filter(address__in=targets, probe=True).exists()


def test_fiber_links_and_cores(demo_city, db):
    links = FiberLink.objects.all()
    assert links.count() >= 60
    statuses = {s: links.filter(status=s).count() for s in FiberLinkStatus.values}
    assert statuses[FiberLinkStatus.ACTIVE] > links.count() / 2
    assert statuses[FiberLinkStatus.PLANNED] and statuses[FiberLinkStatus.UNDER_CONSTRUCTION]
    assert statuses[FiberLinkStatus.FAULTY] == 1
    assert {12, 24, 48} <= set(links.values_list("core_count", flat=True))
    assert len(set(links.values_list("deployment", flat=True))) >= 2
    assert links.filter(cable_type="G.652D").count() > links.count() / 2
    dc = Site.objects.get(name=demo.DATA_CENTER_SITE)
    assert links.filter(site_a=dc).count() >= 30  # a star from the data center
    for link in links:
        assert Decimal("0.3") <= link.length_km <= Decimal("12"), link
        assert link.cores.count() == link.core_count
        assert link.contract_id, link
    over_budget = 0
    for link in links.filter(status=FiberLinkStatus.ACTIVE):
        assert link.installed_date and link.contractor and link.measured_loss_db is not None, link
        in_use = link.cores.filter(state=CoreState.IN_USE)
        assert in_use.exists() and not in_use.filter(carries="").exists(), link
        over_budget += not link.loss_within_budget
    assert 1 <= over_budget < links.count() / 4
    carried = set(FiberCore.objects.values_list("carries", flat=True))
    assert "JIP Disdukcapil (Tx)" in carried and "CCTV ATCS" in carried


def test_one_contract_per_package_and_exactly_one_mismatch_to_find(demo_city, db):
    """Each fiber package is a contract with one contractor; one buys 1.3 km less than the registry holds."""
    from infra.inventory.models import Contract
    from infra.inventory.reconciliation import with_reconciliation

    rows = list(with_reconciliation(Contract.objects.all()))
    assert len(rows) == 6 and len({r.number for r in rows}) == 6
    assert all(r.value and r.year and r.contracted_links for r in rows)
    mismatched = [r for r in rows if r.has_mismatch]
    assert [r.title for r in mismatched] == ["Paket Pembangunan Jaringan FO Tahap III 2025"]
    assert mismatched[0].km_difference == Decimal("1.300") and mismatched[0].links_difference == 0
    for contract in rows:
        contractors = set(contract.fiber_links.exclude(contractor="").values_list("contractor", flat=True))
        assert contractors <= {contract.contractor}, contract


def test_websites(demo_city, db):
    """Every OPD of the sample list has a website: most on the demo web server's loopback addresses (so
    the websites report shows every case), a few public-looking ones; the public services' URLs are on
    loopback too. Kecamatan and kelurahan have none."""
    from infra.inventory.demo.websites import APPLICATION_URLS, OPD_WEBSITES

    websites = dict(Organization.objects.exclude(website="").values_list("short_name", "website"))
    assert websites == OPD_WEBSITES
    assert {short for _name, short, _kind in demo.OPD_ROWS} == set(websites)
    on_loopback = [url for url in websites.values() if url.startswith(("http://127.", "https://127."))]
    assert len(on_loopback) > len(websites) * 3 / 4
    urls = dict(Application.objects.filter(short_name__in=APPLICATION_URLS).values_list("short_name", "url"))
    assert urls == APPLICATION_URLS
    assert {"e-Planning", "e-Budgeting", "Dukcapil Online", "Antrean MPP"} <= set(urls)


def test_applications(demo_city, db):
    apps = Application.objects.prefetch_related("devices")
    assert apps.count() >= 20
    assert {"SIPD", "SIMPEG", "e-Office", "SIPKD", "Dukcapil Online", "112", "e-Kinerja", "SIMRS", "LAPOR"} <= set(
        apps.values_list("short_name", flat=True)
    )
    local = [a for a in apps if a.url.endswith(".bandarlampungkota.go.id")]
    assert len(local) >= 20
    assert len(set(apps.values_list("criticality", flat=True))) >= 3
    assert len(set(apps.values_list("integration_status", flat=True))) >= 4
    assert sum(bool(a.devices.all()) for a in apps) >= 20
    for app in apps:
        for device in app.devices.all():
            assert device.status != DeviceStatus.DECOMMISSIONED, (app, device)


def test_migrations_in_every_state_with_two_years_of_history(demo_city, db):
    states = set(Migration.objects.values_list("state", flat=True))
    assert states == set(MigrationState.values)
    assert Migration.objects.filter(device__kind=DeviceKind.SERVER).count() == Migration.objects.count()
    transitions = MigrationTransition.objects.order_by("at")
    first, last = transitions.first().at, transitions.last().at
    assert last - first >= datetime.timedelta(days=730)
    assert first.date() <= datetime.date(2024, 11, 30) and last <= demo.DEMO_NOW
    assert transitions.filter(is_rollback=True).count() >= 5
    assert transitions.exclude(override_reason="").count() >= 3
    assert MigrationWave.objects.count() >= 5
    # Each history is a legal walk that ends in the migration's state.
    history: dict[int, list[MigrationTransition]] = {}
    for t in transitions.order_by("migration_id", "at", "id"):
        history.setdefault(t.migration_id, []).append(t)
    for migration in Migration.objects.all():
        steps = history[migration.pk]
        assert steps[0].from_state == "" and steps[0].to_state == MigrationState.INVENTORIED
        for before, after in itertools.pairwise(steps):
            assert after.from_state == before.to_state and after.at > before.at
            assert after.to_state in MIGRATION_TRANSITIONS[after.from_state]
            assert after.is_rollback == ((after.from_state, after.to_state) in MIGRATION_ROLLBACKS)
        assert steps[-1].to_state == migration.state
    assert Migration.objects.filter(state=MigrationState.RETAINED).exclude(retain_justification="").count() == (
        Migration.objects.filter(state=MigrationState.RETAINED).count()
    )
    scheduled = Migration.objects.filter(state=MigrationState.SCHEDULED)
    assert not scheduled.filter(wave=None).exists()
    assert not scheduled.filter(target_rack=None, target_host=None).exists()
    blockers = MigrationBlocker.objects.all()
    assert blockers.filter(resolved_on=None).exists() and blockers.exclude(resolved_on=None).exists()


def test_users_of_every_role_sign_in_with_the_demo_password(demo_city, db):
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {u.username for u in demo.DEMO_USERS}
    assert {u.role for u in users.values()} == set(Role.values)
    assert users["opd.disdukcapil"].organization.short_name == "Disdukcapil"
    assert users["opd.dinkes"].organization.short_name == "Dinkes"
    assert users["admin"].is_superuser and users["admin"].is_staff
    for username in users:
        assert authenticate(HttpRequest(), username=username, password=demo.DEMO_PASSWORD) == users[username]


def test_every_object_passes_model_validation(demo_city, db):
    for model in LOGGED_MODELS:
        objects = list(model.objects.all())
        if model in (Interface, FiberCore):  # thousands alike, written in bulk: a sample of each
            objects = objects[::15]
        for obj in objects:
            obj.full_clean()
    for obj in MigrationTransition.objects.all()[::5]:
        obj.full_clean()


def test_display_fields_are_all_that_str_reads(demo_city, db, django_assert_num_queries):
    """A model's display_fields are what API responses load of a related object: str() of an
    object loaded with only those fields shows the same text and asks nothing more."""
    declared = [m for m in LOGGED_MODELS if m.display_fields]
    assert len(declared) >= 12
    for model in declared:
        full = {o.pk: str(o) for o in model.objects.order_by("pk")[:50]}
        assert full, model
        slim = list(model.objects.only(*model.display_fields).filter(pk__in=full))
        with django_assert_num_queries(0):
            assert {o.pk: str(o) for o in slim} == full, model


def test_the_change_log_tells_the_demo_history_at_its_own_times(demo_city, db):
    """An auditor's question on the demo: "which servers did this OPD have on 31 December 2025, and
    where were they?" The registry is logged before the first migration, and each server's move at
    its cut-over, so the answer differs from today's for a server moved in 2026."""
    first_transition = MigrationTransition.objects.order_by("at").first().at
    registry = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(Site))
    assert registry.exists() and all(r.time < first_transition for r in registry)
    late = ObjectChange.objects.filter(time__gt=demo.DEMO_NOW)
    assert not late.exists(), [(str(r.content_type), r.action, r.time, r.object_repr) for r in late[:5]]

    new_year = datetime.datetime(2025, 12, 31, 23, 59, 59, tzinfo=demo.WIB)
    cut_over = MigrationTransition.objects.filter(to_state=MigrationState.CUT_OVER, at__gt=new_year)
    moved = [
        t.migration.device
        for t in cut_over.select_related("migration__device__site")
        if t.migration.device.site.kind == SiteKind.DATA_CENTER
    ]
    assert moved, "the demo moves some servers into the data center during 2026"
    device = moved[0]
    then = {row["id"]: row for row in state_as_of(Device, new_year, ids=[device.pk])}
    office = Site.objects.get(pk=then[device.pk]["site_id"])
    assert office.kind != SiteKind.DATA_CENTER and device.site.kind == SiteKind.DATA_CENTER
    migration_then = {row["id"]: row for row in state_as_of(Migration, new_year, ids=[device.migration.pk])}
    assert migration_then[device.migration.pk]["state"] not in (MigrationState.CUT_OVER, MigrationState.ACCEPTED)

    # An application served by a VM rebuilt in 2026 ran on its OPD's own server at the new year.
    vms_2026 = {
        vm.pk
        for vm in Device.objects.filter(kind=DeviceKind.VIRTUAL_MACHINE, applications__isnull=False)
        if ObjectChange.objects.get(content_type__model="device", object_id=vm.pk, action="create").time > new_year
    }
    application = Application.objects.filter(devices__in=vms_2026).distinct().first()
    assert application is not None, "the demo rebuilds some application servers as VMs during 2026"
    devices_then = state_as_of(Application, new_year, ids=[application.pk])[0]["devices"]
    assert devices_then and not set(devices_then) & vms_2026


def test_objects_times_agree_with_their_history_and_the_chain_holds(demo_city, db, client):
    """Each object was created when its change log says, and last updated at its latest record; the
    demo's history is marked as entered later by the system; the chain verifies."""
    from infra.core import chain
    from infra.core.models.changes import SYSTEM_ENTERER

    assert chain.verify().broken is None
    for model in LOGGED_MODELS:
        if not any(f.name == "created" for f in model._meta.concrete_fields):
            continue
        own = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(model))
        created = dict(own.filter(action=ChangeAction.CREATE).values_list("object_id", "time"))
        # A many-to-many change alone is logged on the object without saving it: no new version.
        m2m = {f.name for f in model._meta.many_to_many}
        latest = {}
        for change in own.order_by("time", "id"):
            if change.action == ChangeAction.CREATE or set(change.diff()) - m2m:
                latest[change.object_id] = change.time
        for pk, made, updated in model.objects.values_list("pk", "created", "last_updated"):
            assert made == created[pk], (model, pk)
            # the version stamp moves at least one tick per write: a few microseconds at most
            assert datetime.timedelta(0) <= updated - latest[pk] < datetime.timedelta(milliseconds=1), (model, pk)
    history = ObjectChange.objects.filter(time__lt=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    assert history.exists() and all(c.entered_later and c.entered_by == SYSTEM_ENTERER for c in history[:50])
    client.force_login(User.objects.get(username="admin"))
    found = client.get("/api/devices/", {"created_before": "2026-01-01", "limit": 1}).json()
    assert found["results"], found


def test_every_object_is_in_the_change_log_once(demo_city, db):
    for model in LOGGED_MODELS:
        ct = ContentType.objects.get_for_model(model)
        created = ObjectChange.objects.filter(content_type=ct, action=ChangeAction.CREATE)
        assert created.count() == model.objects.count(), model
        assert created.values("object_id").distinct().count() == model.objects.count(), model
    assert set(ObjectChange.objects.values_list("source", flat=True)) == {"command"}
    assert ObjectChange.objects.filter(user__username="teknisi").exists()


def test_second_run_changes_nothing_and_resets_the_demo_users(demo_city, db, django_assert_max_num_queries):
    counts = {model: model.objects.count() for model in (*LOGGED_MODELS, MigrationTransition, ObjectChange, User)}
    with django_assert_max_num_queries(15):
        result = demo.load_demo()
    assert not result.loaded
    assert {model: model.objects.count() for model in counts} == counts

    admin = User.objects.get(username="admin")
    admin.set_password("lain")
    admin.role, admin.is_superuser, admin.is_active = Role.AUDITOR, False, False
    admin.must_change_password = True
    admin.save()
    operator = User.objects.get(username="opd.dinkes")
    operator.organization = Organization.objects.get(short_name="Disdukcapil")
    operator.save()
    call_command("load_demo", stdout=io.StringIO())
    admin.refresh_from_db()
    operator.refresh_from_db()
    assert admin.role == Role.ADMINISTRATOR and admin.is_superuser and admin.is_active
    assert admin.check_password(demo.DEMO_PASSWORD) and not admin.must_change_password
    assert operator.organization.short_name == "Dinkes"
    # Users are in the change log: the two edits above and the two resets, nothing else.
    users = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(User)).order_by("-id")
    assert ObjectChange.objects.count() == counts[ObjectChange] + 4
    resets = {r.object_id: r for r in users[:2]}
    assert set(resets) == {admin.pk, operator.pk}
    assert set(resets[admin.pk].diff()) == {
        "password",
        "role",
        "is_superuser",
        "is_active",
        "is_staff",
        "must_change_password",
    }
    assert resets[operator.pk].diff() == {
        "organization_id": (resets[operator.pk].before["organization_id"], operator.organization_id)
    }


def test_the_command_prints_the_logins(demo_city, db, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "already loaded" in out
    assert demo.DEMO_PASSWORD in out and all(u.username in out for u in demo.DEMO_USERS)


# --- the data files (no database) --------------------------------------------------------------------

REPOSITORY = Path(settings.BASE_DIR).resolve()

# Run in a fresh interpreter: import the demo (which reads its data files) and list every file opened
# from then on, so that reads done at import time are seen too.
_OPENED_FILES_SCRIPT = """
import os, sys
import django
django.setup()
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        opened.append(os.path.abspath(os.fsdecode(args[0])))
sys.addaudithook(hook)
from infra.inventory import demo
demo.kecamatan_names(), demo.opd_rows()
print(*opened, sep="\\n")
"""


def test_the_data_files_live_in_the_repository():
    assert demo.data.DATA_DIR.resolve().is_relative_to(REPOSITORY)
    assert {"opd-kota.csv", "kecamatan-bandar-lampung.csv"} <= {p.name for p in demo.data.DATA_DIR.glob("*.csv")}


def test_the_demo_reads_nothing_outside_the_repository():
    """Not ../shared/data nor anything else beside the project: only the repository, Python's own files
    and the time zone database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "infra.settings"}
    done = subprocess.run(
        [sys.executable, "-c", _OPENED_FILES_SCRIPT], cwd=REPOSITORY, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    opened = [Path(line) for line in done.stdout.splitlines() if line]
    assert any(path.is_relative_to(demo.data.DATA_DIR.resolve()) for path in opened)
    python = [
        Path(p).resolve()
        for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values(), *zoneinfo.TZPATH}
    ]
    outside = [
        path
        for path in opened
        if not path.resolve().is_relative_to(REPOSITORY) and not any(path.resolve().is_relative_to(p) for p in python)
    ]
    assert outside == []


def test_csv_order_does_not_change_the_city(tmp_path, monkeypatch):
    monkeypatch.setattr(demo.data, "DATA_DIR", tmp_path)
    names = [*sorted(demo.KECAMATAN, reverse=True), "Kecamatan Baru"]
    (tmp_path / "kecamatan-bandar-lampung.csv").write_text("name\n" + "\n".join(names) + "\n", encoding="utf-8")
    rows = ["name,short_name,kind", *(f"{n},{s},{k}" for n, s, k in reversed(demo.OPD_ROWS)), "Badan Baru,BB,unknown"]
    (tmp_path / "opd-kota.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert demo.kecamatan_names() == [*demo.KECAMATAN, "Kecamatan Baru"]
    assert demo.opd_rows() == [*demo.OPD_ROWS, ("Badan Baru", "BB", OrganizationKind.OTHER)]


def test_the_sample_lists_match_the_demo_tables():
    """The two sample lists and the tables that add the demo's details name the same kecamatan and OPDs."""
    kecamatan = demo.data.read("kecamatan-bandar-lampung.csv")
    opds = demo.data.read("opd-kota.csv")
    assert demo.kecamatan_names() == list(demo.KECAMATAN)
    assert {r["name"] for r in kecamatan} == set(demo.KECAMATAN)
    assert [(r["name"], r["short_name"], r["kind"]) for r in opds] == list(demo.OPD_ROWS)
    assert [short for _, short, _ in demo.OPD_ROWS] == list(demo.data.OPD_OFFICES)
    assert {kind for _, _, kind in demo.OPD_ROWS} <= set(OrganizationKind.values)


def test_every_command_explains_itself_with_help():
    """`manage.py COMMAND --help` for each of Simpul's own commands (a lazy help text once crashed it)."""
    from django.core.management import get_commands, load_command_class

    ours = {name: app for name, app in get_commands().items() if app.startswith("infra.")}
    assert {"load_demo", "diagram", "probe"} <= set(ours)
    for name, app in ours.items():
        text = load_command_class(app, name).create_parser("manage.py", name).format_help()
        assert f"manage.py {name}" in text, name
