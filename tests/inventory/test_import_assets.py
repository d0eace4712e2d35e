"""Issue 13, the asset lane: a BMD register's fields on devices, a server's migration state today as an
imported starting point, and the sites and racks a file names that do not exist yet.

Every workbook is built here; messages are checked in English (the conftest's switch).
"""

import csv
import datetime
import inspect
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.models import ObjectChange
from infra.inventory import spreadsheets
from infra.inventory.api.serializers import DeviceSerializer
from infra.inventory.choices import DeviceKind, FundingSource, MigrationState, SiteKind, SiteStatus
from infra.inventory.filtersets import DeviceFilterSet
from infra.inventory.forms import DeviceForm
from infra.inventory.models import Device, FiberLink, Migration, MigrationTransition, Rack, Site
from infra.inventory.selectors import migration_progress, progress_over_time
from infra.inventory.services.migration import start_tracking, transition
from infra.inventory.spreadsheets.tables import Table
from infra.inventory.tables import DeviceTable

from ..factories import DeviceFactory, MigrationFactory, OrganizationFactory, RackFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    kominfo = OrganizationFactory(name="Dinas Komunikasi dan Informatika", short_name="Diskominfo")
    office = SiteFactory(name="Kantor Diskominfo", organization=kominfo)
    data_center = SiteFactory(name="Pusat Data", kind=SiteKind.DATA_CENTER, organization=kominfo)
    return {"kominfo": kominfo, "office": office, "data_center": data_center}


def table(header: list[str], rows: list[list[object]]) -> Table:
    """Rows as a file has them: the header is row 1, the first row of data row 2."""
    return Table(header=header, rows=[(number, row) for number, row in enumerate(rows, start=2)])


def run(kind: str, header, rows, *, create_missing: bool = False, dry_run: bool = False, user=None):
    """Import through the sheet with the create-missing option (the engine's parameter once the mapping
    lane adds it to import_table; until then the attribute it sets)."""
    sheet = spreadsheets.get_sheet(kind)(user=user)
    if "create_missing" in inspect.signature(sheet.import_table).parameters:
        return sheet.import_table(table(header, rows), dry_run=dry_run, create_missing=create_missing)
    sheet.create_missing = create_missing
    return sheet.import_table(table(header, rows), dry_run=dry_run)


def errors_of(kind, header, rows, **options) -> list[str]:
    before = (Device.objects.count(), Site.objects.count(), Rack.objects.count(), Migration.objects.count())
    with pytest.raises(spreadsheets.ImportFailed) as failure:
        run(kind, header, rows, **options)
    after = (Device.objects.count(), Site.objects.count(), Rack.objects.count(), Migration.objects.count())
    assert after == before, "a refused file saves nothing"
    return [str(e) for e in failure.value.errors]


# --- asset fields -------------------------------------------------------------------------------
ASSET_HEADER = ["nama", "opd", "lokasi", "jenis", "tahun_pengadaan", "tanggal_perolehan", "nilai_perolehan",
                "sumber_dana", "garansi_sampai"]  # fmt: skip


def test_asset_fields_are_imported_and_exported_and_reimport_unchanged(city, tmp_path):
    rows = [
        ["srv-siak", "Diskominfo", "Kantor Diskominfo", "server", "2015", "26/10/2015", "314000000", "apbd",
         "26/10/2020"],
        ["srv-web", "Diskominfo", "Kantor Diskominfo", "server", "", datetime.date(2019, 3, 4), "Rp 1.500.000,50",
         "APBN", ""],
        ["sw-core", "Diskominfo", "Pusat Data", "switch", "", "", "", "", ""],
        ["ups-1", "Diskominfo", "Pusat Data", "ups", "", "", "4.000", "", ""],
    ]  # fmt: skip

    result = run("devices", ASSET_HEADER, rows)

    assert result.created == 4
    assert Device.objects.get(name="ups-1").acquisition_value == Decimal("4000"), "4.000 is four thousand Rupiah"
    siak = Device.objects.get(name="srv-siak")
    assert siak.purchase_date == datetime.date(2015, 10, 26)
    assert siak.acquisition_value == Decimal("314000000.00")
    assert siak.funding_source == FundingSource.APBD
    web = Device.objects.get(name="srv-web")
    assert (web.purchase_date, web.acquisition_value, web.funding_source) == (
        datetime.date(2019, 3, 4),
        Decimal("1500000.50"),
        FundingSource.APBN,
    )
    switch = Device.objects.get(name="sw-core")
    assert (switch.purchase_date, switch.acquisition_value, switch.funding_source) == (None, None, "")

    out = io.StringIO()
    spreadsheets.export("devices", out)
    exported = {r["nama"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert exported["srv-siak"]["sumber_dana"] == "apbd"
    assert Decimal(exported["srv-siak"]["nilai_perolehan"]) == Decimal("314000000")
    assert exported["srv-siak"]["tanggal_perolehan"] in ("26/10/2015", "2015-10-26")
    assert exported["sw-core"]["tahap_migrasi"] == ""
    path = tmp_path / "perangkat.csv"
    path.write_text(out.getvalue(), encoding="utf-8")

    again = spreadsheets.import_file("devices", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"tanggal_perolehan": "FUTURE"},
            "Row 2, column tanggal_perolehan: The purchase date cannot be in the future.",
        ),
        (
            {"nilai_perolehan": "-5"},
            "Row 2, column nilai_perolehan: Ensure this value is greater than or equal to 0.",
        ),
        (
            {"tahun_pengadaan": "2018", "tanggal_perolehan": "04/03/2019"},
            "Row 2, column tahun_pengadaan: The purchase year 2018 is not the year of the purchase date "
            "(4 March 2019).",
        ),
        (
            {"tanggal_perolehan": "04/03/2019", "garansi_sampai": "01/01/2019"},
            "Row 2, column garansi_sampai: The warranty cannot end before the purchase date (4 March 2019).",
        ),
        (
            {"sumber_dana": "arisan"},
            "Row 2, column sumber_dana: arisan is not an allowed value.",
        ),
    ],
)
def test_asset_checks_refuse_the_row_and_name_its_column(city, cells, expected):
    row = dict.fromkeys(ASSET_HEADER, "")
    row.update(nama="srv-1", opd="Diskominfo", lokasi="Kantor Diskominfo", jenis="server", **cells)
    if row["tanggal_perolehan"] == "FUTURE":
        row["tanggal_perolehan"] = (timezone.localdate() + datetime.timedelta(days=2)).strftime("%d/%m/%Y")

    errors = errors_of("devices", ASSET_HEADER, [[row[c] for c in ASSET_HEADER]])

    assert len(errors) == 1
    assert errors[0].startswith(expected)


def test_the_checks_hold_in_the_form_and_the_model(city):
    data = {
        "name": "srv-form",
        "organization": city["kominfo"].pk,
        "site": city["office"].pk,
        "kind": DeviceKind.SERVER,
        "status": "active",
        "purchase_year": "2020",
        "purchase_date": "2019-03-04",
        "acquisition_value": "-1",
        "funding_source": "dak",
        "warranty_end": "2019-01-01",
    }
    form = DeviceForm(data=data)
    assert not form.is_valid()
    assert set(form.errors) == {"purchase_year", "acquisition_value", "warranty_end"}

    data.update(purchase_year="2019", acquisition_value="250000000", warranty_end="2022-03-04")
    form = DeviceForm(data=data)
    assert form.is_valid(), form.errors
    device = form.save()
    assert (device.purchase_date, device.acquisition_value, device.funding_source) == (
        datetime.date(2019, 3, 4),
        Decimal("250000000"),
        FundingSource.DAK,
    )
    # Today is allowed: the register records purchases on the day they are made.
    device.purchase_date, device.purchase_year = timezone.localdate(), timezone.localdate().year
    device.warranty_end = None
    device.full_clean()


def test_filters_serializer_and_device_page_show_the_asset_fields(city, client, engineer):
    old = DeviceFactory(
        name="srv-lama",
        organization=city["kominfo"],
        purchase_date=datetime.date(2012, 5, 1),
        acquisition_value=Decimal("90000000"),
        funding_source=FundingSource.APBD,
    )
    new = DeviceFactory(
        name="srv-baru",
        organization=city["kominfo"],
        purchase_date=datetime.date(2023, 8, 17),
        acquisition_value=Decimal("450000000"),
        funding_source=FundingSource.DAK,
    )
    DeviceFactory(name="srv-tanpa", organization=city["kominfo"])

    def names(**params):
        return set(DeviceFilterSet(params, queryset=Device.objects.all()).qs.values_list("name", flat=True))

    assert names(funding_source=["dak"]) == {"srv-baru"}
    assert names(purchased_after="2020-01-01") == {"srv-baru"}
    assert names(purchased_before="2020-01-01") == {"srv-lama"}
    assert names(value_min="100000000") == {"srv-baru"}
    assert names(value_max="100000000") == {"srv-lama"}
    assert names(acquisition_value__gte="90000000", purchase_date__lt="2013-01-01") == {"srv-lama"}

    data = DeviceSerializer(new, context={"request": None}).data
    assert data["purchase_date"] == "2023-08-17"
    assert Decimal(data["acquisition_value"]) == Decimal("450000000")
    assert data["funding_source"] == "dak"

    client.force_login(engineer)
    page = client.get(old.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Purchase date" in page and "1 May 2012" in page
    assert "Acquisition value (Rp)" in page and "90,000,000<" in page
    assert "APBD (regional budget)" in page
    listing = client.get(
        reverse("inventory:device_list"),
        {"funding_source": "dak", "purchased_after": "2020-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "srv-baru" in body and "srv-lama" not in body
    table = DeviceTable(Device.objects.filter(pk=new.pk))
    assert {"purchase_date", "acquisition_value", "funding_source"} <= set(table.available_columns)
    assert not {"purchase_date", "acquisition_value", "funding_source"} & set(table.visible_column_names)
    table.apply_columns(["name", "acquisition_value", "funding_source"])
    assert "450,000,000" in "".join(table.rendered_rows())
    header, row = list(table.as_values())
    assert row[header.index("Acquisition value (Rp)")] == Decimal("450000000"), "exports keep the number"


# --- the starting migration state ---------------------------------------------------------------
STATE_HEADER = ["nama", "opd", "lokasi", "jenis", "tahap_migrasi"]


def test_a_server_starts_tracking_in_its_state_today_as_an_imported_starting_point(city):
    importer = UserFactory(username="pengimpor")
    rows = [
        ["srv-a", "Diskominfo", "Kantor Diskominfo", "server", "accepted"],
        ["vm-b", "Diskominfo", "Kantor Diskominfo", "virtual_machine", "Scheduled"],
        ["srv-c", "Diskominfo", "Kantor Diskominfo", "server", ""],
    ]

    result = run("devices", STATE_HEADER, rows, user=importer)

    assert result.created == 3
    a = Migration.objects.get(device__name="srv-a")
    assert a.state == MigrationState.ACCEPTED
    first = a.transitions.get()
    assert (first.from_state, first.to_state, first.user, first.is_imported_start, first.is_rollback) == (
        "",
        MigrationState.ACCEPTED,
        None,
        True,
        False,
    )
    assert first.reason == "Imported starting point"
    assert a.actual_cutover is None and a.actual_acceptance is None, "the dates of the moves are not known"
    assert Migration.objects.get(device__name="vm-b").state == MigrationState.SCHEDULED
    assert not Migration.objects.filter(device__name="srv-c").exists()
    logged = ObjectChange.objects.get(content_type__model="migration", object_id=a.pk)
    assert (logged.action, logged.source, logged.user) == (ChangeAction.CREATE, ChangeSource.IMPORT, importer)

    # The same state again: nothing to do. Another state: the state moves only by transitions.
    assert run("devices", STATE_HEADER, rows).unchanged == 3
    moved = [["srv-a", "Diskominfo", "Kantor Diskominfo", "server", "migrating"]]
    assert errors_of("devices", STATE_HEADER, moved) == [
        "Row 2, column tahap_migrasi: This server's migration is tracked already, in the state Accepted; a "
        "tracked state changes only through its transitions (the migration's page)."
    ]
    # An existing server, untracked until now, starts too (its row counts as changed).
    assert run("devices", STATE_HEADER, [["srv-c", "Diskominfo", "", "", "Assessed"]]).updated == 1
    assert Migration.objects.get(device__name="srv-c").transitions.get().is_imported_start


def test_a_state_on_a_device_that_is_not_a_server_is_refused(city):
    rows = [
        ["sw-1", "Diskominfo", "Pusat Data", "switch", "inventoried"],
        ["x-1", "Diskominfo", "Pusat Data", "pemanggang", "inventoried"],
        ["srv-1", "Diskominfo", "Pusat Data", "server", "pindah"],
    ]

    errors = errors_of("devices", STATE_HEADER, rows)

    assert errors[0] == "Row 2, column tahap_migrasi: Only servers and virtual machines are migrated."
    assert errors[1].startswith("Row 3, column jenis: pemanggang is not an allowed value."), "its kind is enough"
    assert errors[2].startswith("Row 4, column tahap_migrasi: pindah is not an allowed value.")
    assert len(errors) == 3


def test_reports_never_count_an_imported_start_as_a_move_made_on_the_import_day(city):
    run(
        "devices",
        STATE_HEADER,
        [
            ["srv-done", "Diskominfo", "Kantor Diskominfo", "server", "cut_over"],
            ["srv-test", "Diskominfo", "Kantor Diskominfo", "server", "testing"],
        ],
    )
    progress = migration_progress()
    assert progress.overall.by_state[MigrationState.CUT_OVER] == 1, "its state is counted where it is"
    assert progress.overall.by_state[MigrationState.TESTING] == 1
    assert sum(y.actual_cutovers for y in progress.by_year) == 0
    assert progress_over_time()[-1].moved == 0

    testing = Migration.objects.get(device__name="srv-test")
    transition(testing, MigrationState.CUT_OVER, user=UserFactory(), at=timezone.now())
    progress = migration_progress()
    assert sum(y.actual_cutovers for y in progress.by_year) == 1, "a real cut-over after it counts"
    assert progress_over_time()[-1].moved == 1


def test_the_migration_and_device_pages_show_an_imported_start_as_such(city, client, engineer):
    run("devices", STATE_HEADER, [["srv-a", "Diskominfo", "Kantor Diskominfo", "server", "scheduled"]])
    tracked = start_tracking(DeviceFactory(name="srv-b", organization=city["kominfo"]))
    migration = Migration.objects.get(device__name="srv-a")
    client.force_login(engineer)

    for url in (migration.get_absolute_url(), migration.device.get_absolute_url()):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "imported starting point" in page
    page = client.get(tracked.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "imported starting point" not in page


def test_the_migrations_sheet_starts_a_new_server_in_its_state_and_refuses_a_change(city):
    DeviceFactory(name="srv-new", organization=city["kominfo"])
    MigrationFactory(device=DeviceFactory(name="srv-old", organization=city["kominfo"]))
    header = ["server", "opd", "tahap"]

    run("migrations", header, [["srv-new", "Diskominfo", "assessed"], ["srv-old", "Diskominfo", ""]])

    started = Migration.objects.get(device__name="srv-new")
    assert started.state == MigrationState.ASSESSED
    assert started.transitions.get().is_imported_start
    errors = errors_of("migrations", header, [["srv-old", "Diskominfo", "scheduled"]])
    assert errors == [
        "Row 2, column tahap: This column cannot be changed by an import: the state changes only through the "
        "migration's transitions (its page, the API or the migration service)."
    ]


def test_start_tracking_outside_an_import_still_starts_at_the_first_state(city):
    device = DeviceFactory(organization=city["kominfo"])
    with pytest.raises(ValueError):
        start_tracking(device, state=MigrationState.ACCEPTED)
    migration = start_tracking(device)
    first = migration.transitions.get()
    assert (first.to_state, first.is_imported_start, first.reason) == (MigrationState.INVENTORIED, False, "Inventoried")


# --- missing sites and racks --------------------------------------------------------------------
PLACE_HEADER = ["nama", "opd", "lokasi", "jenis", "rak"]
PLACE_ROWS = [
    ["srv-1", "Diskominfo", "Gedung Baru", "server", "R01"],
    ["srv-2", "Diskominfo", "Pusat Data", "server", "R09"],
    ["srv-3", "Diskominfo", "gedung baru", "server", "r01"],
    ["srv-4", "Diskominfo", "Kantor Diskominfo", "server", ""],
    ["srv-5", "Diskominfo", "Gedung Baru", "server", "R02"],
    ["srv-6", "Diskominfo", "Gedung Lain", "server", ""],
]


def test_without_the_option_a_missing_site_is_named_once_with_every_row_using_it(city):
    errors = errors_of("devices", PLACE_HEADER, PLACE_ROWS)

    assert errors == [
        "Row 2, column lokasi: No site named “Gedung Baru” exists; rows 2, 4 and 6 use it. Tick “Create missing "
        "sites and racks” or import the sites first.",
        "Row 3, column rak: No rack named “R09” exists. Tick “Create missing sites and racks” or import the "
        "sites first.",
        "Row 4, column lokasi: No site named “Gedung Baru” exists (see row 2).",
        "Row 6, column lokasi: No site named “Gedung Baru” exists (see row 2).",
        "Row 7, column lokasi: No site named “Gedung Lain” exists. Tick “Create missing sites and racks” or "
        "import the sites first.",
    ]


def test_with_the_option_missing_sites_and_racks_are_listed_in_the_dry_run_then_created(city):
    importer = UserFactory(username="pengimpor")
    sites, racks = Site.objects.count(), Rack.objects.count()

    preview = run("devices", PLACE_HEADER, PLACE_ROWS, create_missing=True, dry_run=True)

    assert (Site.objects.count(), Rack.objects.count(), Device.objects.count()) == (sites, racks, 0)
    assert [(r.noun, r.name, r.within, r.rows) for r in preview.created_refs] == [
        ("site", "Gedung Baru", "", (2, 4, 6)),
        ("site", "Gedung Lain", "", (7,)),
        ("rack", "R01", "Gedung Baru", (2, 4)),
        ("rack", "R09", "Pusat Data", (3,)),
        ("rack", "R02", "Gedung Baru", (6,)),
    ]

    result = run("devices", PLACE_HEADER, PLACE_ROWS, create_missing=True, user=importer)

    assert result.created == 6 and len(result.created_refs) == 5
    new_site = Site.objects.get(name="Gedung Baru")
    assert (new_site.kind, new_site.status) == (SiteKind.OTHER, SiteStatus.ACTIVE)
    r01 = Rack.objects.get(name="R01")
    assert r01.site == new_site
    assert Rack.objects.get(name="R09").site == city["data_center"]
    one, three = Device.objects.get(name="srv-1"), Device.objects.get(name="srv-3")
    assert (one.site, one.rack) == (new_site, r01)
    assert (three.site, three.rack) == (new_site, r01), "the same names in other cases are the same objects"
    assert Device.objects.get(name="srv-6").site.name == "Gedung Lain"
    for obj in (new_site, r01):
        change = ObjectChange.objects.get(content_type__model=obj._meta.model_name, object_id=obj.pk)
        assert (change.action, change.source, change.user) == (ChangeAction.CREATE, ChangeSource.IMPORT, importer)

    again = run("devices", PLACE_HEADER, PLACE_ROWS, create_missing=True)
    assert (again.unchanged, again.created_refs) == (6, [])


def test_a_new_rack_takes_a_position_and_a_bad_new_name_is_refused(city):
    header = [*PLACE_HEADER, "posisi_u"]
    rows = [["srv-1", "Diskominfo", "Gedung Baru", "server", "R01", "12"]]
    assert run("devices", header, rows, create_missing=True).created == 1
    assert Device.objects.get(name="srv-1").position == 12

    too_long = "G" * 151
    errors = errors_of("devices", PLACE_HEADER, [["srv-2", "Diskominfo", too_long, "server", ""]], create_missing=True)
    assert errors == ["Row 2, column lokasi: Ensure this value has at most 150 characters (it has 151)."]


def test_the_migrations_sheet_creates_a_missing_target_site_and_rack(city):
    DeviceFactory(name="srv-a", organization=city["kominfo"])
    header = ["server", "opd", "lokasi_tujuan", "rak_tujuan"]

    run("migrations", header, [["srv-a", "Diskominfo", "Pusat Data Baru", "R-DC-01"]], create_missing=True)

    migration = Migration.objects.get(device__name="srv-a")
    assert migration.target_rack.name == "R-DC-01"
    assert migration.target_rack.site.name == "Pusat Data Baru"


def test_a_device_import_query_count_does_not_grow_with_rows_states_or_new_places(city):
    RackFactory(site=city["office"], name="R00")

    def queries_for(n, prefix):
        rows = [
            [f"{prefix}-{i}", "Diskominfo", f"Gedung {prefix} {i % 3}", "server", f"R{i % 2}", "2019", "04/03/2019",
             "1000000", "apbd", "accepted" if i % 2 else "inventoried"]
            for i in range(n)
        ]  # fmt: skip
        header = [*PLACE_HEADER, "tahun_pengadaan", "tanggal_perolehan", "nilai_perolehan", "sumber_dana",
                  "tahap_migrasi"]  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            result = run("devices", header, rows, create_missing=True)
        assert result.created == n
        return len(captured)

    queries_for(1, "www")  # the first import in a process reads the content types
    assert queries_for(4, "a") == queries_for(40, "bb")
    assert MigrationTransition.objects.filter(is_imported_start=True).count() == 45


def test_a_fiber_link_between_a_known_and_a_new_site_creates_the_new_one(city):
    header = ["kode", "lokasi_a", "lokasi_b", "jumlah_core", "pemasangan", "panjang_km"]
    rows = [
        ["FO-01", "Pusat Data", "Kantor Camat Baru", "24", "duct", "3,2"],
        ["FO-02", "kantor camat baru", "Kantor Diskominfo", "12", "duct", "1,5"],
    ]

    errors = errors_of("fiberlinks", header, rows)
    assert errors[0].startswith(
        "Row 2, column lokasi_b: No site named “Kantor Camat Baru” exists; rows 2 and 3 use it."
    )
    assert errors[1:] == ["Row 3, column lokasi_a: No site named “Kantor Camat Baru” exists (see row 2)."]
    result = run("fiberlinks", header, rows, create_missing=True)

    assert [(r.name, r.rows) for r in result.created_refs] == [("Kantor Camat Baru", (2, 3))]
    camat = Site.objects.get(name="Kantor Camat Baru")
    assert list(camat.fiber_links_b.values_list("code", flat=True)) == ["FO-01"]
    assert list(camat.fiber_links_a.values_list("code", flat=True)) == ["FO-02"]
    assert FiberLink.objects.get(code="FO-01").cores.count() == 24
