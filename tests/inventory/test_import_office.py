"""The server list a city office really keeps, imported as it is (issue 13).

A title block above the header, Indonesian titles that are not the template's, a row numbering
the columns, a signature block under the table, dates written three ways and as a date cell,
money with dots, OPD names in any case and spacing, the migration status in everyday words, no
"jenis" column: read through the proposed mapping with one constant, every value right; and
the same list with bad cells, each named by the file's row number and column title, nothing saved.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from infra.core.choices import ChangeSource
from infra.core.models import ObjectChange
from infra.inventory import spreadsheets
from infra.inventory.choices import DeviceKind, FundingSource, MigrationState
from infra.inventory.models import Device, Migration, MigrationTransition, Site
from infra.inventory.spreadsheets import ImportFailed
from infra.inventory.spreadsheets.mapping import ColumnMapping, propose
from infra.inventory.spreadsheets.mapping import save as save_mapping

from ..factories import OrganizationFactory, SiteFactory, UserFactory
from .test_import_tables import ods, xls

pytestmark = pytest.mark.django_db

HEADER = [
    "No.",
    "Nama Server",
    "Nama OPD",
    "Lokasi",
    "Merk",
    "Tipe",
    "Serial Number",
    "No. Inventaris BMD",
    "Tgl. Pengadaan",
    "Nilai Perolehan (Rp)",
    "Sumber Dana",
    "Status Migrasi",
    "Keterangan",
]
# What each title is in the template (None: the numbering column, ignored).
EXPECTED_MAPPING = {
    "No.": "",
    "Nama Server": "nama",
    "Nama OPD": "opd",
    "Lokasi": "lokasi",
    "Merk": "merek",
    "Tipe": "model",
    "Serial Number": "nomor_seri",
    "No. Inventaris BMD": "kode_barang_bmd",
    "Tgl. Pengadaan": "tanggal_perolehan",
    "Nilai Perolehan (Rp)": "nilai_perolehan",
    "Sumber Dana": "sumber_dana",
    "Status Migrasi": "tahap_migrasi",
    "Keterangan": "keterangan",
}
GOOD_ROWS = [
    [1, "srv-simduk-01", "  disdukcapil ", "Kantor Disdukcapil", "Dell", "PowerEdge R740", "SN-001",
     "02.06.03.01.001", "26/10/2015", "Rp 314.000.000", "APBD", "Belum Migrasi", "Server SIAK"],
    [2, "srv-simduk-02", "DISDUKCAPIL", "kantor disdukcapil", "HPE", "ProLiant DL380", "SN-002",
     "02.06.03.01.002", "4 Maret 2019", "4.000", "APBN", "Sudah Migrasi", ""],
    [3, "srv-dinkes-01", "Dinas Kesehatan", "Kantor Dinkes", "Lenovo", "ThinkSystem SR650", "SN-003",
     "02.06.03.01.003", "04-03-2019", "1.234.567,50", "Dana Alokasi Khusus", "Proses Migrasi", ""],
    [4, "srv-dinkes-02", "dinas  kesehatan", "Kantor Dinkes", "Dell", "PowerEdge R640", "SN-004",
     "02.06.03.01.004", datetime.datetime(2019, 3, 4), "Rp. 75.500.000,-", "Hibah", "Tidak Dimigrasi", ""],
]  # fmt: skip
SIGNATURE = [
    [],
    ["", "", "", "", "", "", "", "", "", "", "Bandar Lampung, 30 November 2026"],
    ["", "", "", "", "", "", "", "", "", "", "Mengetahui,"],
    ["", "", "", "", "", "", "", "", "", "", "Kepala Dinas Kominfo"],
    [],
    ["", "", "", "", "", "", "", "", "", "", "NIP. 19700101 199001 1 001"],
]


def office_xlsx(rows: list[list[object]], header: list[str] = HEADER) -> io.BytesIO:
    """The list as the office saves it: merged title rows, a blank row, the header (row 5), a row
    numbering the columns (row 6), the rows from row 7, then a signature block."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Server 2026"
    sheet.append(["DAFTAR SERVER PERANGKAT DAERAH"])
    sheet.append(["PEMERINTAH KOTA BANDAR LAMPUNG"])
    sheet.append(["Keadaan per 30 November 2026"])
    for row in (1, 2, 3):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(header))
    sheet.append([])
    sheet.append(header)
    sheet.append([f"({n})" for n in range(1, len(header) + 1)])
    for row in rows + SIGNATURE:
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    stream.seek(0)
    stream.name = "daftar-server.xlsx"
    return stream


def office_grid(rows: list[list[object]], *, dates_as_text: bool = False) -> list[tuple[list[object], int]]:
    """The same layout as ``office_xlsx`` as (cells, merged width) rows, for the XLS and ODS writers."""
    width = len(HEADER)
    grid = [
        (["DAFTAR SERVER PERANGKAT DAERAH"], width),
        (["PEMERINTAH KOTA BANDAR LAMPUNG"], width),
        (["Keadaan per 30 November 2026"], width),
        ([], 0),
        (list(HEADER), 0),
        ([f"({n})" for n in range(1, width + 1)], 0),
    ]
    for row in rows + SIGNATURE:
        cells = [
            (c.strftime("%d/%m/%Y") if dates_as_text else c.date()) if isinstance(c, datetime.datetime) else c
            for c in row
        ]
        grid.append(([None if c == "" else c for c in cells], 0))
    return grid


def office_xls(rows: list[list[object]]) -> io.BytesIO:
    stream = io.BytesIO(xls(office_grid(rows)))
    stream.name = "daftar-server.xls"
    return stream


def office_ods(rows: list[list[object]]) -> io.BytesIO:
    stream = io.BytesIO(ods(office_grid(rows, dates_as_text=True)))
    stream.name = "daftar-server.ods"
    return stream


def office_csv(rows: list[list[object]]) -> io.BytesIO:
    """The same list as a Windows office saves "CSV" with its regional settings: ";" and Windows-1252."""
    lines = [["DAFTAR SERVER PERANGKAT DAERAH"], ["Pemerintah Kota Bandar Lampung – Dinas Kominfo"], [], HEADER]
    for row in rows + SIGNATURE:
        lines.append([c.strftime("%d/%m/%Y") if isinstance(c, datetime.datetime) else c for c in row])
    text = "\r\n".join(";".join("" if c is None else str(c) for c in line) for line in lines) + "\r\n"
    stream = io.BytesIO(text.encode("cp1252"))
    stream.name = "daftar-server.csv"
    return stream


@pytest.fixture
def city():
    disdukcapil = OrganizationFactory(name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil")
    dinkes = OrganizationFactory(name="Dinas Kesehatan", short_name="Dinkes")
    SiteFactory(name="Kantor Disdukcapil", organization=disdukcapil)
    SiteFactory(name="Kantor Dinkes", organization=dinkes)
    return {"disdukcapil": disdukcapil, "dinkes": dinkes}


def server_mapping(table) -> ColumnMapping:
    """The proposal as the page offers it, with the one constant the list needs: every row is a server."""
    proposal = propose("devices", table)
    return ColumnMapping(columns=proposal.mapping().columns, constants={"jenis": "server"})


@pytest.mark.parametrize(
    "maker", [office_xlsx, office_xls, office_ods, office_csv], ids=["xlsx", "xls", "ods", "csv-cp1252-semicolon"]
)
def test_an_office_server_list_imports_as_it_is(city, maker):
    user = UserFactory(username="budi")
    table = spreadsheets.read_file("devices", maker(GOOD_ROWS))
    workbook = maker is not office_csv
    assert table.header_row == (5 if workbook else 4)
    assert [number for number, _cells in table.rows] == ([7, 8, 9, 10] if workbook else [5, 6, 7, 8]), (
        "the title block, the numbering row and the signature block are not rows"
    )
    proposal = propose("devices", table)
    proposed = {c.title: c.column for c in proposal.columns}
    assert proposed == EXPECTED_MAPPING
    assert "jenis" in proposal.missing  # a required column nothing fills: the page asks for it

    result = spreadsheets.import_table("devices", table, user=user, mapping=server_mapping(table))

    assert (result.created, result.updated) == (4, 0)
    devices = {d.name: d for d in Device.objects.select_related("organization", "site")}
    first, second, third, fourth = (
        devices[n] for n in ("srv-simduk-01", "srv-simduk-02", "srv-dinkes-01", "srv-dinkes-02")
    )
    assert {d.kind for d in devices.values()} == {DeviceKind.SERVER}
    assert (first.organization, third.organization, fourth.organization) == (
        city["disdukcapil"],
        city["dinkes"],
        city["dinkes"],
    )
    assert (first.vendor, first.model, first.serial, first.asset_number) == (
        "Dell",
        "PowerEdge R740",
        "SN-001",
        "02.06.03.01.001",
    )
    assert [d.purchase_date for d in (first, second, third, fourth)] == [
        datetime.date(2015, 10, 26),
        datetime.date(2019, 3, 4),
        datetime.date(2019, 3, 4),
        datetime.date(2019, 3, 4),
    ]
    assert [d.acquisition_value for d in (first, second, third, fourth)] == [
        Decimal("314000000"),
        Decimal("4000"),  # "4.000" is four thousand, never four
        Decimal("1234567.50"),
        Decimal("75500000"),
    ]
    assert [d.funding_source for d in (first, second, third, fourth)] == [
        FundingSource.APBD,
        FundingSource.APBN,
        FundingSource.DAK,
        FundingSource.GRANT,
    ]
    states = dict(Migration.objects.values_list("device__name", "state"))
    assert states == {
        "srv-simduk-01": MigrationState.INVENTORIED,
        "srv-simduk-02": MigrationState.ACCEPTED,
        "srv-dinkes-01": MigrationState.MIGRATING,
        "srv-dinkes-02": MigrationState.RETAINED,
    }
    # Tracking starts where each server is: one imported starting point each, by nobody's move.
    starts = MigrationTransition.objects.all()
    assert starts.count() == 4
    assert all(t.is_imported_start and t.user_id is None and t.from_state == "" for t in starts)
    # The import itself is in the change log, by its user.
    logged = ObjectChange.objects.filter(source=ChangeSource.IMPORT, user=user)
    assert logged.filter(object_repr="srv-simduk-01").exists()


def test_bad_cells_are_named_by_the_files_row_and_title_and_nothing_is_saved(city):
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][8] = "31/02/2019"  # file row 8: no such date
    rows[2][9] = "1.23.456"  # file row 9: a number grouped wrongly
    rows[3][11] = "Hampir Selesai"  # file row 10: no such status
    rows.append([5, "srv-baru-01", "Dinkes", "Gedung Hilang", "Dell", "R750", "SN-005", "", "", "", "", "", ""])
    table = spreadsheets.read_file("devices", office_xlsx(rows))
    with pytest.raises(ImportFailed) as failed:
        spreadsheets.import_table("devices", table, mapping=server_mapping(table))
    where = {(e.row, e.column) for e in failed.value.errors}
    assert {(8, "Tgl. Pengadaan"), (9, "Nilai Perolehan (Rp)"), (10, "Status Migrasi"), (11, "Lokasi")} <= where
    columns = {e.column for e in failed.value.errors}
    assert columns <= set(HEADER) | {""}, "an error names only columns the file has"
    assert "Gedung Hilang" in str(failed.value)
    assert not Device.objects.exists() and not Migration.objects.exists()
    assert not Site.objects.filter(name="Gedung Hilang").exists()


def test_a_missing_site_is_created_when_asked_and_listed_first(city):
    rows = [*GOOD_ROWS, [5, "srv-baru-01", "Dinkes", "Gedung Baru", "Dell", "R750", "SN-005", "", "", "", "", "", ""]]
    table = spreadsheets.read_file("devices", office_xlsx(rows))
    checked = spreadsheets.import_table(
        "devices", table, mapping=server_mapping(table), create_missing=True, dry_run=True
    )
    assert [(c.name, c.rows) for c in checked.created_refs] == [("Gedung Baru", (11,))]
    assert not Site.objects.filter(name="Gedung Baru").exists(), "a check saves nothing"
    spreadsheets.import_table("devices", table, mapping=server_mapping(table), create_missing=True)
    assert Device.objects.get(name="srv-baru-01").site.name == "Gedung Baru"


def test_a_saved_mapping_reads_the_next_file_of_the_same_shape(city):
    user = UserFactory()
    # This office titles the site column "Ruang Server": no synonym knows it, the user maps it once.
    header = [("Ruang Server" if title == "Lokasi" else title) for title in HEADER]
    first = spreadsheets.read_file("devices", office_xlsx(GOOD_ROWS[:2], header))
    columns = server_mapping(first).columns | {"ruang_server": "lokasi"}
    save_mapping("devices", "Daftar server Diskominfo", ColumnMapping(columns, {"jenis": "server"}), user=user)

    later = spreadsheets.read_file("devices", office_xlsx(GOOD_ROWS[2:], header))
    proposal = propose("devices", later)
    assert proposal.saved == "Daftar server Diskominfo"
    assert {c.title: c.column for c in proposal.columns}["Ruang Server"] == "lokasi"
    result = spreadsheets.import_table("devices", later, mapping=proposal.mapping())
    assert result.created == 2
    assert set(Device.objects.values_list("site__name", flat=True)) == {"Kantor Dinkes"}
    assert set(Device.objects.values_list("kind", flat=True)) == {DeviceKind.SERVER}


def test_a_reimport_tells_each_row_new_changed_or_unchanged(city):
    table = spreadsheets.read_file("devices", office_xlsx(GOOD_ROWS))
    spreadsheets.import_table("devices", table, mapping=server_mapping(table))
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][4] = "Dell EMC"  # file row 7: the brand changes
    rows.append([5, "srv-baru-01", "Dinkes", "Kantor Dinkes", "Dell", "R750", "SN-005", "", "", "", "", "", ""])
    again = spreadsheets.read_file("devices", office_xlsx(rows))
    result = spreadsheets.import_table("devices", again, mapping=server_mapping(again), dry_run=True)
    outcomes = {o.row: (o.status, o.changed) for o in result.outcomes}
    assert outcomes == {
        7: ("changed", ("Merk",)),
        8: ("unchanged", ()),
        9: ("unchanged", ()),
        10: ("unchanged", ()),
        11: ("new", ()),
    }


def test_the_command_proposes_the_mapping_says_it_and_takes_a_constant(city, tmp_path):
    path = tmp_path / "daftar-server.xlsx"
    path.write_bytes(office_xlsx(GOOD_ROWS).getvalue())
    out = io.StringIO()
    call_command("import_data", "devices", str(path), "--set", "jenis=server", "--no-progress", stdout=out)
    printed = out.getvalue()
    assert "Rows 1–4 above the header were skipped (title)." in printed
    assert "Rows 12–16 after the table were skipped (totals or signature block)." in printed
    for title, column in EXPECTED_MAPPING.items():
        if column:
            assert f"“{title}” -> {column}" in printed or f'"{title}" -> {column}' in printed, (title, printed)
    assert Device.objects.filter(kind=DeviceKind.SERVER).count() == 4


def test_an_unknown_column_does_not_hide_the_rows_problems(city):
    header = [*HEADER, "Catatan Lain"]
    rows = [[*r, "x"] for r in GOOD_ROWS]
    rows[1][8] = "31/02/2019"  # file row 8
    table = spreadsheets.read_file("devices", office_xlsx(rows, header))
    with pytest.raises(ImportFailed) as failed:
        spreadsheets.import_table("devices", table, mapping=server_mapping(table))
    where = {(e.row, e.column) for e in failed.value.errors}
    assert (5, "Catatan Lain") in where and (8, "Tgl. Pengadaan") in where
    assert not Device.objects.exists()
