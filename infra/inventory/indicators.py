"""SPBE indicator figures, ready for an auditor: each with its key, label, written definition, value
today or on any past date, its yearly target, and the objects behind it.

One registry (``INDICATORS``), one code path for every date: a figure is computed from the city's rows
as they were at the moment asked (``CityAt``). For now they are the live tables; for a past moment
they are rebuilt from the change log (``core.history.state_as_of``) and a server's migration state
from the recorded transitions, so "31 December last year" is the city then, not today's rows.

Each figure reads a fixed set of tables, each once (a ``CityAt`` caches what it read), whatever the
city's size: at most seven queries for all five figures (six for a past date), plus one for the targets.

Targets (``YearTarget``) are cumulative, like ``servers_moved``: the figure the city means to have
reached by 31 December of that year.
"""

from __future__ import annotations

import datetime
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from infra.core.history import history_starts, state_as_of

from .choices import (
    MIGRATION_MOVED_STATES,
    SERVER_KINDS,
    ApplicationStatus,
    DeviceStatus,
    FiberLinkStatus,
    IntegrationStatus,
    MigrationState,
    SiteKind,
    SiteStatus,
)
from .models import Application, Device, FiberLink, Migration, MigrationTransition, Organization, Site, YearTarget

# An application counts as integrated when it exchanges data through the city's integration layer.
INTEGRATED_STATUSES = (IntegrationStatus.API_GATEWAY, IntegrationStatus.SERVICE_BUS, IntegrationStatus.INTEGRATED)
# Servers decided not to move (retired, kept at the OPD) are outside the share's denominator.
NOT_MOVING_STATES = (MigrationState.RETIRED, MigrationState.RETAINED)


class BadDate(ValueError):
    """A date the figures cannot be given for; the message is for the user, in their language."""


def parse_as_of(value: str | None) -> datetime.date | None:
    """The asked date, or None for today; a bad or future date is the caller's error, in their language."""
    if value in (None, ""):
        return None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise BadDate(gettext("Give the date as YYYY-MM-DD, for example 2025-12-31.")) from None
    if day > timezone.localdate():
        raise BadDate(gettext("The date is in the future: there are no figures for it yet."))
    if day == timezone.localdate():
        return None
    # Before the change log's first record the city cannot be rebuilt: zeros there would be a guess.
    starts = history_starts()
    if starts is not None and end_of_day(day) < starts:
        raise BadDate(
            gettext("The change history starts on %(date)s: there are no figures for an earlier date.")
            % {"date": timezone.localtime(starts).date().isoformat()}
        )
    return day


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last instant of ``day`` in city time: "the city on 31 December" is the city at its end."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


class CityAt:
    """The registry's rows at one moment, read once each: live rows for now, the change log's for the past.

    Rows are dicts keyed by attribute name (``site_id``), as ``state_as_of`` gives them.
    """

    def __init__(self, as_of: datetime.date | None = None, *, with_names: bool = True) -> None:
        self.with_names = with_names  # False: the objects go unnamed by OPD (a figure alone, one query less)
        self.day = as_of or timezone.localdate()
        self.is_today = as_of is None or as_of >= timezone.localdate()
        self.moment = timezone.now() if self.is_today else end_of_day(as_of)

    def _rows(self, model, fields: tuple[str, ...]) -> list[dict]:
        if self.is_today:
            return list(model.objects.order_by("pk").values("id", *fields))
        return [{"id": r["id"], **{f: r.get(f) for f in fields}} for r in state_as_of(model, self.moment)]

    @cached_property
    def organizations(self) -> dict[int, dict]:
        if not self.with_names:
            return {}
        return {r["id"]: r for r in self._rows(Organization, ("name", "short_name"))}

    @cached_property
    def sites(self) -> dict[int, dict]:
        return {r["id"]: r for r in self._rows(Site, ("name", "kind", "status", "organization_id"))}

    @cached_property
    def devices(self) -> dict[int, dict]:
        fields = ("name", "kind", "status", "site_id", "organization_id")
        return {r["id"]: r for r in self._rows(Device, fields)}

    @cached_property
    def applications(self) -> dict[int, dict]:
        fields = ("name", "short_name", "status", "integration_status", "organization_id")
        if self.is_today:
            return {r["id"]: r for r in self._rows(Application, fields)}
        return {r["id"]: r for r in self._rows(Application, (*fields, "devices"))}

    @cached_property
    def application_devices(self) -> dict[int, list[int]]:
        """The devices each application is hosted on (its many-to-many list then), by application id."""
        if not self.is_today:
            return {pk: list(app["devices"] or ()) for pk, app in self.applications.items()}
        hosted: dict[int, list[int]] = defaultdict(list)
        for app_id, device_id in Application.devices.through.objects.values_list("application_id", "device_id"):
            hosted[app_id].append(device_id)
        return hosted

    @cached_property
    def fiber_links(self) -> dict[int, dict]:
        fields = ("code", "name", "status", "length_km", "site_a_id", "site_b_id")
        return {r["id"]: r for r in self._rows(FiberLink, fields)}

    @cached_property
    def migration_states(self) -> dict[int, str]:
        """Each tracked server's migration state at the moment (by device id), from the transitions."""
        state_at = (
            MigrationTransition.objects.filter(migration=OuterRef("pk"), at__lte=self.moment)
            .order_by("-at", "-id")
            .values("to_state")[:1]
        )
        return {
            device_id: state
            for device_id, state in Migration.objects.order_by()
            .annotate(state_at=Subquery(state_at))
            .filter(state_at__isnull=False)
            .values_list("device_id", "state_at")
        }

    # --- Derived sets shared by several figures ---------------------------------------------------

    @cached_property
    def data_center_sites(self) -> set[int]:
        return {
            pk for pk, s in self.sites.items() if s["kind"] == SiteKind.DATA_CENTER and s["status"] == SiteStatus.ACTIVE
        }

    @cached_property
    def devices_in_data_center(self) -> set[int]:
        return {
            pk
            for pk, d in self.devices.items()
            if d["site_id"] in self.data_center_sites and d["status"] == DeviceStatus.ACTIVE
        }

    def organization_name(self, pk: int | None) -> str:
        org = self.organizations.get(pk)
        return (org["short_name"] or org["name"]) if org else ""

    def site_name(self, pk: int | None) -> str:
        site = self.sites.get(pk)
        return site["name"] if site else ""


@dataclass
class ObjectRow:
    """One object behind a figure, as it was at the moment asked."""

    id: int
    name: str
    kind: str  # the model: organization, device, application, fiberlink, site
    details: dict[str, object] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The object's page today ('' when it has none); the object may have changed or gone since."""
        try:
            return reverse(f"inventory:{self.kind}", args=[self.id])
        except NoReverseMatch:
            return ""


@dataclass
class Result:
    """A figure's value at a moment and what it is made of."""

    value: Decimal | int
    objects: list[ObjectRow]
    numerator: int | None = None  # for a share: the part (the objects), and the whole
    denominator: int | None = None

    @property
    def target_actual(self) -> Decimal | int:
        """The number a yearly target speaks of: the count for a share, the value otherwise."""
        return self.numerator if self.numerator is not None else self.value


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Promise
    definition: Promise
    unit: Promise
    compute: Callable[[CityAt], Result]
    object_label: Promise  # what the objects behind the figure are
    target_field: str | None = None  # the YearTarget field for this figure
    target_label: Promise | None = None  # what the target counts
    spbe: str = ""  # the SPBE indicator number, where there is one


# --- The figures ------------------------------------------------------------------------------------


def _organizations_using_data_center(city: CityAt) -> Result:
    reasons: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"servers": [], "applications": []})
    for pk in sorted(city.devices_in_data_center):
        device = city.devices[pk]
        if device["kind"] in SERVER_KINDS:
            reasons[device["organization_id"]]["servers"].append(device["name"])
    for pk, app in city.applications.items():
        if app["status"] != ApplicationStatus.PRODUCTION:
            continue
        if any(d in city.devices_in_data_center for d in city.application_devices.get(pk, ())):
            reasons[app["organization_id"]]["applications"].append(app["short_name"] or app["name"])
    rows = [
        ObjectRow(
            pk,
            city.organization_name(pk),
            "organization",
            {
                "servers": len(why["servers"]),
                "applications": ", ".join(sorted(why["applications"])),
            },
        )
        for pk, why in reasons.items()
        if pk in city.organizations or not city.with_names
    ]
    rows.sort(key=lambda r: r.name.lower())
    return Result(len(rows), rows)


def _servers_migrated(city: CityAt) -> Result:
    in_programme = {
        pk: state
        for pk, state in city.migration_states.items()
        if pk in city.devices and city.devices[pk]["kind"] in SERVER_KINDS and state not in NOT_MOVING_STATES
    }
    moved = sorted((pk for pk, s in in_programme.items() if s in MIGRATION_MOVED_STATES), key=lambda pk: pk)
    rows = [
        ObjectRow(
            pk,
            city.devices[pk]["name"],
            "device",
            {
                "organization": city.organization_name(city.devices[pk]["organization_id"]),
                "state": MigrationState(in_programme[pk]).label,
            },
        )
        for pk in moved
    ]
    rows.sort(key=lambda r: (r.name.lower(), r.id))
    total = len(in_programme)
    share = (Decimal(100) * len(rows) / total).quantize(Decimal("0.1")) if total else Decimal("0.0")
    return Result(share, rows, numerator=len(rows), denominator=total)


def _applications_integrated(city: CityAt) -> Result:
    rows = [
        ObjectRow(
            pk,
            app["short_name"] or app["name"],
            "application",
            {
                "organization": city.organization_name(app["organization_id"]),
                "integration": IntegrationStatus(app["integration_status"]).label,
            },
        )
        for pk, app in city.applications.items()
        if app["status"] != ApplicationStatus.RETIRED and app["integration_status"] in INTEGRATED_STATUSES
    ]
    rows.sort(key=lambda r: (r.name.lower(), r.id))
    return Result(len(rows), rows)


def _active_links(city: CityAt) -> list[tuple[int, dict]]:
    return [(pk, link) for pk, link in city.fiber_links.items() if link["status"] == FiberLinkStatus.ACTIVE]


def _fiber_km_active(city: CityAt) -> Result:
    rows = []
    total = Decimal("0")
    for pk, link in _active_links(city):
        km = Decimal(str(link["length_km"] or 0))
        total += km
        rows.append(
            ObjectRow(
                pk,
                link["code"],
                "fiberlink",
                {"site_a": city.site_name(link["site_a_id"]), "site_b": city.site_name(link["site_b_id"]), "km": km},
            )
        )
    rows.sort(key=lambda r: (r.name.lower(), r.id))
    return Result(total.quantize(Decimal("0.001")), rows)


def _sites_connected(city: CityAt) -> Result:
    neighbours: dict[int, set[int]] = defaultdict(set)
    for _pk, link in _active_links(city):
        a, b = link["site_a_id"], link["site_b_id"]
        neighbours[a].add(b)
        neighbours[b].add(a)
    reached: dict[int, int] = {pk: 0 for pk in city.data_center_sites}  # site -> hops from a data center
    queue = deque(city.data_center_sites)
    while queue:
        here = queue.popleft()
        for there in neighbours[here]:
            if there not in reached:
                reached[there] = reached[here] + 1
                queue.append(there)
    rows = [
        ObjectRow(
            pk,
            city.sites[pk]["name"],
            "site",
            {"kind": SiteKind(city.sites[pk]["kind"]).label, "hops": hops},
        )
        for pk, hops in reached.items()
        if hops
        and pk in city.sites
        and city.sites[pk]["status"] != SiteStatus.DECOMMISSIONED
        and city.sites[pk]["kind"] != SiteKind.DATA_CENTER
    ]
    rows.sort(key=lambda r: (r.name.lower(), r.id))
    return Result(len(rows), rows)


INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator(
            key="opd_using_data_center",
            label=_("OPDs using the data center"),
            definition=_(
                "The number of OPDs with, on the date, at least one active physical server or virtual machine "
                "located at an active data-center site, or at least one application in production hosted on an "
                "active device located at such a site."
            ),
            unit=_("OPDs"),
            compute=_organizations_using_data_center,
            object_label=_("OPDs"),
            spbe="16",
        ),
        Indicator(
            key="servers_migrated",
            label=_("Share of servers migrated"),
            definition=_(
                "Servers (physical servers and virtual machines) whose migration state on the date is cut over, "
                "accepted or source decommissioned, as a share of all servers tracked in the migration programme "
                "on that date, leaving out those retired or retained at the OPD."
            ),
            unit=_("%"),
            compute=_servers_migrated,
            object_label=_("Servers migrated"),
            target_field="servers_moved",
            target_label=_("servers moved"),
        ),
        Indicator(
            key="applications_integrated",
            label=_("Applications integrated"),
            definition=_(
                "Applications not retired whose SPBE integration status on the date is via the API gateway, via "
                "the service bus (SPLP) or integrated."
            ),
            unit=_("applications"),
            compute=_applications_integrated,
            object_label=_("Applications"),
            target_field="applications_integrated",
            target_label=_("applications integrated"),
            spbe="18",
        ),
        Indicator(
            key="fiber_km_active",
            label=_("Active fiber"),
            definition=_("The sum of the route lengths of the fiber links whose status on the date is active."),
            unit=_("km"),
            compute=_fiber_km_active,
            object_label=_("Fiber links"),
            target_field="fiber_km",
            target_label=_("km of active fiber"),
        ),
        Indicator(
            key="sites_connected",
            label=_("Sites connected to the data center"),
            definition=_(
                "Sites, other than the data centers and decommissioned sites, reached on the date from an active "
                "data-center site through a chain of active fiber links."
            ),
            unit=_("sites"),
            compute=_sites_connected,
            object_label=_("Sites"),
            target_field="sites_connected",
            target_label=_("sites connected"),
        ),
    )
}


@dataclass
class Figure:
    indicator: Indicator
    result: Result
    as_of: datetime.date
    target: Decimal | int | None

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def value(self) -> Decimal | int:
        return self.result.value

    @property
    def target_met(self) -> bool | None:
        if self.target is None:
            return None
        return self.result.target_actual >= self.target


def targeted_figures() -> list[Figure]:
    """Today's figures that can have a target, with this year's (for the dashboard and the progress page).

    Always the same six queries, targets set or not (a page's query count must not depend on its data).
    """
    year = timezone.localdate().year
    targets = targets_for(year)
    city = CityAt(None, with_names=False)
    chosen = [i for i in INDICATORS.values() if i.target_field]
    return [Figure(i, i.compute(city), city.day, targets.get(i.target_field)) for i in chosen]


def targets_for(year: int) -> dict[str, Decimal | int | None]:
    """The yearly targets for ``year`` by YearTarget field (empty when the year has none). One query."""
    row = YearTarget.objects.filter(year=year).values().first()
    return row or {}


def figures(
    as_of: datetime.date | None = None, keys: list[str] | None = None, *, with_names: bool = True
) -> list[Figure]:
    """Every figure (or those of ``keys``) at the end of ``as_of`` (None: now), with its target for that
    year. At most eight queries, whatever the city's size (``with_names=False``: one less, the objects'
    OPDs go unnamed)."""
    city = CityAt(as_of, with_names=with_names)
    targets = targets_for(city.day.year)
    return [
        Figure(i, i.compute(city), city.day, targets.get(i.target_field) if i.target_field else None)
        for i in INDICATORS.values()
        if keys is None or i.key in keys
    ]


def figure(key: str, as_of: datetime.date | None = None) -> Figure:
    """One figure (KeyError for an unknown key)."""
    indicator = INDICATORS[key]
    return figures(as_of, [indicator.key])[0]
