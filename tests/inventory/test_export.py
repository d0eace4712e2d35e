"""Spreadsheet export and templates: an export re-imports with no changes, templates match the docs."""

import csv
import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from openpyxl import load_workbook

from infra.core.models import ObjectChange
from infra.inventory import spreadsheets
from infra.inventory.choices import Deployment, DeviceKind, Disposition, OrganizationKind, Readiness
from infra.inventory.models import (
    Device,
    FiberLink,
    Interface,
    IPAddress,
    Migration,
    MigrationTransition,
    Organization,
    Site,
)

from ..factories import (
    ContractFactory,
    DeviceFactory,
    FiberLinkFactory,
    IPAddressFactory,
    MigrationFactory,
    MigrationWaveFactory,
    OrganizationFactory,
    RackFactory,
    RegionFactory,
    SiteFactory,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def city(db):
    """A small city with one of everything, filled in the way the application fills it."""
    kota = RegionFactory(name="Bandar Lampung", code="18.71")
    setda = OrganizationFactory(name="Sekretariat Daerah", short_name="Setda", kind=OrganizationKind.SECRETARIAT)
    kominfo = OrganizationFactory(name="Dinas Komunikasi dan Informatika", short_name="Diskominfo", parent=setda)
    dukcapil = OrganizationFactory(
        name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil", region=kota, description="PIC: Budi"
    )
    data_center = SiteFactory(
        name="Pusat Data", kind="data_center", organization=kominfo, region=kota, address="Jl. Dr. Susilo 2"
    )
    office = SiteFactory(name="Kantor Disdukcapil", organization=dukcapil, latitude=Decimal("-5.4291"))
    rack = RackFactory(site=data_center, name="R01")
    server = DeviceFactory(
        name="srv-siak",
        organization=dukcapil,
        site=office,
        vendor="Dell",
        serial="0042",
        asset_number="02.06.03.000001",
        purchase_year=2019,
        warranty_end=datetime.date(2025, 12, 31),
        description="baris pertama\nbaris kedua, dengan koma",
    )
    ip = IPAddressFactory(address="127.0.8.1", prefix_length=24, interface__device=server, interface__name="mgmt0")
    ip.probe = True
    ip.save()
    server.primary_ip = ip
    server.save()
    host = DeviceFactory(name="esx-01", organization=kominfo, site=data_center, rack=rack, position=10)
    DeviceFactory(name="vm-web", organization=dukcapil, site=data_center, kind=DeviceKind.VIRTUAL_MACHINE, host=host)
    FiberLinkFactory(
        code="FO-BL-001",
        site_a=data_center,
        site_b=office,
        core_count=48,
        deployment=Deployment.AERIAL,
        length_km=Decimal("2.750"),
        measured_loss_db=Decimal("1.85"),
        installed_date=datetime.date(2023, 8, 15),
        contract=ContractFactory(number="027/SPK-FO/DISKOMINFO/2023"),
    )
    migration = MigrationFactory(device=server)
    migration.readiness = Readiness.READY_WITH_CONDITIONS
    migration.disposition = Disposition.REHOST
    migration.wave = MigrationWaveFactory(name="Gelombang 1")
    migration.target_host = host
    migration.target_vlan = 120
    migration.planned_cutover = datetime.date(2026, 2, 1)
    migration.actual_start = datetime.date(2026, 1, 15)
    migration.save()
    return {"server": server, "host": host, "rack": rack, "migration": migration}


def export_csv(kind: str) -> str:
    out = StringIO()
    call_command("export_data", kind, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("kind", spreadsheets.KINDS)
def test_csv_export_reimports_with_no_changes(city, tmp_path, kind):
    text = export_csv(kind)
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    changes = ObjectChange.objects.count()

    result = spreadsheets.import_file(kind, path)

    assert (result.created, result.updated) == (0, 0) and result.unchanged > 0
    assert ObjectChange.objects.count() == changes


@pytest.mark.parametrize("kind", spreadsheets.KINDS)
def test_xlsx_export_reimports_with_no_changes(city, tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"
    call_command("export_data", kind, "--format", "xlsx", "--output", str(path))
    changes = ObjectChange.objects.count()

    result = spreadsheets.import_file(kind, path)

    assert (result.created, result.updated) == (0, 0) and result.unchanged > 0
    assert ObjectChange.objects.count() == changes
    assert load_workbook(path).sheetnames == ["Data", "Petunjuk"]


def test_device_export_has_the_documented_columns_and_values(city):
    rows = list(csv.DictReader(StringIO(export_csv("devices"))))

    assert list(rows[0]) == spreadsheets.get_sheet("devices").header()
    server = next(r for r in rows if r["nama"] == "srv-siak")
    assert server["opd"] == "Disdukcapil" and server["lokasi"] == "Kantor Disdukcapil"
    assert (server["jenis"], server["status"]) == ("server", "active")
    assert (server["nomor_seri"], server["kode_barang_bmd"]) == ("0042", "02.06.03.000001")
    assert (server["tahun_pengadaan"], server["garansi_sampai"]) == ("2019", "2025-12-31")
    assert (server["alamat_ip"], server["pantau"]) == ("127.0.8.1/24", "ya")
    assert server["keterangan"] == "baris pertama\nbaris kedua, dengan koma"
    host = next(r for r in rows if r["nama"] == "esx-01")
    assert (host["rak"], host["posisi_u"], host["alamat_ip"], host["pantau"]) == ("R01", "10", "", "tidak")


def test_migration_export_shows_state_and_references(city):
    row = next(csv.DictReader(StringIO(export_csv("migrations"))))

    assert (row["server"], row["opd"], row["tahap"]) == ("srv-siak", "Disdukcapil", "inventoried")
    assert (row["kesiapan"], row["disposisi"], row["gelombang"]) == ("ready_with_conditions", "rehost", "Gelombang 1")
    assert (row["host_tujuan"], row["opd_host_tujuan"], row["vlan_tujuan"]) == ("esx-01", "Diskominfo", "120")
    assert (row["rencana_cutover"], row["realisasi_mulai"]) == ("2026-02-01", "2026-01-15")


def test_xlsx_export_keeps_types(city, tmp_path):
    path = tmp_path / "fo.xlsx"
    call_command("export_data", "fiberlinks", "--format", "xlsx", "--output", str(path))

    sheet = load_workbook(path)["Data"]
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert values["kode"] == "FO-BL-001" and values["jumlah_core"] == 48
    assert values["panjang_km"] == 2.75 and values["redaman_terukur_db"] == 1.85
    assert values["tanggal_pasang"] == datetime.datetime(2023, 8, 15)
    assert sheet.cell(row=2, column=header.index("tanggal_pasang") + 1).number_format == "DD/MM/YYYY"


def test_round_trip_into_an_empty_database(city, tmp_path):
    """Export everything, remove it, import the files back in order: the same city again."""
    files = {}
    for kind in ("organizations", "sites", "devices", "fiberlinks", "migrations"):
        files[kind] = tmp_path / f"{kind}.csv"
        files[kind].write_text(export_csv(kind), encoding="utf-8")
    before = {
        "devices": sorted(Device.objects.values_list("name", "organization__short_name", "site__name", "asset_number")),
        "links": sorted(FiberLink.objects.values_list("code", "length_km", "core_count")),
        "migrations": sorted(Migration.objects.values_list("device__name", "readiness", "target_host__name")),
    }
    # Transitions are evidence that no door deletes (test_migration_evidence.py): the empty database
    # is made below the application, as an operator would start a new one.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MigrationTransition._meta.db_table}")
    Migration.objects.all().delete()
    FiberLink.objects.all().delete()
    Device.objects.update(primary_ip=None, host=None)
    IPAddress.objects.all().delete()
    Interface.objects.all().delete()
    Device.objects.all().delete()
    city["rack"].delete()
    Site.objects.all().delete()
    Organization.objects.update(parent=None)
    Organization.objects.all().delete()

    for kind in ("organizations", "sites"):
        assert spreadsheets.import_file(kind, files[kind]).updated == 0
    RackFactory(site=Site.objects.get(name="Pusat Data"), name="R01")  # racks are made in the application
    for kind in ("devices", "fiberlinks"):
        assert spreadsheets.import_file(kind, files[kind]).updated == 0
    # The actual start was stamped by a transition: a newly tracked server cannot take it from a file.
    with pytest.raises(spreadsheets.ImportFailed, match="Row 2, column realisasi_mulai: This column cannot"):
        spreadsheets.import_file("migrations", files["migrations"])
    rows = list(csv.DictReader(files["migrations"].open(encoding="utf-8")))
    rows[0]["realisasi_mulai"] = ""
    with files["migrations"].open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    # The devices file carries each server's migration state (tahap_migrasi): tracking started there, as an
    # imported starting point, and the migrations file fills in the rest.
    assert spreadsheets.import_file("migrations", files["migrations"]).updated == 1
    assert MigrationTransition.objects.get().is_imported_start

    assert Organization.objects.get(short_name="Diskominfo").parent.short_name == "Setda"
    assert (
        sorted(Device.objects.values_list("name", "organization__short_name", "site__name", "asset_number"))
        == before["devices"]
    )
    assert sorted(FiberLink.objects.values_list("code", "length_km", "core_count")) == before["links"]
    assert FiberLink.objects.get().cores.count() == 48
    assert Device.objects.get(name="srv-siak").primary_ip.probe is True
    assert (
        sorted(Migration.objects.values_list("device__name", "readiness", "target_host__name")) == before["migrations"]
    )


# --- templates --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", spreadsheets.KINDS)
def test_docs_templates_equal_what_import_template_writes(kind):
    out = StringIO()
    call_command("import_template", kind, stdout=out)

    assert (DOCS / "import-templates" / f"{kind}.csv").read_text(encoding="utf-8") == out.getvalue()
    assert out.getvalue() == ",".join(spreadsheets.get_sheet(kind).header()) + "\n"


@pytest.mark.parametrize("kind", spreadsheets.KINDS)
def test_docs_describe_every_column(kind):
    text = (DOCS / "import-formats.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {kind}\n", 1)[1].split("\n## ", 1)[0]

    for column in spreadsheets.get_sheet(kind).header():
        assert f"| `{column}` |" in section, f"docs/import-formats.md does not describe {kind}.{column}"


def test_xlsx_template_has_a_guide_sheet(tmp_path):
    path = tmp_path / "template.xlsx"
    call_command("import_template", "devices", "--format", "xlsx", "--output", str(path))

    workbook = load_workbook(path)
    assert [c.value for c in workbook["Data"][1]] == spreadsheets.get_sheet("devices").header()
    assert workbook["Data"].max_row == 1
    guide = {row[0]: row[1:] for row in workbook["Petunjuk"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert guide["nama"][0] == "key" and guide["jenis"][0] == "required" and guide["merek"][0] == "optional"
    assert "virtual_machine (Virtual machine / mesin virtual / vm" in guide["jenis"][2]
    assert "All or nothing" in guide


def test_xlsx_needs_an_output_file():
    with pytest.raises(CommandError, match="give --output"):
        call_command("export_data", "sites", "--format", "xlsx")
    with pytest.raises(CommandError, match="give --output"):
        call_command("import_template", "sites", "--format", "xlsx")


def test_export_to_a_file(city, tmp_path):
    path = tmp_path / "lokasi.csv"
    call_command("export_data", "sites", "--output", str(path))

    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    data_center = next(r for r in rows if r["nama"] == "Pusat Data")
    assert (data_center["jenis"], data_center["opd"], data_center["wilayah"]) == ("data_center", "Diskominfo", "18.71")
    assert next(r for r in rows if r["nama"] == "Kantor Disdukcapil")["lintang"] == "-5.429100"
