"""Diagrams over time on the web: the snapshots (list, page, files, taking one) and comparing two dates.

Snapshots are evidence: anyone signed in reads them; only engineers and administrators take one (the
check is here, on the server, whatever the page shows), and the taking leaves its change record
(``services.snapshots.take_snapshot``). A comparison is one diagram of two dates with the change legend
(``services.snapshots.compare_dates``), always coloured by migration state: reachability is known for
now only. Bad input is the form's message in the user's language (400), a drawing that takes too long
says so (503): never a 500 for what the user asked.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

import diagrams
from infra.core.choices import Role
from infra.core.permissions import VIEW, can, role_of
from infra.core.validation import as_id
from infra.core.views import ObjectListView

from .builders import VIEWS
from .cache import DiagramUnavailable, draw_topology
from .filters_history import DiagramSnapshotFilterSet, DiagramSnapshotTable, links_and_km, list_queryset, number
from .forms import DiagramForm
from .models import DiagramSnapshot
from .services.snapshots import CompareError, compare_dates, take_snapshot
from .views import inline_svg

# Who may take a snapshot: the people who keep the registry (an OPD operator sees one OPD's part; an
# auditor changes nothing).
TAKERS = (Role.ADMINISTRATOR, Role.ENGINEER)
# Rendered snapshot files are kept this long (a snapshot never changes: only the cache's room limits it).
SNAPSHOT_CACHE_SECONDS = 7 * 24 * 3600
# The form fields that choose the file, not the drawing.
FILE_FIELDS = ("format", "paper", "orientation")
# How many names of each kind of change the comparison page lists under the drawing.
CHANGE_NAMES = 40


def can_take_snapshots(user) -> bool:
    """Engineers and administrators take snapshots; everyone signed in reads them."""
    return role_of(user) in TAKERS


def draw(topology: diagrams.Topology, fmt: str, paper: diagrams.Paper | None = None, *, key: str = "") -> bytes:
    """``topology`` as ``fmt`` under the time limit; kept in the cache under ``key`` when one is given
    (a snapshot's drawing never changes)."""
    if key:
        hit = cache.get(key)
        if hit is not None:
            return hit
    data = draw_topology(topology, fmt, paper)
    if key:
        cache.set(key, data, SNAPSHOT_CACHE_SECONDS)
    return data


def file_response(data: bytes, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=diagrams.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The file a page offers: format, paper, orientation --------------------------------------------


class FileForm(forms.Form):
    """Which file of a drawing: SVG, PNG, DOT, or a PDF on A4/A3 in either orientation."""

    format = DiagramForm.base_fields["format"]
    paper = DiagramForm.base_fields["paper"]
    orientation = DiagramForm.base_fields["orientation"]

    def cleaned(self) -> tuple[str, diagrams.Paper]:
        data = self.cleaned_data
        paper = diagrams.Paper.parse(data.get("paper") or diagrams.SIZES[0], data.get("orientation") or "landscape")
        return data.get("format") or "svg", paper


def _downloads(base_url: str, query: QueryDict | None = None) -> list[dict[str, str]]:
    labels = {"svg": _("SVG (drawing)"), "png": _("PNG (picture)"), "dot": _("DOT (graphviz source)")}
    items = []
    for fmt in ("svg", "png", "dot"):
        data = query.copy() if query is not None else QueryDict(mutable=True)
        for name in FILE_FIELDS:
            data.pop(name, None)
        data["format"] = fmt
        items.append({"fmt": fmt, "label": labels[fmt], "url": f"{base_url}?{data.urlencode()}"})
    return items


def _pdf_hidden(query: QueryDict | None) -> list[tuple[str, str]]:
    if query is None:
        return []
    return [(k, v) for k, values in query.lists() if k not in FILE_FIELDS for v in values]


# --- Snapshots ---------------------------------------------------------------------------------------


class SnapshotListView(ObjectListView):
    """Every snapshot, newest date first: filters, sorting, pages, export; never the drawings."""

    queryset = list_queryset()
    filterset_class = DiagramSnapshotFilterSet
    table_class = DiagramSnapshotTable
    template_name = "maps/snapshot_list.html"
    bulk_edit = False
    bulk_delete = False


def _snapshot(request: HttpRequest, pk: int) -> DiagramSnapshot:
    if as_id(pk) is None:
        raise Http404
    snapshot = get_object_or_404(DiagramSnapshot.objects.select_related("taken_by"), pk=pk)
    if not can(request.user, VIEW, snapshot):
        raise PermissionDenied(_("You may not do this."))
    return snapshot


def snapshot_cache_key(snapshot: DiagramSnapshot, fmt: str, paper: diagrams.Paper | None) -> str:
    """A snapshot's file in one language (the PDF's page captions are translated) on one paper."""
    paper_part = f"{paper.size}-{paper.orientation}" if paper is not None and fmt == "pdf" else ""
    return f"maps:snapshot:{snapshot.pk}:{snapshot.params_key[:16]}:{fmt}:{paper_part}:{translation.get_language()}"


def snapshot_filename(snapshot: DiagramSnapshot, fmt: str, paper: diagrams.Paper | None = None) -> str:
    day = timezone.localtime(snapshot.as_of).date().isoformat()
    parts = ["simpul", "snapshot", str(snapshot.pk), snapshot.view, day]
    if fmt == "pdf" and paper is not None:
        parts.append(f"{paper.size}-{paper.orientation}".lower())
    return "-".join(parts) + f".{fmt}"


def when(instant: datetime.datetime) -> str:
    """A moment as people read it: "31 December 2025" for the end of a day, else with the time."""
    local = timezone.localtime(instant)
    if local.time() == datetime.time.max:
        return formats.date_format(local, "j F Y")
    return formats.date_format(local, "j F Y, H:i")


def figure_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The snapshot's figures as the page's table: a heading, the total and the parts by status."""
    from infra.inventory.choices import (
        DeviceStatus,
        FiberLinkStatus,
        IntegrationStatus,
        MigrationState,
        SiteStatus,
    )

    def labels(choices) -> dict[str, str]:
        return {str(value): str(label) for value, label in choices.choices}

    rows: list[dict[str, Any]] = []
    sites = figures.get("sites") or {}
    site_labels = labels(SiteStatus)
    rows.append(
        {
            "key": "sites",
            "label": _("Sites in use"),
            "total": number(sites.get("total", 0)),
            "parts": [(site_labels.get(k, k), number(v)) for k, v in (sites.get("by_status") or {}).items()],
        }
    )
    devices = figures.get("devices") or {}
    device_labels = labels(DeviceStatus)
    rows.append(
        {
            "key": "devices",
            "label": _("Devices in use"),
            "total": number(devices.get("total", 0)),
            "parts": [(device_labels.get(k, k), number(v)) for k, v in (devices.get("by_status") or {}).items()],
        }
    )
    servers = figures.get("servers") or {}
    state_labels = {**labels(MigrationState), "none": _("Not tracked")}
    rows.append(
        {
            "key": "servers",
            "label": _("Servers moved to the data center"),
            "total": _("%(moved)s of %(total)s")
            % {"moved": number(servers.get("migrated", 0)), "total": number(servers.get("total", 0))},
            "parts": [(state_labels.get(k, k), number(v)) for k, v in (servers.get("by_state") or {}).items()],
        }
    )
    fiber = figures.get("fiber") or {}
    fiber_labels = labels(FiberLinkStatus)
    rows.append(
        {
            "key": "fiber",
            "label": _("Fiber links in use"),
            "total": links_and_km(fiber.get("links", 0), fiber.get("km", 0)),
            "parts": [
                (
                    fiber_labels.get(k, k),
                    links_and_km(v.get("links", 0), v.get("km")),
                )
                for k, v in (fiber.get("by_status") or {}).items()
            ],
        }
    )
    applications = figures.get("applications") or {}
    app_labels = labels(IntegrationStatus)
    rows.append(
        {
            "key": "applications",
            "label": _("Applications in use"),
            "total": number(applications.get("total", 0)),
            "parts": [
                (app_labels.get(k, k) if k else _("Not set"), number(v))
                for k, v in (applications.get("by_integration") or {}).items()
            ],
        }
    )
    return rows


def _compare_query(snapshot: DiagramSnapshot) -> str:
    """The comparison page's query for this snapshot's view and filters, from its date to today."""
    data = QueryDict(mutable=True)
    data["view"] = snapshot.view
    for name, value in (snapshot.params or {}).items():
        if name in CompareForm.base_fields and name not in ("colour_by", *FILE_FIELDS) and value not in (None, ""):
            for item in value if isinstance(value, list) else [value]:
                data.appendlist(name, str(item))
    local = timezone.localtime(snapshot.as_of)
    data["compare_from"] = (
        local.date().isoformat() if local.time() == datetime.time.max else local.strftime("%Y-%m-%dT%H:%M:%S")
    )
    return data.urlencode()


def snapshot_page(
    request: HttpRequest,
    snapshot: DiagramSnapshot,
    file_form: FileForm | None = None,
    status: int = 200,
    problem: str = "",
) -> HttpResponse:
    """A snapshot: what it is of, its figures, its drawing and its files."""
    drawing = snapshot.drawing()
    context: dict[str, Any] = {
        "snapshot": snapshot,
        "view_label": VIEWS[snapshot.view][0] if snapshot.view in VIEWS else snapshot.view,
        "filters": list(drawing.title.filters),
        "figures": figure_rows(snapshot.figures or {}),
        "list_url": reverse("maps:diagramsnapshot_list"),
        "compare_url": reverse("maps:compare") + "?" + _compare_query(snapshot),
        "download_url": reverse("maps:diagramsnapshot_file", args=[snapshot.pk]),
        "downloads": _downloads(reverse("maps:diagramsnapshot_file", args=[snapshot.pk])),
        "file_form": file_form or FileForm(),
        "paper_choices": list(DiagramForm.base_fields["paper"].choices),
        "orientation_choices": list(DiagramForm.base_fields["orientation"].choices),
        "pdf_hidden": [],
        "can_take": can_take_snapshots(request.user),
        "counts": Counter(node.kind for node in drawing.nodes),
        "node_count": len(drawing.nodes),
        "edge_count": len(drawing.edges),
    }
    if problem:  # a file that could not be drawn: say so, and do not spend another time limit on the page
        context["problem"] = problem
        return render(request, "maps/snapshot_detail.html", context, status=status)
    try:
        svg = draw(drawing, "svg", key=snapshot_cache_key(snapshot, "svg", None))
    except DiagramUnavailable as error:
        context["problem"] = error.message
        return render(request, "maps/snapshot_detail.html", context, status=max(status, error.status))
    context["svg"] = inline_svg(svg)
    return render(request, "maps/snapshot_detail.html", context, status=status)


class SnapshotDetailView(View):
    """One snapshot: the figures then, the drawing exactly as it was, its files, compare it with now."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return snapshot_page(request, _snapshot(request, pk))


class SnapshotFileView(View):
    """A snapshot's drawing as a file (``?format=svg|pdf|png|dot&paper=A3&orientation=portrait``)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        snapshot = _snapshot(request, pk)
        form = FileForm(request.GET)
        if not form.is_valid():
            return snapshot_page(request, snapshot, form, status=400)
        fmt, paper = form.cleaned()
        try:
            data = draw(snapshot.drawing(), fmt, paper, key=snapshot_cache_key(snapshot, fmt, paper))
        except DiagramUnavailable as error:
            return snapshot_page(request, snapshot, status=error.status, problem=error.message)
        return file_response(data, fmt, snapshot_filename(snapshot, fmt, paper))


class TakeForm(DiagramForm):
    """What to keep: a view, its filters and the moment (now when empty); no file options."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in FILE_FIELDS:
            self.fields.pop(name, None)
        self.fields["as_of"].help_text = gettext_lazy(
            "A past date: the registry as it was at the end of that day. Empty: now."
        )
        self.fields["as_of"].widget.input_type = "date"
        self.fields["as_of"].widget.attrs["max"] = timezone.localdate().isoformat()


def _bound(form_class, data: QueryDict, **forced: str):
    """``form_class`` bound to ``data`` without the page's own keys, the city view by default."""
    filled = data.copy()
    for key in ("csrfmiddlewaretoken", "return_url"):
        filled.pop(key, None)
    if not filled.get("view"):
        filled["view"] = next(iter(VIEWS))
    for key, value in forced.items():
        filled[key] = value
    return form_class(filled)


class SnapshotTakeView(View):
    """Take a snapshot of a view now (or of a past date): engineers and administrators only."""

    template_name = "maps/snapshot_take.html"

    def _check(self, request: HttpRequest) -> None:
        if not can_take_snapshots(request.user):
            raise PermissionDenied(_("Only engineers and administrators take diagram snapshots."))

    def get(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        initial = {"view": request.GET.get("view") if request.GET.get("view") in VIEWS else next(iter(VIEWS))}
        return render(request, self.template_name, {"form": TakeForm(initial=initial)})

    def post(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        form = _bound(TakeForm, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        params = form.params()
        with transaction.atomic():
            snapshot = take_snapshot(params.view, params, user=request.user)
        messages.success(
            request,
            _("Snapshot taken: %(title)s, data as of %(when)s.")
            % {
                "title": snapshot.title or snapshot.view,
                "when": when(snapshot.as_of),
            },
        )
        return HttpResponseRedirect(reverse("maps:diagramsnapshot", args=[snapshot.pk]))


# --- Comparing two dates -------------------------------------------------------------------------------


class CompareForm(DiagramForm):
    """The diagram's filters and two dates: ``compare_from`` (the earlier) and ``as_of`` (the later, now
    when empty). Both dates are checked as the diagram's date is (a date, not in the future, not before
    the change history); the order of the two by ``compare_dates``."""

    compare_from = forms.CharField(
        label=gettext_lazy("From"),
        max_length=40,
        help_text=gettext_lazy("The earlier date (2025-12-31): what the diagram looked like then."),
        error_messages={"required": gettext_lazy("Choose the earlier date to compare from.")},
    )

    field_order = ["view", "organization", "region", "site", "status", "wave", "compare_from", "as_of"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"].label = gettext_lazy("To")
        self.fields["as_of"].help_text = gettext_lazy("The later date; empty: now.")
        today = timezone.localdate().isoformat()
        for name in ("compare_from", "as_of"):
            widget = self.fields[name].widget
            widget.input_type = "date"
            widget.attrs["max"] = today
            widget.attrs.setdefault("class", "form-control")

    def clean_compare_from(self) -> tuple[datetime.datetime, bool] | None:
        # The diagram's own date rules and messages, applied to the first date.
        later = self.cleaned_data.get("as_of")
        self.cleaned_data["as_of"] = self.cleaned_data.get("compare_from")
        try:
            return self.clean_as_of()
        finally:
            self.cleaned_data["as_of"] = later

    def dates(self) -> tuple[datetime.datetime, datetime.datetime]:
        """(the earlier moment, the later one); the later is now when not given."""
        first = self.cleaned_data["compare_from"][0]
        later = self.cleaned_data.get("as_of")
        return first, later[0] if later else timezone.now()


@dataclasses.dataclass(frozen=True)
class Comparison:
    """A comparison asked for and drawn: the topology and the parameters it was drawn with."""

    view: str
    topology: diagrams.Topology
    first: datetime.datetime
    second: datetime.datetime


def compare_form(data: QueryDict) -> CompareForm:
    """The comparison form bound to a query: the city view by default, coloured by migration state."""
    return _bound(CompareForm, data, colour_by="migration")


def comparison(form: CompareForm) -> Comparison:
    """The comparison a valid form asks for; a CompareError becomes the form's error on the first date."""
    params = form.params()
    first, second = form.dates()
    params = dataclasses.replace(params, as_of=None, as_of_is_date=False)
    try:
        topology = compare_dates(params.view, params, first, second)
    except CompareError as error:
        form.add_error("compare_from", ValidationError(str(error), code="compare"))
        raise
    return Comparison(view=params.view, topology=topology, first=first, second=second)


def compare_filename(result: Comparison, fmt: str, paper: diagrams.Paper | None = None) -> str:
    days = [timezone.localtime(moment).date().isoformat() for moment in (result.first, result.second)]
    parts = ["simpul", result.view, "changes", *days]
    if fmt == "pdf" and paper is not None:
        parts.append(f"{paper.size}-{paper.orientation}".lower())
    return "-".join(parts) + f".{fmt}"


def change_summary(topology: diagrams.Topology) -> list[dict[str, Any]]:
    """What changed, for the list under the drawing: each mark with its count and the names."""
    # the legend names only the marks that occur; the others still need words in the reader's language
    labels = {"change:added": _("Added"), "change:removed": _("Removed"), "change:changed": _("Changed")}
    labels.update({entry.key: entry.label for entry in topology.legend if entry.key in labels})
    names: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    ends = {node.id: node.label for node in topology.nodes}
    for group in topology.groups:  # racks, rooms, a site's box: changes as much as what stands in them
        if group.change in names:
            names[group.change].append(group.label)
    for node in topology.nodes:
        if node.change in names:
            names[node.change].append(node.label)
    for edge in topology.edges:
        if edge.change in names:
            between = f"{ends.get(edge.source, edge.source)} – {ends.get(edge.target, edge.target)}"
            names[edge.change].append(f"{edge.label} ({between})" if edge.label else between)
    return [
        {
            "mark": mark,
            "label": labels.get(f"change:{mark}", mark),
            "count": len(found),
            "names": found[:CHANGE_NAMES],
            "more": max(0, len(found) - CHANGE_NAMES),
        }
        for mark, found in names.items()
    ]


def _compare_context(request: HttpRequest, form: CompareForm) -> dict[str, Any]:
    view = form.data.get("view") if form.data.get("view") in VIEWS else next(iter(VIEWS))
    return {
        "form": form,
        "fields": [form[name] for name in form.fields if name not in ("colour_by", *FILE_FIELDS)],
        # the file options have no inputs in the form: their errors are said above it
        "shown_fields": [name for name in form.fields if name not in ("colour_by", *FILE_FIELDS)],
        "view": view,
        "view_label": VIEWS[view][0],
        "download_url": reverse("maps:compare_file"),
        "paper_choices": list(DiagramForm.base_fields["paper"].choices),
        "orientation_choices": list(DiagramForm.base_fields["orientation"].choices),
        "list_url": reverse("maps:diagramsnapshot_list"),
    }


def compare_page(request: HttpRequest, problem: DiagramUnavailable | None = None) -> HttpResponse:
    """The comparison page: the form alone (nothing asked yet), its messages (400), or the drawing."""
    template = "maps/compare.html"
    if not request.GET:
        first = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
        form = CompareForm(initial={"view": next(iter(VIEWS)), "compare_from": first.isoformat()})
        return render(request, template, _compare_context(request, form))
    form = compare_form(request.GET)
    context = _compare_context(request, form)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        result = comparison(form)
    except CompareError:
        return render(request, template, context, status=400)
    context.update(
        result=result,
        changes=change_summary(result.topology),
        downloads=_downloads(reverse("maps:compare_file"), request.GET),
        pdf_hidden=_pdf_hidden(request.GET),
    )
    if problem is None:
        try:
            context["svg"] = inline_svg(draw(result.topology, "svg"))
        except DiagramUnavailable as error:
            problem = error
    if problem is not None:
        context["problem"] = problem.message
        return render(request, template, context, status=problem.status)
    return render(request, template, context)


class CompareView(View):
    """Two dates of a view in one diagram: what was added, removed and changed, with the legend."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return compare_page(request)


class CompareFileView(View):
    """The comparison as a file: SVG, PNG, DOT, or a PDF on the paper asked for."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = compare_form(request.GET)
        if not form.is_valid():
            return compare_page(request)
        fmt = form.cleaned_data.get("format") or "svg"
        paper = diagrams.Paper.parse(form.cleaned_data.get("paper") or "A4", form.cleaned_data.get("orientation"))
        try:
            result = comparison(form)
            data = draw(result.topology, fmt, paper)
        except CompareError:
            return compare_page(request)
        except DiagramUnavailable as error:
            return compare_page(request, problem=error)
        return file_response(data, fmt, compare_filename(result, fmt, paper))
