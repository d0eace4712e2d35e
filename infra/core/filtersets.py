"""The base of every filter set: one definition serves the web lists and the API alike."""

import operator
from functools import reduce

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _

# Lookups offered by field type, as NetBox users know them: ?name__icontains=, ?purchase_year__gte=,
# ?site__in=... "isnull" answers "is it empty".
TEXT_LOOKUPS = ["exact", "iexact", "icontains", "istartswith", "iendswith", "in", "isnull"]
RANGE_LOOKUPS = ["exact", "lt", "lte", "gt", "gte", "in", "isnull"]
RELATION_LOOKUPS = ["exact", "in", "isnull"]
CHOICE_LOOKUPS = ["exact", "in"]


def lookups_for(model: type[models.Model], names: list[str]) -> dict[str, list[str]]:
    """Meta.fields for a filter set: each field with the lookups its type supports."""
    result: dict[str, list[str]] = {}
    for name in names:
        field = model._meta.get_field(name)
        if field.is_relation:
            result[name] = RELATION_LOOKUPS
        elif field.choices:
            result[name] = CHOICE_LOOKUPS
        elif isinstance(field, (models.CharField, models.TextField, models.GenericIPAddressField)):
            result[name] = TEXT_LOOKUPS
        elif isinstance(field, models.BooleanField):
            result[name] = ["exact"]
        else:
            result[name] = RANGE_LOOKUPS
    return result


class BaseFilterSet(django_filters.FilterSet):
    """Adds ``q``, a quick search over ``search_fields``, and the created/updated time ranges."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    created = django_filters.IsoDateTimeFromToRangeFilter(label=_("Created"))
    last_updated = django_filters.IsoDateTimeFromToRangeFilter(label=_("Last updated"))

    search_fields: tuple[str, ...] = ()
    # Filters shown in the web list's filter panel (the API accepts all of them).
    panel_fields: tuple[str, ...] = ()

    def search(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        return queryset.filter(reduce(operator.or_, (models.Q(**{f"{f}__icontains": value}) for f in self.search_fields)))

    @property
    def panel_form(self):
        """The filter form with only the panel's fields (the rest stay as hidden values)."""
        form = self.get_form_class()(self.data or None, prefix=self.form_prefix)
        for name in list(form.fields):
            if name not in self.panel_fields and name != "q":
                form.fields.pop(name)
        from .forms import style

        order = ["q", *self.panel_fields]
        form.fields = {name: form.fields[name] for name in sorted(form.fields, key=order.index)}
        style(form)
        return form
