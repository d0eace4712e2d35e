"""CSV and XLSX output that streams, so a large export never sits whole in memory."""

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from openpyxl import Workbook

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """CSV text line by line, with a BOM so that Excel opens UTF-8 (Indonesian names) correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(["" if v is None else v for v in row])


def _excel_value(value: object) -> object:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    if value is None or isinstance(value, (int, float, str, datetime.date, datetime.datetime)):
        return value
    return str(value)


def xlsx_bytes(rows: Iterable[Iterable[object]], title: str = "Data") -> bytes:
    """An XLSX workbook (one sheet, write-only mode: rows are not kept in memory)."""
    import io

    buffer = io.BytesIO()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([_excel_value(v) for v in row])
    workbook.save(buffer)
    return buffer.getvalue()


def response(rows: Iterable[Iterable[object]], filename: str, fmt: str) -> StreamingHttpResponse:
    """A download of ``rows`` (the first row is the header) as CSV or XLSX."""
    if fmt == "xlsx":
        resp = StreamingHttpResponse(iter([xlsx_bytes(rows, title=filename)]), content_type=XLSX_TYPE)
    else:
        resp = StreamingHttpResponse(csv_lines(rows), content_type=CSV_TYPE)
        fmt = "csv"
    resp["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return resp
