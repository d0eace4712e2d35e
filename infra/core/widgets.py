"""Widgets for the filter panel of every list, which is rendered on every page view.

Django renders each <option> of a select through two templates: 200 sites and 150 regions cost
more than the 100 table rows beside them. These widgets write the same HTML in Python. A choice
among more objects than a select can sensibly hold becomes a text box for their ids
(``IdListInput``), so a panel never renders thousands of options.
"""

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


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
