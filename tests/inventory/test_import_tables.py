"""Finding the table in a sheet as a city office keeps it: title block, numbering row, totals and signatures.

Every file is built here, in each format a Windows office produces (XLSX with merged title cells,
old XLS, ODS, CSV with any separator and encoding), and read back: the header's row, the rows kept
with the file's own row numbers, and what was skipped and why.
"""

import csv
import datetime
import io
import os
import string

import pytest
import xlwt
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table as OdsTable
from odf.table import TableCell, TableRow
from odf.text import P
from openpyxl import Workbook

from infra.core import exports
from infra.inventory import spreadsheets
from infra.inventory.models import Site
from infra.inventory.spreadsheets import tables
from infra.inventory.spreadsheets.tables import (
    AFTER_END,
    FOOTER,
    NUMBERING,
    SUBHEADER,
    TITLE,
    ReadLimits,
    Skipped,
    Table,
    TableError,
    describe_skipped,
    read_table,
    sniff_delimiter,
)

HEADER = ["No", "nama", "jenis", "alamat", "keterangan"]
# A sites list as a Diskominfo keeps it: (row of cells, columns the first cell is merged over).
CITY_SHEET: list[tuple[list[object], int]] = [
    (["PEMERINTAH KOTA BANDAR LAMPUNG"], 5),
    (["DAFTAR LOKASI DAN GEDUNG DINAS KOMINFO TAHUN 2026"], 5),
    ([], 0),
    (HEADER, 0),
    ([1, 2, 3, 4, 5], 0),
    ([1, "Gedung Pemkot", "data_center", "Jl. Dr. Susilo No. 2", "Ruang server utama"], 0),
    ([2, "Gudang Arsip", "other", "Jl. Sultan Agung", None], 0),
    # Its first words are a totals line's, but it is a full row of the table: kept.
    ([None, "Total Solusi Tower", "other", "Jl. Teuku Umar", "sewa"], 0),
    ([], 0),
    ([], 0),
    (["JUMLAH", None, None, "3 lokasi"], 3),
    ([], 0),
    ([None, None, None, "Bandar Lampung, 30 November 2026"], 0),
    ([None, None, None, "Kepala Dinas Komunikasi dan Informatika"], 0),
    ([], 0),
    ([], 0),
    ([None, None, None, "Drs. H. Ahmad Suryadi, M.Si"], 0),
    ([None, None, None, "NIP. 19700101 199503 1 001"], 0),
]
CITY_ROWS = [
    (6, ["1", "Gedung Pemkot", "data_center", "Jl. Dr. Susilo No. 2", "Ruang server utama"]),
    (7, ["2", "Gudang Arsip", "other", "Jl. Sultan Agung"]),
    (8, ["", "Total Solusi Tower", "other", "Jl. Teuku Umar", "sewa"]),
]
CITY_SKIPPED = [Skipped(1, 3, TITLE), Skipped(5, 5, NUMBERING), Skipped(11, 18, FOOTER)]


def xlsx(sheet: list[tuple[list[object], int]]) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Server"
    for number, (cells, merged) in enumerate(sheet, start=1):
        for column, value in enumerate(cells, start=1):
            if value is not None:
                ws.cell(number, column, value)
        if merged:
            ws.merge_cells(start_row=number, start_column=1, end_row=number, end_column=merged)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def xls(sheet: list[tuple[list[object], int]]) -> bytes:
    workbook = xlwt.Workbook()
    ws = workbook.add_sheet("Server")
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for number, (cells, merged) in enumerate(sheet):
        if merged:
            ws.write_merge(number, number, 0, merged - 1, cells[0])
            cells = [None] * merged + cells[merged:]
        for column, value in enumerate(cells):
            if value is not None:
                ws.write(number, column, value, dates if isinstance(value, datetime.date) else xlwt.Style.default_style)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def ods(sheet: list[tuple[list[object], int]]) -> bytes:
    document = OpenDocumentSpreadsheet()
    table = OdsTable(name="Server")
    for cells, merged in sheet:
        row = TableRow()
        for column, value in enumerate(cells):
            if value is None:
                cell = TableCell()
            elif isinstance(value, str):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            else:
                cell = TableCell(valuetype="float", value=value)
            if merged and column == 0:
                cell.setAttribute("numbercolumnsspanned", str(merged))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    stream = io.BytesIO()
    document.write(stream)
    return stream.getvalue()


def csv_text(sheet: list[tuple[list[object], int]], delimiter: str = ",") -> str:
    return "".join(delimiter.join("" if v is None else str(v) for v in cells) + "\r\n" for cells, _merged in sheet)


def texts(table: Table) -> list[tuple[int, list[str]]]:
    """The rows kept as (file row number, cell texts without the trailing empty ones)."""
    result = []
    for number, cells in table.rows:
        values = ["" if c is None else str(c) for c in cells]
        while values and not values[-1]:
            values.pop()
        result.append((number, values))
    return result


def read(data: bytes | str, name: str, **kwargs: object) -> Table:
    stream = io.BytesIO(data.encode() if isinstance(data, str) else data)
    stream.name = name
    return read_table(stream, **kwargs)


# --- the city's sheet in every format -------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("lokasi.xlsx", xlsx),
        ("lokasi.xls", xls),
        ("lokasi.ods", ods),
        ("lokasi.csv", lambda sheet: csv_text(sheet).encode()),
        ("lokasi.csv", lambda sheet: csv_text(sheet, ";").encode("cp1252")),
        ("lokasi.txt", lambda sheet: csv_text(sheet, "\t").encode("utf-16")),
    ],
    ids=["xlsx", "xls", "ods", "csv", "csv-semicolon-cp1252", "unicode-text"],
)
def test_the_table_under_a_title_block_and_above_a_signature_is_found_in_every_format(name, build):
    table = read(build(CITY_SHEET), name)

    assert table.header == HEADER
    assert table.header_row == 4
    assert texts(table) == CITY_ROWS
    assert table.skipped == CITY_SKIPPED


def test_the_skipped_rows_are_said_in_both_languages():
    table = read(xlsx(CITY_SHEET), "lokasi.xlsx")
    with translation.override("en"):
        assert describe_skipped(table) == [
            "Rows 1–3 above the header were skipped (title).",
            "Row 5 under the header was skipped (it only numbers the columns).",
            "Rows 11–18 after the table were skipped (totals or signature block).",
        ]
    with translation.override("id"):
        assert describe_skipped(table) == [
            "Baris 1–3 di atas baris judul kolom dilewati (judul).",
            "Baris 5 di bawah judul kolom dilewati (hanya berisi nomor kolom).",
            "Baris 11–18 setelah tabel dilewati (jumlah atau blok tanda tangan).",
        ]


def test_the_format_is_the_files_own_whatever_its_name_says():
    for data in (xls(CITY_SHEET), ods(CITY_SHEET), xlsx(CITY_SHEET)):
        table = read(data, "salah-nama.csv")
        assert (table.header_row, texts(table)) == (4, CITY_ROWS)


# --- the header ---------------------------------------------------------------------------------
def test_a_file_that_starts_with_its_header_reads_as_before():
    table = read("nama,jenis\nGedung A,other\n\n,\nGedung B,opd_office\n", "lokasi.csv")

    assert (table.header, table.header_row, table.skipped) == (["nama", "jenis"], 1, [])
    assert texts(table) == [(2, ["Gedung A", "other"]), (5, ["Gedung B", "opd_office"])]
    assert describe_skipped(table) == []


def test_the_scorer_picks_the_header_and_a_merged_title_is_never_taken_for_one():
    sheet = [
        (["nama"], 3),  # a merged title that happens to read like a column title
        (["Dinas Komunikasi dan Informatika", "Tahun Anggaran"], 0),  # two text cells: no header either
        ([], 0),
        (["Nama Lokasi", "Jenis", "Alamat"], 0),
        (["Gedung A", "other", "Jl. A"], 0),
        (["nama", "jenis", "alamat"], 0),  # scores as well as row 4: the earlier one wins
    ]
    known = {"nama", "nama lokasi", "jenis", "alamat"}
    scored = []

    def score(cells):
        scored.append(list(cells))
        return sum(1 for c in cells if isinstance(c, str) and c.strip().lower() in known)

    table = read(xlsx(sheet), "lokasi.xlsx", header_score=score)

    assert (table.header, table.header_row) == (["Nama Lokasi", "Jenis", "Alamat"], 4)
    assert texts(table) == [(5, ["Gedung A", "other", "Jl. A"]), (6, ["nama", "jenis", "alamat"])]
    assert table.skipped == [Skipped(1, 3, TITLE)]
    assert ["nama", None, None] not in scored  # the merged title was not even scored


def test_without_a_scorer_the_first_wide_row_of_text_is_the_header():
    sheet = [
        (["DATA SERVER DISKOMINFO"], 4),
        (["Per 30 November 2026"], 4),
        (["Nama Server", "IP Address", "Tahun", "Keterangan"], 0),
        (["srv-simpeg", "10.1.1.5", 2019, "aktif"], 0),
    ]
    table = read(xlsx(sheet), "server.xlsx")

    assert (table.header_row, table.header) == (3, ["Nama Server", "IP Address", "Tahun", "Keterangan"])
    assert texts(table) == [(4, ["srv-simpeg", "10.1.1.5", "2019", "aktif"])]
    assert table.skipped == [Skipped(1, 2, TITLE)]


def test_a_scorer_that_knows_no_row_falls_back_to_the_shape_of_the_rows():
    sheet = [(["JUDUL"], 3), (["a", "b", "c"], 0), (["x", "2", "3"], 0)]
    table = read(xlsx(sheet), "x.xlsx", header_score=lambda cells: 1)
    assert (table.header_row, table.header, texts(table)) == (2, ["a", "b", "c"], [(3, ["x", "2", "3"])])


def test_header_titles_are_read_as_one_line():
    sheet = [(["Nilai Perolehan\n(Rp)", "Tgl.  Pengadaan ", 2026.0], 0), (["1", "2", "3"], 0)]
    assert read(xlsx(sheet), "x.xlsx").header == ["Nilai Perolehan (Rp)", "Tgl. Pengadaan", "2026"]


KNOWN_TITLES = {"no", "nama barang", "merk", "tipe", "no. seri", "lokasi", "nilai perolehan"}


def known(cells) -> int:
    return sum(1 for c in cells if isinstance(c, str) and c.strip().lower() in KNOWN_TITLES)


def test_titles_under_a_merged_group_title_join_the_header():
    sheet = [
        (["KARTU INVENTARIS BARANG (KIB) B"], 7),
        (["No", "Nama Barang", "Spesifikasi", None, None, "Lokasi", "Nilai Perolehan"], 0),
        ([None, None, "Merk", "Tipe", "No. Seri"], 0),
        ([1, 2, 3, 4, 5, 6, 7], 0),
        ([1, "Server", "Dell", "PowerEdge R740", "SN-1", "Ruang Server", "314.000.000"], 0),
    ]
    table = read(xlsx(sheet), "kib.xlsx", header_score=known)

    assert table.header_row == 2
    assert table.header == ["No", "Nama Barang", "Merk", "Tipe", "No. Seri", "Lokasi", "Nilai Perolehan"]
    assert texts(table) == [(5, ["1", "Server", "Dell", "PowerEdge R740", "SN-1", "Ruang Server", "314.000.000"])]
    assert table.skipped == [Skipped(1, 1, TITLE), Skipped(3, 3, SUBHEADER), Skipped(4, 4, NUMBERING)]
    with translation.override("en"):
        assert describe_skipped(table)[1] == "Row 3 was read as part of the header (the titles under merged cells)."


def test_a_text_row_under_the_header_stays_a_row_when_it_holds_no_better_titles():
    sheet = [
        (["No", "Nama Barang", "Lokasi", None], 0),
        ([None, "Server", "Ruang Server", "catatan tanpa judul"], 0),
    ]
    table = read(xlsx(sheet), "kib.xlsx", header_score=known)
    assert (table.header, table.skipped) == (["No", "Nama Barang", "Lokasi"], [])
    assert [number for number, _cells in table.rows] == [2]


# --- under the header ----------------------------------------------------------------------------
@pytest.mark.parametrize("numbers", [[1, 2, 3, 4], ["(1)", "(2)", "(3)", "(4)"], ["1", "2", "3", "4"]])
def test_a_row_that_only_numbers_the_columns_is_skipped(numbers):
    sheet = [(["nama", "jenis", "alamat", "keterangan"], 0), (numbers, 0), (["Gedung A", "other", "Jl. A", "x"], 0)]
    table = read(xlsx(sheet), "x.xlsx")
    assert table.skipped == [Skipped(2, 2, NUMBERING)]
    assert texts(table) == [(3, ["Gedung A", "other", "Jl. A", "x"])]


@pytest.mark.parametrize("first", [[2, 3, 4, 5], [1, 3, 2, 4], [1, "Gedung A", 3, 4], [1, 2.5, 3, 4]])
def test_a_first_row_of_numbers_that_is_no_numbering_is_kept(first):
    sheet = [(["nama", "jenis", "alamat", "keterangan"], 0), (first, 0)]
    table = read(xlsx(sheet), "x.xlsx")
    assert table.skipped == []
    assert [number for number, _cells in table.rows] == [2]


# --- the end of the table ------------------------------------------------------------------------
def test_a_totals_line_inside_the_table_is_skipped_alone_and_the_rows_after_it_are_kept():
    sheet = [
        (["No", "nama", "jenis", "alamat"], 0),
        ([1, "Gedung A", "other", "Jl. A"], 0),
        (["Sub Total OPD A", None, None, 1], 0),
        ([2, "Gedung B", "other", "Jl. B"], 0),
        (["Jumlah", None, None, 2], 0),
    ]
    table = read(xlsx(sheet), "x.xlsx")

    assert [number for number, _cells in table.rows] == [2, 4]
    assert table.skipped == [Skipped(3, 3, FOOTER), Skipped(5, 5, FOOTER)]
    with translation.override("en"):
        assert describe_skipped(table) == [
            "Row 3 inside the table was skipped (a totals or signature line).",
            "Row 5 after the table was skipped (totals or signature block).",
        ]


@pytest.mark.parametrize(
    "line",
    [
        "Bandar Lampung, 30 November 2026",
        "Metro,   Desember 2026",
        "Bandar Lampung, 30-11-2026",
        "Mengetahui,",
        "Dibuat oleh:",
        "Ttd",
        "a.n. Wali Kota Bandar Lampung",
        "Plt. Kepala Dinas",
    ],
)
def test_a_signature_block_right_under_the_table_ends_it(line):
    sheet = [
        (["nama", "jenis", "alamat"], 0),
        (["Gedung A", "other", "Jl. A"], 0),
        ([None, line], 0),
        ([None, "Ir. Budi Santoso"], 0),
        ([None, "NIP 19800101 200501 1 001"], 0),
    ]
    table = read(xlsx(sheet), "x.xlsx")
    assert [number for number, _cells in table.rows] == [2]
    assert table.skipped == [Skipped(3, 5, FOOTER)]


def test_a_note_after_two_blank_rows_ends_the_table_but_a_gap_inside_it_does_not():
    rows = [(["nama", "jenis", "alamat", "keterangan"], 0)]
    rows += [([f"Gedung {i}", "other", f"Jl. {i}", "x"], 0) for i in range(3)]
    rows += [([], 0), ([], 0), ([], 0)]
    rows += [([f"Kantor {i}", "other", f"Jl. K{i}", "y"], 0) for i in range(2)]  # rows 8-9: still the table
    rows += [([], 0), ([], 0)]
    rows += [(["Data diperbarui setiap triwulan oleh Bidang TIK."], 0), (["Sumber: SIMDA BMD"], 0)]
    table = read(csv_text(rows), "x.csv")

    assert [number for number, _cells in table.rows] == [2, 3, 4, 8, 9]
    assert table.skipped == [Skipped(12, 13, AFTER_END)]
    with translation.override("en"):
        assert describe_skipped(table) == ["Rows 12–13 after the blank rows that end the table were skipped."]


@pytest.mark.parametrize("numbered", [False, True])
def test_a_sparse_table_keeps_its_sparse_rows_after_a_gap(numbered):
    """A table whose rows fill two of six cells is not a signature block: nothing is dropped."""
    rows = [(["nama", "jenis", "alamat", "wilayah", "lintang", "bujur"], 0)]
    rows += [([1, 2, 3, 4, 5, 6], 0)] if numbered else []
    rows += [([f"Gedung {i}", "other"], 0) for i in range(5)]
    rows += [([], 0), ([], 0), (["Gedung Akhir", "other"], 0)]
    table = read(csv_text(rows), "x.csv")
    first = 3 if numbered else 2
    assert [number for number, _cells in table.rows] == [*range(first, first + 5), first + 7]
    assert table.skipped == ([Skipped(2, 2, NUMBERING)] if numbered else [])


# --- CSV ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_separator_is_decided_by_the_lines_not_the_title_above_them(delimiter):
    text = csv_text(
        [
            (["DAFTAR LOKASI, GEDUNG; DAN RUANG SERVER"], 0),
            ([], 0),
            (["nama", "lintang", "bujur"], 0),
            (["Gedung A", "-5,4291", "105,2614"], 0),
            (["Gedung B", "-5,4302", "105,2701"], 0),
        ],
        delimiter,
    )
    if delimiter != ";":
        text = text.replace("-5,4291", "-5.4291").replace("105,2614", "105.2614")
        text = text.replace("-5,4302", "-5.4302").replace("105,2701", "105.2701")
    assert sniff_delimiter(text) == delimiter
    table = read(text, "x.csv")
    assert (table.header_row, table.header) == (3, ["nama", "lintang", "bujur"])
    assert [cells[0] for _n, cells in table.rows] == ["Gedung A", "Gedung B"]
    assert table.skipped == [Skipped(1, 2, TITLE)]


def test_a_windows_1252_semicolon_file_keeps_its_letters_and_decimal_commas():
    text = (
        "Daftar Lokasi – Dinas Komunikasi, Informatika dan Persandian\r\n"
        "nama;jenis;keterangan;lintang\r\n"
        "Gedung Café Pemkot;other;Ruang “server” lantai 2;-5,4291\r\n"
        "Gedung Dua;other;Ruang panel;-5,43\r\n"
    )
    table = read(text.encode("cp1252"), "lokasi.csv")

    assert table.header == ["nama", "jenis", "keterangan", "lintang"]
    assert texts(table) == [
        (3, ["Gedung Café Pemkot", "other", "Ruang “server” lantai 2", "-5,4291"]),
        (4, ["Gedung Dua", "other", "Ruang panel", "-5,43"]),
    ]


# --- files that are not what their name says -----------------------------------------------------
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"<html><body><table><tr><td>nama</td></tr></table></body></html>", "web page (HTML or XML)"),
        (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "web page"),
        ("\ufeff<table><tr><td>nama</td></tr></table>".encode("utf-16"), "web page"),
        (b"nama\tjenis\r\nGedung A\tother\r\n", "plain text (CSV or tab separated)"),
        (bytes(range(256)) * 4, "not a spreadsheet file"),
    ],
    ids=["html", "xml-spreadsheet", "utf16-html", "tab-text", "binary"],
)
def test_an_xls_that_is_really_a_web_page_or_text_is_named_as_such(data, words):
    with translation.override("en"), pytest.raises(TableError, match="cannot be read as XLS") as raised:
        read(data, "laporan_bmd.xls")
    assert words in str(raised.value)


def test_a_broken_workbook_is_refused_with_its_format_named():
    with translation.override("en"), pytest.raises(TableError, match="The file cannot be read as XLS: "):
        read(xls(CITY_SHEET)[:600], "x.xls")
    with translation.override("en"), pytest.raises(TableError, match="The file cannot be read as ODS: "):
        read(ods(CITY_SHEET)[:-40], "x.ods")


def test_an_ods_that_unpacks_past_the_limit_is_refused_unread():
    big = [([f"Gedung {i}", "other", "x" * 200], 0) for i in range(2000)]
    data = ods([(["nama", "jenis", "keterangan"], 0), *big])
    with translation.override("en"), pytest.raises(TableError, match="The ODS file unpacks to"):
        read(data, "x.ods", limits=ReadLimits(max_unpacked_bytes=len(data)))
    assert len(read(data, "x.ods").rows) == 2000


def test_the_row_limit_counts_the_table_not_the_file_name():
    data = xlsx([(["JUDUL"], 3), (["nama", "jenis", "alamat"], 0), *[([f"G{i}", "other", "x"], 0) for i in range(3)]])
    with translation.override("en"), pytest.raises(TableError, match="The file has 4 rows; at most 2"):
        read(data, "x.xlsx", limits=ReadLimits(max_rows=2))
    assert len(read(data, "x.xlsx", limits=ReadLimits(max_rows=4)).rows) == 3


def test_cells_read_as_openpyxl_gave_them():
    sheet = [
        (["nama", "tanggal", "nilai", "jumlah", "aktif"], 0),
        (["A", datetime.date(2019, 3, 4), 4000, 2.5, None], 0),
    ]
    for data in (xlsx(sheet), xls(sheet)):
        (_number, cells), *_ = read(data, "x").rows
        assert cells[0] == "A"
        assert cells[1] in (datetime.date(2019, 3, 4), datetime.datetime(2019, 3, 4))
        assert (cells[2], type(cells[2])) == (4000, int)
        assert cells[3] == 2.5
        assert len(cells) < 5 or cells[4] is None


# --- through the import ---------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name, build", [("lokasi.xlsx", xlsx), ("lokasi.xls", xls), ("lokasi.ods", ods)])
def test_a_city_sheet_imports_and_a_bad_cell_is_named_with_the_files_row_number(name, build, tmp_path):
    path = tmp_path / name
    path.write_bytes(build(CITY_SHEET))

    result = spreadsheets.import_file("sites", path)

    assert result.created == 3
    assert sorted(Site.objects.values_list("name", flat=True)) == [
        "Gedung Pemkot",
        "Gudang Arsip",
        "Total Solusi Tower",
    ]

    bad = [(cells, merged) for cells, merged in CITY_SHEET]
    bad[6] = ([2, "Gudang Baru", "gudang bawah tanah", "Jl. Sultan Agung", None], 0)
    path.write_bytes(build(bad))
    with translation.override("en"), pytest.raises(spreadsheets.ImportFailed) as failed:
        spreadsheets.import_file("sites", path)
    assert [(e.row, e.column) for e in failed.value.errors] == [(7, "jenis")]
    assert not Site.objects.filter(name="Gudang Baru").exists()


def test_a_small_workbook_whose_cells_reach_the_last_row_and_column_is_refused_and_the_process_lives():
    """One value at XFD1048576 would make the reader lay out 17 billion cells: it is refused instead."""
    workbook = Workbook()
    ws = workbook.active
    ws.append(["nama", "jenis"])
    ws.append(["Gedung A", "other"])
    ws.cell(1_048_576, 16_384, "x")
    stream = io.BytesIO()
    workbook.save(stream)
    assert len(stream.getvalue()) < 10_000

    with translation.override("en"), pytest.raises(TableError, match="needs more memory to read than allowed"):
        read(stream.getvalue(), "x.xlsx")
    # This process still reads workbooks.
    assert texts(read(xlsx(CITY_SHEET), "lokasi.xlsx")) == CITY_ROWS


# --- no row of the table is ever lost ------------------------------------------------------------
WORDS = st.text(string.ascii_letters, min_size=1, max_size=8)
# Cells of a table row: any text, including the first words of a totals or signature line.
CELLS = st.one_of(
    # Not "'-" and the like: the import reads those as an export's neutralised formula ("-").
    st.text(string.ascii_letters + string.digits + " .,;:-/()'", min_size=1, max_size=12).filter(
        lambda text: text.strip() and exports.restore(text) == text
    ),
    st.sampled_from(["Total", "Jumlah", "Mengetahui,", "NIP. 1970", "Ttd", "Kepala Seksi", "(1)", "2"]),
)


@st.composite
def city_sheets(draw):
    """A table of full rows with a title block above it and, maybe, totals and a signature under it."""
    width = draw(st.integers(2, 7))
    header = draw(st.lists(WORDS, min_size=width, max_size=width, unique_by=str.lower))
    # The first column names the row (numbers alone could make the first row look like a numbering row).
    rows = draw(st.lists(st.lists(CELLS, min_size=width - 1, max_size=width - 1), min_size=1, max_size=12))
    rows = [[f"R{i}", *cells] for i, cells in enumerate(rows)]
    gaps = draw(st.lists(st.integers(0, 3), min_size=len(rows), max_size=len(rows)))
    titles = draw(st.lists(st.text(string.ascii_uppercase + " ", min_size=1).filter(str.strip), max_size=4))
    blank_after_title = draw(st.integers(0, 2))
    # A footer starts with a totals or signature line; any line may follow it.
    first = st.sampled_from(["Jumlah", "Mengetahui,", "Bandar Lampung, 30 November 2026", "Kepala Dinas"])
    footer = draw(st.one_of(st.just([]), st.tuples(first, st.lists(CELLS, max_size=4)).map(lambda f: [f[0], *f[1]])))
    lines: list[list[str]] = [[t] for t in titles] + [[]] * blank_after_title + [header]
    expected = []
    for cells, gap in zip(rows, gaps, strict=True):
        lines += [[]] * gap
        lines.append(cells)
        expected.append((len(lines), cells))
    lines += [[]] + [[None, text] for text in footer]
    return lines, header, expected


@settings(max_examples=150, deadline=None)
@given(city_sheets(), st.sampled_from([",", ";", "\t", "|"]), st.booleans())
def test_every_full_row_of_the_table_is_kept_with_its_number(sheet, delimiter, scored):
    lines, header, expected = sheet
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for cells in lines:
        writer.writerow(["" if c is None else c for c in cells])

    score = (lambda cells: sum(1 for c in cells if c in header)) if scored else None
    table = read(out.getvalue(), "x.csv", header_score=score)

    assert table.header == header
    assert table.header_row == lines.index(header) + 1
    assert [(number, list(cells)) for number, cells in table.rows] == expected
    assert [skip.reason for skip in table.skipped if skip.reason not in (TITLE, FOOTER)] == []


# --- cells merged down over several rows ---------------------------------------------------------
SERVERS = [
    ["No", "Nama Server", "OPD", "Lokasi"],
    [None, None, None, None],  # the header is two rows tall (each title merged down)
    [1, "srv-simpeg", "Dinas Kominfo", "Ruang Server Lt. 2"],
    [2, "srv-eoffice", None, None],
    [3, "srv-sipd", None, "Gedung Pemkot"],
    [4, "srv-dukcapil", "Disdukcapil", "Kantor Disdukcapil"],
]
# (first row, first column, last row, last column) from 0, as both writers take them.
SERVER_MERGES = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 1, 2), (0, 3, 1, 3), (2, 2, 4, 2), (2, 3, 3, 3)]


def merged_xlsx() -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.append(["DAFTAR SERVER"])
    for cells in SERVERS:
        ws.append(cells)
    ws.merge_cells("A1:D1")
    for r1, c1, r2, c2 in SERVER_MERGES:
        ws.merge_cells(start_row=r1 + 2, start_column=c1 + 1, end_row=r2 + 2, end_column=c2 + 1)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def merged_xls() -> bytes:
    workbook = xlwt.Workbook()
    ws = workbook.add_sheet("Server")
    ws.write_merge(0, 0, 0, 3, "DAFTAR SERVER")
    merged = {(r1 + 1, c1): (r2 + 1, c2) for r1, c1, r2, c2 in SERVER_MERGES}
    covered = {(r, c) for (r1, c1), (r2, c2) in merged.items() for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for number, cells in enumerate(SERVERS, start=1):
        for column, value in enumerate(cells):
            if (number, column) in merged:
                ws.write_merge(number, merged[number, column][0], column, merged[number, column][1], value)
            elif value is not None and (number, column) not in covered:
                ws.write(number, column, value)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


@pytest.mark.parametrize(("name", "build"), [("server.xlsx", merged_xlsx), ("server.xls", merged_xls)])
def test_a_cell_merged_down_over_rows_of_the_table_holds_its_value_in_each(name, build):
    table = read(build(), name)

    assert (table.header_row, table.header) == (2, ["No", "Nama Server", "OPD", "Lokasi"])
    assert texts(table) == [
        (4, ["1", "srv-simpeg", "Dinas Kominfo", "Ruang Server Lt. 2"]),
        (5, ["2", "srv-eoffice", "Dinas Kominfo", "Ruang Server Lt. 2"]),
        (6, ["3", "srv-sipd", "Dinas Kominfo", "Gedung Pemkot"]),
        (7, ["4", "srv-dukcapil", "Disdukcapil", "Kantor Disdukcapil"]),
    ]
    assert table.skipped == [Skipped(1, 1, TITLE)]


def test_a_job_past_its_time_limit_stops_while_a_workbook_is_read(monkeypatch):
    """The reading child is waited for with progress reports, and what a report raises stops it."""

    class TimeLimitExceeded(Exception):
        pass

    def past_the_limit(phase, done, total):
        if total is None:  # a report while the child reads, not one of the rows read after it
            raise TimeLimitExceeded

    big = xlsx([(["nama", "jenis", "alamat"], 0), *[([f"Gedung {i}", "other", f"Jl. {i}"], 0) for i in range(20_000)]])
    monkeypatch.setattr(tables, "WAIT_TICK", 0)
    with pytest.raises(TimeLimitExceeded):
        read(big, "x.xlsx", progress=past_the_limit)
    monkeypatch.undo()
    assert len(read(big, "x.xlsx").rows) == 20_000


@pytest.mark.django_db
def test_a_semicolon_csv_with_a_comma_title_and_indonesian_headers_imports_through_the_sheets_scorer(tmp_path):
    """Windows-1252, ";" separated, a title with commas (not the separator), headers the sheet knows
    only as synonyms: the sheet's own scorer finds the header, the signature is left out."""
    text = (
        "PEMERINTAH KOTA BANDAR LAMPUNG, DINAS KOMINFO, BIDANG TIK\r\n"
        ";;\r\n"
        "Nama Gedung;Jenis Lokasi;Alamat Lengkap\r\n"
        "Gedung Café Pemkot;other;Jl. Dr. Susilo No. 2\r\n"
        "Gudang Arsip;other;Jl. Sultan Agung\r\n"
        ";;\r\n"
        ";;Bandar Lampung, 30 November 2026\r\n"
        ";;Kepala Dinas Komunikasi dan Informatika\r\n"
    )
    path = tmp_path / "lokasi.csv"
    path.write_bytes(text.encode("cp1252"))

    table = spreadsheets.read_file("sites", path)
    assert (table.header_row, [n for n, _cells in table.rows]) == (3, [4, 5])
    assert table.skipped == [Skipped(1, 2, TITLE), Skipped(7, 8, FOOTER)]

    assert spreadsheets.import_file("sites", path).created == 2
    assert dict(Site.objects.values_list("name", "address")) == {
        "Gedung Café Pemkot": "Jl. Dr. Susilo No. 2",
        "Gudang Arsip": "Jl. Sultan Agung",
    }


def test_a_workbook_is_read_when_the_process_holds_more_than_a_thousand_files():
    """A busy server's reader waits on a descriptor past 1,023 (select() cannot watch one)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1200
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    held = []
    try:
        while not held or held[-1] < 1100:
            held.append(os.open(os.devnull, os.O_RDONLY))
        table = read(xlsx(CITY_SHEET), "lokasi.xlsx")
        assert texts(table) == CITY_ROWS
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
