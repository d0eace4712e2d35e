"""The base of every list table: a selection column and columns each user can choose and order.

Rows are rendered by ``BaseTable.rendered_rows``: the same HTML django-tables2's row loop makes, at
a fraction of its cost per cell (see ``_Cell``).
"""

import inspect
from functools import cache

import django_tables2 as tables
from axes.models import AccessFailureLog, AccessLog
from django.db import models
from django.template import Context, Template
from django.template.base import render_value_in_context
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.encoding import force_str
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.utils import A, AttributeDict

from .models import DisplayMixin, UserPreference


class ToggleColumn(tables.CheckBoxColumn):
    """The selection checkbox for bulk edit and bulk delete."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("accessor", "pk")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault(
            "attrs",
            {
                "input": {"name": "pk", "class": "form-check-input"},
                "th__input": {"class": "form-check-input", "data-toggle-all": ""},
            },
        )
        super().__init__(*args, **kwargs)

    def render(self, value, bound_column, record):
        """CheckBoxColumn.render with the attributes around the value joined once (it is on every row)."""
        if self.is_checked(value, record) or _has_callable(dict(self.attrs)):
            return super().render(value, bound_column, record)
        key = (bound_column.name, id(self.attrs))
        if getattr(self, "_html_parts", (None,))[0] != key:
            html = super().render(_VALUE_MARK, bound_column, record)
            self._html_parts = (key, *html.split(_VALUE_MARK))
        _key, before, after = self._html_parts
        return mark_safe(f"{before}{conditional_escape(value)}{after}")


_VALUE_MARK = "\x00value\x00"


class BaseTable(tables.Table):
    pk = ToggleColumn(verbose_name=_("Select"))

    # Columns shown until the user chooses; ``pk`` always comes first.
    default_columns: tuple[str, ...] = ()
    fixed_columns = ("pk",)

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        empty_text = _("Nothing here yet.")

    def __init__(self, *args, user=None, selectable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.preference_key = f"table.{type(self).__name__}"
        chosen = UserPreference.get(user, self.preference_key).get("columns") if user is not None else None
        defaults = getattr(self.Meta, "default_columns", None) or self.default_columns
        self.apply_columns(chosen or list(defaults) or self.available_columns)
        if not selectable:
            self.columns.hide("pk")

    @property
    def available_columns(self) -> list[str]:
        return [name for name in self.base_columns if name not in self.fixed_columns]

    def apply_columns(self, visible: list[str]) -> None:
        """Show ``visible`` in that order after the fixed columns; hide the rest."""
        visible = [name for name in visible if name in self.base_columns and name not in self.fixed_columns]
        hidden = [name for name in self.available_columns if name not in visible]
        self.sequence = [*self.fixed_columns, *visible, *hidden]
        for name in hidden:
            self.columns.hide(name)
        for name in visible:
            self.columns.show(name)
        self.visible_column_names = visible

    @property
    def hidden_column_names(self) -> list[str]:
        return [n for n in self.available_columns if n not in self.visible_column_names]

    def column_choices(self) -> list[tuple[str, str, bool]]:
        """(name, header, shown) for the column chooser, shown ones first in their order."""
        shown = list(self.visible_column_names)
        rest = [n for n in self.available_columns if n not in shown]
        # The bound column falls back to the model field's verbose_name (translated), not the bare name.
        return [(n, str(self.columns[n].verbose_name), n in shown) for n in shown + rest]

    def rendered_rows(self) -> list[SafeString]:
        """The current page's rows as HTML, each column's per-cell work prepared once.

        django-tables2's own loop inspects signatures, resolves accessors by trial and error,
        reverses a URL and computes attributes for every cell: it cost more than the rest of a
        100-row page together. The output is the same (tests/inventory/test_tables.py compares them).
        """
        cells = [_Cell(self, column) for column in self.columns]
        plain_rows = not self.row_attrs
        return [
            mark_safe(
                f"<tr {_row_attrs(row) if plain_rows else row.attrs.as_html()}>"
                f"{''.join([cell.html(row) for cell in cells])}</tr>"
            )
            for row in self.paginated_rows
        ]

    def as_values(self, exclude_columns=None):
        """The export rows (header first), as django-tables2 makes them, each column prepared once.

        Its own cell-by-cell path took 15 s to export 20,000 devices.
        """
        exclude_columns = exclude_columns or ()
        columns = [
            column
            for column in self.columns.iterall()
            if not (column.column.exclude_from_export or column.name in exclude_columns)
        ]
        yield [force_str(column.header, strings_only=True) for column in columns]
        cells = [_Cell(self, column) for column in columns]
        for row in self.rows:
            yield [force_str(cell.value(row), strings_only=True) for cell in cells]


def _row_attrs(row) -> str:
    """BoundRow.attrs.as_html() of a table without row_attrs: only the odd/even class."""
    return 'class="odd"' if row.row_counter % 2 else 'class="even"'


def choice_label(field: models.Field, value: object) -> str:
    """What ``get_FOO_display()`` gives, without rebuilding the choices dict on every call."""
    label = _choices(field, get_language()).get(value)
    return force_str(value, strings_only=True) if label is None else label


@cache
def _choices(field: models.Field, language: str | None) -> dict:
    """The field's choices with their labels translated into ``language`` (labels are lazy strings)."""
    return {value: force_str(label, strings_only=True) for value, label in field.flatchoices}


@cache
def _signature(fn) -> tuple[tuple[str, ...], bool]:
    params = inspect.signature(fn).parameters.values()
    return tuple(p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)), any(
        p.kind == p.VAR_KEYWORD for p in params
    )


def _call(fn, kwargs: dict):
    """django_tables2.utils.call_with_appropriate with the signature looked up once per function."""
    names, catch_all = _signature(getattr(fn, "__func__", fn))
    if getattr(fn, "__self__", None) is not None and names and names[0] == "self":
        names = names[1:]
    if catch_all:
        return fn(**kwargs)
    if any(name not in kwargs for name in names):
        return None
    return fn(**{name: kwargs[name] for name in names})


_PK_MARK = 918273645


@cache
def _url_format(model: type, prefix: str, urlconf: object, language: str | None) -> str | None:
    """The detail URL of ``model`` with ``{}`` in place of the primary key (None if it has no page)."""
    meta = model._meta
    try:
        return reverse(f"{meta.app_label}:{meta.model_name}", args=[_PK_MARK]).replace(str(_PK_MARK), "{}")
    except NoReverseMatch:
        return None


def absolute_url(obj: object) -> str:
    """``obj.get_absolute_url()``, reversing the URL pattern once per model instead of once per row."""
    if getattr(type(obj), "get_absolute_url", None) is not DisplayMixin.get_absolute_url:
        return obj.get_absolute_url()
    fmt = _url_format(type(obj), get_script_prefix(), get_urlconf(), get_language())
    return "" if fmt is None else fmt.format(obj.pk)


def _has_callable(value: object) -> bool:
    if isinstance(value, dict):
        return any(_has_callable(v) for v in value.values())
    return callable(value)


class _TemplateContext:
    """What render_value_in_context reads of a template context: the defaults of a page."""

    autoescape = True
    use_l10n = None
    use_tz = None


_CONTEXT = _TemplateContext()


class _Cell:
    """One column's cells: django-tables2's BoundRow.get_cell and LinkTransform, prepared per column."""

    def __init__(self, table: BaseTable, bound_column):
        self.bound_column = bound_column
        self.column = column = bound_column.column
        self.name = bound_column.name
        attrs = bound_column.attrs
        self.td = f"<td {attrs['td'].as_html()}>"
        self.accessor = A(bound_column.accessor)
        model = table._meta.model
        self.bits = self.accessor.bits
        field = self.accessor.get_field(model) if model is not None and self.bits else None
        self.choice_field = field if getattr(field, "choices", None) else None
        render_func = getattr(bound_column.render, "__func__", None)
        self.plain_render = render_func is tables.Column.render
        # A TemplateColumn (dates among them) compiles its template for every cell: compiled once here.
        self.template = (
            Template(column.template_code)
            if render_func is tables.TemplateColumn.render and column.template_code
            else None
        )
        # Column.value gives what the column's own render gives: the value itself for a plain column.
        self.plain_value = (
            getattr(bound_column.value, "__func__", None) is tables.Column.value
            and type(column).render is tables.Column.render
        )
        self.default = render_value_in_context(bound_column.default, _CONTEXT)
        link = bound_column.link
        self.link = link
        self.link_attrs = dict(link.attrs or {}) if link else {}
        static = AttributeDict(self.link_attrs).as_html() if link and not _has_callable(self.link_attrs) else ""
        self.link_prefix = f"<a {static} href=" if static else "<a href="
        # Whatever the fast path does not know is left to django-tables2, cell by cell.
        self.slow = (
            model is None
            or isinstance(column, ManyToManyColumn)
            or _has_callable(dict(table.attrs))
            or _has_callable(dict(column.attrs))
            or (link is not None and (_has_callable(self.link_attrs) or "href" in self.link_attrs))
        )

    def html(self, row) -> str:
        content = row.get_cell(self.name) if self.slow else self.content(row)
        if type(content) is str or type(content) is SafeString:  # what {{ cell }} does to text, directly
            return f"{self.td}{conditional_escape(content)}</td>"
        return f"{self.td}{render_value_in_context(content, _CONTEXT)}</td>"

    def value(self, row):
        """BoundRow.get_cell_value: the cell's export value."""
        if self.slow:
            return row.get_cell_value(self.name)
        value, resolved = self._resolve(row.record)
        if not resolved and isinstance(self.column, BaseLinkColumn) and self.column.text is not None:
            return _call(self.bound_column.value, self._kwargs(row, None))
        if value in self.column.empty_values:
            return None
        if self.plain_value:
            return value
        return _call(self.bound_column.value, self._kwargs(row, value))

    def _resolve(self, record) -> tuple[object, bool]:
        """(value, resolved): the accessor's value, following BoundRow._get_and_render_with."""
        owner = record
        try:
            for bit in self.bits[:-1]:
                owner = getattr(owner, bit)
                if owner is None:
                    return None, True
                if callable(owner):
                    raise LookupError(bit)
            if self.choice_field is not None and isinstance(owner, models.Model):
                return choice_label(self.choice_field, getattr(owner, self.choice_field.attname)), True
            value = getattr(owner, self.bits[-1]) if self.bits else owner
        except LookupError:
            return self.accessor.resolve(record, quiet=True), True
        except AttributeError:  # a missing reverse one-to-one among them
            return None, False
        if callable(value) and not isinstance(value, models.Model):
            return self.accessor.resolve(record, quiet=True), True
        return value, True

    def content(self, row):
        record = row.record
        value, resolved = self._resolve(record)
        if not resolved and isinstance(self.column, BaseLinkColumn) and self.column.text is not None:
            return self._render(row, None)
        if value in self.column.empty_values:
            return self.bound_column.default
        return self._render(row, value)

    def _render(self, row, value):
        kwargs = None
        if self.plain_render:
            content = value
        elif self.template is not None:
            content = self._render_template(row, value)
        else:
            kwargs = self._kwargs(row, value)
            content = _call(self.bound_column.render, kwargs)
        if self.link is None:
            return content
        href = self._href(row, value, kwargs)
        if href is None:
            return content
        # format_html("<a {}>{}</a>", AttributeDict({**attrs, "href": href}).as_html(), content), prepared.
        return mark_safe(f'{self.link_prefix}"{conditional_escape(href)}">{conditional_escape(content)}</a>')

    def _render_template(self, row, value):
        """TemplateColumn.render with the template compiled once."""
        table = row.table
        parent = getattr(table, "context", None) or Context()
        context = self.column.get_context_data(
            record=row.record, table=table, value=value, bound_column=self.bound_column, bound_row=row
        )
        with parent.update(context):
            parent["request"] = getattr(table, "request", None)
            return self.template.render(parent)

    def _kwargs(self, row, value) -> dict:
        return {
            "value": value,
            "record": row.record,
            "column": self.column,
            "bound_column": self.bound_column,
            "bound_row": row,
            "table": row.table,
        }

    def _href(self, row, value, kwargs):
        link, record = self.link, row.record
        if link.url and callable(link.url):
            return _call(link.url, kwargs or self._kwargs(row, value))
        if link.reverse_args.get("viewname") is not None:
            return link.call_reverse(record=record)
        target = A(link.accessor if link.accessor is not None else self.name).resolve(record)
        if not hasattr(target, "get_absolute_url"):
            target = record
        return absolute_url(target)


class SignInTable(BaseTable):
    """Successful sign-ins (django-axes' AccessLog): never the password, which axes does not keep."""

    attempt_time = tables.DateTimeColumn(verbose_name=_("Signed in"), format="Y-m-d H:i:s")
    username = tables.Column(verbose_name=_("User name"))
    ip_address = tables.Column(verbose_name=_("Address"))
    logout_time = tables.DateTimeColumn(verbose_name=_("Signed out"), format="Y-m-d H:i:s")
    user_agent = tables.Column(verbose_name=_("Browser"))
    path_info = tables.Column(verbose_name=_("Page"))

    default_columns = ("attempt_time", "username", "ip_address", "logout_time", "user_agent")

    class Meta(BaseTable.Meta):
        model = AccessLog
        fields = ()
        order_by = ("-attempt_time",)


class FailedSignInTable(BaseTable):
    """Failed sign-ins (django-axes' AccessFailureLog): the user name typed, never the password."""

    attempt_time = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    username = tables.Column(verbose_name=_("User name"))
    ip_address = tables.Column(verbose_name=_("Address"))
    locked_out = tables.BooleanColumn(verbose_name=_("Locked out"))
    user_agent = tables.Column(verbose_name=_("Browser"))
    path_info = tables.Column(verbose_name=_("Page"))

    default_columns = ("attempt_time", "username", "ip_address", "locked_out", "user_agent")

    class Meta(BaseTable.Meta):
        model = AccessFailureLog
        fields = ()
        order_by = ("-attempt_time",)
