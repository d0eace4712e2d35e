"""Widgets for the filter panel of every list, which is rendered on every page view, and for the
edit forms' choices among thousands of objects.

Django renders each <option> of a select through two templates: 200 sites and 150 regions cost
more than the 100 table rows beside them. These widgets write the same HTML in Python. A choice
among more objects than a select can sensibly hold becomes a text box for their ids
(``IdListInput``), so a panel never renders thousands of options.
"""

import copy

from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils.formats import number_format
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .validation import as_id


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html in Python."""
    parts = []
    for name, value in attrs.items():
        if value is False or value is None:
            continue
        parts.append(f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"')
    return "".join(parts)


class _FastSelectMixin:
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'<optgroup label="{escape(group_name)}">')
            for option in options:
                html.append(
                    f'<option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                    f"{conditional_escape(option['label'])}</option>"
                )
            if group_name:
                html.append("</optgroup>")
        html.append("</select>")
        return mark_safe("".join(html))


class FastSelect(_FastSelectMixin, forms.Select):
    """A Select rendered without a template per option."""


class FastSelectMultiple(_FastSelectMixin, forms.SelectMultiple):
    """A SelectMultiple rendered without a template per option."""


class IdListInput(forms.TextInput):
    """A text box for a multiple choice among many objects: their ids, separated by commas."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [part for value in values if value for part in str(value).replace(",", " ").split()]

    def format_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value if v not in (None, ""))
        return super().format_value(value)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class _PickerMixin:
    """A choice among more objects than a select can sensibly hold: the select carries the chosen
    objects and the first ``limit`` others, and a search box beside it fetches matches from the
    server (htmx) into it.

    Below ``threshold`` choices it renders as the plain select it replaces. The form sets
    ``picker_url`` (see BaseModelForm); without one the widget is a plain select. Two queries
    either way (how many, then which), so a page costs the same for ten objects or a million.
    """

    threshold = 200
    limit = 50
    picker_url: str | None = None

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        queryset = getattr(self.choices, "queryset", None)
        total = queryset.count() if self.picker_url is not None and queryset is not None else 0
        if total <= self.threshold:
            return super().render(name, value, attrs, renderer)
        chosen = [v for v in self.format_value(value) if as_id(v) is not None]
        ordering = queryset.query.order_by or queryset.model._meta.ordering or ("pk",)
        first = queryset.annotate(
            _picker_chosen=Case(When(pk__in=chosen, then=Value(1)), default=Value(0), output_field=IntegerField())
        ).order_by("-_picker_chosen", *ordering)
        narrowed = copy.copy(self)
        narrowed.choices = copy.copy(self.choices)
        narrowed.choices.queryset = first[: len(chosen) + self.limit]
        select = super(_PickerMixin, narrowed).render(name, value, attrs, renderer)
        select_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        placeholder, label = _("Type part of a name to search…"), _("Search")
        search = (
            f'<input type="search" class="form-control form-control-sm mb-1" autocomplete="off"'
            f' name="q" form="simpul-picker-none" placeholder="{escape(placeholder)}"'
            f' aria-label="{escape(label)}" aria-controls="{escape(select_id)}"'
            f' hx-get="{escape(self.picker_url)}" hx-trigger="input changed delay:300ms, search"'
            f' hx-target="#{escape(select_id)}" hx-swap="innerHTML" hx-include="#{escape(select_id)}"'
            f' hx-sync="this:replace" data-picker-search>'
        )
        count = number_format(total, force_grouping=True)
        hint = _("%(count)s to choose from: search, then pick from the list.") % {"count": count}
        return mark_safe(
            f'<div class="simpul-picker">{search}{select}<div class="form-text">{escape(hint)}</div></div>'
        )


class ObjectPicker(_PickerMixin, FastSelect):
    """One object among thousands (an address's interface, a VM's host)."""


class ObjectPickerMultiple(_PickerMixin, FastSelectMultiple):
    """Several objects among thousands (an application's servers)."""
