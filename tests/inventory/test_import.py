"""Spreadsheet import: what a good file creates, what a re-import changes, and that a bad file saves nothing."""

import csv
import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.models import ObjectChange
from infra.inventory import spreadsheets
from infra.inventory.choices import (
    Deployment,
    DeviceKind,
    DeviceStatus,
    Disposition,
    FiberLinkStatus,
    MigrationState,
    OrganizationKind,
    Readiness,
    SiteKind,
)
from infra.inventory.models import (
    Device,
    FiberCore,
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
    IPAddressFactory,
    MigrationFactory,
    MigrationWaveFactory,
    OrganizationFactory,
    RackFactory,
    RegionFactory,
    SiteFactory,
    UserFactory,
)

DEVICE_HEADER = [
    "nama",
    "opd",
    "lokasi",
    "jenis",
    "status",
    "merek",
    "model",
    "nomor_seri",
    "kode_barang_bmd",
    "sistem_operasi",
    "tahun_pengadaan",
    "garansi_sampai",
    "alamat_ip",
    "pantau",
    "keterangan",
]


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English, whatever translations the project gains."""
    with translation.override("en"):
        yield


def write_csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def city(db):
    """Two OPDs and their offices, as an earlier import would have left them."""
    dukcapil = OrganizationFactory(name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil")
    kominfo = OrganizationFactory(name="Dinas Komunikasi dan Informatika", short_name="Diskominfo")
    office = SiteFactory(name="Kantor Disdukcapil", organization=dukcapil)
    data_center = SiteFactory(name="Pusat Data Diskominfo", kind=SiteKind.DATA_CENTER, organization=kominfo)
    return {"dukcapil": dukcapil, "kominfo": kominfo, "office": office, "data_center": data_center}


def good_device_rows():
    return [
        [
            "srv-dukcapil-01",
            "Disdukcapil",
            "Kantor Disdukcapil",
            "Server fisik",
            "Aktif",
            "Dell",
            "PowerEdge R740",
            "SN-001",
            "02.06.03.000001",
            "Ubuntu 22.04",
            "2019",
            "31/12/2025",
            "127.0.5.1/24",
            "ya",
            "Server SIAK",
        ],
        [
            "vm-web",
            "Dinas Kependudukan dan Pencatatan Sipil",
            "kantor disdukcapil",
            "virtual_machine",
            "planned",
            "",
            "",
            "",
            "",
            "Debian 12",
            "2021",
            "2026-01-31",
            "127.0.5.2",
            "",
            "",
        ],
    ]


def counts():
    return {
        "devices": Device.objects.count(),
        "interfaces": Interface.objects.count(),
        "addresses": IPAddress.objects.count(),
        "sites": Site.objects.count(),
        "organizations": Organization.objects.count(),
        "links": FiberLink.objects.count(),
        "cores": FiberCore.objects.count(),
        "migrations": Migration.objects.count(),
        "transitions": MigrationTransition.objects.count(),
        "changes": ObjectChange.objects.count(),
    }


def import_errors(kind, path):
    before = counts()
    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file(kind, path)
    assert counts() == before, "a failed import must save nothing"
    return [str(e) for e in failure.value.errors]


# --- devices ----------------------------------------------------------------------------------
def test_good_csv_creates_devices_addresses_and_change_records(city, tmp_path):
    user = UserFactory(username="petugas-impor")
    path = write_csv(tmp_path / "perangkat.csv", DEVICE_HEADER, good_device_rows())
    changes_before = ObjectChange.objects.count()

    result = spreadsheets.import_file("devices", path, user=user)

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    server = Device.objects.get(name="srv-dukcapil-01")
    assert server.organization == city["dukcapil"] and server.site == city["office"]
    assert server.kind == DeviceKind.SERVER and server.status == DeviceStatus.ACTIVE
    assert (server.vendor, server.model, server.serial) == ("Dell", "PowerEdge R740", "SN-001")
    assert server.asset_number == "02.06.03.000001" and server.purchase_year == 2019
    assert server.warranty_end == datetime.date(2025, 12, 31)
    assert server.description == "Server SIAK"
    assert server.primary_ip.address == "127.0.5.1" and server.primary_ip.prefix_length == 24
    assert server.primary_ip.probe is True
    assert server.primary_ip.interface.name == "mgmt0" and server.primary_ip.interface.device == server
    vm = Device.objects.get(name="vm-web")
    assert vm.kind == DeviceKind.VIRTUAL_MACHINE and vm.status == DeviceStatus.PLANNED
    assert vm.warranty_end == datetime.date(2026, 1, 31)
    assert vm.primary_ip.address == "127.0.5.2" and vm.primary_ip.prefix_length == 32
    assert vm.primary_ip.probe is False, "addresses are not probed unless pantau says ya"

    records = ObjectChange.objects.all()[: ObjectChange.objects.count() - changes_before]
    # two devices, two interfaces, two addresses, and the ICMP check the server's probe mark makes
    # (a side effect of the import, logged in its request: probes follows core's bulk writes)
    assert len(records) == 7
    assert [r.object_repr for r in records if r.content_type.model == "check"] == ["ICMP (ping) 127.0.5.1"]
    assert {r.action for r in records} == {ChangeAction.CREATE}
    assert {r.source for r in records} == {ChangeSource.IMPORT}
    assert {r.user_id for r in records} == {user.pk} and {r.user_name for r in records} == {"petugas-impor"}
    assert len({r.request_id for r in records}) == 1, "one import is one request"
    device_record = next(r for r in records if r.object_id == server.pk and r.object_repr == "srv-dukcapil-01")
    assert device_record.after["primary_ip_id"] == server.primary_ip_id
    assert device_record.after["warranty_end"] == "2025-12-31"
    ip_record = next(r for r in records if r.object_repr == "127.0.5.1/24")
    assert ip_record.related_object_id == server.primary_ip.interface_id


def test_xlsx_with_date_cells_numbers_loose_headers_and_aliases(city, tmp_path):
    header = ["Nama", " OPD ", "Lokasi", "Jenis", "STATUS", "Serial Number", "Tahun Pengadaan", "Garansi-Sampai"]
    rows = [
        [
            "sw-core",
            "diskominfo",
            "Pusat Data Diskominfo",
            "Switch",
            "active",
            123456789,
            2022,
            datetime.datetime(2027, 3, 1),
        ],
        ["ups-1", "Diskominfo", "Pusat Data Diskominfo", "ups", "Mati", "AB-1", 2020.0, "1 Oktober 2025"],
    ]
    path = write_xlsx(tmp_path / "perangkat.xlsx", header, rows)
    user = UserFactory()

    result = spreadsheets.import_file("devices", path, user=user)

    assert result.created == 2
    records = ObjectChange.objects.filter(content_type__model="device", action=ChangeAction.CREATE)
    assert sorted(records.values_list("object_repr", "source", "user")) == [
        ("sw-core", ChangeSource.IMPORT, user.pk),
        ("ups-1", ChangeSource.IMPORT, user.pk),
    ]
    switch = Device.objects.get(name="sw-core")
    assert switch.organization == city["kominfo"] and switch.kind == DeviceKind.SWITCH
    assert switch.serial == "123456789", "a serial a spreadsheet stored as a number is text again"
    assert switch.purchase_year == 2022 and switch.warranty_end == datetime.date(2027, 3, 1)
    ups = Device.objects.get(name="ups-1")
    assert ups.status == DeviceStatus.OFFLINE and ups.purchase_year == 2020
    assert ups.warranty_end == datetime.date(2025, 10, 1)
    assert not Interface.objects.exists(), "no address column, no interface"


def test_semicolon_csv_from_an_indonesian_spreadsheet(city, tmp_path):
    path = tmp_path / "lokasi.csv"
    path.write_bytes(
        "\ufeffnama;jenis;opd;lintang;bujur\n"
        "Kantor Camat Kedaton;Kantor Kecamatan;Diskominfo;-5,3921;105,2587\n".encode()
    )

    spreadsheets.import_file("sites", path)

    site = Site.objects.get(name="Kantor Camat Kedaton")
    assert site.kind == SiteKind.DISTRICT_OFFICE and site.organization == city["kominfo"]
    assert site.latitude == Decimal("-5.392100") and site.longitude == Decimal("105.258700")


def test_reimport_updates_in_place_and_logs_only_real_changes(city, tmp_path):
    rows = good_device_rows()
    path = write_csv(tmp_path / "perangkat.csv", DEVICE_HEADER, rows)
    spreadsheets.import_file("devices", path)
    before = counts()

    again = spreadsheets.import_file("devices", path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert counts() == before, "the same file again changes nothing and logs nothing"

    rows[0][DEVICE_HEADER.index("status")] = "offline"
    rows[0][DEVICE_HEADER.index("nama")] = "SRV-Dukcapil-01"  # the key ignores case
    rows[1][DEVICE_HEADER.index("alamat_ip")] = "127.0.5.9/24"
    write_csv(path, DEVICE_HEADER, rows)
    edited = spreadsheets.import_file("devices", path)

    assert (edited.created, edited.updated, edited.unchanged) == (0, 2, 0)
    assert Device.objects.count() == before["devices"] and IPAddress.objects.count() == before["addresses"]
    server = Device.objects.get(name="SRV-Dukcapil-01")
    assert server.status == DeviceStatus.OFFLINE
    new_records = list(ObjectChange.objects.all()[: ObjectChange.objects.count() - before["changes"]])
    assert len(new_records) == 2
    device_change = next(r for r in new_records if r.object_id == server.pk and r.content_type.model == "device")
    assert device_change.action == ChangeAction.UPDATE
    assert device_change.diff() == {"name": ("srv-dukcapil-01", "SRV-Dukcapil-01"), "status": ("active", "offline")}
    address_change = next(r for r in new_records if r.content_type.model == "ipaddress")
    assert address_change.diff() == {"address": ("127.0.5.2", "127.0.5.9"), "prefix_length": (32, 24)}
    assert Device.objects.get(name="vm-web").primary_ip.address == "127.0.5.9"


def test_a_column_left_out_keeps_its_values(city, tmp_path):
    DeviceFactory(name="srv-a", organization=city["dukcapil"], site=city["office"], vendor="HPE", serial="X1")
    path = write_csv(tmp_path / "status.csv", ["opd", "nama", "status"], [["Disdukcapil", "srv-a", "offline"]])

    result = spreadsheets.import_file("devices", path)

    device = Device.objects.get(name="srv-a")
    assert result.updated == 1 and device.status == DeviceStatus.OFFLINE
    assert (device.vendor, device.serial) == ("HPE", "X1")


def test_bad_device_rows_save_nothing_and_each_is_named(city, tmp_path):
    DeviceFactory(name="srv-lama", organization=city["dukcapil"], site=city["office"], asset_number="BMD-1")
    other = DeviceFactory(name="srv-lain", organization=city["kominfo"], site=city["data_center"])
    IPAddressFactory(address="127.0.9.9", interface__device=other)
    rows = [
        ["srv-1", "Disdukcapil", "Gedung Hilang", "server", "", "", "", "", "", "", "", "", "", "", ""],
        ["srv-2", "Disdukcapil", "Kantor Disdukcapil", "pemanggang", "", "", "", "", "", "", "", "", "", "", ""],
        ["srv-3", "Disdukcapil", "Kantor Disdukcapil", "server", "", "", "", "", "", "", "", "31/02/2025", "", "", ""],
        ["srv-3", "Disdukcapil", "Kantor Disdukcapil", "server", "", "", "", "", "", "", "", "", "", "", ""],
        ["srv-5", "Disdukcapil", "Kantor Disdukcapil", "", "", "", "", "", "", "", "", "", "", "", ""],
        ["srv-6", "Disdukcapil", "Kantor Disdukcapil", "server", "", "", "", "", "BMD-1", "", "1850", "", "", "", ""],
        ["srv-7", "Disdukcapil", "Kantor Disdukcapil", "server", "", "", "", "", "", "", "", "", "127.0.9.9", "", ""],
        [
            "srv-8",
            "Dinas Tidak Ada",
            "Kantor Disdukcapil",
            "router",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "999.1.1.1",
            "",
            "",
        ],
        ["srv-9", "Disdukcapil", "Kantor Disdukcapil", "server", "", "", "", "", "", "", "", "", "", "mungkin", ""],
        ["", "Disdukcapil", "Kantor Disdukcapil", "server", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "perangkat.csv", DEVICE_HEADER, [[*r] for r in rows])

    errors = import_errors("devices", path)

    expected = [
        "Row 2, column lokasi: No site named “Gedung Hilang” exists.",
        "Row 3, column jenis: pemanggang is not an allowed value.",
        "Row 4, column garansi_sampai: 31/02/2025 is not a valid date.",
        "Row 5, column nama: Row 4 has the same nama, opd",
        "Row 6, column jenis: This field cannot be blank.",
        "Row 7, column kode_barang_bmd: Another device already has this BMD asset number.",
        "Row 7, column tahun_pengadaan: Ensure this value is greater than or equal to 1990.",
        "Row 8, column alamat_ip: This IP address is already recorded. It belongs to srv-lain.",
        "Row 9, column opd: No OPD named “Dinas Tidak Ada” exists.",
        "Row 9, column alamat_ip: Enter an IP address",
        "Row 10, column pantau: Enter ya or tidak.",
        "Row 11, column nama: This key column cannot be empty.",
    ]
    for message in expected:
        assert any(e.startswith(message) for e in errors), f"{message!r} not in {errors}"
    assert len(errors) == len(expected), errors


def test_duplicates_within_the_file_are_named_with_the_first_row(city, tmp_path):
    header = ["nama", "opd", "lokasi", "jenis", "kode_barang_bmd", "alamat_ip"]
    rows = [
        ["a", "Disdukcapil", "Kantor Disdukcapil", "server", "BMD-7", "127.0.7.1"],
        ["b", "Disdukcapil", "Kantor Disdukcapil", "server", "BMD-7", "127.0.7.1"],
    ]

    errors = import_errors("devices", write_csv(tmp_path / "d.csv", header, rows))

    assert errors == [
        "Row 3, column kode_barang_bmd: Another device already has this BMD asset number. Also in row 2.",
        "Row 3, column alamat_ip: This IP address is already recorded. Also in row 2.",
    ]


def test_rack_is_found_at_the_rows_site_and_position_checked_against_it(city, tmp_path):
    rack = RackFactory(site=city["data_center"], name="R01", u_height=42)
    RackFactory(site=city["office"], name="R01")
    header = ["nama", "opd", "lokasi", "jenis", "rak", "posisi_u"]
    good = write_csv(
        tmp_path / "ok.csv", header, [["srv-r", "Diskominfo", "Pusat Data Diskominfo", "server", "r01", "10"]]
    )

    spreadsheets.import_file("devices", good)

    device = Device.objects.get(name="srv-r")
    assert device.rack == rack and device.position == 10
    bad = write_csv(
        tmp_path / "bad.csv", header, [["srv-r", "Diskominfo", "Pusat Data Diskominfo", "server", "R01", "50"]]
    )
    assert import_errors("devices", bad) == ["Row 2, column posisi_u: Position 50 is above the top of a 42U rack."]


def test_header_problems_are_reported_on_row_one(city, tmp_path):
    path = write_csv(tmp_path / "d.csv", ["nama", "lokasi", "warna", "Lokasi "], [["a", "Kantor Disdukcapil", "", ""]])

    errors = import_errors("devices", path)

    assert errors[0].startswith("Row 1, column warna: Unknown column. The columns are: nama, opd, lokasi")
    assert errors[1] == "Row 1, column Lokasi: Same column as lokasi."
    assert errors[2] == (
        "Row 1: The key column opd is missing: rows are matched by it. Map a column of the file to it or give "
        "it a value for every row."
    )


def test_query_count_does_not_grow_with_the_rows(city, tmp_path):
    def queries_for(n, prefix):
        rows = [
            [f"{prefix}-{i}", "Disdukcapil", "Kantor Disdukcapil", "server", "", "", "", "", "", "", "", "",
             f"127.1.{len(prefix)}.{i + 1}", "", ""]
            for i in range(n)
        ]  # fmt: skip
        path = write_csv(tmp_path / f"{prefix}.csv", DEVICE_HEADER, rows)
        with CaptureQueriesContext(connection) as captured:
            spreadsheets.import_file("devices", path)
        return len(captured)

    queries_for(1, "www")  # the first import in a process reads the content types (cached from then on)
    assert queries_for(3, "a") == queries_for(40, "bb")


def test_query_count_of_updates_does_not_grow_with_the_rows(city, tmp_path):
    """Changed devices and addresses: their version stamps are loaded with them, not read back one by one."""

    def queries_for(n, prefix):
        rows = [
            [f"{prefix}-{i}", "Disdukcapil", "Kantor Disdukcapil", "server", "", "", "", "", "", "", "", "",
             f"127.2.{len(prefix)}.{i + 1}", "", ""]
            for i in range(n)
        ]  # fmt: skip
        spreadsheets.import_file("devices", write_csv(tmp_path / f"{prefix}.csv", DEVICE_HEADER, rows))
        for r in rows:
            r[-1], r[-3] = "diubah", r[-3].replace("127.2.", "127.3.")  # a description and the address
        path = write_csv(tmp_path / f"{prefix}-b.csv", DEVICE_HEADER, rows)
        with CaptureQueriesContext(connection) as captured:
            assert spreadsheets.import_file("devices", path).updated == n
        return len(captured)

    assert queries_for(3, "a") == queries_for(40, "bb")
    assert IPAddress.objects.filter(address__startswith="127.3.").count() == 43


# --- sites and organizations ------------------------------------------------------------------
def test_sites_with_region_and_the_coordinate_pair_rule(city, tmp_path):
    kota = RegionFactory(name="Bandar Lampung", code="18.71")
    header = ["nama", "jenis", "status", "opd", "wilayah", "alamat", "lintang", "bujur"]
    good = write_csv(
        tmp_path / "ok.csv",
        header,
        [
            [
                "MPP Bandar Lampung",
                "Mal Pelayanan Publik",
                "direncanakan",
                "Diskominfo",
                "18.71",
                "Jl. Raden Intan",
                "-5,41",
                "105,25",
            ]
        ],
    )

    spreadsheets.import_file("sites", good)

    mpp = Site.objects.get(name="MPP Bandar Lampung")
    assert (mpp.kind, mpp.status, mpp.region, mpp.address) == (SiteKind.MPP, "planned", kota, "Jl. Raden Intan")
    bad = write_csv(
        tmp_path / "bad.csv",
        header,
        [
            ["Kantor A", "opd_office", "", "", "", "", "-5,41", ""],
            ["Kantor B", "opd_office", "", "", "Kota Entah", "", "95", "105"],
            ["Kantor C", "gudang", "", "", "", "", "1.234,5", "2"],
        ],
    )
    assert import_errors("sites", bad) == [
        "Row 2, column lintang: Give both latitude and longitude, or neither.",
        "Row 3, column wilayah: No region named “Kota Entah” exists.",
        "Row 3, column lintang: Ensure this value is less than or equal to 90.",
        "Row 4, column jenis: gudang is not an allowed value. Allowed: data_center, opd_office, district_office, "
        "village_office, command_center, mpp, pop, other.",
        "Row 4, column lintang: Ensure this value is less than or equal to 90.",
    ]


def test_organizations_from_the_sample_list_and_parents_in_the_same_file(db, tmp_path):
    path = tmp_path / "opd.csv"
    path.write_text(
        "name,short_name,kind\n"
        "Dinas Komunikasi dan Informatika,Diskominfo,dinas\n"
        "Kecamatan Kedaton,Kec. Kedaton,kecamatan\n"
    )
    spreadsheets.import_file("organizations", path)
    children = write_csv(
        tmp_path / "kel.csv",
        ["nama", "singkatan", "jenis", "induk"],
        [
            ["Kelurahan Sidodadi", "Kel. Sidodadi", "Kantor Kelurahan", "Kecamatan Kedaton"],
            ["Kecamatan Kemiling", "Kec. Kemiling", "kecamatan", ""],
            ["Kelurahan Beringin Raya", "Kel. Beringin Raya", "kelurahan", "kec. kemiling"],
        ],
    )

    result = spreadsheets.import_file("organizations", children)

    assert result.created == 3
    assert Organization.objects.get(short_name="Kel. Sidodadi").parent.short_name == "Kec. Kedaton"
    beringin = Organization.objects.get(short_name="Kel. Beringin Raya")
    assert beringin.parent.short_name == "Kec. Kemiling" and beringin.kind == OrganizationKind.URBAN_VILLAGE
    record = ObjectChange.objects.filter(object_id=beringin.pk, content_type__model="organization").get()
    assert record.after["parent_id"] == beringin.parent_id, "the log shows the parent set in the same import"


def test_an_organization_matched_by_name_can_change_its_short_name_and_cycles_are_refused(db, tmp_path):
    kecamatan = OrganizationFactory(name="Kecamatan Enggal", short_name="Enggal", kind=OrganizationKind.DISTRICT)
    kelurahan = OrganizationFactory(name="Kelurahan Pahoman", short_name="Pahoman", parent=kecamatan)
    rename = write_csv(tmp_path / "r.csv", ["nama", "singkatan"], [["Kecamatan Enggal", "Kec. Enggal"]])

    assert spreadsheets.import_file("organizations", rename).updated == 1
    kecamatan.refresh_from_db()
    assert kecamatan.short_name == "Kec. Enggal" and Organization.objects.count() == 2

    cycle = write_csv(tmp_path / "c.csv", ["singkatan", "induk"], [["Kec. Enggal", "Pahoman"]])
    assert import_errors("organizations", cycle) == [
        "Row 2, column induk: This parent would make the OPD its own ancestor."
    ]
    assert kelurahan.parent_id == kecamatan.pk


def test_organization_short_names_must_stay_unique(db, tmp_path):
    OrganizationFactory(name="Badan Pendapatan Daerah", short_name="Bapenda")
    path = write_csv(
        tmp_path / "o.csv",
        ["nama", "singkatan", "jenis"],
        [["Badan Pendapatan Daerah Baru", "Bapenda", "badan"], ["Badan X", "BX", "bukan jenis"]],
    )

    errors = import_errors("organizations", path)

    # Row 2 matches Bapenda by short name and renames it, which is allowed; row 3 has a bad kind.
    assert errors == [
        "Row 3, column jenis: bukan jenis is not an allowed value. Allowed: sekretariat, dinas, badan, kecamatan, "
        "kelurahan, rsud, inspektorat, other."
    ]


# --- fiber links ------------------------------------------------------------------------------
FIBER_HEADER = [
    "kode",
    "lokasi_a",
    "lokasi_b",
    "jenis_kabel",
    "jumlah_core",
    "pemasangan",
    "panjang_km",
    "jumlah_sambungan",
    "jumlah_konektor",
    "status",
    "tanggal_pasang",
    "kontraktor",
    "paket_pengadaan",
    "redaman_terukur_db",
]


def test_fiber_links_are_created_with_their_cores(city, tmp_path):
    user = UserFactory()
    rows = [
        ["FO-BL-001", "Pusat Data Diskominfo", "Kantor Disdukcapil", "G.652D", "24", "udara", "2,5", "2", "2", "aktif",
         "15/08/2023", "PT Serat Nusantara", "Paket FO 2023", "1,9"],
        ["FO-BL-002", "Kantor Disdukcapil", "Pusat Data Diskominfo", "g.657a1", "12", "Underground duct", "0.8", "", "",
         "Under construction", "", "", "", ""],
    ]  # fmt: skip
    path = write_csv(tmp_path / "fo.csv", FIBER_HEADER, rows)
    contract = ContractFactory(number="Paket FO 2023")

    spreadsheets.import_file("fiberlinks", path, user=user)

    first = FiberLink.objects.get(code="FO-BL-001")
    assert first.site_a == city["data_center"] and first.deployment == Deployment.AERIAL
    assert first.length_km == Decimal("2.500") and first.measured_loss_db == Decimal("1.90")
    assert first.installed_date == datetime.date(2023, 8, 15) and first.contract == contract
    assert first.cores.count() == 24 and first.cores.get(number=13).tube_color == "orange"
    second = FiberLink.objects.get(code="FO-BL-002")
    assert second.status == FiberLinkStatus.UNDER_CONSTRUCTION and second.cores.count() == 12
    assert (second.splice_count, second.connector_count) == (0, 2), "empty cells take the model's defaults"
    core_records = ObjectChange.objects.filter(content_type__model="fibercore")
    assert core_records.count() == 36 and set(core_records.values_list("user", flat=True)) == {user.pk}

    rows[1][4] = "24"
    write_csv(path, FIBER_HEADER, rows)
    result = spreadsheets.import_file("fiberlinks", path)
    assert (result.updated, result.unchanged) == (1, 1)
    assert FiberLink.objects.get(code="FO-BL-002").cores.count() == 24


def test_bad_fiber_links_save_nothing(city, tmp_path):
    def link(code, site_a, site_b, cores, deployment, length):
        return [code, site_a, site_b, "G.652D", cores, deployment, length] + [""] * 7

    rows = [
        link("FO-X-1", "Pusat Data Diskominfo", "pusat data diskominfo", "24", "duct", "1"),
        link("FO-X-2", "Pusat Data Diskominfo", "Kantor Disdukcapil", "13", "duct", "1"),
        link("FO-X-3", "Pusat Data Diskominfo", "Kantor Disdukcapil", "12", "", "-2"),
        link("fo-x-3", "Pusat Data Diskominfo", "Kantor Disdukcapil", "12", "duct", "abc"),
    ]

    errors = import_errors("fiberlinks", write_csv(tmp_path / "fo.csv", FIBER_HEADER, rows))

    assert errors == [
        "Row 2, column lokasi_b: A fiber link must join two different sites.",
        "Row 3, column jumlah_core: 13 is not an allowed value. Allowed: 2, 4, 6, 8, 12, 24, 36, 48, 72, 96, 144, 288.",
        "Row 4, column pemasangan: This field cannot be blank.",
        "Row 4, column panjang_km: Ensure this value is greater than or equal to 0.",
        "Row 5, column kode: Row 4 has the same kode: each object may appear only once in a file.",
        "Row 5, column panjang_km: Enter a number, for example 2,5 or 2.5.",
    ]


# --- migrations -------------------------------------------------------------------------------
def test_migrations_start_through_the_service_and_update_in_place(city, tmp_path):
    server = DeviceFactory(name="srv-siak", organization=city["dukcapil"], site=city["office"])
    tracked = MigrationFactory(device=DeviceFactory(name="srv-simpeg", organization=city["dukcapil"]))
    wave = MigrationWaveFactory(name="Gelombang 1 2026")
    rack = RackFactory(site=city["data_center"], name="R05")
    header = ["server", "opd", "kesiapan", "disposisi", "gelombang", "lokasi_tujuan", "rak_tujuan", "rencana_cutover"]
    rows = [
        ["srv-siak", "Disdukcapil", "siap", "Pindah perangkat", "Gelombang 1 2026", "Pusat Data Diskominfo", "R05",
         "01/03/2026"],
        ["srv-simpeg", "Disdukcapil", "not_ready", "rehost", "", "", "", ""],
    ]  # fmt: skip
    path = write_csv(tmp_path / "migrasi.csv", header, rows)

    result = spreadsheets.import_file("migrations", path)

    assert (result.created, result.updated) == (1, 1)
    migration = Migration.objects.get(device=server)
    assert migration.state == MigrationState.INVENTORIED
    assert migration.transitions.get().to_state == MigrationState.INVENTORIED
    assert (migration.readiness, migration.disposition) == (Readiness.READY, Disposition.MOVE_HARDWARE)
    assert (migration.wave, migration.target_rack) == (wave, rack)
    assert migration.planned_cutover == datetime.date(2026, 3, 1)
    tracked.refresh_from_db()
    assert tracked.readiness == Readiness.NOT_READY and tracked.disposition == Disposition.REHOST
    assert tracked.transitions.count() == 1, "an import never moves a migration between states"
    assert ObjectChange.objects.filter(
        content_type__model="migration", object_id=migration.pk, action=ChangeAction.CREATE, source=ChangeSource.IMPORT
    ).exists()

    assert spreadsheets.import_file("migrations", path).unchanged == 2


def test_migration_state_and_actual_dates_cannot_be_imported(city, tmp_path):
    MigrationFactory(device=DeviceFactory(name="srv-a", organization=city["dukcapil"]))
    DeviceFactory(name="sw-1", organization=city["dukcapil"], kind=DeviceKind.SWITCH)
    header = ["server", "opd", "tahap", "realisasi_cutover", "vlan_tujuan"]
    rows = [
        ["srv-a", "Disdukcapil", "Inventoried", "", ""],
        ["srv-a", "Disdukcapil", "", "", ""],
        ["sw-1", "Disdukcapil", "cut_over", "01/01/2026", "5000"],
    ]

    errors = import_errors("migrations", write_csv(tmp_path / "m.csv", header, rows))

    assert errors == [
        "Row 3, column server: Row 2 has the same server, opd: each object may appear only once in a file.",
        "Row 4, column server: Only servers and virtual machines are migrated.",
        "Row 4, column realisasi_cutover: This column cannot be changed by an import: actual dates are stamped by "
        "the migration's transitions.",
        "Row 4, column vlan_tujuan: A VLAN id is between 1 and 4094.",
    ]


# --- the commands -----------------------------------------------------------------------------
def test_import_data_command_end_to_end(city, tmp_path):
    user = UserFactory(username="operator-dc")
    path = write_csv(tmp_path / "perangkat.csv", DEVICE_HEADER, good_device_rows())
    out = StringIO()

    call_command("import_data", "devices", str(path), "--dry-run", stdout=out)
    assert "2 created" in out.getvalue() and "nothing was saved" in out.getvalue()
    assert not Device.objects.filter(name="vm-web").exists()

    call_command("import_data", "devices", str(path), "--user", "operator-dc", stdout=out)
    assert Device.objects.filter(name__in=["vm-web", "srv-dukcapil-01"]).count() == 2
    assert set(ObjectChange.objects.filter(source=ChangeSource.IMPORT).values_list("user", flat=True)) == {user.pk}

    with pytest.raises(CommandError, match="No user named nobody"):
        call_command("import_data", "devices", str(path), "--user", "nobody")
    bad = write_csv(tmp_path / "bad.csv", ["nama", "opd", "jenis"], [["x", "Disdukcapil", "kulkas"]])
    with pytest.raises(CommandError) as failure:
        call_command("import_data", "devices", str(bad))
    assert str(failure.value).splitlines() == [
        "The file was not imported because of 2 problems; nothing was saved.",
        "Row 2, column jenis: kulkas is not an allowed value. Allowed: server, virtual_machine, switch, router, "
        "firewall, olt, ont, access_point, storage, ups, other.",
        "Row 2: Site: This field cannot be blank.",  # the file has no lokasi column to name
    ]
    with pytest.raises(CommandError, match="File not found"):
        call_command("import_data", "devices", str(tmp_path / "missing.csv"))


def test_stored_records_differing_only_in_case_are_not_guessed(db, tmp_path):
    SiteFactory(name="Kantor Camat Enggal")
    SiteFactory(name="KANTOR CAMAT ENGGAL")
    path = write_csv(tmp_path / "s.csv", ["nama", "jenis"], [["Kantor camat enggal", "district_office"]])

    assert import_errors("sites", path) == [
        "Row 2, column nama: Several stored records have this key, differing only in upper and lower case; rename one."
    ]


def test_an_xlsx_file_is_recognised_by_its_content_and_a_broken_one_is_reported(city, tmp_path):
    xlsx = write_xlsx(tmp_path / "lokasi.xlsx", ["nama", "jenis"], [["Gudang Arsip", "other"]])
    misnamed = tmp_path / "lokasi.csv"
    misnamed.write_bytes(xlsx.read_bytes())

    assert spreadsheets.import_file("sites", misnamed).created == 1
    broken = tmp_path / "rusak.xlsx"
    broken.write_bytes(b"bukan spreadsheet")
    with pytest.raises(spreadsheets.ImportFailed, match="The file cannot be read as XLSX"):
        spreadsheets.import_file("sites", broken, format="xlsx")


def test_an_address_on_no_interface_is_taken_over_and_probing_can_be_switched(city, tmp_path):
    loose = IPAddressFactory(address="127.0.6.6", prefix_length=24, interface=None)
    device = DeviceFactory(name="srv-b", organization=city["dukcapil"], site=city["office"])
    header = ["nama", "opd", "alamat_ip"]

    result = spreadsheets.import_file(
        "devices", write_csv(tmp_path / "a.csv", header, [["srv-b", "Disdukcapil", "127.0.6.6"]])
    )

    loose.refresh_from_db()
    device.refresh_from_db()
    assert result.updated == 1 and IPAddress.objects.count() == 1
    assert loose.interface.device == device and loose.interface.name == "mgmt0" and loose.prefix_length == 24
    assert device.primary_ip == loose and loose.probe is False
    update = ObjectChange.objects.get(content_type__model="ipaddress", action=ChangeAction.UPDATE)
    assert update.diff() == {"interface_id": (None, loose.interface_id)}

    probe = write_csv(tmp_path / "p.csv", ["opd", "nama", "pantau"], [["Disdukcapil", "srv-b", "ya"]])
    assert spreadsheets.import_file("devices", probe).updated == 1
    loose.refresh_from_db()
    assert loose.probe is True
    no_address = write_csv(tmp_path / "n.csv", ["opd", "nama", "pantau"], [["Disdukcapil", "Kantor Disdukcapil", "ya"]])
    DeviceFactory(name="Kantor Disdukcapil", organization=city["dukcapil"], site=city["office"])
    assert import_errors("devices", no_address) == [
        "Row 2, column pantau: There is no address to probe: fill in alamat_ip."
    ]
