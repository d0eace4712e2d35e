"""The global search: every app registers the kinds it wants found; core searches them all.

An app registers its kinds in its own ``search.py``, imported from its ``AppConfig.ready()``::

    from infra.core.search import register_search

    register_search(Device.objects.select_related("organization"), DeviceFilterSet)

- ``queryset``: the objects as a hit shows them (their name and page link), with what their
  ``__str__`` needs already joined, so each kind costs one query whatever it finds;
- ``filterset``: a ``core.filtersets.BaseFilterSet`` whose ``search_fields`` (its quick search,
  ``q``) decide what matches;
- ``list_url_name``: the list page that shows every match ("all results"); by default
  ``<app>:<model>_list``;
- ``label``: the group's heading; by default the model's plural name.

Kinds are searched in the order they were registered (apps in INSTALLED_APPS order).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import reverse

__all__ = ["SearchGroup", "SearchKind", "register_search", "registered_kinds", "search"]


@dataclass(frozen=True)
class SearchKind:
    """One kind of record the global search finds: see the module's docstring."""

    queryset: models.QuerySet
    filterset: type
    list_url_name: str
    label: object  # a str, or a lazy translation (rendered in the request's language)


@dataclass(frozen=True)
class SearchGroup:
    """The hits of one kind: the first ``per_kind``, whether there are more, and where to see all."""

    label: object
    objects: list
    more: bool
    list_url: str


_kinds: list[SearchKind] = []


def register_search(
    queryset: models.QuerySet, filterset: type, *, list_url_name: str | None = None, label: object = None
) -> SearchKind:
    """Make a kind of record findable by the global search (called once, from the app's ready())."""
    if not getattr(filterset, "search_fields", ()):
        raise ImproperlyConfigured(f"{filterset.__name__} has no search_fields: the search would find nothing.")
    meta = queryset.model._meta
    kind = SearchKind(
        queryset=queryset,
        filterset=filterset,
        list_url_name=list_url_name or f"{meta.app_label}:{meta.model_name}_list",
        label=label if label is not None else meta.verbose_name_plural,
    )
    _kinds.append(kind)
    return kind


def registered_kinds() -> tuple[SearchKind, ...]:
    return tuple(_kinds)


def search(query: str, per_kind: int) -> list[SearchGroup]:
    """The kinds with hits for ``query``, each with at most ``per_kind`` of them: one query a kind."""
    groups = []
    for kind in _kinds:
        filterset = kind.filterset({"q": query}, queryset=kind.queryset)
        hits = list(filterset.qs.order_by()[: per_kind + 1])
        if hits:
            groups.append(
                SearchGroup(
                    label=kind.label,
                    objects=hits[:per_kind],
                    more=len(hits) > per_kind,
                    list_url=reverse(kind.list_url_name) + "?" + urlencode({"q": query}),
                )
            )
    return groups
