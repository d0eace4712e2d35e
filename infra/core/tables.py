"""The base of every list table: a selection column and columns each user can choose and order."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import UserPreference


class ToggleColumn(tables.CheckBoxColumn):
    """The selection checkbox for bulk edit and bulk delete."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("accessor", "pk")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault("attrs", {"input": {"name": "pk", "class": "form-check-input"},
                                    "th__input": {"class": "form-check-input", "data-toggle-all": ""}})
        super().__init__(*args, **kwargs)


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
        return [(n, str(self.base_columns[n].verbose_name or n), n in shown) for n in shown + rest]
