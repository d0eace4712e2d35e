"""The snapshot list's filters (shared by the web list and the API) and its table.

A snapshot's drawing (``topology``) is tens of kilobytes of JSON: lists never load it (``LIST_QUERYSET``
defers it); the figures are small and give the list its columns (servers moved, fiber in use).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
import django_tables2 as tables
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_filters.widgets import DateRangeWidget

from infra.core.filtersets import BaseFilterSet
from infra.core.tables import BaseTable

from .builders import VIEWS
from .models import DiagramSnapshot, SnapshotTrigger


def number(value: Any, decimals: int = 0) -> str:
    """A figure as the user's language writes it (1.234,5 in Indonesian); text that is no number as is."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return number_format(amount, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def links_and_km(links: Any, km: Any) -> str:
    """ "3 links, 7.5 km" in the user's language and number format ("1 link" for one)."""
    count = int(links or 0)
    return ngettext("%(links)s link, %(km)s km", "%(links)s links, %(km)s km", count) % {
        "links": number(count),
        "km": number(km or 0, 1),
    }


def _view_choices() -> list[tuple[str, str]]:
    return [(name, label) for name, (label, _builder) in VIEWS.items()]


def list_queryset():
    """Snapshots as lists show them: who took each (their name only), never the drawing. Two queries a
    page whatever the number of snapshots (the capped count and the page)."""
    return DiagramSnapshot.objects.select_related("taken_by").only(
        "id",
        "view",
        "params",
        "params_key",
        "as_of",
        "taken_at",
        "trigger",
        "title",
        "figures",
        "taken_by__id",
        "taken_by__username",
        "taken_by__first_name",
        "taken_by__last_name",
    )


def _dates() -> DateRangeWidget:
    """From and to, each with the browser's date picker."""
    return DateRangeWidget(attrs={"type": "date"})


class DiagramSnapshotFilterSet(BaseFilterSet):
    """Snapshots by view, by how they were taken, and by the date their data is of."""

    # A snapshot is written once: it has no created/updated times of its own, only ``taken_at``.
    created = None
    last_updated = None
    view = django_filters.MultipleChoiceFilter(choices=_view_choices, label=_("View"))
    trigger = django_filters.MultipleChoiceFilter(choices=SnapshotTrigger.choices, label=_("How taken"))
    as_of = django_filters.DateFromToRangeFilter(field_name="as_of", label=_("Data as of"), widget=_dates())
    taken_at = django_filters.DateFromToRangeFilter(field_name="taken_at", label=_("Taken"), widget=_dates())
    search_fields = ("title", "view")
    panel_fields = ("view", "trigger", "as_of", "taken_at")

    class Meta:
        model = DiagramSnapshot
        fields: list[str] = []


class _ViewColumn(tables.Column):
    def render(self, value):
        return VIEWS[value][0] if value in VIEWS else value


class DiagramSnapshotTable(BaseTable):
    as_of = tables.DateTimeColumn(
        format="j M Y H:i", linkify=True, verbose_name=_("Data as of"), attrs={"td": {"class": "text-nowrap"}}
    )
    view = _ViewColumn(verbose_name=_("View"))
    title = tables.Column(verbose_name=_("Title"))
    trigger = tables.Column(verbose_name=_("How taken"))
    taken_at = tables.DateTimeColumn(
        format="j M Y H:i", verbose_name=_("Taken"), attrs={"td": {"class": "text-nowrap"}}
    )
    taken_by = tables.Column(verbose_name=_("Taken by"), default="—")
    servers = tables.Column(verbose_name=_("Servers moved"), accessor="figures", orderable=False, empty_values=())
    fiber = tables.Column(verbose_name=_("Fiber in use"), accessor="figures", orderable=False, empty_values=())
    sites = tables.Column(verbose_name=_("Sites"), accessor="figures", orderable=False, empty_values=())

    class Meta(BaseTable.Meta):
        model = DiagramSnapshot
        fields = ("pk", "as_of", "view", "title", "trigger", "taken_at", "taken_by", "servers", "fiber", "sites")
        default_columns = ("as_of", "view", "title", "trigger", "taken_by", "servers", "fiber")
        order_by = ("-as_of",)
        empty_text = _("No snapshot yet: the first monthly one is taken on the 1st, or take one now.")

    def render_taken_by(self, value):
        return value.get_full_name() or value.username

    def value_taken_by(self, value):
        return value.username if value else ""

    def render_servers(self, value):
        servers = (value or {}).get("servers") or {}
        return _("%(moved)s of %(total)s") % {
            "moved": number_format(servers.get("migrated", 0), force_grouping=True),
            "total": number_format(servers.get("total", 0), force_grouping=True),
        }

    def value_servers(self, value):
        return ((value or {}).get("servers") or {}).get("migrated", 0)

    def render_fiber(self, value):
        fiber = (value or {}).get("fiber") or {}
        return links_and_km(fiber.get("links", 0), fiber.get("km", 0))

    def value_fiber(self, value):
        return ((value or {}).get("fiber") or {}).get("km", "0")

    def render_sites(self, value):
        return number_format(((value or {}).get("sites") or {}).get("total", 0), force_grouping=True)

    def value_sites(self, value):
        return ((value or {}).get("sites") or {}).get("total", 0)
