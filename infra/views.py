"""The home page: the figures a manager and an engineer open the day with."""

from urllib.parse import urlencode

from django.urls import reverse
from django.views.generic import TemplateView

from infra.core.models import ObjectChange
from infra.inventory.choices import FiberLinkStatus, MigrationState
from infra.inventory.selectors import headline_figures, migration_progress


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        progress = migration_progress()
        headline = headline_figures()
        overall = progress.overall
        context.update(
            headline=headline,
            progress=progress,
            states=[(state, overall.by_state[state]) for state in MigrationState],
            fiber_rows=[
                (value, label, headline.fiber_links_by_status[value], headline.fiber_km_by_status[value])
                for value, label in FiberLinkStatus.choices
            ],
            recent_changes=ObjectChange.objects.select_related("content_type")[:10],
        )
        return context


class SearchView(TemplateView):
    """One box that finds any record: each kind searched with its own quick-search fields."""

    template_name = "search.html"
    per_kind = 10

    def get_context_data(self, **kwargs):
        from infra.inventory.urls import PAGES

        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        groups = []
        if query:
            for pages in PAGES:
                # The objects' own queryset: a hit's name may need a related object (a migration's server).
                filterset = pages.filterset({"q": query}, queryset=pages.object_queryset)
                if not filterset.search_fields:
                    continue
                matches = filterset.qs.order_by()
                hits = list(matches[: self.per_kind + 1])
                if hits:
                    meta = pages.queryset.model._meta
                    groups.append(
                        {
                            "label": meta.verbose_name_plural,
                            "objects": hits[: self.per_kind],
                            "more": len(hits) > self.per_kind,
                            "list_url": reverse(f"{meta.app_label}:{meta.model_name}_list")
                            + "?"
                            + urlencode({"q": query}),
                        }
                    )
        context.update(query=query, groups=groups)
        return context


def api_not_found(request):
    """Unknown API addresses answer in JSON, like the rest of the API."""
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    return JsonResponse({"detail": _("No API endpoint at this address. The index is at /api/.")}, status=404)
