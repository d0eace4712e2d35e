"""Column mapping: what is proposed for a city office's own headers, constants, saved mappings, the
command line, errors that name only the file's own columns, and each row's outcome."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from infra.core.models import ObjectChange
from infra.inventory import spreadsheets
from infra.inventory.choices import DeviceKind
from infra.inventory.models import Device, ImportMapping
from infra.inventory.spreadsheets import ColumnMapping, MappingError, mapping
from infra.inventory.spreadsheets.cells import normalize_header
from infra.inventory.spreadsheets.synonyms import HEADER_SYNONYMS
from infra.inventory.spreadsheets.tables import Table

from ..factories import OrganizationFactory, SiteFactory, UserFactory
from .test_import import counts, write_csv

# A server list the way a city office keeps it: its own titles, a numbering column, no "jenis".
OFFICE_HEADER = [
    "No",
    "Nama Server",
    "Nama OPD",
    "Lokasi",
    "Merk",
    "Tipe",
    "No. Seri",
    "No. Inventaris BMD",
    "IP Address",
    "Keterangan",
]


@pytest.fixture
def city(db):
    dukcapil = OrganizationFactory(name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Disdukcapil")
    kominfo = OrganizationFactory(name="Dinas Komunikasi dan Informatika", short_name="Diskominfo")
    SiteFactory(name="Kantor Disdukcapil", organization=dukcapil)
    SiteFactory(name="Pusat Data Diskominfo", organization=kominfo)
    return {"dukcapil": dukcapil, "kominfo": kominfo}


def office_rows(prefix="srv", n=2):
    return [
        [
            str(i + 1),
            f"{prefix}-{i + 1:02d}",
            "Disdukcapil",
            "Kantor Disdukcapil",
            "Dell",
            "PowerEdge R740",
            f"SN-{prefix}-{i}",
            f"02.06.{prefix}.{i}",
            f"127.{len(prefix)}.9.{i + 1}",
            "Server SIAK",
        ]
        for i in range(n)
    ]


def table(header, rows, first=2):
    return Table(header=list(header), rows=[(first + i, list(r)) for i, r in enumerate(rows)])


def proposed(proposal):
    return {p.title: (p.column, p.how) for p in proposal.columns}


# --- proposals --------------------------------------------------------------------------------
def test_indonesian_titles_are_proposed_by_synonym_and_numbering_is_ignored(db):
    proposal = spreadsheets.propose("devices", table(OFFICE_HEADER, office_rows()))

    assert proposed(proposal) == {
        "No": ("", "name"),
        "Nama Server": ("nama", "synonym"),
        "Nama OPD": ("opd", "synonym"),
        "Lokasi": ("lokasi", "name"),
        "Merk": ("merek", "name"),
        "Tipe": ("model", "synonym"),  # the model ("PowerEdge R740"), never the device kind
        "No. Seri": ("nomor_seri", "name"),
        "No. Inventaris BMD": ("kode_barang_bmd", "synonym"),
        "IP Address": ("alamat_ip", "name"),
        "Keterangan": ("keterangan", "name"),
    }
    by_title = {p.title: p for p in proposal.columns}
    assert by_title["Nama Server"].samples == ["srv-01", "srv-02"]
    assert by_title["Tipe"].index == 5
    assert proposal.missing == ["jenis"], "a server list has no jenis column: the proposal says so"
    assert proposal.saved == ""


def test_a_near_miss_is_proposed_as_similar_and_a_stranger_is_not_guessed(db):
    header = ["Nama Servr", "Sistim Operasi", "Warna Kabel", "Tahun"]
    proposal = spreadsheets.propose("devices", table(header, [["a", "b", "c", "2020"]]))

    assert proposed(proposal) == {
        "Nama Servr": ("nama", "fuzzy"),
        "Sistim Operasi": ("sistem_operasi", "fuzzy"),
        "Warna Kabel": ("", "none"),
        "Tahun": ("tahun_pengadaan", "name"),
    }
    # An unplaced column stays out of the mapping: the import names it until it is mapped or ignored.
    assert proposal.mapping().columns == {
        "nama_servr": "nama",
        "sistim_operasi": "sistem_operasi",
        "tahun": "tahun_pengadaan",
    }


def test_two_columns_for_one_template_column_the_better_keeps_it(db):
    header = ["Nama Server", "Hostname", "Merk", "Merk/Type"]
    proposal = spreadsheets.propose("devices", table(header, [["a", "b", "c", "d"]]))

    by_title = {p.title: p for p in proposal.columns}
    assert (by_title["Hostname"].column, by_title["Hostname"].how) == ("nama", "name")
    assert (by_title["Nama Server"].column, by_title["Nama Server"].duplicate_of) == ("", "Hostname")
    assert (by_title["Merk"].column, by_title["Merk/Type"].column) == ("merek", "")
    assert by_title["Merk/Type"].duplicate_of == "Merk"
    assert proposal.mapping().columns["nama_server"] == "", "the loser is ignored, and the command says so"
    assert "“Nama Server” -> (ignored) (synonym) same column as “Hostname”" in proposal.describe()


def test_header_score_counts_known_titles():
    sheet = spreadsheets.get_sheet("devices")
    assert sheet.header_score(OFFICE_HEADER) >= 8
    assert sheet.header_score(["DAFTAR SERVER PEMERINTAH KOTA BANDAR LAMPUNG", None, None]) == 0
    assert sheet.header_score(["1", "srv-01", "Disdukcapil", 2019, None]) < 2
    assert sheet.header_score(["Nama Server", "Nama Server"]) == 1, "one column counts once"


# --- importing through a mapping --------------------------------------------------------------
def test_an_office_sheet_imports_with_a_constant_for_the_missing_kind(city, tmp_path):
    path = write_csv(tmp_path / "server.csv", OFFICE_HEADER, office_rows())
    given = ColumnMapping(constants={"jenis": "server"})

    result = spreadsheets.import_file("devices", path, mapping=given)

    assert (result.created, result.updated) == (2, 0)
    device = Device.objects.get(name="srv-01")
    assert device.kind == DeviceKind.SERVER and device.model == "PowerEdge R740" and device.vendor == "Dell"
    assert device.organization == city["dukcapil"] and device.asset_number == "02.06.srv.0"
    assert device.primary_ip.address == "127.3.9.1"
    assert [(o.row, o.status) for o in result.outcomes] == [(2, "new"), (3, "new")]


def test_without_the_kind_every_row_is_refused_without_naming_an_absent_column(city, tmp_path):
    path = write_csv(tmp_path / "server.csv", OFFICE_HEADER, office_rows())
    before = counts()

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("devices", path)

    assert counts() == before
    assert [str(e) for e in failure.value.errors] == [
        "Row 2: Kind: This field cannot be blank.",
        "Row 3: Kind: This field cannot be blank.",
    ]
    titles = set(OFFICE_HEADER) | {""}
    assert {e.column for e in failure.value.errors} <= titles


def test_errors_name_the_files_own_titles_and_a_constant_as_for_every_row(city, tmp_path):
    rows = office_rows()
    rows[1][2] = "Dinas Hilang"
    path = write_csv(tmp_path / "server.csv", OFFICE_HEADER, rows)

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("devices", path, mapping=ColumnMapping(constants={"jenis": "kulkas"}))

    errors = [str(e) for e in failure.value.errors]
    assert errors[0].startswith("Row 2, column jenis (for every row): kulkas is not an allowed value.")
    assert "Row 3, column Nama OPD: No OPD named “Dinas Hilang” exists." in errors
    assert not Device.objects.exists()


def test_a_constant_and_a_file_column_for_the_same_column_are_refused(city, tmp_path):
    path = write_csv(tmp_path / "d.csv", ["nama", "opd", "lokasi", "jenis"], [["a", "Disdukcapil", "x", "server"]])

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("devices", path, mapping=ColumnMapping(constants={"jenis": "server"}))

    assert [str(e) for e in failure.value.errors] == [
        "Row 1, column jenis: This column also has a value for every row (jenis): give one or the other."
    ]


def test_an_unknown_column_is_named_until_the_mapping_ignores_or_maps_it(city, tmp_path):
    header = ["Nama Server", "Nama OPD", "Lokasi", "Jenis", "Kondisi Fisik"]
    path = write_csv(tmp_path / "d.csv", header, [["srv-x", "Disdukcapil", "Kantor Disdukcapil", "server", "Baik"]])

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("devices", path)
    assert [e.column for e in failure.value.errors] == ["Kondisi Fisik"]
    assert str(failure.value.errors[0]).startswith("Row 1, column Kondisi Fisik: Unknown column.")

    spreadsheets.import_file("devices", path, mapping=ColumnMapping(columns={"Kondisi Fisik": ""}))
    assert Device.objects.filter(name="srv-x").exists()

    spreadsheets.import_file("devices", path, mapping=ColumnMapping(columns={"kondisi_fisik": "keterangan"}))
    assert Device.objects.get(name="srv-x").description == "Baik"


def test_header_errors_carry_the_files_header_row(city):
    found = table(["Nama Server", "Lokasi", "Jenis"], [["a", "Kantor Disdukcapil", "server"]], first=6)
    found.header_row = 5  # under a title block

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_table("devices", found)

    assert [str(e) for e in failure.value.errors] == [
        "Row 5: The key column opd is missing: rows are matched by it. Map a column of the file to it or give it "
        "a value for every row."
    ]


def test_a_constant_fills_a_key_column(city):
    rows = [["srv-k", "Kantor Disdukcapil", "server"]]
    found = table(["Nama Server", "Lokasi", "Jenis"], rows)

    spreadsheets.import_table("devices", found, mapping=ColumnMapping(constants={"opd": "Disdukcapil"}))

    assert Device.objects.get(name="srv-k").organization == city["dukcapil"]


def test_outcomes_say_new_changed_with_the_titles_and_unchanged(city, tmp_path):
    given = ColumnMapping(constants={"jenis": "server"})
    spreadsheets.import_file("devices", write_csv(tmp_path / "a.csv", OFFICE_HEADER, office_rows(n=3)), mapping=given)
    rows = office_rows(n=4)
    rows[0][5] = "PowerEdge R750"  # Tipe
    rows[0][9] = "Server SIAK baru"  # Keterangan
    rows[1][8] = "127.3.9.99"  # IP Address: the sheet's own column
    path = write_csv(tmp_path / "b.csv", OFFICE_HEADER, rows)

    result = spreadsheets.import_file("devices", path, mapping=given, dry_run=True)

    assert [(o.row, o.status, o.changed) for o in result.outcomes] == [
        (2, "changed", ("Tipe", "Keterangan")),
        (3, "changed", ("IP Address",)),
        (4, "unchanged", ()),
        (5, "new", ()),
    ]
    rows[2][2] = "Dinas Hilang"
    bad = write_csv(tmp_path / "c.csv", OFFICE_HEADER, rows)
    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("devices", bad, mapping=given, dry_run=True)
    assert [(o.row, o.status) for o in failure.value.outcomes] == [(2, "changed"), (3, "changed"), (5, "new")]


def test_the_query_count_does_not_grow_with_the_rows_through_a_mapping(city, tmp_path):
    given = ColumnMapping(constants={"jenis": "server"})

    def queries_for(n, prefix):
        path = write_csv(tmp_path / f"{prefix}.csv", OFFICE_HEADER, office_rows(prefix, n))
        with CaptureQueriesContext(connection) as captured:
            spreadsheets.import_file("devices", path, mapping=given)
        return len(captured)

    queries_for(1, "www")
    assert queries_for(3, "a") == queries_for(40, "bb")


# --- mappings as JSON, saved and reused -------------------------------------------------------
def test_a_mapping_round_trips_and_names_unknown_columns(db):
    given = ColumnMapping.from_json(
        {"columns": {"Nama Server": "nama", "Kolom Lain": "-"}, "constants": {"Jenis": "server"}}, "devices"
    )
    assert given.columns == {"nama_server": "nama", "kolom_lain": ""}
    assert given.constants == {"jenis": "server"}
    assert ColumnMapping.from_json(given.to_json(), "devices") == given

    with pytest.raises(MappingError, match="The devices template has no column “warna”"):
        ColumnMapping.from_json({"columns": {"Warna": "warna"}}, "devices")
    with pytest.raises(MappingError, match="only texts"):
        ColumnMapping.from_json({"columns": {"Warna": ["nama"]}}, "devices")
    with pytest.raises(MappingError, match="cannot be given a value for every row"):
        ColumnMapping.from_json({"constants": {"tahap": "accepted"}}, "migrations")


def test_a_saved_mapping_is_reused_for_the_next_file_of_the_same_shape(city, tmp_path):
    user = UserFactory()
    header = ["Server", "Instansi Pemilik", "Gedung", "Kelas"]
    rows = [["srv-a", "Disdukcapil", "Kantor Disdukcapil", "server"]]
    first = table(header, rows)
    assert proposed(spreadsheets.propose("devices", first))["Server"] == ("", "none")
    own = ColumnMapping(columns={"Server": "nama", "Instansi Pemilik": "opd", "Kelas": "jenis"})

    saved = mapping.save("devices", "Daftar server Disdukcapil", own, user=user)

    record = ObjectChange.objects.get(object_repr="Daftar server Disdukcapil")
    assert record.user_id == user.pk
    assert saved.columns == {"server": "nama", "instansi_pemilik": "opd", "kelas": "jenis"}
    second = table(header, [["srv-b", "Diskominfo", "Pusat Data Diskominfo", "server"]])
    proposal = spreadsheets.propose("devices", second)
    assert proposal.saved == "Daftar server Disdukcapil"
    assert proposed(proposal)["Server"] == ("nama", "mapping")
    assert proposed(proposal)["Gedung"] == ("lokasi", "synonym"), "titles it does not name are proposed"

    spreadsheets.import_table("devices", second)

    assert Device.objects.get(name="srv-b").organization == city["kominfo"]
    mapping.save("devices", "Daftar server Disdukcapil", ColumnMapping(columns={"Server": "nama"}), user=user)
    assert ImportMapping.objects.get().columns == {"server": "nama"}, "the same name replaces it"


def test_a_saved_mapping_is_not_taken_when_its_titles_are_not_all_in_the_file(db):
    mapping.save("devices", "lain", ColumnMapping(columns={"Server": "nama", "Kelas": "jenis"}), user=None)

    proposal = spreadsheets.propose("devices", table(["Server", "Gedung"], [["a", "b"]]))

    assert proposal.saved == "" and proposed(proposal)["Server"] == ("", "none")


def test_load_takes_a_saved_name_or_a_json_file(db, tmp_path):
    mapping.save("devices", "bmd", ColumnMapping(columns={"Kode": "kode_barang_bmd"}), user=None)
    assert mapping.load("devices", "bmd").columns == {"kode": "kode_barang_bmd"}
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"columns": {"Kode": "kode_barang_bmd"}, "constants": {"jenis": "server"}}))
    assert mapping.load("devices", str(path)).constants == {"jenis": "server"}
    with pytest.raises(MappingError, match="No saved mapping named “nothing” for devices"):
        mapping.load("devices", "nothing")
    path.write_text("{not json")
    with pytest.raises(MappingError, match="cannot be read"):
        mapping.load("devices", str(path))
    with pytest.raises(MappingError, match="Give the mapping a name"):
        mapping.save("devices", "  ", ColumnMapping(), user=None)


# --- the command line -------------------------------------------------------------------------
def test_the_command_proposes_prints_and_uses_the_mapping(city, tmp_path):
    path = write_csv(tmp_path / "server.csv", OFFICE_HEADER, office_rows())
    out = StringIO()

    call_command("import_data", "devices", str(path), "--set", "jenis=server", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert "  “Nama Server” -> nama (synonym)" in lines
    assert "  “No” -> (ignored) (template name)" in lines
    assert "  “Tipe” -> model (synonym)" in lines
    assert "  jenis = “server” for every row" in lines
    assert lines[-1] == "Devices: 2 created, 0 updated, 0 unchanged. Dry run: nothing was saved."
    assert not Device.objects.exists()


def test_the_command_maps_sets_saves_and_reuses_a_mapping(city, tmp_path):
    header = ["Server", "OPD", "Gedung", "Kondisi Fisik"]
    path = write_csv(tmp_path / "a.csv", header, [["srv-c", "Disdukcapil", "Kantor Disdukcapil", "Baik"]])
    out = StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("import_data", "devices", str(path), stdout=out)
    assert "Row 1, column Server: Unknown column." in str(failure.value)
    assert "  “Server” -> (unknown: map it or ignore it)" in out.getvalue().splitlines()

    call_command(
        "import_data",
        "devices",
        str(path),
        "--map",
        "Server=nama",
        "--map",
        "Kondisi Fisik=-",
        "--set",
        "jenis=server",
        "--save-mapping",
        "Server kantor",
        stdout=out,
    )
    assert Device.objects.get(name="srv-c").kind == DeviceKind.SERVER
    assert "Mapping saved as “Server kantor”." in out.getvalue()

    again = write_csv(tmp_path / "b.csv", header, [["srv-d", "Diskominfo", "Pusat Data Diskominfo", "Rusak"]])
    out = StringIO()
    call_command("import_data", "devices", str(again), stdout=out)
    assert "Columns (saved mapping “Server kantor”):" in out.getvalue()
    assert Device.objects.get(name="srv-d").kind == DeviceKind.SERVER

    out = StringIO()
    third = write_csv(
        tmp_path / "c.csv", ["Server", "OPD", "Gedung"], [["srv-e", "Diskominfo", "Pusat Data Diskominfo"]]
    )
    call_command("import_data", "devices", str(third), "--mapping", "Server kantor", stdout=out)
    assert Device.objects.get(name="srv-e").kind == DeviceKind.SERVER


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--map", "Server"], "--map takes TITLE=COLUMN"),
        (["--map", "Server=warna"], "The devices template has no column “warna”"),
        (["--set", "=server"], "--set takes COLUMN=VALUE"),
        (["--set", "warna=merah"], "The devices template has no column “warna”"),
        (["--mapping", "tidak-ada"], "No saved mapping named “tidak-ada” for devices"),
    ],
)
def test_bad_options_are_refused_clearly(city, tmp_path, options, message):
    path = write_csv(tmp_path / "a.csv", ["nama"], [["x"]])
    with pytest.raises(CommandError, match=message):
        call_command("import_data", "devices", str(path), *options, stdout=StringIO())
    assert not Device.objects.exists()


# --- the synonyms -----------------------------------------------------------------------------
# Device columns lane "assets" adds; their synonyms wait for them.
PENDING = {("devices", name) for name in ("tanggal_perolehan", "nilai_perolehan", "sumber_dana", "tahap_migrasi")}


def test_every_synonym_names_one_column_of_its_kind_and_no_other_columns_name(db):
    for kind, by_column in HEADER_SYNONYMS.items():
        sheet = spreadsheets.get_sheet(kind)
        own = {}
        for column in sheet.columns:
            for alias in (column.name, column.field, *column.aliases):
                if alias:
                    own.setdefault(normalize_header(alias), column.name)
        seen = {}
        for name, titles in by_column.items():
            assert name in sheet.column_names() or (kind, name) in PENDING, (kind, name)
            for title in titles:
                key = normalize_header(title)
                assert seen.setdefault(key, name) == name, f"{kind}: {title} is a synonym of two columns"
                assert own.get(key, name) == name, f"{kind}: {title} is already the name of {own.get(key)}"


def test_the_docs_list_every_synonym():
    """docs/import-formats.md holds the synonyms table, equal to HEADER_SYNONYMS."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "import-formats.md").read_text(encoding="utf-8")
    assert "<!-- synonyms:start -->\n" in text and "<!-- synonyms:end -->" in text, "no synonyms table in the docs"
    block = text.split("<!-- synonyms:start -->\n", 1)[1].split("<!-- synonyms:end -->", 1)[0]
    assert block == mapping.synonyms_markdown(), "regenerate it with mapping.synonyms_markdown()"


def test_read_file_reads_a_table_of_the_kind(tmp_path):
    path = write_csv(tmp_path / "server.csv", OFFICE_HEADER, office_rows(n=3))

    found = spreadsheets.read_file("devices", path)

    assert found.header == OFFICE_HEADER
    assert [number for number, _cells in found.rows] == [2, 3, 4]
    assert getattr(found, "header_row", 1) == 1


def test_a_tipe_column_of_device_kinds_is_proposed_for_jenis_not_model(city, tmp_path):
    """ "Tipe" is the model ("PowerEdge R740"); a "Tipe" holding only device kinds is the kind."""
    header = ["Nama Server", "Nama OPD", "Lokasi", "Tipe"]
    rows = [
        ["sw-01", "Diskominfo", "Pusat Data Diskominfo", "Switch"],
        ["ups-01", "Diskominfo", "Pusat Data Diskominfo", "UPS"],
    ]

    assert proposed(spreadsheets.propose("devices", table(header, rows)))["Tipe"] == ("jenis", "fuzzy")
    models = [[*row[:3], "PowerEdge R740"] for row in rows]
    assert proposed(spreadsheets.propose("devices", table(header, models)))["Tipe"] == ("model", "synonym")
    with_kind = [[*row, "server"] for row in rows]
    found = spreadsheets.propose("devices", table([*header, "Jenis"], with_kind))
    assert proposed(found)["Tipe"] == ("model", "synonym"), "the file has a jenis column: Tipe stays the model"

    spreadsheets.import_file("devices", write_csv(tmp_path / "d.csv", header, rows))
    assert Device.objects.get(name="sw-01").kind == DeviceKind.SWITCH and Device.objects.get(name="sw-01").model == ""


def test_saved_mappings_are_looked_up_only_for_a_file_not_in_the_templates_shape(db):
    template = table(spreadsheets.get_sheet("devices").header(), [])
    with CaptureQueriesContext(connection) as captured:
        spreadsheets.propose("devices", template)
    assert len(captured) == 0
    with CaptureQueriesContext(connection) as captured:
        spreadsheets.propose("devices", table(OFFICE_HEADER, office_rows(n=50)))
    assert len(captured) == 1, "one query for the saved mappings of the kind, whatever the rows"
