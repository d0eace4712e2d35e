"""The availability report as files: CSV (one flat table), XLSX (a sheet per level) and PDF (WeasyPrint,
from a template made for print). The web page and the API serve the same files; numbers are written
by ``reports.format_percent`` and ``reports.format_span`` wherever they are text, so the PDF reads
exactly as the page does, and the XLSX holds the same values as numbers with a format."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from infra.core import exports
from infra.core.exports import Styled

from .reports import LEVELS, Figures, MonthlyReport, Row, format_percent, format_span

PDF_TYPE = "application/pdf"
FORMATS = ("csv", "xlsx", "pdf")
PERCENT_FORMAT = "0.00%"
DURATION_FORMAT = "[h]:mm:ss"
KEYS = (
    "level",
    "id",
    "name",
    "context",
    "checks",
    "percent",
    "known_percent",
    "up_seconds",
    "down_seconds",
    "unknown_seconds",
    "maintenance_seconds",
    "downtime_count",
    "downtime_seconds",
    "longest_seconds",
)


def filename(report: MonthlyReport) -> str:
    who = report.organization or _("city")
    # letters, digits, dots and dashes only: an OPD's name may hold quotes or line breaks
    return re.sub(r"[^\w.-]+", "-", f"{_('availability')}-{who}-{report.month:%Y-%m}").strip("-")


def level_label(level: str) -> str:
    return {"sites": _("Sites"), "devices": _("Devices"), "checks": _("Checks")}[level]


def context_label(level: str) -> str:
    return {"sites": _("OPD"), "devices": _("Site"), "checks": _("Device")}[level]


def _labels() -> list[str]:
    return [
        _("level"),
        _("id"),
        _("name"),
        _("part of"),
        _("checks"),
        _("availability %"),
        _("known availability %"),
        _("up (s)"),
        _("down (s)"),
        _("unknown (s)"),
        _("maintenance (s)"),
        _("downtimes"),
        _("downtime (s)"),
        _("longest outage (s)"),
    ]


def _numbers(f: Figures) -> list[object]:
    return [
        None if f.percent is None else round(f.percent, 4),
        None if f.known_percent is None else round(f.known_percent, 4),
        round(f.up, 3),
        round(f.down, 3),
        round(f.unknown, 3),
        round(f.maintenance, 3),
        f.downtime_count,
        round(f.downtime_seconds, 3),
        round(f.longest_seconds, 3),
    ]


def csv_rows(report: MonthlyReport, *, keys: bool = False) -> Iterator[list[object]]:
    """The report as one flat table (a data source reads it as it is): the total first, then every
    site, device and check; seconds and percentages unformatted. ``keys``: English column names
    (the API) instead of the user's language (the page)."""
    yield list(KEYS) if keys else _labels()
    total_name = report.organization or _("Whole city")
    yield ["total", report.organization_id, total_name, "", report.checks_count, *_numbers(report.total)]
    for level in LEVELS:
        for row in report.rows(level):
            yield [row.level, row.pk, row.name, row.context, row.checks, *_numbers(row.figures)]


def header_block(report: MonthlyReport) -> list[tuple[str, str]]:
    """The lines that say what the report covers: at the top of every sheet and of the PDF."""
    zone = report.local_start.tzinfo
    return [
        (_("Availability report"), report.organization or _("Whole city")),
        (_("Period"), f"{report.local_start:%Y-%m-%d %H:%M} – {report.local_end:%Y-%m-%d %H:%M}"),
        (_("Time zone"), report.time_zone),
        (_("Generated at"), f"{report.generated_at.astimezone(zone):%Y-%m-%d %H:%M}"),
    ]


def _floor_percent(value: float | None) -> float | None:
    """The fraction Excel shows as the page's percentage (two decimals, rounded down)."""
    return None if value is None else math.floor(value * 100) / 10000


def _duration(seconds: float) -> float:
    """Whole seconds as an Excel duration (days)."""
    return int(seconds) / 86400


def xlsx_bytes(report: MonthlyReport) -> bytes:
    """A workbook: a summary sheet (the header block and the total) and one sheet per level, numbers as
    numbers, percentages and durations with number formats."""
    columns = [
        _("Name"),
        None,  # the level's context column
        _("Checks"),
        _("Availability %"),
        _("Known availability %"),
        _("Outages"),
        _("Total downtime"),
        _("Longest outage"),
        _("Unknown"),
        _("Maintenance"),
    ]

    def cells(name: str, context: str, checks: int, f: Figures) -> list[object]:
        percents = [Styled(_floor_percent(v), PERCENT_FORMAT) for v in (f.percent, f.known_percent)]
        spans = [
            Styled(_duration(v), DURATION_FORMAT)
            for v in (f.downtime_seconds, f.longest_seconds, f.unknown, f.maintenance)
        ]
        return [name, context, checks, *percents, f.downtime_count, *spans]

    def sheet(context: str, rows: list[list[object]]) -> list[list[object]]:
        head: list[list[object]] = [[Styled(label, bold=True), value] for label, value in header_block(report)]
        head.append([])
        head.append([Styled(context if name is None else name, bold=True) for name in columns])
        return head + rows

    total = cells(report.organization or _("Whole city"), "", report.checks_count, report.total)
    sheets = [(_("Summary"), sheet("", [total]))]
    for level in LEVELS:
        rows = [cells(row.name, row.context, row.checks, row.figures) for row in report.rows(level)]
        sheets.append((level_label(level), sheet(context_label(level), rows)))
    return exports.workbook_bytes(sheets, widths=(36, 28))


def refuse_fetch(url: str, *args, **kwargs) -> dict:
    """WeasyPrint's url_fetcher: a static file of Simpul's own, never anything over a network."""
    prefix = "static:"
    if url.startswith(prefix):
        found = finders.find(url[len(prefix) :].lstrip("/"))
        if found:
            path = Path(found)
            return {"string": path.read_bytes(), "filename": path.name}
    raise ValueError(f"the PDF may not fetch {url!r}")


def pdf_bytes(report: MonthlyReport) -> bytes:
    """The report for print: A4, a title block, every level's table, page numbers."""
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    html = render_to_string(
        "probes/availability_report_print.html",
        {
            "report": report,
            "total": formatted(report.total),
            "header": header_block(report),
            "levels": print_levels(report),
        },
    )
    return HTML(string=html, base_url="static:/", url_fetcher=refuse_fetch).write_pdf()


# Paper has its limits: a level with more rows than this (the whole city's 20,000 checks would be
# some 500 pages, and minutes of a web worker's time) is left out of the PDF with a note; the XLSX and
# the CSV hold every row.
PDF_ROWS_PER_LEVEL = 2000


def print_levels(report: MonthlyReport) -> list[dict]:
    levels = []
    for level in LEVELS:
        rows = report.rows(level)
        printed = len(rows) <= PDF_ROWS_PER_LEVEL
        levels.append(
            {
                "label": level_label(level),
                "context": context_label(level),
                "count": len(rows),
                "rows": [formatted(row) for row in rows] if printed else [],
                "left_out": not printed,
            }
        )
    return levels


def formatted(row: Row | Figures) -> dict:
    """A row's figures as text, as the page writes them."""
    f = row.figures if isinstance(row, Row) else row
    return {
        "row": row,
        "percent": format_percent(f.percent),
        "known_percent": format_percent(f.known_percent),
        "downtime_count": f.downtime_count,
        "downtime": format_span(f.downtime_seconds),
        "longest": format_span(f.longest_seconds),
        "unknown": format_span(f.unknown),
        "maintenance": format_span(f.maintenance),
    }


def response(report: MonthlyReport, fmt: str, *, keys: bool = False):
    """The download in ``fmt`` (csv, xlsx or pdf)."""
    name = filename(report)
    if fmt == "pdf":
        resp = HttpResponse(pdf_bytes(report), content_type=PDF_TYPE)
        resp["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return resp
    if fmt == "xlsx":
        resp = HttpResponse(xlsx_bytes(report), content_type=exports.XLSX_TYPE)
        resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return resp
    return exports.response(csv_rows(report, keys=keys), name, "csv")
