"""Diagrams over time: snapshots (stored once, with the city's figures) and the comparison of two dates.

A snapshot holds what a view showed for a moment: the serialized topology the builder made (from the
live registry, or rebuilt from the change log for a past ``as_of``) and the city's figures at that
moment, rebuilt from the change log too, so that a snapshot taken late (a consumer that was down on the
1st) still says what the month's end was. The monthly task takes the city and fiber views as of the
last instant of the month that ended (city time); comparing two dates reads a stored snapshot where
one exists for that moment and view, and builds the view for that date otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from diagrams.compare import compare
from diagrams.model import TitleBlock, Topology
from diagrams.serialize import from_dict, to_dict
from infra.core.choices import ChangeSource
from infra.core.context import change_context, current_context
from infra.core.history import state_as_of
from infra.inventory.choices import MIGRATION_MOVED_STATES, SERVER_KINDS, ApplicationStatus, DeviceStatus
from infra.inventory.models import Application, Device, FiberLink, Migration, Site

from ..builders.base import captions
from ..models import DiagramSnapshot, SnapshotTrigger

# The views the monthly task keeps, and when it runs (city time).
MONTHLY_VIEWS = ("city", "fiber")
MONTHLY_AT = datetime.time(0, 30)
# DiagramParams fields that are not filters: how the diagram is printed, and the moment itself.
NOT_FILTERS = frozenset({"view", "as_of", "as_of_is_date", "paper", "orientation", "format"})


class CompareError(ValueError):
    """Two dates that cannot be compared; the message is for the user, in their language."""


# --- Moments --------------------------------------------------------------------------------------


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last instant of ``day`` in city time: "the city on 31 December 2025" is the city then."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def moment(value: datetime.date | datetime.datetime | None) -> datetime.datetime:
    """The instant a diagram's ``as_of`` stands for: now for None, the end of the day for a date, a
    naive time read in city time."""
    if value is None:
        return timezone.now()
    if not isinstance(value, datetime.datetime):
        return end_of_day(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def month_end_before(now: datetime.datetime) -> datetime.datetime:
    """The last instant (city time) of the month before the one ``now`` is in."""
    first = timezone.localtime(now).date().replace(day=1)
    return end_of_day(first - datetime.timedelta(days=1))


def snapshot_schedule(timestamp: datetime.datetime) -> bool:
    """huey's test for the monthly task: every day at 00:30 city time.

    huey hands the time in UTC (naive); the city's 00:30 is not a fixed UTC hour on the 1st (it is
    17:30 UTC on the month's last day for Jakarta), which a crontab cannot say. On the 1st the task
    takes the month that ended; on the other days it finds it taken and does nothing (one query), or
    takes it late when the consumer was down on the 1st.
    """
    if timezone.is_naive(timestamp):
        timestamp = timestamp.replace(tzinfo=datetime.UTC)
    local = timezone.localtime(timestamp)
    return (local.hour, local.minute) == (MONTHLY_AT.hour, MONTHLY_AT.minute)


# --- Filters as stored values ----------------------------------------------------------------------


def params_json(params: Any) -> dict[str, Any]:
    """The filters of a DiagramParams (or a mapping of them) as JSON values: objects by id, dates in ISO
    form; empty filters, rendering options and the moment left out."""
    if isinstance(params, Mapping):
        values = dict(params)
    else:
        values = {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}
    plain = {name: _plain(value) for name, value in values.items() if name not in NOT_FILTERS}
    return {name: value for name, value in sorted(plain.items()) if value not in (None, "", [])}


def params_key(filters: Mapping[str, Any]) -> str:
    """A digest of stored filters: two snapshots of the same view and filters share it."""
    return hashlib.sha256(json.dumps(filters, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _plain(value: object) -> object:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(moment(value)).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set, frozenset, models.QuerySet)):
        items = [_plain(v) for v in value]
        return sorted(items, key=lambda v: (str(type(v)), v)) if isinstance(value, (set, frozenset)) else items
    return str(value)


# --- Figures --------------------------------------------------------------------------------------


def figures_at(as_of: datetime.datetime) -> dict[str, Any]:
    """The city's figures at ``as_of``, as the change log says it was: sites and devices by status,
    servers by migration state (and how many have moved), fiber links and kilometres by status,
    applications by integration status. Five queries, whatever the city's size.

    Whole-city figures whatever the view's filters: the figures a monthly report quotes.
    """
    sites = state_as_of(Site, as_of)
    devices = state_as_of(Device, as_of)
    migrations = {m["device_id"]: m["state"] for m in state_as_of(Migration, as_of)}
    links = state_as_of(FiberLink, as_of)
    applications = state_as_of(Application, as_of)

    servers = [d for d in devices if d.get("kind") in SERVER_KINDS and d.get("status") != DeviceStatus.DECOMMISSIONED]
    server_states = Counter(migrations.get(d["id"]) or "none" for d in servers)
    fiber: dict[str, dict[str, Any]] = defaultdict(lambda: {"links": 0, "km": decimal.Decimal(0)})
    for link in links:
        row = fiber[link.get("status") or ""]
        row["links"] += 1
        row["km"] += decimal.Decimal(link.get("length_km") or 0)
    in_use = [s for s, row in fiber.items() if s != "decommissioned"]
    live_apps = [a for a in applications if a.get("status") != ApplicationStatus.RETIRED]
    return {
        "as_of": as_of.astimezone(datetime.UTC).isoformat(),
        "sites": {
            "total": sum(1 for s in sites if s.get("status") != "decommissioned"),
            "by_status": dict(sorted(Counter(s.get("status") for s in sites).items())),
        },
        "devices": {
            "total": sum(1 for d in devices if d.get("status") != DeviceStatus.DECOMMISSIONED),
            "by_status": dict(sorted(Counter(d.get("status") for d in devices).items())),
        },
        "servers": {
            "total": len(servers),
            "migrated": sum(server_states[s] for s in MIGRATION_MOVED_STATES),
            "by_state": dict(sorted(server_states.items())),
        },
        "fiber": {
            "links": sum(fiber[s]["links"] for s in in_use),
            "km": str(sum((fiber[s]["km"] for s in in_use), decimal.Decimal(0)).quantize(decimal.Decimal("0.001"))),
            "by_status": {
                s: {"links": row["links"], "km": str(row["km"].quantize(decimal.Decimal("0.001")))}
                for s, row in sorted(fiber.items())
            },
        },
        "applications": {
            "total": len(live_apps),
            "by_integration": dict(sorted(Counter(a.get("integration_status") for a in live_apps).items())),
        },
    }


# --- Taking snapshots -----------------------------------------------------------------------------


def build(view: str, params: Any) -> Topology:
    """The builder's topology (infra.maps.builders.build): the one place this module draws a view."""
    from ..builders import build as build_view

    return build_view(view, params)


def take_snapshot(
    view: str,
    params: Any,
    *,
    user: object | None = None,
    trigger: str = SnapshotTrigger.ON_DEMAND,
) -> DiagramSnapshot:
    """Build ``view`` with ``params`` (for its ``as_of``, or now) and store it with the figures then.

    ``user`` names who asked (None for the scheduled task); the creation lands in the change log with
    the active change context (the web request's, or the task's).
    """
    requested = getattr(params, "as_of", None)
    as_of = moment(requested)  # before building: the data is at least as new as this
    topology = build(view, params)
    filters = params_json(params)
    ctx = current_context()
    acting = user if user is not None and getattr(ctx.user, "pk", None) is None else ctx.user
    with change_context(user=acting, source=ctx.source, request_id=ctx.request_id, at=ctx.at):
        return DiagramSnapshot.objects.create(
            view=view,
            params=filters,
            params_key=params_key(filters),
            as_of=as_of,
            taken_by=user if getattr(user, "pk", None) else None,
            trigger=trigger,
            title=" – ".join(t for t in (topology.title.title, topology.title.scope) if t)[:300],
            topology=to_dict(topology),
            figures=figures_at(as_of),
        )


def default_params(view: str, as_of: datetime.datetime) -> Any:
    """The DiagramParams of ``view`` with no filter, as of the end of the day ``as_of`` ends."""
    from ..builders import DiagramParams

    return DiagramParams(view=view, as_of=as_of, as_of_is_date=True)


def take_monthly(now: datetime.datetime | None = None) -> list[DiagramSnapshot]:
    """The monthly snapshots (city and fiber views) as of the end of the month before ``now``, those not
    taken yet; several consumers running this at once take each one once (a unique constraint)."""
    as_of = month_end_before(now or timezone.now())
    taken = []
    # The stored drawing's text is in the city's language, whichever language the worker last served.
    with change_context(source=ChangeSource.OTHER), translation.override(settings.LANGUAGE_CODE):
        for view in MONTHLY_VIEWS:
            params = default_params(view, as_of)
            key = params_key(params_json(params))
            done = DiagramSnapshot.objects.filter(
                view=view, params_key=key, as_of=as_of, trigger=SnapshotTrigger.SCHEDULED
            )
            if done.exists():
                continue
            try:
                with transaction.atomic():
                    taken.append(take_snapshot(view, params, trigger=SnapshotTrigger.SCHEDULED))
            except IntegrityError:
                continue  # another consumer took it meanwhile
    return taken


# --- Comparing two dates --------------------------------------------------------------------------


def stored_snapshot(view: str, params: Any, as_of: datetime.datetime) -> DiagramSnapshot | None:
    """The newest snapshot of this view and these filters for exactly this moment, if one was taken."""
    return (
        DiagramSnapshot.objects.filter(view=view, params_key=params_key(params_json(params)), as_of=as_of)
        .order_by("-taken_at", "-id")
        .first()
    )


def topology_at(view: str, params: Any, as_of: datetime.datetime) -> Topology:
    """The view at ``as_of``: from a stored snapshot of that moment, else rebuilt from the change log."""
    snapshot = stored_snapshot(view, params, as_of)
    if snapshot is not None:
        stored = from_dict(snapshot.topology)
        # Its words are in the language it was taken in: compared with a drawing in another language,
        # every label would differ. Its captions tell the language (older snapshots have none).
        if stored.title.captions == captions():
            return stored
    changes: dict[str, Any] = {"as_of": as_of}
    if "as_of_is_date" in {f.name for f in dataclasses.fields(params)}:
        changes["as_of_is_date"] = timezone.localtime(as_of).time() == datetime.time.max
    return build(view, dataclasses.replace(params, **changes))


def compare_dates(
    view: str,
    params: Any,
    before: datetime.date | datetime.datetime,
    after: datetime.date | datetime.datetime,
) -> Topology:
    """``view`` at two dates in one diagram: what was added, removed and changed between them."""
    first, second = moment(before), moment(after)
    if first >= second:
        raise CompareError(_("The first date must be before the second."))
    now = timezone.now()
    if second > now:
        if timezone.localdate(second) != timezone.localdate(now):
            raise CompareError(_("The second date is in the future."))
        second = now  # "today" means as things are now, not the end of a day that has not ended
    if first >= second:
        raise CompareError(_("The first date must be before the second."))
    old = topology_at(view, params, first)
    new = topology_at(view, params, second)
    since, until = _when(first), _when(second)
    labels = {
        **change_labels(since),
        "changed:status": _("Status: {before} → {after}"),
        "changed:group": _("Place: {before} → {after}"),
        "changed:ends": _("Ends: {before} → {after}"),
        "changed:label": _("Name: {before} → {after}"),
        "none": _("none"),
    }
    title = TitleBlock(
        city=new.title.city,
        title=_("%(title)s: changes") % {"title": new.title.title},
        scope=new.title.scope,
        filters=new.title.filters,
        data_as_of=f"{since} → {until}",
        generated_at=formats.date_format(timezone.localtime(), "DATETIME_FORMAT"),
        captions=captions(),
    )
    return compare(old, new, title=title, labels=labels)


def change_labels(since: str) -> dict[str, str]:
    """The change marks' names, in the active language (the legend, and the list under the drawing)."""
    return {
        "change:added": _("Added since %(date)s") % {"date": since},
        "change:removed": _("Removed since %(date)s") % {"date": since},
        "change:changed": _("Changed since %(date)s") % {"date": since},
    }


def _when(instant: datetime.datetime) -> str:
    """A moment as the title block says it: the date alone for the end of a day, else date and time."""
    local = timezone.localtime(instant)
    if local.time() == datetime.time.max:
        return formats.date_format(local, "DATE_FORMAT")
    return formats.date_format(local, "DATETIME_FORMAT")
