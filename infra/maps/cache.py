"""Rendered diagrams: drawn under a time limit, kept in Django's cache until the data they show changes.

The page, the wall, the API and ``manage.py diagram`` all draw through :func:`render_diagram`, so one
place decides the cache key (the form's cleaned values, the language, ``selectors.data_version``) and
the time limit (``settings.SIMPUL_DIAGRAM_TIMEOUT``). A key names the data's version, so a change in
the registry makes the next request draw afresh; the stale entry is never read again and ages out.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import time
from collections import Counter

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import diagrams

from .builders import VIEWS, DiagramParams, build
from .forms import DiagramForm
from .selectors import data_version

# Bump when what is stored under a key changes shape (a deploy then ignores the old entries).
CACHE_FORMAT = 1
DEFAULT_TIMEOUT = 20.0
DEFAULT_CACHE_SECONDS = 7 * 24 * 3600
# The parameters that pick the file, not the drawing: the key has the format and paper actually drawn.
FILE_FIELDS = ("format", "paper", "orientation")


@dataclasses.dataclass(frozen=True)
class Rendered:
    """A drawn diagram with what the pages say about it."""

    data: bytes
    fmt: str
    content_type: str
    filename: str
    # (style key, legend label, nodes) for each status the drawing's nodes have: the wall's summary.
    statuses: tuple[tuple[str, str, int], ...] = ()
    drawn_at: datetime.datetime | None = None
    seconds: float = 0.0
    from_cache: bool = False


class DiagramUnavailable(Exception):
    """A diagram that could not be drawn; the message says why in the reader's language.

    ``status`` is the HTTP status the web and the API answer with (503: too slow, 500: the renderer
    failed). Bad input never gets here: the form refuses it first."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DiagramTooSlow(DiagramUnavailable):
    status = 503


def time_limit() -> float:
    """Seconds one diagram may take to build and draw (settings.SIMPUL_DIAGRAM_TIMEOUT)."""
    return float(getattr(settings, "SIMPUL_DIAGRAM_TIMEOUT", DEFAULT_TIMEOUT))


def _plain(value: object) -> object:
    """A JSON-able, stable form of a cleaned value: objects by their key, dates in ISO."""
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{value.pk}"
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)  # choices (str enums), decimals


def cache_key(view: str, params: DiagramParams, fmt: str, paper: diagrams.Paper | None, version: str) -> str:
    """The key of one drawing: what was asked, in which language, of which version of the data."""
    asked = {
        "format": CACHE_FORMAT,
        "view": view,
        "params": {k: v for k, v in _plain(params).items() if k not in FILE_FIELDS},
        "fmt": fmt,
        "paper": _plain(paper),
        "language": translation.get_language(),
        "data": version,
    }
    digest = hashlib.sha256(json.dumps(asked, sort_keys=True, default=str).encode()).hexdigest()
    return f"maps:diagram:{digest}"


def filename(view: str, params: DiagramParams, fmt: str, paper: diagrams.Paper | None = None) -> str:
    """``simpul-city-2026-12-01.pdf``: the view, the date the data is of, the paper for a PDF."""
    as_of = getattr(params, "as_of", None)
    day = as_of if as_of is not None else timezone.localdate()
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day) if timezone.is_aware(day) else day
        day = day.date()
    parts = ["simpul", view, day.isoformat()]
    if fmt == "pdf" and paper is not None:
        parts.append(f"{paper.size}-{paper.orientation}".lower())
    return "-".join(parts) + f".{fmt}"


def _statuses(topology: diagrams.Topology) -> tuple[tuple[str, str, int], ...]:
    counted = Counter(node.status for node in topology.nodes if node.status)
    return tuple((entry.key, entry.label, counted[entry.key]) for entry in topology.legend if entry.key in counted)


def draw_topology(
    topology: diagrams.Topology,
    fmt: str,
    paper: diagrams.Paper | None = None,
    *,
    limit: float | None = None,
    remaining: float | None = None,
) -> bytes:
    """``topology`` drawn as ``fmt`` within the time limit (``remaining`` of ``limit`` seconds, when part
    of it went on building), or a :class:`DiagramUnavailable` that says why in the reader's language."""
    limit = time_limit() if limit is None else limit
    remaining = limit if remaining is None else remaining
    try:
        if remaining <= 0:
            raise diagrams.RenderTimeout(limit)
        return diagrams.render(topology, fmt, paper=paper if fmt == "pdf" else None, timeout=remaining)
    except diagrams.RenderTimeout:
        raise DiagramTooSlow(
            _(
                "This diagram takes longer than %(seconds)s seconds to draw, so it was stopped. "
                "Narrow it down with a filter (an OPD, a region, a site, a wave) and try again."
            )
            % {"seconds": f"{limit:g}"}
        ) from None
    except diagrams.DiagramError as error:
        raise DiagramUnavailable(_("The diagram could not be drawn: %(error)s") % {"error": error}) from None


def render_diagram(
    view: str,
    params: DiagramParams,
    fmt: str = "svg",
    paper: diagrams.Paper | None = None,
    *,
    timeout: float | None = None,
    use_cache: bool = True,
) -> Rendered:
    """The diagram ``view`` of ``params`` as ``fmt``, from the cache when the data has not changed since.

    Building and drawing together get ``timeout`` seconds (the setting by default); past that the
    drawing is stopped (the renderer kills ``dot``) and :class:`DiagramTooSlow` says what to do.
    A cache hit costs the data version's queries only.
    """
    limit = time_limit() if timeout is None else timeout
    paper = paper if fmt == "pdf" else None
    key = ""
    if use_cache:
        key = cache_key(view, params, fmt, paper, data_version(params))
        hit = cache.get(key)
        if hit is not None:
            return dataclasses.replace(hit, from_cache=True)
    started = time.monotonic()
    topology = build(view, params)
    data = draw_topology(topology, fmt, paper, limit=limit, remaining=limit - (time.monotonic() - started))
    rendered = Rendered(
        data=data,
        fmt=fmt,
        content_type=diagrams.CONTENT_TYPES[fmt],
        filename=filename(view, params, fmt, paper),
        statuses=_statuses(topology),
        drawn_at=timezone.now(),
        seconds=time.monotonic() - started,
    )
    if use_cache:
        cache.set(key, rendered, getattr(settings, "SIMPUL_DIAGRAM_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))
    return rendered


def bound_form(data, **kwargs) -> DiagramForm:
    """The diagram form bound to ``data`` (a query string, the CLI's options), each field left out
    taking its initial value: ``/diagrams/`` alone is the city view, in migration colours."""
    form = DiagramForm(**kwargs)
    filled = data.copy() if hasattr(data, "copy") else dict(data)
    if "view" not in filled:
        filled["view"] = next(iter(VIEWS))
    for name, field in form.fields.items():
        initial = form.get_initial_for_field(field, name)
        if name in filled or initial in (None, "") or isinstance(initial, (list, tuple)):
            continue
        filled[name] = initial.pk if isinstance(initial, models.Model) else initial
    return DiagramForm(filled, **kwargs)


@dataclasses.dataclass(frozen=True)
class Asked:
    """What a valid form asks for: the view, its parameters, the file format and the paper."""

    view: str
    params: DiagramParams
    fmt: str
    paper: diagrams.Paper


def asked(form: DiagramForm) -> Asked:
    """The drawing a valid form asks for."""
    data = form.cleaned_data
    paper = data.get("paper")
    if not isinstance(paper, diagrams.Paper):
        paper = diagrams.Paper.parse(str(paper or "A4"), str(data.get("orientation") or "landscape"))
    return Asked(view=data["view"], params=form.params(), fmt=data.get("format") or "svg", paper=paper)
