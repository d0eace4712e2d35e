"""What the global search finds of the probes: checks (by address or device) and maintenance windows.
SNMP credentials are left out: the search shows every hit to every role, and they are for engineers."""

from infra.core.search import register_search

from .urls import PAGES

for pages in PAGES:
    if pages.filterset.search_fields and pages.queryset.model._meta.model_name != "snmpcredential":
        register_search(pages.object_queryset, pages.filterset)
