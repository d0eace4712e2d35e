"""Checks in the spreadsheet import and export: the "checks" sheet, registered by the probes app.

What a good file creates and updates (with status rows and change records), what a bad file is told
(every bad row, nothing written), that an export re-imports unchanged, and that no secret of an SNMP
credential is ever written to a file or read from one.
"""

import csv
import io
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from openpyxl import Workbook, load_workbook

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.models import ObjectChange
from infra.inventory import spreadsheets
from infra.inventory.models import Site
from infra.inventory.spreadsheets import Column, ImportFailed, Sheet
from infra.probes.choices import CheckKind, CheckState, SnmpVersion
from infra.probes.models import Check, CheckStatus, SnmpCredential
from infra.probes.spreadsheets import CheckSheet
from tests.factories import DeviceFactory, IPAddressFactory, OrganizationFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs"
HEADER = CheckSheet.header()
SECRETS = ("komunitas-rahasia-77", "kunci-otentikasi-88", "kunci-privasi-99")


@pytest.fixture
def city():
    """Two OPDs with a core switch and a server; the server's address is marked for probing."""
    kominfo = OrganizationFactory(name="Dinas Komunikasi dan Informatika", short_name="Diskominfo")
    dukcapil = OrganizationFactory(name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil")
    data_center = SiteFactory(name="Pusat Data", organization=kominfo)
    switch = DeviceFactory(name="sw-core-01", organization=kominfo, site=data_center, kind="switch")
    server = DeviceFactory(name="srv-siak", organization=dukcapil)
    # Same name in another OPD: the OPD column tells them apart.
    twin = DeviceFactory(name="sw-core-01", organization=dukcapil, site=server.site, kind="switch")
    switch_ip = IPAddressFactory(address="127.0.40.1", interface__device=switch)
    server_ip = IPAddressFactory(address="127.0.40.2", interface__device=server, probe=True)  # an automatic check
    v2c = SnmpCredential.objects.create(name="snmp-dc", version=SnmpVersion.V2C, community=SECRETS[0])
    v3 = SnmpCredential.objects.create(
        name="snmp-v3", version=SnmpVersion.V3, username="simpul", auth_key=SECRETS[1], priv_key=SECRETS[2]
    )
    return {
        "kominfo": kominfo,
        "dukcapil": dukcapil,
        "switch": switch,
        "server": server,
        "twin": twin,
        "switch_ip": switch_ip,
        "server_ip": server_ip,
        "v2c": v2c,
        "v3": v3,
    }


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows):
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def row(**cells) -> list[object]:
    """A full row of the template's columns, empty but for ``cells``."""
    return [cells.get(name, "") for name in HEADER]


def state():
    return {
        "checks": sorted(
            Check.objects.values_list(
                "kind", "address", "device_id", "ip_address_id", "credential_id", "interval", "timeout", "enabled"
            ),
            key=str,
        ),
        "statuses": CheckStatus.objects.count(),
        "changes": ObjectChange.objects.count(),
    }


def import_errors(path) -> list[str]:
    before = state()
    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("checks", path)
    assert state() == before, "a failed import must save nothing"
    return [str(e) for e in failure.value.errors]


def export_csv() -> str:
    out = StringIO()
    call_command("export_data", "checks", stdout=out)
    return out.getvalue()


# --- creating and updating --------------------------------------------------------------------
def test_good_csv_creates_checks_with_status_rows_and_change_records(city, tmp_path):
    user = UserFactory(username="insinyur-dc")
    path = write_csv(
        tmp_path / "pemeriksaan.csv",
        HEADER,
        [
            # An address of the registry: linked to it and to its device, though the row names none.
            row(
                jenis="icmp", target="127.0.40.1", interval_detik="120", paket="5", timeout_detik="0,1", keterangan="DC"
            ),
            # An address the registry does not hold, the kind in Indonesian, a decimal comma.
            row(jenis="PING", target="127.0.41.9", timeout_detik="0,5", turun_setelah="4", naik_setelah="1"),
            row(
                jenis="snmp",
                target="127.0.40.1",
                opd="Diskominfo",
                perangkat="SW-CORE-01",
                kredensial="snmp-dc",
                port="1161",
                ulang="2",
                flap_rendah="10",
                flap_tinggi="30,5",
                aktif="tidak",
            ),
        ],
    )
    old_changes = ObjectChange.objects.count()

    result = spreadsheets.import_file("checks", path, user=user)

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    gateway = Check.objects.get(kind=CheckKind.ICMP, address="127.0.40.1")
    assert (gateway.ip_address, gateway.device) == (city["switch_ip"], city["switch"])
    assert (gateway.interval, gateway.packets, gateway.description, gateway.auto_created) == (120, 5, "DC", False)
    assert gateway.timeout == 0.1  # the least a timeout may be, written with a decimal comma
    loose = Check.objects.get(address="127.0.41.9")
    assert (loose.kind, loose.ip_address, loose.device, loose.timeout) == (CheckKind.ICMP, None, None, 0.5)
    assert (loose.down_after, loose.up_after, loose.packets, loose.interval, loose.enabled) == (4, 1, 3, 60, True)
    agent = Check.objects.get(kind=CheckKind.SNMP)
    assert (agent.device, agent.credential, agent.ip_address) == (city["switch"], city["v2c"], None)
    assert (agent.port, agent.retries, agent.flap_low, agent.flap_high, agent.enabled) == (1161, 2, 10.0, 30.5, False)
    # Each new check has its status row (the probes hear of the bulk insert), due at once; the
    # disabled one is unknown.
    statuses = {s.probe_check_id: s for s in CheckStatus.objects.filter(probe_check__in=[gateway, loose, agent])}
    assert set(statuses) == {gateway.pk, loose.pk, agent.pk}
    assert all(s.next_due is not None for s in statuses.values())
    assert statuses[agent.pk].state == CheckState.UNKNOWN
    # One creation record per check, as an import, by the user.
    records = ObjectChange.objects.filter(content_type__model="check").exclude(
        object_id=Check.objects.get(auto_created=True).pk
    )
    assert ObjectChange.objects.count() == old_changes + 3
    assert (
        sorted(records.values_list("action", "source", "user"))
        == [(ChangeAction.CREATE, ChangeSource.IMPORT, user.pk)] * 3
    )
    for before, after in ObjectChange.objects.values_list("before", "after"):
        assert not any(secret in str(before) + str(after) for secret in SECRETS)
    logged = records.get(object_id=agent.pk).diff()
    assert logged["credential_id"] == (None, city["v2c"].pk) and logged["port"] == (None, 1161)
    assert logged["flap_high"] == (None, 30.5) and records.get(object_id=loose.pk).diff()["timeout"] == (None, 0.5)


def test_an_automatic_check_is_not_switched_off_by_a_file_but_a_manual_one_is(city, tmp_path):
    auto = Check.objects.get(ip_address=city["server_ip"])  # made by the probe mark
    manual = Check.objects.create(address="127.0.40.77")
    header = ["jenis", "target", "aktif"]
    path = write_xlsx(
        tmp_path / "off.xlsx", header, [["icmp", "127.0.40.2", "tidak"], ["icmp", "127.0.40.77", "tidak"]]
    )
    with pytest.raises(ImportFailed) as failed:
        spreadsheets.import_file("checks", path)
    assert "change the mark on the IP address instead" in str(failed.value) and "Row 2" in str(failed.value)
    assert Check.objects.get(pk=manual.pk).enabled and Check.objects.get(pk=auto.pk).enabled  # nothing saved
    path = write_xlsx(tmp_path / "off2.xlsx", header, [["icmp", "127.0.40.77", "tidak"]])
    spreadsheets.import_file("checks", path)
    assert not Check.objects.get(pk=manual.pk).enabled
    assert CheckStatus.objects.get(probe_check=manual).state == CheckState.UNKNOWN  # disabled: not probed


def test_xlsx_updates_in_place_with_english_headers_and_logs_only_real_changes(city, tmp_path):
    auto = Check.objects.get(ip_address=city["server_ip"])  # made by the probe mark
    header = ["kind", "address", "interval", "timeout", "enabled", "description"]
    path = write_xlsx(tmp_path / "c.xlsx", header, [["icmp", "127.0.40.2", 300, 2.5, "ya", "SIAK"]])

    result = spreadsheets.import_file("checks", path)

    assert (result.created, result.updated) == (0, 1)
    auto.refresh_from_db()
    assert (auto.interval, auto.timeout, auto.enabled, auto.description) == (300, 2.5, True, "SIAK")
    # Columns left out keep their values; it still follows the address it was made for.
    assert (auto.packets, auto.auto_created, auto.ip_address, auto.device) == (
        3,
        True,
        city["server_ip"],
        city["server"],
    )
    update = ObjectChange.objects.get(content_type__model="check", object_id=auto.pk, action=ChangeAction.UPDATE)
    assert update.source == ChangeSource.IMPORT
    assert update.diff() == {
        "interval": (60, 300),
        "timeout": (1.0, 2.5),
        "description": ("", "SIAK"),
    }

    changes = ObjectChange.objects.count()
    again = spreadsheets.import_file("checks", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert ObjectChange.objects.count() == changes


def test_the_key_is_the_kind_and_the_target_in_any_notation(city, tmp_path):
    Check.objects.create(kind=CheckKind.ICMP, address="gw-dc.lan", description="")
    Check.objects.create(kind=CheckKind.ICMP, address="::1")
    path = write_csv(
        tmp_path / "k.csv",
        ["jenis", "target", "keterangan"],
        [
            ["icmp", "GW-DC.LAN", "gerbang"],
            ["icmp", "0:0:0::1", "loopback v6"],
            ["icmp", "::ffff:127.0.40.2", "srv"],
            ["icmp", "0:0:0:0:0:FFFF:7F00:2901", "baru"],
        ],
    )

    result = spreadsheets.import_file("checks", path)

    assert (result.created, result.updated) == (1, 3)
    assert set(Check.objects.values_list("address", "description")) == {
        ("gw-dc.lan", "gerbang"),  # the stored spelling stays
        ("::1", "loopback v6"),
        ("127.0.40.2", "srv"),  # the automatic check of the server's address
        ("127.0.41.1", "baru"),  # a new address is stored in its canonical form
    }


def test_a_check_that_left_its_registry_address_is_updated_without_reading_that_address(city, tmp_path):
    """A check still linked to an address whose value moved on: its clean() reads the address it is
    linked to, which the import loaded with the others (no query per row)."""
    stale = []
    for i in range(1, 4):
        ip = IPAddressFactory(address=f"127.0.61.{i}")
        stale.append(Check.objects.create(address=f"127.0.60.{i}", ip_address=ip, device=ip.interface.device))
    path = write_csv(
        tmp_path / "s.csv", ["jenis", "target", "keterangan"], [["icmp", c.address, "dipindah"] for c in stale]
    )

    with CaptureQueriesContext(connection) as captured:
        assert spreadsheets.import_file("checks", path).updated == 3

    reads = [q["sql"] for q in captured if 'FROM "inventory_ipaddress" WHERE' in q["sql"]]
    assert reads == []
    assert [c.ip_address_id for c in Check.objects.filter(description="dipindah").order_by("address")] == [
        c.ip_address_id for c in stale
    ]


# --- bad files ----------------------------------------------------------------------------------
def test_a_bad_file_names_every_bad_row_and_writes_nothing(city, tmp_path):
    Check.objects.create(
        kind=CheckKind.SNMP, address="127.0.40.1", device=city["twin"], credential=city["v3"]
    )  # the twin switch already has its SNMP check
    rows = [
        row(jenis="snmp", target="127.0.42.1", opd="Diskominfo", perangkat="sw-core-01", kredensial="snmp-hilang"),
        row(jenis="snmp", target="127.0.42.2", opd="Diskominfo", perangkat="sw-hilang", kredensial="snmp-dc"),
        row(jenis="snmp", target="127.0.42.3", opd="Disdukcapil", perangkat="srv-siak"),
        row(jenis="snmp", target="127.0.42.4", kredensial="snmp-dc"),
        row(jenis="telnet", target="127.0.42.5"),
        row(jenis="icmp", target="10.1.1.300"),
        row(jenis="icmp", target="127.0.42.7", interval_detik="10", paket="0", flap_rendah="50", flap_tinggi="10"),
        row(jenis="icmp", target="127.0.42.7"),
        row(jenis="icmp", target="127.0.40.2", opd="Diskominfo", perangkat="sw-core-01"),
        row(jenis="snmp", target="127.0.42.10", opd="Disdukcapil", perangkat="sw-core-01", kredensial="snmp-dc"),
        row(jenis="icmp", target="127.0.42.11", opd="Diskominfo"),
        row(jenis="icmp", target="127.0.42.12", aktif="mungkin", timeout_detik="cepat"),
        row(jenis="icmp", target=""),
        row(jenis="snmp", target="127.0.42.14", perangkat="sw-core-01", kredensial="snmp-dc"),
    ]

    errors = import_errors(write_csv(tmp_path / "bad.csv", HEADER, rows))

    assert errors == [
        "Row 2, column kredensial: No SNMP credential named “snmp-hilang” exists.",
        "Row 3, column perangkat: No device named “sw-hilang” exists.",
        "Row 4, column kredensial: An SNMP check needs a credential.",
        "Row 5, column perangkat: An SNMP check belongs to a device.",
        "Row 6, column jenis: telnet is not an allowed value. Allowed: icmp, snmp.",
        "Row 7, column target: Enter an IP address (10.1.2.3, 2001:db8::1) or a host name.",
        "Row 8, column interval_detik: Ensure this value is greater than or equal to 30.",
        "Row 8, column paket: Ensure this value is greater than or equal to 1.",
        "Row 8, column flap_rendah: The flap low threshold cannot be above the high threshold.",
        "Row 9, column target: Row 8 has the same jenis, target: each object may appear only once in a file.",
        "Row 10, column perangkat: The address 127.0.40.2 is recorded on the device srv-siak.",
        "Row 11, column perangkat: This device already has an SNMP check.",
        "Row 12, column opd: An OPD alone is not stored: name the device (perangkat) too.",
        "Row 13, column timeout_detik: Enter a number, for example 2,5 or 2.5.",
        "Row 13, column aktif: Enter ya or tidak.",
        "Row 14, column target: This key column cannot be empty.",
        "Row 15, column perangkat: “sw-core-01” matches 2 device records (sw-core-01, sw-core-01); say which one.",
    ]


def test_two_rows_that_would_make_a_second_check_of_one_device_or_address(city, tmp_path):
    rows = [
        row(jenis="snmp", target="127.0.40.1", opd="Diskominfo", perangkat="sw-core-01", kredensial="snmp-dc"),
        row(jenis="snmp", target="127.0.43.1", opd="Diskominfo", perangkat="sw-core-01", kredensial="snmp-v3"),
    ]

    assert import_errors(write_csv(tmp_path / "dup.csv", HEADER, rows)) == [
        "Row 3, column perangkat: This device already has an SNMP check. Also in row 2."
    ]


def test_an_address_with_a_check_that_does_not_follow_it_is_refused(city, tmp_path):
    stale = Check.objects.get(ip_address=city["server_ip"])
    Check.objects.filter(pk=stale.pk).update(address="127.0.44.4")  # as if the check had not followed yet

    errors = import_errors(write_csv(tmp_path / "a.csv", ["jenis", "target"], [["icmp", "127.0.40.2"]]))

    assert errors == ["Row 2, column target: This IP address already has an ICMP check."]


def test_the_opd_column_only_narrows_the_device(city, tmp_path):
    path = write_csv(tmp_path / "o.csv", ["jenis", "target", "opd"], [["icmp", "127.0.40.2", "Diskominfo"]])

    assert import_errors(path) == ["Row 2, column opd: The device srv-siak belongs to Disdukcapil."]
    rows = [["icmp", "127.0.40.2", "disdukcapil"], ["icmp", "127.0.40.1", "Diskominfo"]]  # the devices of the addresses
    result = spreadsheets.import_file("checks", write_csv(tmp_path / "p.csv", ["jenis", "target", "opd"], rows))
    assert (result.created, result.unchanged) == (1, 1)
    assert Check.objects.get(address="127.0.40.1").device == city["switch"]


def test_stored_checks_that_a_row_cannot_tell_apart_are_not_guessed(city, tmp_path):
    Check.objects.create(address="gw-dc.lan")
    Check.objects.create(address="GW-DC.lan")  # a host name in two spellings, both made in the application

    errors = import_errors(write_csv(tmp_path / "g.csv", ["jenis", "target", "paket"], [["icmp", "gw-dc.lan", "2"]]))

    assert errors == [
        "Row 2, column target: Several stored checks of this kind have this target: edit them in the application."
    ]


def test_secrets_are_not_columns(city, tmp_path):
    path = write_csv(
        tmp_path / "s.csv",
        ["jenis", "target", "perangkat", "kredensial", "community", "auth_key"],
        [["snmp", "127.0.40.1", "sw-core-01", "snmp-dc", "public", "x"]],
    )

    errors = import_errors(path)

    assert errors[0].startswith("Row 1, column community: Unknown column.")
    assert errors[1].startswith("Row 1, column auth_key: Unknown column.")
    assert SnmpCredential.objects.get(name="snmp-dc").community == SECRETS[0]


# --- export -------------------------------------------------------------------------------------
def _make_checks(city):
    Check.objects.create(
        kind=CheckKind.SNMP,
        address="127.0.40.1",
        device=city["switch"],
        credential=city["v3"],
        port=1161,
        timeout=0.3,
        flap_low=7.5,
        enabled=False,
        description="=SUM(A1)",
    )
    Check.objects.create(kind=CheckKind.ICMP, address="gw-dc.lan", interval=45, packets=1)
    Check.objects.create(kind=CheckKind.ICMP, address="127.0.40.1", ip_address=city["switch_ip"], device=city["switch"])


def test_export_writes_names_not_secrets(city):
    _make_checks(city)

    rows = list(csv.DictReader(StringIO(export_csv())))

    assert list(rows[0]) == HEADER
    by_key = {(r["jenis"], r["target"]): r for r in rows}
    assert set(by_key) == {
        ("icmp", "127.0.40.1"),
        ("snmp", "127.0.40.1"),
        ("icmp", "127.0.40.2"),
        ("icmp", "gw-dc.lan"),
    }
    agent = by_key[("snmp", "127.0.40.1")]
    assert (agent["opd"], agent["perangkat"], agent["kredensial"], agent["port"]) == (
        "Diskominfo",
        "sw-core-01",
        "snmp-v3",
        "1161",
    )
    assert (agent["timeout_detik"], agent["flap_rendah"], agent["aktif"]) == ("0.3", "7.5", "tidak")
    assert agent["keterangan"] == "'=SUM(A1)"  # text, never a formula
    assert by_key[("icmp", "127.0.40.2")]["perangkat"] == "srv-siak"
    assert (by_key[("icmp", "gw-dc.lan")]["opd"], by_key[("icmp", "gw-dc.lan")]["paket"]) == ("", "1")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_secret_is_ever_written_to_a_file(city, tmp_path, fmt):
    _make_checks(city)
    Check.objects.create(kind=CheckKind.SNMP, address="127.0.45.1", device=city["server"], credential=city["v2c"])
    export, template = tmp_path / f"export.{fmt}", tmp_path / f"template.{fmt}"

    for write, path in ((spreadsheets.export, export), (spreadsheets.write_template, template)):
        if fmt == "csv":
            with path.open("w", encoding="utf-8", newline="") as stream:
                write("checks", stream, format=fmt)
        else:
            write("checks", path, format=fmt)

    for path in (export, template):
        data = path.read_bytes()
        texts = [data] if fmt == "csv" else [zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()]
        for text in texts:
            for secret in SECRETS:
                assert secret.encode() not in text, f"{secret} in {path.name}"
    assert b"snmp-dc" in export.read_bytes() or fmt == "xlsx"
    if fmt == "xlsx":
        values = {c for r in load_workbook(export)["Data"].iter_rows(values_only=True) for c in r}
        assert {"snmp-dc", "snmp-v3"} <= values and not values & set(SECRETS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_reimports_with_no_changes(city, tmp_path, fmt):
    _make_checks(city)
    path = tmp_path / f"checks.{fmt}"
    call_command("export_data", "checks", "--format", fmt, "--output", str(path))
    changes = ObjectChange.objects.count()

    result = spreadsheets.import_file("checks", path)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert ObjectChange.objects.count() == changes


def test_an_export_rebuilds_the_checks_in_an_empty_database(city, tmp_path):
    _make_checks(city)
    path = tmp_path / "checks.csv"
    path.write_text(export_csv(), encoding="utf-8")
    before = state()["checks"]
    fields = [
        f.attname
        for f in Check._meta.concrete_fields
        if f.attname not in ("id", "created", "last_updated", "auto_created")
    ]
    values = sorted(Check.objects.values_list(*fields), key=str)
    Check.objects.all().delete()

    result = spreadsheets.import_file("checks", path)

    assert result.created == 4
    assert sorted(Check.objects.values_list(*fields), key=str) == values
    assert state()["checks"] == before
    assert CheckStatus.objects.count() == 4


# --- queries ------------------------------------------------------------------------------------
def test_import_and_export_queries_do_not_grow_with_the_rows(city, tmp_path):
    def files(n: int, prefix: int) -> tuple[Path, Path]:
        """``n`` new checks, half of them ICMP checks of registry addresses; then the same, all changed."""
        rows = []
        for i in range(n):
            target = f"127.{prefix}.0.{i + 1}"
            if i % 2:  # an SNMP check of a device of its own
                device = DeviceFactory(organization=city["kominfo"]).name
                rows.append(row(jenis="snmp", target=target, opd="Diskominfo", perangkat=device, kredensial="snmp-dc"))
            else:  # an ICMP check of an address of the registry
                IPAddressFactory(address=target)
                rows.append(row(jenis="icmp", target=target))
        changed = [[*r[:-1], "diubah"] for r in rows]
        return write_csv(tmp_path / f"{prefix}.csv", HEADER, rows), write_csv(
            tmp_path / f"{prefix}b.csv", HEADER, changed
        )

    def queries(path: Path) -> int:
        with CaptureQueriesContext(connection) as captured:
            result = spreadsheets.import_file("checks", path)
        assert result.created + result.updated > 0
        return len(captured)

    def export_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            export_csv()
        return len(captured)

    small, small_changed = files(4, 50)
    large, large_changed = files(40, 51)
    counts = [queries(small), export_queries(), queries(small_changed)]
    assert [queries(large), export_queries(), queries(large_changed)] == counts
    assert Check.objects.filter(description="diubah").count() == 44
    assert Check.objects.filter(ip_address__isnull=False).count() == 1 + 22


# --- the commands, the page and the registry ----------------------------------------------------
def test_the_commands(city, tmp_path):
    out = StringIO()
    call_command("import_template", "checks", stdout=out)
    assert out.getvalue() == ",".join(HEADER) + "\n"
    assert (DOCS / "import-templates" / "checks.csv").read_text(encoding="utf-8") == out.getvalue()

    path = write_csv(tmp_path / "c.csv", ["jenis", "target"], [["icmp", "127.0.46.1"]])
    call_command("import_data", "checks", str(path), "--dry-run", stdout=out)
    assert "Checks: 1 created, 0 updated, 0 unchanged. Dry run: nothing was saved." in out.getvalue()
    assert not Check.objects.filter(address="127.0.46.1").exists()
    call_command("import_data", "checks", str(path), stdout=out)
    assert Check.objects.filter(address="127.0.46.1").exists()
    assert "127.0.46.1" in export_csv()
    bad = write_csv(tmp_path / "bad.csv", ["jenis", "target"], [["snmp", "127.0.46.2"]])
    with pytest.raises(CommandError) as failure:
        call_command("import_data", "checks", str(bad))
    assert str(failure.value).splitlines()[1:] == [
        # The file has neither column: the messages name the fields, never a column it lacks.
        "Row 2: SNMP credential: An SNMP check needs a credential.",
        "Row 2: Device: An SNMP check belongs to a device.",
    ]


def test_the_import_page_offers_checks_and_imports_them(client, engineer, city):
    client.force_login(engineer)
    page = client.get(reverse("inventory:import"))
    assert ("checks", True) in [(kind, allowed) for kind, _label, allowed in page.context["kinds"]]
    assert b'<option value="checks"' in page.content
    assert client.get(reverse("inventory:import_template", args=["checks", "xlsx"])).content[:2] == b"PK"

    body = ",".join(HEADER) + "\n" + ",".join(row(jenis="icmp", target="127.0.47.1", interval_detik="90")) + "\n"
    upload = SimpleUploadedFile("pemeriksaan.csv", body.encode(), content_type="text/csv")
    staged = client.post(reverse("inventory:import"), {"kind": "checks", "file": upload}, follow=True)
    assert staged.status_code == 200 and not staged.context["errors"]
    assert not Check.objects.filter(address="127.0.47.1").exists()
    done = client.post(reverse("inventory:import"), {"confirm": "1", "token": staged.context["token"]}, follow=True)

    assert done.status_code == 200 and b'data-testid="import-done"' in done.content
    try:
        checks_page = reverse("probes:check_list")
    except NoReverseMatch:
        checks_page = None  # the probes' pages are not served: the page offers no link, and does not fail
    assert done.context.get("list_url") == checks_page
    assert Check.objects.get(address="127.0.47.1").interval == 90
    assert (
        ObjectChange.objects.get(
            content_type__model="check", action=ChangeAction.CREATE, object_repr__contains="127.0.47.1"
        ).user
        == engineer
    )


def test_kinds_are_read_from_the_registry_when_used():
    class SiteNotes(Sheet):
        kind = "site-notes"
        model = Site
        title = "Site notes"
        columns = (Column("nama", "name", key=True),)

    assert spreadsheets.kinds()[-1] == "checks" and spreadsheets.KINDS == spreadsheets.kinds()
    spreadsheets.register(SiteNotes)
    try:
        assert "site-notes" in spreadsheets.KINDS
        out = StringIO()
        call_command("import_template", "site-notes", stdout=out)  # the command's choices include it now
        assert out.getvalue() == "nama\n"
        with pytest.raises(ValueError, match="already registered"):
            spreadsheets.register(type("Other", (SiteNotes,), {}))
        spreadsheets.register(CheckSheet)  # the same sheet again (a second ready()): no harm
    finally:
        del spreadsheets.SHEETS["site-notes"]
    assert "site-notes" not in spreadsheets.KINDS
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_template", "site-notes", stdout=io.StringIO())
