"""CSV and XLSX files as a header and numbered rows, whichever program wrote them."""

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from django.utils.translation import gettext as _

from infra.core import exports

FORMATS = exports.FORMATS
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
    rows = [(number, _restored(cells)) for number, cells in enumerate(reader, start=2)]
    return Table(header=[h.strip() for h in header], rows=rows)


def _restored(cells: Sequence[object]) -> list[object]:
    """A row's text as it was before an export neutralised formulas ("'=x" is "=x" again)."""
    return [exports.restore(c) if isinstance(c, str) else c for c in cells]


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
        rows = [(number, _restored(cells)) for number, cells in enumerate(rows_iter, start=2)]
    finally:
        workbook.close()
    while header and not header[-1]:
        header.pop()
    return Table(header=header, rows=rows)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]], stream: TextIO) -> None:
    """The header and rows as CSV, through the project's one writer (formulas neutralised)."""
    exports.write_csv(itertools.chain([header], rows), stream)


def write_xlsx(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    stream: BinaryIO | str | Path,
    *,
    guide: tuple[Sequence[str], Iterable[Sequence[object]]] | None = None,
) -> None:
    """Write a "Data" sheet (header in bold, frozen, dates as DD/MM/YYYY) and, if given, a "Petunjuk"
    (guide) sheet, through the project's one writer (text stays text, never a formula)."""
    exports.write_workbook(
        header,
        rows,
        str(stream) if isinstance(stream, Path) else stream,
        title=DATA_SHEET,
        date_format="DD/MM/YYYY",
        guide=(GUIDE_SHEET, *guide) if guide is not None else None,
    )
