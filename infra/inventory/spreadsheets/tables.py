"""Spreadsheets as a header and numbered rows, whichever program wrote them and whatever is around the table.

Files from a city office rarely start with the header: a title block sits above it (merged cells,
blank rows), a row numbering the columns may sit under it, and totals and a signature block follow
the table. ``read_table`` finds the header (with the caller's ``header_score`` when given), keeps
the table's rows with the file's own row numbers, and says what it skipped (``Table.skipped``,
``describe_skipped``), so nothing is dropped silently.
"""

import codecs
import csv
import io
import itertools
import math
import os
import pickle
import re
import resource
import select
import signal
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from infra.core import exports

# What an export writes; an import reads more (IMPORT_FORMATS).
FORMATS = exports.FORMATS
IMPORT_FORMATS = ("csv", "xlsx", "xls", "ods")
# The file names the upload field offers, one per import format (and .xlsm, read as xlsx).
IMPORT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")
WORKBOOK_FORMATS = ("xlsx", "xls", "ods")
DATA_SHEET = "Data"
GUIDE_SHEET = "Petunjuk"


class TableError(Exception):
    """The file cannot be read as a table at all (wrong format, no header)."""


# Why rows of the file are not the table's: the one list of reasons (describe_skipped words each).
TITLE = "title"
NUMBERING = "numbering"
FOOTER = "footer"
AFTER_END = "after_end"
# Not skipped but read into the header: the second row of a two-row header.
SUBHEADER = "subheader"
SKIP_REASONS = (TITLE, NUMBERING, FOOTER, AFTER_END, SUBHEADER)


@dataclass(frozen=True)
class Skipped:
    """Rows ``first`` to ``last`` (the file's numbers) that are not the table's, and why."""

    first: int
    last: int
    reason: str


@dataclass
class Table:
    header: list[str]
    # (row number as the spreadsheet shows it, 1-based; the cells)
    rows: list[tuple[int, Sequence[object]]]
    # The file's row number of the header.
    header_row: int = 1
    skipped: list[Skipped] = field(default_factory=list)


# A merged range of cells: (first row, first column, last row, last column), all from 1.
Merged = tuple[int, int, int, int]

# How well a row of cells would do as the header: how many cells are known column titles.
HeaderScore = Callable[[Sequence[object]], float]


def guess_format(name: str | Path) -> str:
    suffix = Path(str(name)).suffix.lower().lstrip(".")
    if suffix in IMPORT_FORMATS:
        return suffix
    if suffix in ("xlsm",):
        return "xlsx"
    return "csv"


# What reading reports as it goes: the phase ("reading"), rows read so far, and the total when known.
# It may raise to stop the reading (a job past its time limit).
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class ReadLimits:
    """What a file may hold before it is refused, checked before (or while) it is read, not after.

    ``max_rows`` counts the rows that hold something (besides the first, the header when the file
    starts with it); ``max_unpacked_bytes`` is what an XLSX or ODS file (a zip archive) holds once
    unpacked, read from the archive's directory before it is opened, so a small file that unpacks
    to gigabytes is refused unread. None means no limit.
    """

    max_rows: int | None = None
    max_unpacked_bytes: int | None = None


def read_table(
    source: str | Path | BinaryIO,
    format: str | None = None,
    *,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
    header_score: HeaderScore | None = None,
) -> Table:
    """Read the table in a CSV, XLSX, XLS or ODS file (the workbook's "Data" sheet, else its first).

    The file's own bytes decide between the workbook formats (an XLSX is a zip archive whatever its
    name says); a CSV may be separated by ``,`` ``;`` tab or ``|``. The header is found under any
    title block (``header_score`` rates candidate rows; see ``find_table``). Rows without any
    value are left out (their numbers are kept). Raises TableError when the file cannot be read as a
    table or is past one of ``limits``.
    """
    if format not in (None, *IMPORT_FORMATS):
        raise TableError(
            _("Unknown file format %(format)s: use %(formats)s.")
            % {"format": format, "formats": ", ".join(IMPORT_FORMATS)}
        )
    limits = limits or ReadLimits()
    data = source.read() if hasattr(source, "read") else Path(source).read_bytes()
    named = format or guess_format(getattr(source, "name", source))
    format = _sniff_format(data, named)
    if format == "csv":
        return read_csv_text(decode_text(data), limits=limits, progress=progress, header_score=header_score)
    if format in ("xlsx", "ods"):
        _check_unpacked_size(data, limits.max_unpacked_bytes, format)
    rows, merged = _read_workbook(data, format, progress)
    return find_table(
        rows, limits=limits, progress=progress, total=max(len(rows) - 1, 1), header_score=header_score, merged=merged
    )


# An XLS file (and any Office 97-2003 document) is an OLE2 compound file.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _sniff_format(data: bytes, named: str) -> str:
    """The format the bytes are in; a file named as a workbook that is text is refused by name."""
    if data[:4] == b"PK\x03\x04":
        return _zip_format(data, named)
    if data[:8] == _OLE_MAGIC:
        return "xls"
    if named not in WORKBOOK_FORMATS:
        return "csv"
    head = _peek_text(data)
    if head is None:
        raise TableError(
            _("The file cannot be read as %(format)s: it is not a spreadsheet file.") % {"format": named.upper()}
        )
    if head.startswith("<") or "<html" in head or "<table" in head:
        raise TableError(
            _(
                "The file cannot be read as %(format)s: it is a web page (HTML or XML) that another system "
                "saved under a spreadsheet name. Open it in Excel or LibreOffice Calc, save it as XLSX or "
                "CSV, and upload that file."
            )
            % {"format": named.upper()}
        )
    raise TableError(
        _(
            "The file cannot be read as %(format)s: it holds plain text (CSV or tab separated), not a "
            "workbook. Rename it to .csv, or open it and save it as XLSX, and upload it again."
        )
        % {"format": named.upper()}
    )


def _zip_format(data: bytes, named: str) -> str:
    """XLSX or ODS, by the archive's "mimetype" member; a broken archive is what its name says."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # Its stated size first: the size check of the whole archive comes after this.
            is_ods = (
                "mimetype" in archive.namelist()
                and archive.getinfo("mimetype").file_size < 256
                and archive.read("mimetype").strip() == _ODS_MIMETYPE
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, KeyError):
        return named if named in ("xlsx", "ods") else "xlsx"
    return "ods" if is_ods else "xlsx"


def _peek_text(data: bytes) -> str | None:
    """The start of the file as lower-case text when it is text at all (None for binary data)."""
    head = data[:4096]
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="ignore").lstrip().lower()
    if head.count(0) > len(head) // 4:
        odd_zeros = head[1::2].count(0) > head[0::2].count(0)
        head = head.decode("utf-16-le" if odd_zeros else "utf-16-be", errors="ignore").encode()
    if any(byte < 9 or 13 < byte < 32 for byte in head):
        return None
    return head.decode("latin-1").lstrip().lower()


# Byte order marks, longest first (UTF-32's little-endian mark begins with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# The single-byte encodings Windows and older spreadsheet programs save "CSV" in, here.
WESTERN = ["cp1252", "latin_1"]
# How garbled (charset-normalizer's "chaos", 0 to 1) a Western reading may look and still be taken.
MAX_CHAOS = 0.1


def decode_text(data: bytes | str) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16/32, or Windows-1252/Latin-1.

    Anything else (Shift-JIS, GBK, Cyrillic...) is refused with TableError rather than read as
    Windows-1252 mojibake: a Western reading is taken only when charset-normalizer finds it
    coherent and no multi-byte encoding reads the bytes more cleanly.
    """
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom) :], encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    # UTF-16 without a byte order mark: mostly ASCII, so every other byte is zero.
    if sample.count(0) > len(sample) // 4:
        odd_zeros = sample[1::2].count(0) > sample[0::2].count(0)
        return _strict(data, "utf-16-le" if odd_zeros else "utf-16-be")
    from charset_normalizer import from_bytes
    from charset_normalizer.utils import is_multi_byte_encoding

    western = from_bytes(data, cp_isolation=WESTERN).best()
    guess = from_bytes(data).best()
    cleaner = guess is not None and is_multi_byte_encoding(guess.encoding) and guess.chaos < (western or guess).chaos
    if western is not None and western.chaos <= MAX_CHAOS and not cleaner:
        return str(western)
    if guess is not None and guess.encoding not in WESTERN:
        raise TableError(
            _(
                "The file is not in UTF-8 and its characters cannot be read with confidence (it looks like "
                "%(encoding)s). Save it as “CSV UTF-8” and upload it again."
            )
            % {"encoding": guess.encoding}
        )
    raise TableError(
        _(
            "The file is not in UTF-8 and its characters cannot be read with confidence. Save it as "
            "“CSV UTF-8” and upload it again."
        )
    )


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise TableError(
            _("The file says it is %(encoding)s but is not: save it as “CSV UTF-8” and upload it again.")
            % {"encoding": encoding.upper()}
        ) from None


def _too_many_rows(count: int, limit: int) -> TableError:
    return TableError(
        _("The file has %(count)s rows; at most %(limit)s are imported at once. Split it into smaller files.")
        % {"count": number_format(count, force_grouping=True), "limit": number_format(limit, force_grouping=True)}
    )


def _is_blank(cell: object) -> bool:
    return cell is None or (cell.__class__ is str and not cell.strip())


def _filled(cells: Sequence[object]) -> bool:
    return any(c.strip() if c.__class__ is str else c is not None for c in cells)


def _count(cells: Sequence[object]) -> int:
    """How many cells hold something (a plain loop: this runs for every row of the file)."""
    count = 0
    for cell in cells:
        if cell.__class__ is str:
            if cell and not cell.isspace():
                count += 1
        elif cell is not None:
            count += 1
    return count


def _collect(
    rows: Iterable[Sequence[object]], limits: ReadLimits, progress: Progress | None, total: int | None
) -> list[tuple[int, Sequence[object]]]:
    """The numbered rows (from row 1) that hold something, refusing more than ``limits.max_rows``
    of them besides the first (the header of a file that starts with it).

    Past the limit the rest is still counted (not kept), so the message can say how many there are.
    """
    kept: list[tuple[int, Sequence[object]]] = []
    limit = None if limits.max_rows is None else limits.max_rows + 1
    count = 0
    for number, cells in enumerate(rows, start=1):
        if progress is not None and number > 1:
            progress("reading", number - 1, total)
        if not _filled(cells):
            continue
        count += 1
        if limit is None or count <= limit:
            kept.append((number, _restored(cells)))
    if limit is not None and count > limit:
        raise _too_many_rows(count - 1, limit - 1)
    return kept


# --- finding the table ---------------------------------------------------------------------------
# The header is looked for among this many filled rows at the top.
HEADER_SEARCH = 30
# A header scores at least this many known column titles (else the shape of the rows decides).
MIN_HEADER_SCORE = 2

_MONTHS = (
    "januari|februari|pebruari|maret|april|mei|juni|juli|agustus|september|oktober|nopember|november|desember"
    "|january|february|march|may|june|july|august|october|december"
    "|jan|feb|peb|mar|apr|jun|jul|agu|agt|aug|ags|sep|sept|okt|oct|nov|nop|des|dec"
)
# A place-and-date line over a signature: "Bandar Lampung, 30 November 2026", "Metro,    2026".
_PLACE_DATE = re.compile(
    rf"^[^\W\d_][\w .'()-]{{1,60}},\s*(\d{{1,2}}\s*[-/.]?\s*)?(({_MONTHS})\.?\s*|\d{{1,2}}\s*[-/.]\s*)?\d{{4}}\.?$",
    re.IGNORECASE,
)
# The first words of the lines under a table: totals, approvals, signatures.
_FOOTER_START = re.compile(
    r"^(mengetahui|menyetujui|disetujui|jumlah|total|sub\s*total|grand\s*total|kepala|nip|"
    r"dibuat\s+oleh|disusun\s+oleh|diperiksa\s+oleh|ttd|tanda\s+tangan|a\.\s*n\.|an\.|plt\.?|plh\.?|"
    r"sekretaris|catatan\s*:|keterangan\s*:)(?=$|[\s.,:;/)])",
    re.IGNORECASE,
)
# The first words of a signature block ("Mengetahui," over the signatures): after a blank row, such a
# line ends the table however many cells it fills (a narrow list's signatures fill every column).
_SIGNATURE_START = re.compile(
    r"^(mengetahui|menyetujui|disetujui|dibuat\s+oleh|disusun\s+oleh|diperiksa\s+oleh|ttd|tanda\s+tangan)"
    r"(?=$|[\s.,:;/)])",
    re.IGNORECASE,
)
# A cell of a row that only numbers the columns: "1", "(2)", "[3]".
_COLUMN_NUMBER = re.compile(r"^[(\[]?\s*(\d{1,3})\s*[)\]]?\.?$")


def find_table(
    rows: Iterable[Sequence[object]],
    *,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
    total: int | None = None,
    header_score: HeaderScore | None = None,
    merged: Sequence[Merged] = (),
) -> Table:
    """The table among a sheet's rows (row 1 first): its header, its rows, and the rows skipped.

    The header is the filled row among the first ``HEADER_SEARCH`` that ``header_score`` rates
    best (at least ``MIN_HEADER_SCORE``; the earliest wins a tie); without one, the first row of
    two or more mostly-text cells about as wide as the table (a merged title holds one cell);
    failing that, the first filled row. A second header row (titles under a merged group title)
    joins the header when ``header_score`` rates the two together higher. Under the header, a row
    numbering the columns is skipped. Cells ``merged`` down over rows of the table hold their value
    in each. The table ends at a totals or signature line (unless table rows follow it: then that
    line alone is skipped) or at two blank rows followed by nothing that looks like a table row.
    """
    filled = _collect(rows, limits or ReadLimits(), progress, total)
    if not filled:
        raise TableError(_("The file is empty: the first row must name the columns."))
    at = _header_index(filled[:HEADER_SEARCH], header_score)
    header_row, header_cells = filled[at]
    skipped: list[Skipped] = []
    if at:
        skipped.append(Skipped(1, header_row - 1, TITLE))
    body = filled[at + 1 :]
    # The last row of the header and what belongs to it (a second header row, a numbering row).
    above = header_row
    if header_score is not None and body and body[0][0] == header_row + 1:
        combined = _with_subheader(header_cells, body[0][1])
        if combined is not None and header_score(combined) > header_score(header_cells):
            skipped.append(Skipped(body[0][0], body[0][0], SUBHEADER))
            above, header_cells, body = body[0][0], combined, body[1:]
    header = [_title(c) for c in header_cells]
    while header and not header[-1]:
        header.pop()
    width = sum(1 for h in header if h)
    if body and _is_numbering(body[0][1], width):
        skipped.append(Skipped(body[0][0], body[0][0], NUMBERING))
        above, body = body[0][0], body[1:]
    if body and merged:
        _fill_merged(body, merged)
    kept, tail = _table_rows(body, above, width)
    return Table(header=header, rows=kept, header_row=header_row, skipped=skipped + tail)


def _title(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


def _is_text(cell: object) -> bool:
    if not isinstance(cell, str):
        return False
    text = cell.strip()
    return bool(text) and not text.replace(".", "").replace(",", "").replace("-", "").replace(" ", "").isdigit()


def _header_index(candidates: list[tuple[int, Sequence[object]]], header_score: HeaderScore | None) -> int:
    if header_score is not None:
        best, found = MIN_HEADER_SCORE, None
        for index, (_number, cells) in enumerate(candidates):
            # A merged title holds its text in one cell: never a header, however it reads.
            if _count(cells) < 2:
                continue
            score = header_score(cells)
            if score >= best and (found is None or score > best):
                best, found = score, index
        if found is not None:
            return found
    widest = max(_count(cells) for _number, cells in candidates)
    for index, (_number, cells) in enumerate(candidates):
        values = [c for c in cells if not _is_blank(c)]
        if len(values) >= 2 and len(values) >= 0.75 * widest and sum(map(_is_text, values)) >= 0.7 * len(values):
            return index
    return 0


def _with_subheader(header: Sequence[object], under: Sequence[object]) -> list[object] | None:
    """A two-row header: titles under a merged group title ("Spesifikasi" over Merk, Tipe, No. Seri).

    ``under`` qualifies when all its cells are text and some stand under an empty header cell (the
    rest of a merged title); its titles then replace the ones above them. None when it does not.
    """
    values = [c for c in under if not _is_blank(c)]
    if len(values) < 2 or not all(map(_is_text, values)):
        return None
    header = list(header) + [None] * (len(under) - len(header))
    if not any(not _is_blank(c) and _is_blank(header[i]) for i, c in enumerate(under)):
        return None
    return [header[i] if i >= len(under) or _is_blank(under[i]) else under[i] for i in range(len(header))]


def _fill_merged(body: list[tuple[int, Sequence[object]]], merged: Sequence[Merged]) -> None:
    """A cell merged down over several rows of the table (one OPD for five servers) holds its value
    in every one of them, as the sheet shows it; merges in and above the header are left alone."""
    index = {number: cells for number, cells in body}
    first = body[0][0]
    for top, column, bottom, _right in merged:
        if bottom == top or top < first or top not in index:
            continue
        cells = index[top]
        value = cells[column - 1] if column <= len(cells) else None
        if _is_blank(value):
            continue
        for number in range(top + 1, bottom + 1):
            below = index.get(number)
            if below is None:
                continue
            if len(below) < column:
                below.extend([None] * (column - len(below)))
            if _is_blank(below[column - 1]):
                below[column - 1] = value


def _is_numbering(cells: Sequence[object], width: int) -> bool:
    """Whether a row only numbers the columns: 1 2 3 ... or (1) (2) (3), rising from 1."""
    numbers = []
    for cell in cells:
        if _is_blank(cell):
            continue
        if isinstance(cell, bool):
            return False
        if isinstance(cell, int | float):
            if not float(cell).is_integer():
                return False
            numbers.append(int(cell))
            continue
        match = _COLUMN_NUMBER.match(str(cell).strip())
        if match is None:
            return False
        numbers.append(int(match[1]))
    return (
        len(numbers) >= 2
        and 2 * len(numbers) >= width
        and numbers[0] == 1
        and all(b > a for a, b in itertools.pairwise(numbers))
        and numbers[-1] <= max(width, len(cells))
    )


def _is_footer_line(cells: Sequence[object]) -> bool:
    """Whether a row is a totals, approval or signature line (by its first words, or a place and date)."""
    first = next((c for c in cells if not _is_blank(c)), None)
    if isinstance(first, str) and _FOOTER_START.match(first.strip()):
        return True
    return any(isinstance(c, str) and _PLACE_DATE.match(" ".join(c.split())) for c in cells)


def _opens_signature(cells: Sequence[object]) -> bool:
    """Whether a row's first cell starts a signature block: "Mengetahui," or a place and date."""
    first = next((c for c in cells if not _is_blank(c)), None)
    if not isinstance(first, str):
        return False
    text = " ".join(first.split())
    return bool(_SIGNATURE_START.match(text) or _PLACE_DATE.match(text))


def _table_rows(
    body: list[tuple[int, Sequence[object]]], above: int, width: int
) -> tuple[list[tuple[int, Sequence[object]]], list[Skipped]]:
    """The rows under the header (whose last row is ``above``) that belong to the table, and the
    ranges after it that do not."""
    kept, skipped = _rows_by_fill(body, above, width)
    # A row the fill rule keeps that opens a signature block after a blank row ends the table.
    previous, kept_numbers = above, {number for number, _cells in kept}
    for number, cells in body:
        if number in kept_numbers and number - previous > 1 and _opens_signature(cells):
            kept = [(n, cells) for n, cells in kept if n < number]
            return kept, [*(skip for skip in skipped if skip.first < number), Skipped(number, body[-1][0], FOOTER)]
        previous = number
    return kept, skipped


def _rows_by_fill(
    body: list[tuple[int, Sequence[object]]], above: int, width: int
) -> tuple[list[tuple[int, Sequence[object]]], list[Skipped]]:
    """``_table_rows`` by how many cells each row fills and its first words."""
    # A table row fills about as many cells as most of the table's own rows do (the ones above any
    # blank rows or totals line; one sparse row does not count); a signature block fills one or two.
    need = min(width, max(3, math.ceil(width * 0.4))) if width else 1
    counts = [_count(cells) for _number, cells in body]
    # A row that fills that many cells is the table's, whatever its first words.
    footer = [count < need and _is_footer_line(cells) for (_number, cells), count in zip(body, counts, strict=True)]
    previous, top = above, []
    for (number, _cells), count, is_footer in zip(body, counts, footer, strict=True):
        if is_footer or number - previous > 2:
            break
        top.append(count)
        previous = number
    if top:
        need = min(need, sorted(top)[len(top) // 10])
    row_like = [count >= need and not is_footer for count, is_footer in zip(counts, footer, strict=True)]
    # table_after[i]: some row from i on looks like a table row.
    table_after = list(itertools.accumulate(reversed(row_like), lambda seen, this: seen or this, initial=False))
    table_after.reverse()
    kept: list[tuple[int, Sequence[object]]] = []
    skipped: list[Skipped] = []
    previous = above
    last = body[-1][0] if body else above
    for index, (number, cells) in enumerate(body):
        gap = number - previous - 1
        previous = number
        if footer[index] and counts[index] < need:
            if not table_after[index + 1]:
                skipped.append(Skipped(number, last, FOOTER))
                break
            skipped.append(Skipped(number, number, FOOTER))
            continue
        if gap >= 2 and kept and not table_after[index]:
            end = next((i for i in range(index, len(body)) if footer[i]), len(body))
            if end > index:
                skipped.append(Skipped(number, body[end - 1][0], AFTER_END))
            if end < len(body):
                skipped.append(Skipped(body[end][0], last, FOOTER))
            break
        kept.append((number, cells))
    return kept, skipped


def describe_skipped(table: Table) -> list[str]:
    """One sentence per range of skipped rows, for the import page and the command."""
    end = table.rows[-1][0] if table.rows else table.header_row
    sentences = []
    for skip in table.skipped:
        values = {"first": skip.first, "last": skip.last}
        one = skip.first == skip.last
        if skip.reason == TITLE:
            text = (
                _("Row %(first)s above the header was skipped (title).")
                if one
                else _("Rows %(first)s–%(last)s above the header were skipped (title).")
            )
        elif skip.reason == SUBHEADER:
            text = _("Row %(first)s was read as part of the header (the titles under merged cells).")
        elif skip.reason == NUMBERING:
            text = _("Row %(first)s under the header was skipped (it only numbers the columns).")
        elif skip.reason == FOOTER and skip.first < end:
            text = _("Row %(first)s inside the table was skipped (a totals or signature line).")
        elif skip.reason == FOOTER:
            text = (
                _("Row %(first)s after the table was skipped (totals or signature block).")
                if one
                else _("Rows %(first)s–%(last)s after the table were skipped (totals or signature block).")
            )
        else:
            text = (
                _("Row %(first)s after the blank rows that end the table was skipped.")
                if one
                else _("Rows %(first)s–%(last)s after the blank rows that end the table were skipped.")
            )
        sentences.append(text % values)
    return sentences


# --- CSV -------------------------------------------------------------------------------------------
# The separators spreadsheet programs and other systems write, the most usual first (it wins a tie).
DELIMITERS = (",", ";", "\t", "|")
# How much of a CSV file decides its separator.
SNIFF_LINES = 100


def sniff_delimiter(text: str) -> str:
    """The separator that splits the most of the first lines into the same number of cells.

    More than the first line decides: a title line above the header holds no separator, and a
    ";"-separated file from a spreadsheet set to Indonesian holds "," as the decimal sign.
    """
    sample = "\n".join(itertools.islice(io.StringIO(text[: 1 << 16], newline=None), SNIFF_LINES))
    best, best_score = DELIMITERS[0], (0, 0)
    for delimiter in DELIMITERS:
        widths: Counter[int] = Counter()
        try:
            for cells in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
                if len(cells) > 1:
                    widths[len(cells)] += 1
        except csv.Error:
            pass
        # The most lines of one width; between equals, the wider (a title's comma splits it in two).
        score = max(((count, width) for width, count in widths.items()), default=(0, 0))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv_text(
    text: str,
    *,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
    header_score: HeaderScore | None = None,
) -> Table:
    delimiter = sniff_delimiter(text)
    # A cell may be as long as the file: the csv module's own limit (128 KiB) would end the
    # reading with an error; an over-long cell is named as a row's problem by the import instead.
    if csv.field_size_limit() < len(text):
        csv.field_size_limit(min(len(text) + 1, sys.maxsize))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return find_table(
            reader, limits=limits, progress=progress, total=max(text.count("\n") - 1, 1), header_score=header_score
        )
    except csv.Error as exc:
        raise TableError(
            _("The file cannot be read as CSV (row %(row)s): %(error)s") % {"row": reader.line_num, "error": exc}
        ) from None


def _restored(cells: Sequence[object]) -> list[object]:
    """A row's text as it was before an export neutralised formulas ("'=x" is "=x" again)."""
    return [exports.restore(c) if isinstance(c, str) else c for c in cells]


def _check_unpacked_size(data: bytes, limit: int | None, format: str = "xlsx") -> None:
    """Refuse a zip archive (XLSX, ODS) that unpacks to more than ``limit`` bytes, before anything is unpacked.

    The sizes come from the archive's directory; Python's zipfile never unpacks a member past its
    stated size, so a member that lies about its size cannot unpack to more either (calamine reads
    the same directory).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _unreadable(format, exc) from None
    if limit is not None and unpacked > limit:
        raise TableError(
            _(
                "The %(format)s file unpacks to %(size)s, more than the limit of %(limit)s. Remove unused "
                "sheets, rows and formatting, or save it as CSV."
            )
            % {"format": format.upper(), "size": filesizeformat(unpacked), "limit": filesizeformat(limit)}
        )


def _unreadable(format: str, error: object) -> TableError:
    return TableError(
        _("The file cannot be read as %(format)s: %(error)s") % {"format": format.upper(), "error": error}
    )


# What reading a workbook may take in memory besides what the process already holds. calamine
# lays a sheet out as one block from A1 to its farthest cell, so one stray value at XFD1048576 in a
# 5 KB file asks for hundreds of gigabytes, and a failed allocation in Rust ends the process: the
# workbook is read in a child process under this limit, and a child that dies is a refused file.
WORKBOOK_MEMORY = 1536 * 1024 * 1024
# How often (seconds) the process waiting for that child reports its progress (and so may be stopped).
WAIT_TICK = 0.25


def _read_workbook(
    data: bytes, format: str, progress: Progress | None = None
) -> tuple[list[list[object]], list[Merged]]:
    """The rows of the workbook's "Data" sheet (else its first visible one) from row 1, and its merged cells.

    python-calamine reads XLSX, XLS and ODS alike (and XLSX twenty times faster than openpyxl);
    its cells are made what openpyxl gave: None for an empty cell, an int for a whole number.
    """
    status, result = _in_child(_load_sheet, data, memory=WORKBOOK_MEMORY, progress=progress)
    if status == "error":
        raise _unreadable(format, result)
    if status == "died":
        raise TableError(
            _(
                "The %(format)s file needs more memory to read than allowed: its cells reach far beyond the "
                "table (a stray value far down or far to the right?). Delete the rows and columns after the "
                "table, or save it as CSV."
            )
            % {"format": format.upper()}
        )
    return result


def _load_sheet(data: bytes) -> tuple[str, object]:
    from python_calamine import CalamineWorkbook

    workbook = None
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        if DATA_SHEET in names:
            name = DATA_SHEET
        else:
            visible = [m.name for m in workbook.sheets_metadata if str(m.visible).endswith("Visible")]
            name = (visible or names)[0]
        sheet = workbook.get_sheet_by_name(name)
        grid = sheet.to_python(skip_empty_area=False)
        # (first row, first column, last row, last column), from 1 like the file's row numbers.
        merged = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or ()]
    except MemoryError:
        raise  # the child dies: "needs more memory"
    except Exception as exc:  # calamine raises its own kinds (and others) for a file it cannot read
        return "error", str(exc)
    finally:
        if workbook is not None:
            workbook.close()
    rows = []
    for cells in grid:
        row = list(map(_cell, cells))
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return "ok", (rows, merged)


def _in_child(
    function: Callable[[bytes], tuple[str, object]], data: bytes, *, memory: int, progress: Progress | None = None
) -> tuple[str, object]:
    """``function(data)`` in a forked child whose address space may grow by ``memory`` bytes.

    Returns what it returns, or ("died", None) when the child did not live to answer. While it
    waits, ``progress`` hears of the reading every ``WAIT_TICK`` seconds; what it raises (a job
    past its time limit) ends the child and goes on up. Where there is no fork (not Linux), it
    runs here.
    """
    if not hasattr(os, "fork") or not Path("/proc/self/statm").exists():
        return function(data)
    import python_calamine  # noqa: F401  (imported before the fork: a child takes no import lock)

    size = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    answer_end, child_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no process to spare: read it here, as without fork
        os.close(answer_end)
        os.close(child_end)
        return function(data)
    if pid == 0:  # the child: answer through the pipe and leave without any clean-up of the parent's
        code = 1
        try:
            os.close(answer_end)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)  # a Rust allocation failure prints a backtrace before it aborts
            _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = size + memory if hard == resource.RLIM_INFINITY else min(size + memory, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
            with os.fdopen(child_end, "wb") as out:
                pickle.dump(function(data), out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(child_end)
    chunks = []
    # poll, not select: a busy server may hold more than 1,024 open files, past what select can watch.
    waiting = select.poll()
    waiting.register(answer_end, select.POLLIN | select.POLLHUP)
    try:
        while True:
            ready = waiting.poll(WAIT_TICK * 1000)
            if not ready:
                if progress is not None:
                    progress("reading", 0, None)
                continue
            chunk = os.read(answer_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(answer_end)
    payload = b"".join(chunks)
    _pid, status = os.waitpid(pid, 0)
    if status != 0 or not payload:
        return "died", None
    return pickle.loads(payload)  # our own child's answer


def _cell(value: object) -> object:
    if value == "":
        return None
    if value.__class__ is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


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
