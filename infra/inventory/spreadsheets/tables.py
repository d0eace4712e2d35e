"""CSV and XLSX files as a header and numbered rows, whichever program wrote them."""

import codecs
import csv
import io
import itertools
import sys
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
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


# What reading reports as it goes: the phase ("reading"), rows read so far, and the total when known.
# It may raise to stop the reading (a job past its time limit).
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class ReadLimits:
    """What a file may hold before it is refused, checked before (or while) it is read, not after.

    ``max_rows`` counts the rows that hold something; ``max_unpacked_bytes`` is what an XLSX file
    (a zip archive) holds once unpacked, read from the archive's directory before openpyxl opens
    it, so a small file that unpacks to gigabytes is refused unread. None means no limit.
    """

    max_rows: int | None = None
    max_unpacked_bytes: int | None = None


def read_table(
    source: str | Path | BinaryIO,
    format: str | None = None,
    *,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
) -> Table:
    """Read the first sheet of an XLSX file, or a CSV file (comma, semicolon or tab separated).

    Rows without any value are left out (their numbers are kept). Raises TableError when the file
    cannot be read as a table or is past one of ``limits``.
    """
    if format not in (None, *FORMATS):
        raise TableError(_("Unknown file format %(format)s: use csv or xlsx.") % {"format": format})
    limits = limits or ReadLimits()
    data = source.read() if hasattr(source, "read") else Path(source).read_bytes()
    if format is None:
        # An XLSX file is a zip archive, whatever its name says.
        format = "xlsx" if data[:4] == b"PK\x03\x04" else guess_format(getattr(source, "name", source))
    if format == "xlsx":
        _check_unpacked_size(data, limits.max_unpacked_bytes)
        return _read_xlsx(io.BytesIO(data), limits, progress)
    return read_csv_text(decode_text(data), limits=limits, progress=progress)


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


def _filled(cells: Sequence[object]) -> bool:
    return any(c.strip() if c.__class__ is str else c is not None for c in cells)


def _collect(
    rows: Iterable[Sequence[object]], limits: ReadLimits, progress: Progress | None, total: int | None
) -> list[tuple[int, Sequence[object]]]:
    """The numbered rows that hold something, refusing more than ``limits.max_rows`` of them.

    Past the limit the rest is still counted (not kept), so the message can say how many there are.
    """
    kept: list[tuple[int, Sequence[object]]] = []
    limit = limits.max_rows
    count = 0
    for number, cells in enumerate(rows, start=2):
        if progress is not None:
            progress("reading", number - 1, total)
        if not _filled(cells):
            continue
        count += 1
        if limit is None or count <= limit:
            kept.append((number, _restored(cells)))
    if limit is not None and count > limit:
        raise _too_many_rows(count, limit)
    return kept


def read_csv_text(text: str, *, limits: ReadLimits | None = None, progress: Progress | None = None) -> Table:
    first_line = text.split("\n", 1)[0]
    # Spreadsheet programs set to Indonesian write ";" because "," is their decimal separator.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    # A cell may be as long as the file: the csv module's own limit (128 KiB) would end the
    # reading with an error; an over-long cell is named as a row's problem by the import instead.
    if csv.field_size_limit() < len(text):
        csv.field_size_limit(min(len(text) + 1, sys.maxsize))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TableError(_("The file is empty: the first row must name the columns.")) from None
    except csv.Error as exc:
        raise TableError(_("The file cannot be read as CSV: %(error)s") % {"error": exc}) from None
    try:
        rows = _collect(reader, limits or ReadLimits(), progress, max(text.count("\n") - 1, 1))
    except csv.Error as exc:
        raise TableError(
            _("The file cannot be read as CSV (row %(row)s): %(error)s") % {"row": reader.line_num, "error": exc}
        ) from None
    return Table(header=[h.strip() for h in header], rows=rows)


def _restored(cells: Sequence[object]) -> list[object]:
    """A row's text as it was before an export neutralised formulas ("'=x" is "=x" again)."""
    return [exports.restore(c) if isinstance(c, str) else c for c in cells]


def _check_unpacked_size(data: bytes, limit: int | None) -> None:
    """Refuse an XLSX archive that unpacks to more than ``limit`` bytes, before anything is unpacked.

    The sizes come from the archive's directory; Python's zipfile never unpacks a member past its
    stated size, so a member that lies about its size cannot unpack to more either.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise TableError(_("The file cannot be read as XLSX: %(error)s") % {"error": exc}) from None
    if limit is not None and unpacked > limit:
        raise TableError(
            _(
                "The XLSX file unpacks to %(size)s, more than the limit of %(limit)s. Remove unused sheets, "
                "rows and formatting, or save it as CSV."
            )
            % {"size": filesizeformat(unpacked), "limit": filesizeformat(limit)}
        )


def _read_xlsx(source: BinaryIO, limits: ReadLimits, progress: Progress | None) -> Table:
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
        # The sheet's stated size, when it states one: only for the progress shown.
        total = sheet.max_row - 1 if isinstance(sheet.max_row, int) and sheet.max_row > 1 else None
        rows = _collect(rows_iter, limits, progress, total)
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
