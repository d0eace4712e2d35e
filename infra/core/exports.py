"""The one writer of CSV and XLSX files: web and API downloads, the change log, the spreadsheet export
and the import templates all write through it, so no cell of user text can become a formula.

A serial such as ``=HYPERLINK("http://x","click")`` or ``=cmd|' /C calc'!A0`` is text to Simpul,
but a spreadsheet program runs it when it opens the file ("formula injection"). So:

- XLSX: every string is a string cell holding the exact text (openpyxl would make any string that
  starts with "=" a formula, and "#N/A" an error); numbers, dates and times keep their types.
- CSV: a string that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  single quote in front (OWASP's rule), unless it is a plain number ("-6.2" stays a number).
  ``restore`` takes the quote off again, and the spreadsheet import applies it to every cell, so an
  export edited and imported back keeps its serials as they were.

``tests/core/test_exports.py`` finds every download of the project (every list, every API list,
with ``as_of``, the change log, the import templates, the export command) and checks them all.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO, TextIO

from django.http import HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Font

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")

# The first characters that make a spreadsheet program read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def _needs_quote(text: str) -> bool:
    """Whether ``text`` would be read as a formula, or would look like a quoted one (so that
    ``restore(neutralise(text)) == text`` for every text, even one that starts with quotes)."""
    rest = text.lstrip("'")
    return rest.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(rest) is None


def neutralise(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet program runs: a quote before a formula's first character."""
    return "'" + text if _needs_quote(text) else text


def restore(text: str) -> str:
    """The text ``neutralise`` was given: the spreadsheet import reads every cell through this."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


# --- CSV ---------------------------------------------------------------------------------------
def csv_row(row: Iterable[object]) -> list[object]:
    """One row of CSV cells: empty for None, strings neutralised, numbers and dates as they are."""
    return ["" if v is None else neutralise(v) if isinstance(v, str) else v for v in row]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """CSV text line by line, with a BOM so that Excel opens UTF-8 (Indonesian names) correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(csv_row(row))


def write_csv(rows: Iterable[Iterable[object]], stream: TextIO) -> None:
    """CSV into a text stream (a file, standard output), lines ending in "\\n", no BOM."""
    writer = csv.writer(stream, lineterminator="\n")
    for row in rows:
        writer.writerow(csv_row(row))


# --- XLSX --------------------------------------------------------------------------------------
def _excel_value(value: object) -> object:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, (bool, int, float, str, datetime.date, datetime.time)):
        return value
    return str(value)


@dataclass(frozen=True)
class Styled:
    """A value written with a number format (a percentage, a duration) or in bold: for workbooks made
    for reading (a report), not for import."""

    value: object
    number_format: str | None = None
    bold: bool = False


def excel_cell(sheet, value: object, *, date_format: str | None = None) -> Cell:
    """A cell for ``sheet`` (either mode): a string stays a string, never a formula or an error.

    Characters XML cannot hold (control characters other than tab and new line) become U+FFFD: the
    file could not be written with them."""
    if isinstance(value, Styled):
        cell = excel_cell(sheet, value.value, date_format=date_format)
        if value.number_format:
            cell.number_format = value.number_format
        if value.bold:
            cell.font = Font(bold=True)
        return cell
    value = _excel_value(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif date_format and isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        cell.number_format = date_format
    return cell


def xlsx_bytes(rows: Iterable[Iterable[object]], title: str = "Data") -> bytes:
    """An XLSX workbook (one sheet, write-only mode: rows are not kept in memory)."""
    buffer = io.BytesIO()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([excel_cell(sheet, v) for v in row])
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_bytes(sheets: Iterable[tuple[str, Iterable[Iterable[object]]]], widths: Sequence[float] = ()) -> bytes:
    """An XLSX workbook of several sheets ``(title, rows)`` (write-only mode), values possibly ``Styled``;
    ``widths``: of the first columns of every sheet."""
    buffer = io.BytesIO()
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        for row in rows:
            sheet.append([excel_cell(sheet, v) for v in row])
    workbook.save(buffer)
    return buffer.getvalue()


def write_workbook(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    stream: BinaryIO | str,
    *,
    title: str = "Data",
    date_format: str | None = None,
    guide: tuple[str, Sequence[str], Iterable[Sequence[object]]] | None = None,
) -> None:
    """A workbook for people to fill in: the header in bold and frozen, columns wide enough to read
    it, dates in ``date_format``, and optionally a second sheet ``(title, header, rows)`` of notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    _append_header(sheet, header)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([excel_cell(sheet, v, date_format=date_format) for v in row])
    for index, name in enumerate(header):
        sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = max(12, len(name) + 2)
    if guide is not None:
        guide_title, guide_header, guide_rows = guide
        notes = workbook.create_sheet(guide_title[:31])
        _append_header(notes, guide_header)
        for row in guide_rows:
            notes.append([excel_cell(notes, str(v)) for v in row])
        for letter, width in zip("ABCD", (24, 14, 60, 80), strict=False):
            notes.column_dimensions[letter].width = width
    workbook.save(stream)


def _append_header(sheet, header: Sequence[str]) -> None:
    bold = Font(bold=True)
    cells = [excel_cell(sheet, name) for name in header]
    for cell in cells:
        cell.font = bold
    sheet.append(cells)


# --- downloads ---------------------------------------------------------------------------------
def response(rows: Iterable[Iterable[object]], filename: str, fmt: str) -> StreamingHttpResponse:
    """A download of ``rows`` (the first row is the header) as CSV or XLSX."""
    if fmt == "xlsx":
        resp = StreamingHttpResponse(iter([xlsx_bytes(rows, title=filename)]), content_type=XLSX_TYPE)
    else:
        resp = StreamingHttpResponse(csv_lines(rows), content_type=CSV_TYPE)
        fmt = "csv"
    resp["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return resp


def file_response(write, filename: str, fmt: str) -> HttpResponse:
    """A small download of what ``write(stream, fmt)`` writes with this module's writers (a workbook
    or CSV text), e.g. an import template."""
    buffer = io.BytesIO() if fmt == "xlsx" else io.StringIO()
    write(buffer, fmt)
    resp = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE if fmt == "xlsx" else CSV_TYPE)
    resp["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return resp
