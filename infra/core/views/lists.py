"""The list page of any model."""

from django.contrib import messages
from django.core.paginator import EmptyPage
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from .. import exports
from ..models import UserPreference
from ..paging import CappedPaginator
from ..permissions import CHANGE, DELETE, VIEW, can
from ..validation import as_id
from .base import ModelViewMixin


def as_of_notice(raw: str) -> str:
    """What a web list says to ``?as_of=``: the web lists show the inventory as it is now (the API
    answers as of a past moment); a moment the API would refuse, with the API's reason."""
    from rest_framework.exceptions import ValidationError

    from ..api.viewsets.as_of import AsOfMixin

    try:
        AsOfMixin._as_of_moment(raw)
    except ValidationError as exc:
        return " ".join(str(m) for m in exc.detail["as_of"])
    return _(
        "This page shows the inventory as it is now, not as of %(moment)s: the list as it was then is "
        "answered by the API with ?as_of= (see the API documentation)."
    ) % {"moment": raw}


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
        as_of = request.GET.get("as_of", "").strip()
        notice = as_of_notice(as_of) if as_of else None
        if notice and request.GET.get("export") in ("csv", "xlsx"):
            # An export of today's list under an as_of address would pass for the past one.
            return HttpResponseBadRequest(notice, content_type="text/plain; charset=utf-8")
        if notice:
            messages.warning(request, notice)
        filterset = self.filterset_class(request.GET, queryset=self.queryset.all(), request=request)
        queryset = filterset.qs if filterset.is_valid() else self.queryset.none()
        table = self.table_class(queryset, user=request.user, selectable=self.bulk_edit or self.bulk_delete)

        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            RequestConfig(request, paginate=False).configure(table)
            rows = table.as_values(exclude_columns=[*table.hidden_column_names, "pk"])
            return exports.response(rows, str(self.model._meta.verbose_name_plural), export)

        per_page = self._page_size(request, table)
        RequestConfig(request, paginate=False).configure(table)  # the ordering; the page is read here
        self._paginate(table, queryset, per_page, request.GET.get("page"))
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

    @staticmethod
    def _paginate(table, queryset, per_page: int, asked: str | None) -> None:
        """The page asked for (a page number that is no number gives the first, one past the end the
        last known), counting at most COUNT_CAP rows (see infra.core.paging)."""
        try:
            table.paginate(
                paginator_class=CappedPaginator, per_page=per_page, page=as_id(asked) or 1, count_rows=queryset
            )
        except EmptyPage:
            table.page = table.paginator.page(table.paginator.num_pages)

    def _page_size(self, request: HttpRequest, table) -> int:
        """The size asked for (and remembered), else the user's remembered one, else the default."""
        key = table.preference_key
        asked = as_id(request.GET.get("per_page"))  # ASCII digits only: "²" is a digit to isdigit(), not to int()
        if asked in PAGE_SIZES:
            if UserPreference.get(request.user, key).get("per_page") != asked:
                UserPreference.update(request.user, key, per_page=asked)
            return asked
        return UserPreference.get(request.user, key).get("per_page") or DEFAULT_PAGE_SIZE
