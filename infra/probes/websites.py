"""The "Situs web OPD" report: one row per OPD (those without a website too) or per application with a
URL, with its website check's state, availability this month, last update, certificate and warnings.

Read in a fixed number of queries whatever the city's size and the page shown (the OPDs or
applications; their website checks joined with status and website status, each with its state before
the month; the month's state events; maintenance windows only where a check has a device), then
filtered, sorted and paged in memory (a city has some hundreds of OPDs and applications, not more).
Availability is computed as ``reports.monthly`` computes a check's row (``state.timeline`` and
``reports.check_figures`` under the same maintenance windows), so both reports give the same figure
for the same check (tests/probes/test_websites_report.py holds them together).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from infra.inventory.models import Application, Organization

from . import reports, state
from .choices import CheckKind, CheckState, EventKind, FreshnessSource, WebsiteWarning
from .models import Check, CheckEvent, MaintenanceWindow
from .selectors import city_zone, period

KINDS = ("organizations", "applications")


class RowState:
    """What a row's state column says: the check's state, or why there is none."""

    UP = CheckState.UP.value
    DOWN = CheckState.DOWN.value
    UNKNOWN = CheckState.UNKNOWN.value
    OFF = "off"  # the check is switched off
    UNCHECKED = "unchecked"  # a website, but no check (yet)
    NO_WEBSITE = "no_website"

    LABELS = {
        UP: CheckState.UP.label,
        DOWN: CheckState.DOWN.label,
        UNKNOWN: CheckState.UNKNOWN.label,
        OFF: pgettext_lazy("website check", "Check off"),
        UNCHECKED: gettext_lazy("Not checked"),
        NO_WEBSITE: gettext_lazy("No website"),
    }
    # worst first: the default order puts what needs attention on top
    RANK = {DOWN: 0, UNKNOWN: 1, UNCHECKED: 2, OFF: 3, UP: 4, NO_WEBSITE: 5}
    COLORS = {
        UP: "success",
        DOWN: "danger",
        UNKNOWN: "secondary",
        OFF: "light",
        UNCHECKED: "light",
        NO_WEBSITE: "light",
    }

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [
            (value, cls.LABELS[value])
            for value in (cls.UP, cls.DOWN, cls.UNKNOWN, cls.OFF, cls.UNCHECKED, cls.NO_WEBSITE)
        ]


# warnings that are trouble rather than advice
SERIOUS = {WebsiteWarning.CERT_EXPIRED, WebsiteWarning.STALE, WebsiteWarning.PLAIN_HTTP}
WARNING_LABELS = dict(WebsiteWarning.choices)
SOURCE_LABELS = dict(FreshnessSource.choices)


@dataclass
class WebsiteRow:
    """One line of the report: the OPD or application, its website and what its check found."""

    kind: str  # "organization" | "application"
    pk: int
    name: str  # the OPD's short name, or the application's name
    full_name: str  # the OPD's full name (for an application: its own full name, or the same)
    url: str  # the OPD's or application's page
    organization_id: int | None
    organization: str  # the OPD (an application's owner)
    organization_url: str
    website: str
    check_id: int | None = None
    check_url: str = ""
    enabled: bool | None = None
    auto_created: bool = False
    state: str = RowState.NO_WEBSITE
    since: datetime.datetime | None = None
    percent: float | None = None
    known_percent: float | None = None
    checked_at: datetime.datetime | None = None
    status_code: int | None = None
    total_ms: float | None = None
    detail: str = ""
    last_update: datetime.datetime | None = None
    update_source: str = ""
    update_detail: str = ""
    days_since: int | None = None
    tls_expires: datetime.datetime | None = None
    days_left: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(RowState.LABELS[self.state])

    @property
    def state_color(self) -> str:
        return RowState.COLORS[self.state]

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS.get(self.update_source, self.update_source))

    @property
    def warning_badges(self) -> list[tuple[str, str, str]]:
        """(value, label, colour) of each warning, in the order of WebsiteWarning."""
        order = {value: index for index, value in enumerate(WebsiteWarning.values)}
        return [
            (w, str(WARNING_LABELS.get(w, w)), "danger" if w in SERIOUS else "warning")
            for w in sorted(self.warnings, key=lambda w: order.get(w, len(order)))
        ]

    @property
    def stale(self) -> bool:
        return WebsiteWarning.STALE in self.warnings


@dataclass(frozen=True)
class Question:
    """What the reader asked for: filters, search and order (``parse`` reads them from a query)."""

    organizations: frozenset[int] = frozenset()
    states: frozenset[str] = frozenset()
    warnings: frozenset[str] = frozenset()
    stale: bool = False
    no_website: bool = False
    search: str = ""
    ordering: str = ""


_DIGITS = re.compile(r"[0-9]{1,9}")
SORTS = (
    "name",
    "organization",
    "website",
    "state",
    "percent",
    "last_update",
    "days_since",
    "update_source",
    "tls_expires",
    "days_left",
    "warnings",
    "enabled",
)


def parse(params: Mapping) -> Question:
    """The question of a query string (``QueryDict``): unknown values are left out, never an error."""

    def many(name: str) -> list[str]:
        getter = getattr(params, "getlist", None)
        values = getter(name) if getter else ([params[name]] if name in params else [])
        return [v for raw in values for v in str(raw).split(",") if v]

    states = {v for v in many("state") if v in RowState.LABELS}
    warnings = {v for v in many("warning") if v in WebsiteWarning.values}
    organizations = {int(v) for v in many("organization") if _DIGITS.fullmatch(v)}
    ordering = str(params.get("ordering") or params.get("sort") or "")
    return Question(
        organizations=frozenset(organizations),
        states=frozenset(states),
        warnings=frozenset(warnings),
        stale=_true(params.get("stale")),
        no_website=_true(params.get("no_website")),
        search=str(params.get("q") or "").strip()[:200],
        ordering=ordering if ordering.lstrip("-") in SORTS else "",
    )


def _true(raw: object) -> bool:
    return str(raw or "").strip().lower() in ("1", "true", "yes", "on", "ya")


def this_month() -> tuple[datetime.datetime, datetime.datetime]:
    """The current month of the city's calendar, from its first midnight up to now (UTC)."""
    today = timezone.localdate(timezone=city_zone())
    start, end = period("month", today.replace(day=1))
    return start, min(end, max(start, timezone.now()))


def _website_check_fields() -> list[str]:
    return [
        "website__checked_at",
        "website__status_code",
        "website__total_ms",
        "website__detail",
        "website__last_update",
        "website__update_source",
        "website__update_detail",
        "website__tls_expires",
        "website__warnings",
    ]


def rows(
    kind: str, *, start: datetime.datetime | None = None, end: datetime.datetime | None = None
) -> list[WebsiteRow]:
    """Every row of the report (``kind``: organizations or applications), in name order, with the
    availability over [start, end) (this month up to now by default). Three queries, a fourth when a
    website check belongs to a device (its maintenance windows)."""
    if kind not in KINDS:
        raise ValueError(kind)
    if start is None or end is None:
        start, end = this_month()
    if kind == "organizations":
        owners = list(Organization.objects.order_by("name", "pk").values("pk", "name", "short_name", "website"))
        link = Q(organization__isnull=False)
        owner_key = "organization_id"
    else:
        owners = list(
            Application.objects.exclude(url="")
            .order_by("name", "pk")
            .values(
                "pk",
                "name",
                "short_name",
                "url",
                "organization_id",
                org_name=F("organization__name"),
                org_short=F("organization__short_name"),
            )
        )
        link = Q(application__isnull=False)
        owner_key = "application_id"
    checks = _checks(link, start)
    # One check per OPD or application: its automatic one, else the oldest one made by hand.
    chosen: dict[int, dict] = {}
    for c in checks:
        key = c[owner_key]
        best = chosen.get(key)
        if best is None or (c["auto_created"], -c["pk"]) > (best["auto_created"], -best["pk"]):
            chosen[key] = c
    figures = _figures(list(chosen.values()), start, end)
    today = timezone.localdate(timezone=city_zone())
    org_url = reverse("inventory:organization", args=[0])[:-2]
    app_url = reverse("inventory:application", args=[0])[:-2]
    check_url = reverse("probes:check", args=[0])[:-2]
    out = []
    for o in owners:
        if kind == "organizations":
            row = WebsiteRow(
                kind="organization",
                pk=o["pk"],
                name=o["short_name"] or o["name"],
                full_name=o["name"],
                url=f"{org_url}{o['pk']}/",
                organization_id=o["pk"],
                organization=o["short_name"] or o["name"],
                organization_url=f"{org_url}{o['pk']}/",
                website=o["website"],
            )
        else:
            row = WebsiteRow(
                kind="application",
                pk=o["pk"],
                name=o["short_name"] or o["name"],
                full_name=o["name"],
                url=f"{app_url}{o['pk']}/",
                organization_id=o["organization_id"],
                organization=o["org_short"] or o["org_name"] or "",
                organization_url=f"{org_url}{o['organization_id']}/" if o["organization_id"] else "",
                website=o["url"],
            )
        c = chosen.get(o["pk"])
        if c is not None:
            _fill(row, c, figures.get(c["pk"]), today, f"{check_url}{c['pk']}/")
        elif row.website:
            row.state = RowState.UNCHECKED
        out.append(row)
    return out


def _checks(link: Q, start: datetime.datetime) -> list[dict]:
    before = (
        CheckEvent.objects.filter(probe_check=OuterRef("pk"), kind=EventKind.STATE, at__lt=start)
        .order_by("-at", "-id")
        .values("new_state")[:1]
    )
    return list(
        Check.objects.filter(link, kind=CheckKind.HTTP)
        .annotate(initial=Subquery(before))
        .values(
            "pk",
            "organization_id",
            "application_id",
            "auto_created",
            "enabled",
            "url",
            "device_id",
            "initial",
            "status__state",
            "status__since",
            *_website_check_fields(),
            site_id=F("device__site_id"),
            org_id=F("device__site__organization_id"),
        )
        .order_by("pk")
    )


def _figures(checks: list[dict], start: datetime.datetime, end: datetime.datetime) -> dict[int, reports.Figures]:
    """Availability of each check over [start, end), as ``reports.monthly`` computes a check's row."""
    if not checks:
        return {}
    ids = [c["pk"] for c in checks]
    events: dict[int, list[tuple[datetime.datetime, state.State]]] = defaultdict(list)
    found = CheckEvent.objects.filter(
        probe_check__in=Check.objects.filter(pk__in=ids).values("pk"), kind=EventKind.STATE, at__gte=start, at__lt=end
    )
    for check_id, at, new_state in found.order_by("at", "id").values_list("probe_check_id", "at", "new_state"):
        events[check_id].append((at, state.State(new_state)))
    windows = _windows(checks, start, end)
    out = {}
    for c in checks:
        line = state.timeline(state.State(c["initial"] or state.State.UNKNOWN), events[c["pk"]], start, end)
        out[c["pk"]] = reports.check_figures(line, start, end, windows(c))
    return out


def _windows(checks: list[dict], start, end):
    """The maintenance windows a check's figures leave out: those of its device, the device's site
    and that site's OPD (``reports.monthly``'s rule; a website check without a device has none)."""
    devices = {c["device_id"] for c in checks if c["device_id"]}
    if not devices:
        return lambda c: []
    sites = {c["site_id"] for c in checks if c["site_id"]}
    orgs = {c["org_id"] for c in checks if c["org_id"]}
    by_org: dict[int, list] = defaultdict(list)
    by_site: dict[int, list] = defaultdict(list)
    by_device: dict[int, list] = defaultdict(list)
    scope = Q(device_id__in=devices) | Q(site_id__in=sites) | Q(organization_id__in=orgs)
    for device_id, site_id, org_id, lo, hi in MaintenanceWindow.objects.filter(
        scope, start__lt=end, end__gt=start
    ).values_list("device_id", "site_id", "organization_id", "start", "end"):
        target = by_device[device_id] if device_id else by_site[site_id] if site_id else by_org[org_id]
        target.append((lo, hi))
    return lambda c: [
        *by_org.get(c["org_id"], ()),
        *by_site.get(c["site_id"], ()),
        *by_device.get(c["device_id"], ()),
    ]


def _fill(row: WebsiteRow, c: dict, figures: reports.Figures | None, today: datetime.date, check_url: str) -> None:
    row.check_id = c["pk"]
    row.check_url = check_url
    row.enabled = c["enabled"]
    row.auto_created = c["auto_created"]
    row.website = row.website or c["url"]
    if not c["enabled"]:
        row.state = RowState.OFF
    else:
        row.state = c["status__state"] if c["status__state"] in CheckState.values else RowState.UNKNOWN
    row.since = c["status__since"]
    if figures is not None:
        row.percent, row.known_percent = figures.percent, figures.known_percent
    row.checked_at = c["website__checked_at"]
    row.status_code = c["website__status_code"]
    row.total_ms = c["website__total_ms"]
    row.detail = c["website__detail"] or ""
    row.last_update = c["website__last_update"]
    row.update_source = c["website__update_source"] or ""
    row.update_detail = c["website__update_detail"] or ""
    row.tls_expires = c["website__tls_expires"]
    order = {value: index for index, value in enumerate(WebsiteWarning.values)}
    row.warnings = sorted(c["website__warnings"] or [], key=lambda w: order.get(w, len(order)))
    zone = city_zone()
    if row.last_update is not None:
        row.days_since = max(0, (today - row.last_update.astimezone(zone).date()).days)
    if row.tls_expires is not None:
        row.days_left = (row.tls_expires.astimezone(zone).date() - today).days


def select(found: Iterable[WebsiteRow], question: Question) -> list[WebsiteRow]:
    """The rows that answer the question's filters and search, in its order (worst state first by
    default, then by name)."""
    needle = question.search.lower()
    chosen = []
    for row in found:
        if question.organizations and row.organization_id not in question.organizations:
            continue
        if question.states and row.state not in question.states:
            continue
        if question.warnings and not question.warnings.intersection(row.warnings):
            continue
        if question.stale and not row.stale:
            continue
        if question.no_website and row.website:
            continue
        if needle and not any(
            needle in text.lower() for text in (row.name, row.full_name, row.organization, row.website)
        ):
            continue
        chosen.append(row)
    return order(chosen, question.ordering)


def order(found: list[WebsiteRow], ordering: str) -> list[WebsiteRow]:
    """Sorted by one column (``-`` first: descending); rows without a value last either way."""
    by_name = sorted(found, key=lambda r: (r.name.lower(), r.pk))
    name = ordering.lstrip("-")
    descending = ordering.startswith("-")
    if not name:
        return sorted(by_name, key=lambda r: RowState.RANK[r.state])
    if name == "name":
        return by_name[::-1] if descending else by_name

    def value(row: WebsiteRow):
        if name == "state":
            return RowState.RANK[row.state]
        if name == "warnings":
            return len(row.warnings) or None
        if name == "update_source":
            return row.source_label.lower() or None
        v = getattr(row, name)
        if isinstance(v, str):
            return v.lower() or None
        return v

    present = [r for r in by_name if value(r) is not None]
    missing = [r for r in by_name if value(r) is None]
    return sorted(present, key=value, reverse=descending) + missing


# --- as text and files: the page, the CSV and the XLSX write the same columns ---------------------


def columns(kind: str) -> list[tuple[str, str]]:
    """(key, header in the user's language) of the export's columns."""
    first = (
        [("name", _("OPD")), ("full_name", _("Name"))]
        if kind == "organizations"
        else [("name", _("Application")), ("organization", _("OPD"))]
    )
    return [
        *first,
        ("website", _("Website")),
        ("state", _("State")),
        ("percent", _("Availability this month (%)")),
        ("last_update", _("Last update")),
        ("update_source", _("Found from")),
        ("days_since", _("Days since update")),
        ("tls_expires", _("Certificate expires")),
        ("days_left", _("Days left")),
        ("warnings", _("Warnings")),
        ("enabled", _("Check on")),
        ("status_code", _("HTTP status")),
        ("checked_at", _("Checked at")),
    ]


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """An aware time as the city's wall clock, without zone (a spreadsheet cell holds no zone)."""
    return None if moment is None else timezone.localtime(moment, city_zone()).replace(tzinfo=None)


def export_rows(found: Iterable[WebsiteRow], kind: str, *, keys: bool = False) -> Iterable[list[object]]:
    """The header (the user's language; ``keys``: English column keys, for the API), then one line
    per row: numbers as numbers, times in the city's time, labels in the user's language."""
    names = columns(kind)
    yield [key if keys else label for key, label in names]
    for row in found:
        values = {
            "name": row.name,
            "full_name": row.full_name,
            "organization": row.organization,
            "website": row.website,
            "state": row.state if keys else row.state_label,
            "percent": None if row.percent is None else round(row.percent, 2),
            "last_update": _local(row.last_update),
            "update_source": row.update_source if keys else row.source_label,
            "days_since": row.days_since,
            "tls_expires": _local(row.tls_expires),
            "days_left": row.days_left,
            "warnings": ", ".join(w if keys else label for w, label, _c in row.warning_badges),
            "enabled": row.enabled if keys or row.enabled is None else (_("yes") if row.enabled else _("no")),
            "status_code": row.status_code,
            "checked_at": _local(row.checked_at),
        }
        yield [values[key] for key, _label in names]


def filename(kind: str, *, keys: bool = False) -> str:
    today = timezone.localdate(timezone=city_zone())
    what = "websites-" + kind if keys else _("websites-opd") if kind == "organizations" else _("websites-applications")
    return f"{what}-{today:%Y-%m-%d}"


def panel_row(kind: str, pk: int) -> WebsiteRow | None:
    """The report's row of one OPD or application (its page's panel), in the report's own terms:
    the same figures, fewer rows read (its checks only)."""
    start, end = this_month()
    link = Q(organization_id=pk) if kind == "organizations" else Q(application_id=pk)
    checks = _checks(link, start)
    if not checks:
        return None
    best = max(checks, key=lambda c: (c["auto_created"], -c["pk"]))
    figures = _figures([best], start, end).get(best["pk"])
    row = WebsiteRow(
        kind=kind[:-1],
        pk=pk,
        name="",
        full_name="",
        url="",
        organization_id=None,
        organization="",
        organization_url="",
        website=best["url"],
    )
    _fill(row, best, figures, timezone.localdate(timezone=city_zone()), reverse("probes:check", args=[best["pk"]]))
    return row
