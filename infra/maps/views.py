"""The diagram pages: the diagram with its filters and downloads, the files, and the wall screen.

Every page reads the same form (``forms.DiagramForm``) and draws through ``cache.render_diagram``, so the
page, the wall, the API and the CLI agree. Bad filters show the form's messages (400), a drawing that
takes too long says so (503): never a 500 for what the user asked.
"""

import re
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views import View

import diagrams
from infra.inventory.models import MigrationWave, Organization, Region, Site

from .builders import VIEWS
from .cache import DiagramUnavailable, Rendered, asked, bound_form, render_diagram

# The wall shows the whole city: placed by coordinates, or ranked out from the data center.
WALL_VIEWS = ("geographic", "city")
DEFAULT_WALL_REFRESH_SECONDS = 30
# Fields the page does not show as filters: the view has its tabs, the file's own come with a download.
FILE_FIELDS = ("view", "format", "paper", "orientation")
WALL_HEADER = "X-Simpul-Wall"

_PROLOG = re.compile(r"\A.*?(?=<svg[\s>])", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def inline_svg(data: bytes) -> SafeString:
    """The renderer's SVG ready to sit inside a page: no XML prolog or doctype, no comments (graphviz
    writes node names into them). Labels are escaped by the renderer (diagrams.dot)."""
    text = data.decode("utf-8")
    return mark_safe(_COMMENT.sub("", _PROLOG.sub("", text, count=1)))


def _query(data: QueryDict, **changes: str | None) -> str:
    query = data.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


# The filters that name an object: the page offers the names the form takes (a datalist), one query each.
NAMED = {
    "organization": (Organization, ("short_name", "name")),
    "region": (Region, ("name", "code")),
    "site": (Site, ("name", "kind")),
    "wave": (MigrationWave, ("name", "start_date")),
}


def _name_lists(form) -> list[dict]:
    lists = []
    for field, (model, (name, hint)) in NAMED.items():
        if field not in form.fields or isinstance(form.fields[field].widget, forms.Select):
            continue
        rows = model.objects.order_by(name).values_list(name, hint, "name")
        options = [(value or full, full if value and value != full else (hint or "")) for value, hint, full in rows]
        lists.append({"id": f"maps-names-{field}", "options": options})
        form.fields[field].widget.attrs["list"] = f"maps-names-{field}"
        form.fields[field].widget.attrs.setdefault("autocomplete", "off")
    return lists


def _styled(form) -> None:
    """Bootstrap's classes on the form's widgets, a date picker for ``as_of`` (the form is shared with
    the API and the CLI, which take a date and time too)."""
    for field in form.fields.values():
        widget = field.widget
        base = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
        classes = [c for c in widget.attrs.get("class", "").split() if not c.startswith("form-")]
        widget.attrs["class"] = " ".join([*classes, base])
    if "as_of" in form.fields:
        form.fields["as_of"].widget.input_type = "date"
        form.fields["as_of"].widget.attrs["max"] = timezone.localdate().isoformat()


# What a tab leaves behind when it switches views: a site or a status fits one view and not the next
# (a data center view of an office is refused); the OPD, region, wave, date and colours carry over.
TAB_DROPS = ("site", "status", "format", "paper", "orientation")


def _view_tabs(request: HttpRequest, current: str) -> list[dict]:
    def url(name: str) -> str:
        if name == current:
            return "?" + request.GET.urlencode()
        return "?" + _query(request.GET, view=name, **dict.fromkeys(TAB_DROPS))

    return [
        {"name": name, "label": label, "url": url(name), "active": name == current}
        for name, (label, _builder) in VIEWS.items()
    ]


def _downloads(request: HttpRequest) -> list[dict]:
    url = reverse("maps:download")
    labels = {"svg": _("SVG (drawing)"), "png": _("PNG (picture)"), "dot": _("DOT (graphviz source)")}
    return [
        {"fmt": fmt, "label": labels[fmt], "url": f"{url}?{_query(request.GET, format=fmt)}"}
        for fmt in diagrams.FORMATS
        if fmt in labels
    ]


class DiagramView(View):
    """One diagram in the page, zoomable, each node a link to its object's page, with its downloads."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return diagram_page(request)


def diagram_page(request: HttpRequest, problem: DiagramUnavailable | None = None) -> HttpResponse:
    """The diagram page: the form's messages (400), ``problem`` (a download that failed), or the drawing."""
    form = bound_form(request.GET)
    valid = form.is_valid()
    view = form.cleaned_data.get("view") if valid else form.data.get("view")
    view = view if view in VIEWS else next(iter(VIEWS))
    _styled(form)
    context = {
        "form": form,
        "name_lists": _name_lists(form),
        "filters": [form[name] for name in form.fields if name not in FILE_FIELDS],
        "file_errors": [form[name] for name in FILE_FIELDS if name in form.fields and form[name].errors],
        "tabs": _view_tabs(request, view),
        "view": view,
        "view_label": VIEWS[view][0],
        "paper_choices": list(form.fields["paper"].choices),
        "orientation_choices": list(form.fields["orientation"].choices),
        "pdf_hidden": [(k, v) for k, values in request.GET.lists() if k not in FILE_FIELDS[1:] for v in values],
        "download_url": reverse("maps:download"),
        # what "keep as a snapshot" may carry over: the diagram's own fields, never a stray parameter
        "snapshot_fields": [name for name in form.fields if name not in FILE_FIELDS[1:]],
        "wall_url": reverse("maps:wall") + "?" + urlencode({"view": view if view in WALL_VIEWS else "city"}),
    }
    template = "maps/diagram.html"
    if not valid:
        return render(request, template, context, status=400)
    wanted = asked(form)
    context["paper"] = wanted.paper
    if problem is None:
        try:
            rendered = render_diagram(wanted.view, wanted.params, "svg")
        except DiagramUnavailable as error:
            problem = error
        else:
            context.update(svg=inline_svg(rendered.data), rendered=rendered, downloads=_downloads(request))
    if problem is not None:
        context["problem"] = problem.message
        return render(request, template, context, status=problem.status)
    return render(request, template, context)


class DiagramDownloadView(View):
    """The diagram as a file: SVG, PDF (A4/A3, either orientation), PNG or DOT (``?format=``)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = bound_form(request.GET)
        if not form.is_valid():
            return diagram_page(request)  # the page, with the form's messages (400)
        wanted = asked(form)
        try:
            rendered = render_diagram(wanted.view, wanted.params, wanted.fmt, wanted.paper)
        except DiagramUnavailable as error:
            return diagram_page(request, problem=error)
        return file_response(rendered)


def file_response(rendered: Rendered) -> HttpResponse:
    """A drawn diagram as a download, with its type and name."""
    response = HttpResponse(rendered.data, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response


def wall_refresh_seconds() -> int:
    return int(getattr(settings, "SIMPUL_WALL_REFRESH_SECONDS", DEFAULT_WALL_REFRESH_SECONDS))


class WallView(View):
    """The command-center screen: the whole city in reachability colours, full screen, nothing to click.

    The page asks itself again every ``SIMPUL_WALL_REFRESH_SECONDS`` (static/maps/wall.js) with the
    ``X-Simpul-Wall`` header and swaps in the new drawing only; any other answer (a sign-in page after
    the session ended) makes the script load the whole page, so the screen never shows a login form
    inside the map.
    """

    template_name = "maps/wall.html"
    fragment_name = "maps/_wall_body.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        data = request.GET.copy()
        data.setdefault("view", "city")
        data["colour_by"] = "reachability"
        data["format"] = "svg"
        form = bound_form(data)
        fragment = request.headers.get(WALL_HEADER) == "1"
        context = {
            "refresh_seconds": wall_refresh_seconds(),
            "refresh_url": f"{reverse('maps:wall')}?{request.GET.urlencode()}",
            "view_label": "",
        }
        status = 200
        if data["view"] not in WALL_VIEWS:
            context["problem"] = _(
                "The wall shows the geographic view or the city view (view=geographic or view=city)."
            )
            status = 400
        elif not form.is_valid():
            context["problem"] = " ".join(str(e) for errors in form.errors.values() for e in errors)
            status = 400
        else:
            wanted = asked(form)
            context["view_label"] = VIEWS[wanted.view][0]
            try:
                rendered = render_diagram(wanted.view, wanted.params, "svg")
            except DiagramUnavailable as error:
                context["problem"] = error.message
                status = error.status
            else:
                context.update(svg=inline_svg(rendered.data), rendered=rendered)
        response = render(request, self.fragment_name if fragment else self.template_name, context, status=status)
        response[WALL_HEADER] = "1"
        response["Cache-Control"] = "no-store"
        return response
