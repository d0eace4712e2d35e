"""The base of every filter set: one definition serves the web lists and the API alike."""

import datetime
import operator
from functools import reduce

import django_filters
from axes.models import AccessFailureLog, AccessLog
from django import forms as django_forms
from django.contrib.contenttypes.models import ContentType
from django.core.validators import validate_ipv46_address
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters.utils import label_for_filter

from .choices import ChangeAction, ChangeSource
from .models import ObjectChange
from .models.changes import entered_later_q

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


_lazy_label = lazy(label_for_filter, str)


def to_utc(value: object) -> object:
    """Aware datetimes in UTC: PostgreSQL refuses offsets past ±16 hours that Python accepts."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC)
    if isinstance(value, slice):
        return slice(to_utc(value.start), to_utc(value.stop), value.step)
    if isinstance(value, list):
        return [to_utc(v) for v in value]
    return value


class _UTCTimesForm(django_forms.Form):
    """Times in UTC once cleaned (PostgreSQL refuses offsets past ±16 hours that Python accepts); a
    time that has no UTC value (9999-12-31T23:59:59-12:00 is in the year 10000) is the field's error."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            try:
                cleaned[name] = to_utc(value)
            except OverflowError:
                self.add_error(name, _("This date and time is out of range."))
        return cleaned


class SafeInputMixin:
    """Filter input that the database would choke on becomes a clean 400, never a 500."""

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        filter_class, params = super().filter_for_lookup(field, lookup_type)
        if isinstance(field, models.GenericIPAddressField) and lookup_type in ("exact", "iexact", "in"):
            params = {**params, "validators": [validate_ipv46_address]}
        return filter_class, params

    def get_form_class(self):
        return type(f"{self.__class__.__name__}Form", (_UTCTimesForm, super().get_form_class()), {})


class BaseFilterSet(SafeInputMixin, django_filters.FilterSet):
    """Adds ``q``, a quick search over ``search_fields``, and the created/updated time ranges."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    created = django_filters.IsoDateTimeFromToRangeFilter(label=_("Created"))
    last_updated = django_filters.IsoDateTimeFromToRangeFilter(label=_("Last updated"))

    search_fields: tuple[str, ...] = ()
    # Filters shown in the web list's filter panel (the API accepts all of them).
    panel_fields: tuple[str, ...] = ()

    @classmethod
    def get_filters(cls):
        # django-filter turns a field's verbose name into a plain str the first time a label is read,
        # freezing it in whatever language was active then: keep labels lazy, translated per request.
        filters = super().get_filters()
        model = cls._meta.model
        for f in filters.values():
            if f._label is None and model is not None:
                f._label = _lazy_label(model, f.field_name, f.lookup_expr, f.exclude)
        return filters

    def search(self, queryset: models.QuerySet, name: str, value: str) -> models.QuerySet:
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        return queryset.filter(
            reduce(operator.or_, (models.Q(**{f"{f}__icontains": value}) for f in self.search_fields))
        )

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(_split_id_lists(data, self.base_filters), *args, **kwargs)

    @property
    def panel_form(self):
        """The filter form with only the panel's fields (the rest stay as hidden values).

        Built from the panel's own fields (the full form has dozens of lookups), with selects that
        render fast and stay small: a choice among more than ``PANEL_SELECT_LIMIT`` objects becomes a
        box for their ids. One query per object choice, as before.
        """
        from .forms import style

        form = self._panel_form_class()(self.data or None, prefix=self.form_prefix)
        for field in form.fields.values():
            _small_select(field)
        style(form)
        return form

    @classmethod
    def _panel_form_class(cls) -> type:
        if "_panel_form" not in cls.__dict__:
            names = [name for name in ("q", *cls.panel_fields) if name in cls.base_filters]
            fields = {name: cls.base_filters[name].field for name in names}
            cls._panel_form = type(f"{cls.__name__}PanelForm", (cls._meta.form,), fields)
        return cls._panel_form


# A select in the filter panel lists at most this many objects; beyond it, a box for their ids.
PANEL_SELECT_LIMIT = 300
_HEAVY_FIELDS = (models.DateField, models.DecimalField, models.TextField, models.JSONField)


def _small_select(field) -> None:
    from django import forms

    from .widgets import FastSelect, FastSelectMultiple, IdListInput

    if type(field.widget) not in (forms.Select, forms.SelectMultiple):
        return
    fast = FastSelectMultiple if isinstance(field.widget, forms.SelectMultiple) else FastSelect
    if not isinstance(field, forms.ModelChoiceField):
        field.widget = fast(attrs=field.widget.attrs, choices=field.choices)
        return
    # Names are text: dates, amounts and long texts are left in the database (their conversion made up
    # most of the cost of a few hundred options).
    heavy = [f.attname for f in field.queryset.model._meta.concrete_fields if isinstance(f, _HEAVY_FIELDS)]
    objects = list(field.queryset.defer(*heavy)[: PANEL_SELECT_LIMIT + 1])
    if len(objects) > PANEL_SELECT_LIMIT and isinstance(field, forms.ModelMultipleChoiceField):
        field.widget = IdListInput(attrs={**field.widget.attrs, "placeholder": _("ids, separated by commas")})
        return
    iterator = field.iterator(field)
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.widget = fast(attrs=field.widget.attrs, choices=empty + [iterator.choice(o) for o in objects])


def _split_id_lists(data, filters: dict):
    """``?site=3,7`` (what the panel's id box sends) as ``?site=3&site=7`` for multiple object choices."""
    if data is None or not hasattr(data, "getlist"):
        return data
    names = [
        name
        for name, f in filters.items()
        if isinstance(f, django_filters.ModelMultipleChoiceFilter) and any("," in v for v in data.getlist(name))
    ]
    if not names:
        return data
    data = data.copy()
    for name in names:
        data.setlist(name, [part.strip() for v in data.getlist(name) for part in v.split(",") if part.strip()])
    return data


class ObjectTypeFilter(django_filters.CharFilter):
    """``inventory.device`` (app label and model name)."""

    def filter(self, qs, value):
        if not value:
            return qs
        app_label, _sep, model = value.lower().partition(".")
        ct = ContentType.objects.filter(app_label=app_label, model=model).first()
        if ct is None:
            return qs.none()
        return qs.filter(**{self.field_name: ct})


class ObjectChangeFilterSet(SafeInputMixin, django_filters.FilterSet):
    object_type = ObjectTypeFilter(field_name="content_type", label=_("Object type, e.g. inventory.device"))
    object_id = django_filters.NumberFilter()
    related_object_type = ObjectTypeFilter(field_name="related_content_type", label=_("Parent object type"))
    related_object_id = django_filters.NumberFilter()
    user = django_filters.CharFilter(field_name="user_name", label=_("User name"))
    user_id = django_filters.NumberFilter()
    # Columns of the log itself: no join to repeat a row, so no DISTINCT (django-filter's default for a
    # repeatable filter), which kept PostgreSQL from reading a page off the time index.
    action = django_filters.MultipleChoiceFilter(choices=ChangeAction.choices, distinct=False)
    source = django_filters.MultipleChoiceFilter(choices=ChangeSource.choices, distinct=False)
    request_id = django_filters.UUIDFilter()
    time = django_filters.IsoDateTimeFromToRangeFilter(label=_("Time range: time_after, time_before"))
    q = django_filters.CharFilter(field_name="object_repr", lookup_expr="icontains", label=_("Object text contains"))
    entered_later = django_filters.BooleanFilter(
        method="filter_entered_later", label=_("Entered later (recorded more than a minute away from its time)")
    )
    entered_by = django_filters.CharFilter(label=_("Entered by"))

    class Meta:
        model = ObjectChange
        fields = [
            "object_type",
            "object_id",
            "user",
            "user_id",
            "action",
            "source",
            "request_id",
            "time",
            "entered_later",
            "entered_by",
        ]

    def filter_entered_later(self, queryset, name, value):
        if value is None:
            return queryset
        later = entered_later_q()
        return queryset.filter(later) if value else queryset.exclude(later)


class _SignInFilterSet(BaseFilterSet):
    """Filters of the sign-in log (django-axes' records): who, from where, when."""

    created = None  # these records have their own time, not the registry's created/updated
    last_updated = None
    time = django_filters.IsoDateTimeFromToRangeFilter(field_name="attempt_time", label=_("Time"))
    username = django_filters.CharFilter(lookup_expr="iexact", label=_("User name"))
    ip_address = django_filters.CharFilter(label=_("Address"), validators=[validate_ipv46_address])

    search_fields = ("username", "ip_address", "user_agent")
    panel_fields = ("username", "ip_address", "time")


class SignInFilterSet(_SignInFilterSet):
    class Meta:
        model = AccessLog
        fields = ["username", "ip_address", "time"]


class FailedSignInFilterSet(_SignInFilterSet):
    locked_out = django_filters.BooleanFilter(label=_("Locked out"))
    panel_fields = (*_SignInFilterSet.panel_fields, "locked_out")

    class Meta:
        model = AccessFailureLog
        fields = ["username", "ip_address", "time", "locked_out"]
