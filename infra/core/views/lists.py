"""The list page of any model."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View
from django_tables2 import RequestConfig

from .. import exports
from ..models import UserPreference
from ..permissions import CHANGE, DELETE, VIEW, can
from .base import ModelViewMixin

PAGE_SIZES = (25, 50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 50


class ObjectListView(ModelViewMixin, View):
    """A table with filters, quick search, sorting, pages, chosen columns and CSV/XLSX export."""

    filterset_class = None
    table_class = None
    template_name = "generic/object_list.html"
    bulk_edit = True
    bulk_delete = True

    def get(self, request: HttpRequest) -> HttpResponse:
        self.check(request, VIEW)
        filterset = self.filterset_class(request.GET, queryset=self.queryset.all(), request=request)
        queryset = filterset.qs if filterset.is_valid() else self.queryset.none()
        table = self.table_class(queryset, user=request.user, selectable=self.bulk_edit or self.bulk_delete)

        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            RequestConfig(request, paginate=False).configure(table)
            rows = table.as_values(exclude_columns=[*table.hidden_column_names, "pk"])
            return exports.response(rows, str(self.model._meta.verbose_name_plural), export)

        per_page = self._page_size(request, table)
        RequestConfig(request, paginate={"per_page": per_page, "paginator_class": Paginator}).configure(table)
        context = {
            **self.base_context(request),
            "table": table,
            "filterset": filterset,
            "filter_form": filterset.panel_form,
            "page_sizes": PAGE_SIZES,
            "per_page": per_page,
            "query": request.GET.urlencode(),
            "bulk_edit": self.bulk_edit and can(request.user, CHANGE, self.model),
            "bulk_delete": self.bulk_delete and can(request.user, DELETE, self.model),
        }
        return render(request, self.template_name, context)

    def _page_size(self, request: HttpRequest, table) -> int:
        key = table.preference_key
        asked = request.GET.get("per_page")
        if asked and asked.isdigit() and int(asked) in PAGE_SIZES:
            if UserPreference.get(request.user, key).get("per_page") != int(asked):
                UserPreference.update(request.user, key, per_page=int(asked))
            return int(asked)
        return UserPreference.get(request.user, key).get("per_page") or DEFAULT_PAGE_SIZE
