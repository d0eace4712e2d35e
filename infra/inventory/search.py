"""What the global search finds in the inventory: every kind with pages and a quick search.

Each kind is searched in the queryset its object pages load (a hit's name may need a related
object: a migration is named by its server), with its list's filter set; imported from ready().
"""

from infra.core.search import register_search

from .urls import PAGES

for pages in PAGES:
    if pages.filterset.search_fields:
        register_search(pages.object_queryset, pages.filterset)
