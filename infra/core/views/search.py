"""The global search page: one box that finds any record the apps registered (core.search)."""

from django.views.generic import TemplateView

from .. import search


class SearchView(TemplateView):
    """One box that finds any record: each kind searched with its own quick-search fields."""

    template_name = "search.html"
    per_kind = 10

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        groups = search.search(query, self.per_kind) if query else []
        context.update(query=query, groups=groups)
        return context
