"""The "Situs web OPD" pages: the report of OPD websites and of applications with a URL, its CSV and
XLSX downloads, the engineers' "switch on" of website checks, and the website panel of an OPD's and
an application's page. Every page in a fixed number of queries (``websites.rows``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from infra.core import exports
from infra.core.permissions import CHANGE, VIEW, can, editable
from infra.core.services.bulk import BulkInvalid, set_values
from infra.core.validation import as_id
from infra.core.views.base import safe_return_url

from . import models, websites
from .choices import CheckKind, WebsiteWarning
from .reports import format_percent

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
URL_NAMES = {"organizations": "probes:websites", "applications": "probes:websites-applications"}


def switchable(request: HttpRequest) -> set[int]:
    """The switched-off website checks this user may switch on (one query; none for who may not
    change checks at all)."""
    if not can(request.user, CHANGE, models.Check):
        return set()
    off = models.Check.objects.filter(kind=CheckKind.HTTP, enabled=False)
    return set(editable(request.user, off).values_list("pk", flat=True))


def _page(request: HttpRequest, count: int) -> tuple[int, int, int]:
    """(page number, pages, page size) asked for, within what there is."""
    size = as_id(request.GET.get("per_page"))
    size = size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE
    pages = max(1, -(-count // size))
    number = min(as_id(request.GET.get("page")) or 1, pages)
    return number, pages, size


def _link(request: HttpRequest, **changes: str) -> str:
    query = request.GET.copy()
    query.pop("export", None)
    for key, value in changes.items():
        if value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return f"?{query.urlencode()}"


def _headers(request: HttpRequest, kind: str, ordering: str) -> list[dict]:
    first = (
        [("name", _("OPD"))] if kind == "organizations" else [("name", _("Application")), ("organization", _("OPD"))]
    )
    headers = []
    for column, label, css in [
        *((c, label, "") for c, label in first),
        # the state next to the name: on a phone it is the column in view
        ("state", _("State"), ""),
        ("website", _("Website"), ""),
        ("percent", _("Availability this month"), "text-end"),
        ("last_update", _("Last update"), ""),
        ("tls_expires", _("Certificate expires"), ""),
        ("warnings", _("Warnings"), ""),
        ("enabled", _("Check"), ""),
    ]:
        next_order = "-" + column if ordering == column else column
        headers.append(
            {
                "key": column,
                "label": label,
                "class": css,
                "url": _link(request, ordering=next_order, page=""),
                "sorted": "asc" if ordering == column else "desc" if ordering == "-" + column else "",
            }
        )
    return headers


class WebsitesReportView(View):
    """The report of one kind (``organizations``: every OPD; ``applications``: those with a URL):
    filters, search, sorting and pages from the query string, ``?export=csv|xlsx`` for the
    filtered rows. Three or four queries (``websites.rows``), one more for who may switch checks on."""

    kind = "organizations"
    template_name = "probes/websites.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if not can(request.user, VIEW, models.Check):
            raise PermissionDenied
        everything = websites.rows(self.kind)
        question = websites.parse(request.GET)
        found = websites.select(everything, question)
        export = request.GET.get("export")
        if export in exports.FORMATS:
            return exports.response(websites.export_rows(found, self.kind), websites.filename(self.kind), export)
        number, pages, size = _page(request, len(found))
        shown = found[(number - 1) * size : number * size]
        may_switch = switchable(request)
        for row in shown:
            row.percent_text = format_percent(row.percent) if row.check_id else "–"
            row.switchable = row.check_id in may_switch
        organizations = sorted(
            {(r.organization_id, r.organization) for r in everything if r.organization_id},
            key=lambda pair: pair[1].lower(),
        )
        context = {
            "kind": self.kind,
            "tabs": [
                (kind, reverse(URL_NAMES[kind]), label)
                for kind, label in (("organizations", _("OPD websites")), ("applications", _("Applications")))
            ],
            "question": question,
            "organizations": organizations,
            "states": websites.RowState.choices(),
            "warnings": WebsiteWarning.choices,
            "headers": _headers(request, self.kind, question.ordering),
            "rows": shown,
            "count": len(found),
            "total": len(everything),
            "page": number,
            "pages": pages,
            "per_page": size,
            "page_sizes": PAGE_SIZES,
            "page_size_links": [(n, _link(request, per_page=str(n), page="")) for n in PAGE_SIZES],
            "previous_url": _link(request, page=str(number - 1)) if number > 1 else "",
            "next_url": _link(request, page=str(number + 1)) if number < pages else "",
            "downloads": [(fmt, _link(request, export=fmt, page="")) for fmt in exports.FORMATS],
            "can_switch": bool(may_switch),
            "any_switchable": any(row.switchable for row in shown),
            "filtered": question != websites.Question(ordering=question.ordering),
            "return_url": request.get_full_path(),
        }
        return render(request, self.template_name, context)


class WebsiteChecksOnView(View):
    """POST: switch the selected website checks on (``pk``, repeatable). Each must be an HTTP check
    this user may change, or nothing happens (403); each is saved as a single edit is, so the change
    log says who switched it on."""

    def post(self, request: HttpRequest) -> HttpResponse:
        if not can(request.user, CHANGE, models.Check):
            raise PermissionDenied(_("You may not do this."))
        pks = {as_id(pk) for pk in request.POST.getlist("pk")} - {None}
        return_url = safe_return_url(request, reverse("probes:websites"))
        if not pks:
            messages.warning(request, _("Nothing was selected."))
            return HttpResponseRedirect(return_url)
        checks = list(models.Check.objects.filter(pk__in=pks, kind=CheckKind.HTTP).order_by("pk"))
        if len(checks) != len(pks):
            raise Http404(_("Only website checks can be switched on here."))
        allowed = set(editable(request.user, models.Check.objects.filter(pk__in=pks)).values_list("pk", flat=True))
        refused = [c for c in checks if c.pk not in allowed or not can(request.user, CHANGE, c)]
        if refused:
            raise PermissionDenied(_("You may not change: %(objs)s") % {"objs": ", ".join(map(str, refused[:10]))})
        off = [c for c in checks if not c.enabled]
        try:
            set_values(off, {"enabled": True}, may_save=lambda obj: can(request.user, CHANGE, obj))
        except BulkInvalid as exc:
            for index, found in exc.errors.items():
                messages.error(request, f"{off[index]}: {'; '.join(found)}")
            return HttpResponseRedirect(return_url)
        messages.success(
            request,
            ngettext("Switched %(n)d website check on.", "Switched %(n)d website checks on.", len(off))
            % {"n": len(off)},
        )
        return HttpResponseRedirect(return_url)


def website_panel(kind: str):
    """The website panel of an OPD's or an application's page (core.registry's detail panel): the
    report's row for it, in the report's queries for one check. No panel for an application without
    a URL; an OPD without a website says so (the report lists it as such)."""

    def context(request: HttpRequest, obj) -> dict | None:
        if not can(request.user, VIEW, models.Check):
            return None
        website = obj.website if kind == "organizations" else obj.url
        row = websites.panel_row(kind, obj.pk)
        if row is None and kind == "applications" and not website:
            return None
        if row is not None:
            row.percent_text = format_percent(row.percent)
            if website:
                row.website = website
        return {
            "row": row,
            "website": website,
            "report_url": reverse(URL_NAMES[kind]),
            "kind": kind,
        }

    return context
