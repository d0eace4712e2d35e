"""One object's pages: its attributes and its history."""

import datetime
import decimal

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.views import View

from ..models import ObjectChange
from ..paging import CappedPaginator
from ..permissions import CHANGE, DELETE, VIEW, can
from ..registry import detail_panels
from ..validation import as_id
from .base import ModelViewMixin


class ObjectDetailView(ModelViewMixin, View):
    template_name: str = ""

    def get_object(self, pk: int):
        return get_object_or_404(self.queryset, pk=pk)

    def get_extra_context(self, request: HttpRequest, obj) -> dict:
        return {}

    def object_context(self, request: HttpRequest, obj) -> dict:
        return {
            **self.base_context(request),
            "object": obj,
            "can_change": can(request.user, CHANGE, obj),
            "can_delete": can(request.user, DELETE, obj),
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.check(request, VIEW)
        obj = self.get_object(pk)
        context = {
            **self.object_context(request, obj),
            "active_tab": "detail",
            "object_fields": object_fields(obj),
            "panels": panels(request, obj),
            **self.get_extra_context(request, obj),
        }
        names = [self.template_name] if self.template_name else []
        names += [f"{obj._meta.app_label}/{obj._meta.model_name}.html", "generic/object_detail.html"]
        return render(request, names, context)


def panels(request: HttpRequest, obj: models.Model) -> list[tuple[str, dict]]:
    """(template, context) of each panel other apps added to this object's page (core.registry)."""
    found = []
    for panel in detail_panels(obj):
        context = panel.context(request, obj)
        if context is not None:
            found.append((panel.template, context))
    return found


def object_fields(obj: models.Model) -> list[tuple[str, object, str]]:
    """(label, display value, link) of each editable field, for a detail page's attribute table."""
    rows = []
    for f in obj._meta.fields:
        if f.primary_key or f.name in ("created", "last_updated"):
            continue
        if f.is_relation:
            value = getattr(obj, f.name)
            rows.append(
                (
                    f.verbose_name,
                    value,
                    value.get_absolute_url() if value is not None and hasattr(value, "get_absolute_url") else "",
                )
            )
        elif f.choices:
            rows.append((f.verbose_name, getattr(obj, f"get_{f.name}_display")(), ""))
        else:
            rows.append((f.verbose_name, _display_value(getattr(obj, f.attname)), ""))
    return rows


def _display_value(value: object) -> object:
    """Dates as people write them ("6 Oktober 2025"), times in WIB, decimals in the user's language."""
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j F Y H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "j F Y")
    if isinstance(value, (decimal.Decimal, float)):
        return number_format(value)  # 2,5 in Indonesian, 2.5 in English
    return value


class ObjectHistoryView(ObjectDetailView):
    """The History tab: the object's change records (its children's too), newest first."""

    template_name = "generic/object_history.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        self.check(request, VIEW)
        obj = self.get_object(pk)
        changes = ObjectChange.objects.for_object(obj).select_related("content_type")
        # Counted no further than COUNT_CAP: a busy object's history is no longer counted in full.
        page = CappedPaginator(changes, 50).get_page(as_id(request.GET.get("page")))
        context = {**self.object_context(request, obj), "active_tab": "history", "page": page}
        return render(request, self.template_name, context)
