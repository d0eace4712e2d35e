"""CSV and XLSX files as a header and numbered rows, whichever program wrote them."""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, TextIO

from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")
DATA_SHEET = "Data"
GUIDE_SHEET = "Petunjuk"


class TableError(Exception):
    """The file cannot be read as a table at all (wrong format, no header)."""


@dataclass
class Table:
    header: list[str]
    # (row number as the spreadsheet shows it, header = 1; the cells)
    rows: list[tuple[int, Sequence[object]]]


def guess_format(name: str | Path) -> str:
    suffix = Path(str(name)).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if suffix in ("xlsm",):
        return "xlsx"
    return "csv"


def read_table(source: str | Path | BinaryIO, format: str | None = None) -> Table:
    """Read the first sheet of an XLSX file, or a CSV file (comma, semicolon or tab separated)."""
    if format not in (None, *FORMATS):
        raise TableError(_("Unknown file format %(format)s: use csv or xlsx.") % {"format": format})
    data = source.read() if hasattr(source, "read") else Path(source).read_bytes()
    if format is None:
        # An XLSX file is a zip archive, whatever its name says.
        format = "xlsx" if data[:4] == b"PK\x03\x04" else guess_format(getattr(source, "name", source))
    if format == "xlsx":
        return _read_xlsx(io.BytesIO(data))
    return read_csv_text(_decode(data))


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_csv_text(text: str) -> Table:
    first_line = text.split("\n", 1)[0]
    # Spreadsheet programs set to Indonesian write ";" because "," is their decimal separator.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TableError(_("The file is empty: the first row must name the columns.")) from None
    rows = [(number, cells) for number, cells in enumerate(reader, start=2)]
    return Table(header=[h.strip() for h in header], rows=rows)


def _read_xlsx(source: BinaryIO) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
        raise TableError(_("The file cannot be read as XLSX: %(error)s") % {"error": exc}) from None
    try:
        sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header_cells = next(rows_iter, None)
        if header_cells is None:
            raise TableError(_("The file is empty: the first row must name the columns."))
        header = ["" if h is None else str(h).strip() for h in header_cells]
        rows = [(number, cells) for number, cells in enumerate(rows_iter, start=2)]
    finally:
        workbook.close()
    while header and not header[-1]:
        header.pop()
    return Table(header=header, rows=rows)


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])


def _xlsx_cell(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    stream: BinaryIO | str | Path,
    *,
    guide: tuple[Sequence[str], Iterable[Sequence[object]]] | None = None,
) -> None:
    """Write a "Data" sheet (header in bold, frozen) and, if given, a "Petunjuk" (guide) sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(list(header))
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    date_columns: set[int] = set()
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
        date_columns.update(i for i, v in enumerate(row) if isinstance(v, datetime.date))
    for index in date_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = "DD/MM/YYYY"
    for index, name in enumerate(header):
        sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = max(12, len(name) + 2)
    if guide is not None:
        guide_header, guide_rows = guide
        notes = workbook.create_sheet(GUIDE_SHEET)
        notes.append(list(guide_header))
        for cell in notes[1]:
            cell.font = bold
        for row in guide_rows:
            notes.append([str(v) for v in row])
        for letter, width in zip("ABCD", (24, 14, 60, 80), strict=False):
            notes.column_dimensions[letter].width = width
    workbook.save(stream)
