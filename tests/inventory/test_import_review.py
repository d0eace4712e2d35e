"""Review of issue 13's import: defects found after the lanes merged, each pinned by a test."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from infra.core.choices import ChangeAction, ChangeSource
from infra.core.models import ObjectChange
from infra.inventory import spreadsheets
from infra.inventory.models import Device, Rack, Site
from infra.inventory.spreadsheets.tables import Table

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
