"""The evidence page's figures as text and as files: an XLSX (the figures, their definitions, the objects
behind each, a signature block) and a PDF for the auditor's working paper (WeasyPrint, as the
availability report; the same text as the page)."""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext

from infra.core import exports
from infra.core.exports import Styled

from .indicators import Figure

PDF_TYPE = "application/pdf"
FORMATS = ("xlsx", "pdf")
# Decimal places a figure is written with, by unit key: a share and kilometres to one place.
_PLACES = {"servers_migrated": 1, "fiber_km_active": 1}


NUMERIC_DETAILS = frozenset({"servers", "km", "hops"})
# Column headings of the objects' details (keys of indicators.ObjectRow.details).
DETAIL_LABELS = {
    "servers": _lazy("Servers in the data center"),
    "applications": _lazy("Applications hosted there"),
    "organization": _lazy("OPD"),
    "state": _lazy("Migration state"),
    "integration": _lazy("SPBE integration"),
    "site_a": _lazy("Site A"),
    "site_b": _lazy("Site B"),
    "km": _lazy("Length (km)"),
    "kind": _lazy("Kind"),
    "hops": _lazy("Links from the data center"),
}


def detail_label(key: str) -> str:
    """The column heading of an object's detail (a key of indicators.ObjectRow.details)."""
    return str(DETAIL_LABELS.get(key, key))


def number(value: Decimal | int | None, places: int = 0) -> str:
    """A number as the page writes it, in the user's language (1.234,5 in Indonesian)."""
    if value is None:
        return ""
    if places == 0 and Decimal(value) == Decimal(value).to_integral_value():
        return number_format(int(value), force_grouping=True)
    # Rounded here: number_format cuts the digits past ``places`` off (239.17 would read 239,1).
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(rounded, places, force_grouping=True)


def value_text(figure: Figure) -> str:
    """The figure with its unit: "66,7 %", "3 OPD", "12,5 km"."""
    return f"{number(figure.value, _PLACES.get(figure.key, 0))} {figure.indicator.unit}"


def target_text(figure: Figure) -> str:
    """The year's target and how far the figure is: empty when no target is set for the year."""
    if figure.target is None:
        return ""
    places = _PLACES.get(figure.key, 0) if figure.key == "fiber_km_active" else 0
    return _("%(target)s %(what)s by 31 December %(year)s (now %(actual)s)") % {
        "target": number(figure.target, places),
        "what": figure.indicator.target_label,
        "year": figure.as_of.year,
        "actual": number(figure.result.target_actual, places),
    }


def detail_text(figure: Figure) -> str:
    """What a share is made of: "2 of 3 servers"."""
    r = figure.result
    if r.numerator is None:
        return ""
    return _("%(part)s of %(whole)s servers") % {"part": number(r.numerator), "whole": number(r.denominator)}


def rows(figures: list[Figure]) -> list[dict]:
    """The figures as the page, the PDF and the XLSX write them."""
    return [
        {
            "figure": f,
            "key": f.key,
            "label": f.indicator.label,
            "spbe": f.indicator.spbe,
            "definition": f.indicator.definition,
            "value": value_text(f),
            "detail": detail_text(f),
            "target": target_text(f),
            "target_met": f.target_met,
            "objects": len(f.result.objects),
            "object_label": f.indicator.object_label,
        }
        for f in figures
    ]


def header(as_of: datetime.date, user) -> list[tuple[str, str]]:
    """The title block: the date the figures stand for, when and by whom the file was made."""
    made = timezone.localtime()
    return [
        (_("Figures as of"), _("end of %(date)s") % {"date": date_format(as_of, "j F Y")}),
        (_("Produced"), f"{date_format(made, 'j F Y H:i')} ({timezone.get_current_timezone_name()})"),
        (_("Produced by"), (user.get_full_name() or user.get_username()) if user else ""),
        (_("Source"), _("Simpul: the registry and its change log; migration states from the recorded transitions.")),
    ]


def signature_labels() -> dict[str, str]:
    return {
        "prepared": _("Prepared by"),
        "checked": _("Checked by"),
        "name": _("Name"),
        "nip": _("NIP"),
        "date": _("Date"),
        "place": _("Place"),
        "signature": _("Signature"),
    }


def filename(as_of: datetime.date) -> str:
    return re.sub(r"[^\w.-]+", "-", f"{_('evidence')}-{_('indicators')}-{as_of:%Y-%m-%d}").strip("-")


def xlsx_bytes(figures: list[Figure], as_of: datetime.date, user) -> bytes:
    """A summary sheet (title block, every figure with its definition and target, the signature block),
    then one sheet per figure with the objects behind it."""
    bold = [
        Styled(label, bold=True)
        for label in (_("Indicator"), _("Value"), _("Unit"), pgettext("yearly target", "Target"))
    ]
    summary: list[list[object]] = [[Styled(_("SPBE indicator evidence"), bold=True)]]
    summary += [[Styled(label, bold=True), value] for label, value in header(as_of, user)]
    summary.append([])
    summary.append([*bold, Styled(_("Definition"), bold=True), Styled(_("Objects behind it"), bold=True)])
    for row in rows(figures):
        f = row["figure"]
        value = float(f.value) if isinstance(f.value, Decimal) else f.value
        summary.append(
            [str(row["label"]), value, str(f.indicator.unit), row["target"], str(row["definition"]), row["objects"]]
        )
    labels = signature_labels()
    summary.append([])
    summary.append([Styled(labels["prepared"], bold=True), "", Styled(labels["checked"], bold=True)])
    for key in ("name", "nip", "date", "place", "signature"):
        summary.append([labels[key], "", labels[key], ""])
    sheets = [(_("Summary"), summary)]
    for f in figures:
        detail_keys = list(dict.fromkeys(k for o in f.result.objects for k in o.details))
        sheet: list[list[object]] = [[Styled(str(f.indicator.label), bold=True), value_text(f)]]
        headings = ("id", _("Name"), *(detail_label(k) for k in detail_keys))
        sheet.append([Styled(h, bold=True) for h in headings])
        for o in f.result.objects:
            sheet.append([o.id, o.name, *(_cell(o.details.get(k)) for k in detail_keys)])
        sheets.append((f"{len(sheets)}. {f.indicator.label}"[:31], sheet))
    return exports.workbook_bytes(sheets, widths=(34, 16, 14, 40, 80, 14))


def _cell(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def refuse_fetch(url: str, *args, **kwargs) -> dict:
    """WeasyPrint's url_fetcher: a static file of Simpul's own, never anything over a network (as the
    availability report's; inventory may not import the probes app)."""
    prefix = "static:"
    if url.startswith(prefix):
        found = finders.find(url[len(prefix) :].lstrip("/"))
        if found:
            path = Path(found)
            return {"string": path.read_bytes(), "filename": path.name}
    raise ValueError(f"the PDF may not fetch {url!r}")


def pdf_bytes(figures: list[Figure], as_of: datetime.date, user) -> bytes:
    """A4: the title block, every figure with its definition and target, the signature block."""
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    html = render_to_string(
        "inventory/evidence_print.html",
        {"rows": rows(figures), "header": header(as_of, user), "signature": signature_labels(), "as_of": as_of},
    )
    return HTML(string=html, base_url="static:/", url_fetcher=refuse_fetch).write_pdf()


def response(figures: list[Figure], as_of: datetime.date, fmt: str, user) -> HttpResponse:
    name = filename(as_of)
    if fmt == "pdf":
        resp = HttpResponse(pdf_bytes(figures, as_of, user), content_type=PDF_TYPE)
    else:
        resp = HttpResponse(xlsx_bytes(figures, as_of, user), content_type=exports.XLSX_TYPE)
    resp["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return resp


def target_rows(figures: list[Figure]) -> list[dict]:
    """The figures that have a target this year, each with how far along it is (for the progress page and
    the dashboard): the number the target speaks of, the target, and the share reached (at most 100)."""
    found = []
    for f in figures:
        if f.target is None:
            continue
        places = 1 if f.key == "fiber_km_active" else 0
        actual = f.result.target_actual
        percent = min(100.0, float(100 * Decimal(actual) / Decimal(f.target))) if f.target else 100.0
        found.append(
            {
                "key": f.key,
                "label": f.indicator.target_label,
                "actual": number(actual, places),
                "target": number(f.target, places),
                "percent": round(percent),
                "met": f.target_met,
            }
        )
    return found
