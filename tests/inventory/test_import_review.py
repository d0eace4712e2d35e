"""Review of issue 13's import: defects found after the lanes merged, each pinned by a test."""

import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.models import ObjectChange
from infra.inventory import spreadsheets
from infra.inventory.choices import MigrationState, Readiness
from infra.inventory.models import Device, Migration, Organization, Rack, Site
from infra.inventory.spreadsheets.tables import FOOTER, Skipped, Table

from ..factories import DeviceFactory, OrganizationFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def table(header: list[str], rows: list[list[object]]) -> Table:
    return Table(header=header, rows=[(number, row) for number, row in enumerate(rows, start=2)])


def test_sites_and_racks_a_migrations_file_creates_are_in_the_change_log():
    kominfo = OrganizationFactory(short_name="Diskominfo")
    DeviceFactory(name="srv-a", organization=kominfo)
    importer = UserFactory(username="pengimpor")
    header = ["server", "opd", "lokasi_tujuan", "rak_tujuan"]

    spreadsheets.get_sheet("migrations")(user=importer).import_table(
        table(header, [["srv-a", "Diskominfo", "Pusat Data Baru", "R-DC-01"]]), create_missing=True
    )

    for obj in (Site.objects.get(name="Pusat Data Baru"), Rack.objects.get(name="R-DC-01")):
        change = ObjectChange.objects.get(content_type__model=obj._meta.model_name, object_id=obj.pk)
        assert (change.action, change.source, change.user) == (ChangeAction.CREATE, ChangeSource.IMPORT, importer)


def test_a_changed_row_names_only_the_sheets_own_columns_that_change():
    kominfo = OrganizationFactory(short_name="Diskominfo")
    SiteFactory(name="Pusat Data", organization=kominfo)
    header = ["nama", "opd", "lokasi", "jenis", "alamat_ip", "pantau", "tahap_migrasi"]
    rows = [[f"srv-{n}", "Diskominfo", "Pusat Data", "server", f"127.3.0.{n}", "tidak", ""] for n in (1, 2, 3)]
    sheet = spreadsheets.get_sheet("devices")
    sheet().import_table(table(header, rows))
    rows[0][6] = "Sudah Migrasi"  # only the migration state starts
    rows[1][4] = "127.3.0.22"  # only the address changes
    rows[2][5] = "ya"  # only the probe changes

    result = sheet().import_table(table(header, rows), dry_run=True)

    assert [(o.row, o.status, o.changed) for o in result.outcomes] == [
        (2, "changed", ("tahap_migrasi",)),
        (3, "changed", ("alamat_ip",)),
        (4, "changed", ("pantau",)),
    ]


def test_a_repeated_key_is_named_by_the_files_own_titles():
    kominfo = OrganizationFactory(short_name="Diskominfo")
    SiteFactory(name="Pusat Data", organization=kominfo)
    header = ["Nama Server", "Nama OPD", "Lokasi", "Jenis"]
    rows = [["srv-1", "Diskominfo", "Pusat Data", "server"], ["srv-1", "Diskominfo", "Pusat Data", "server"]]

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_table("devices", table(header, rows))

    assert [str(e) for e in failure.value.errors] == [
        "Row 3, column Nama Server: Row 2 has the same Nama Server, Nama OPD: each object may appear only once "
        "in a file."
    ]


def test_a_probe_without_an_address_names_the_address_column_as_the_file_titles_it():
    kominfo = OrganizationFactory(short_name="Diskominfo")
    SiteFactory(name="Pusat Data", organization=kominfo)
    header = ["Nama Server", "Nama OPD", "Lokasi", "Jenis", "IP Address", "Dipantau"]
    rows = [["srv-1", "Diskominfo", "Pusat Data", "server", "", "ya"]]

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_table("devices", table(header, rows))

    assert [str(e) for e in failure.value.errors] == [
        "Row 2, column Dipantau: There is no address to probe: fill in IP Address."
    ]


def test_the_command_refuses_a_bad_mapping_name_before_it_imports(tmp_path):
    kominfo = OrganizationFactory(short_name="Diskominfo")
    SiteFactory(name="Pusat Data", organization=kominfo)
    path = tmp_path / "servers.csv"
    path.write_text("Nama Server,OPD,Lokasi\nsrv-1,Diskominfo,Pusat Data\n", encoding="utf-8")

    for name in ("  ", "x" * 101):
        with pytest.raises(CommandError) as failure:
            call_command(
                "import_data", "devices", str(path), "--set", "jenis=server", "--save-mapping", name, stdout=StringIO()
            )
        assert "mapping" in str(failure.value)
        assert not Device.objects.exists(), "a command that fails saves nothing"


def test_a_migrations_import_query_count_does_not_grow_with_the_servers_it_starts():
    kominfo = OrganizationFactory(short_name="Diskominfo")
    for n in range(40):
        DeviceFactory(name=f"srv-{n}", organization=kominfo)
    header = ["server", "opd", "kesiapan", "tahap"]

    def queries_for(numbers: range) -> int:
        rows = [[f"srv-{n}", "Diskominfo", "siap", "Sudah Dinilai" if n % 2 else ""] for n in numbers]
        with CaptureQueriesContext(connection) as captured:
            result = spreadsheets.import_table("migrations", table(header, rows))
        assert result.created == len(numbers)
        return len(captured)

    queries_for(range(0, 1))  # the first import in a process reads the content types
    assert queries_for(range(1, 5)) == queries_for(range(5, 40))
    started = Migration.objects.get(device__name="srv-7")
    assert (started.state, started.readiness) == (MigrationState.ASSESSED, Readiness.READY)
    first = started.transitions.get()
    assert (first.to_state, first.is_imported_start) == (MigrationState.ASSESSED, True)
    plain = Migration.objects.get(device__name="srv-8").transitions.get()
    assert (plain.to_state, plain.is_imported_start) == (MigrationState.INVENTORIED, False)
    assert ObjectChange.objects.filter(content_type__model="migration", action=ChangeAction.CREATE).count() == 40


@pytest.mark.parametrize("cell", [20190304, 20190304.0, 3_000_000, 10**12, 1e300])
def test_a_large_number_in_a_date_column_is_a_row_error_not_a_crash(cell):
    kominfo = OrganizationFactory(short_name="Diskominfo")
    SiteFactory(name="Pusat Data", organization=kominfo)
    header = ["Nama Server", "OPD", "Lokasi", "Jenis", "Tgl. Pengadaan"]
    rows = [["srv-1", "Diskominfo", "Pusat Data", "server", cell]]

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_table("devices", table(header, rows))

    [error] = [str(e) for e in failure.value.errors]
    assert error.startswith("Row 2, column Tgl. Pengadaan: ")
    assert "is not a date: a number in a date column is read as a spreadsheet date serial" in error
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        ("Tahun Pengadaan", "9" * 5000),
        ("Tahun Pengadaan", "9" * 5000 + ".0"),
        ("Tgl. Pengadaan", "04/03/" + "9" * 5000),
        ("Tgl. Pengadaan", "4 Maret " + "9" * 5000),
    ],
)
def test_a_cell_of_thousands_of_digits_is_a_row_error_not_a_crash(title, cell):
    kominfo = OrganizationFactory(short_name="Diskominfo")
    SiteFactory(name="Pusat Data", organization=kominfo)
    header = ["Nama Server", "OPD", "Lokasi", "Jenis", title]
    rows = [["srv-1", "Diskominfo", "Pusat Data", "server", cell]]

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_table("devices", table(header, rows))

    assert [str(e).split(":")[0] for e in failure.value.errors] == [f"Row 2, column {title}"]


def test_a_two_column_list_ends_at_its_signature_block_though_the_block_fills_both_columns():
    workbook = Workbook()
    sheet = workbook.active
    for cells in [
        ["DAFTAR PERANGKAT DAERAH KOTA METRO"],
        [],
        ["Nama OPD", "Singkatan"],
        ["Dinas Komunikasi dan Informatika", "Diskominfo"],
        ["Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"],
        [],
        ["Mengetahui,", "Metro, 30 November 2026"],
        ["Kepala Dinas Kominfo", "Kepala Bidang Aptika"],
        [],
        ["Drs. Budi Santoso, M.Si", "Andi Wijaya, S.Kom"],
        ["NIP. 19750101 200003 1 001", "NIP. 19800202 200501 1 002"],
    ]:
        sheet.append(cells)
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    stream.name = "opd.xlsx"

    found = spreadsheets.read_file("organizations", stream)

    assert [(number, list(cells)) for number, cells in found.rows] == [
        (4, ["Dinas Komunikasi dan Informatika", "Diskominfo"]),
        (5, ["Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"]),
    ]
    assert found.skipped[-1] == Skipped(7, 11, FOOTER)
    every_one_an_agency = spreadsheets.ColumnMapping(constants={"jenis": "dinas"})
    assert spreadsheets.import_table("organizations", found, mapping=every_one_an_agency).created == 2
    assert sorted(Organization.objects.values_list("short_name", flat=True)) == ["Disdukcapil", "Diskominfo"]
