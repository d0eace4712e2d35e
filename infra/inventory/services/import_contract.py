"""The spreadsheet interfaces the import page uses (issue 13's contract), in one place.

Lane "mapping" provides ``spreadsheets.mapping`` (ColumnMapping, propose, load, save),
``spreadsheets.read_file`` and ``import_table(..., mapping=, create_missing=)``; lane "tables"
provides ``tables.describe_skipped``. Until they are merged, this module stands in for them with
the smallest faithful version; it is replaced by plain imports once they are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from .. import spreadsheets
from ..spreadsheets.cells import normalize_header
from ..spreadsheets.engine import IGNORED_HEADERS

try:  # pragma: no cover - the real interfaces, once merged
    from ..spreadsheets import mapping as _real_mapping
except ImportError:  # pragma: no cover
    _real_mapping = None


class MappingError(ValueError):
    """A mapping names columns the template does not have, or a bad name; the message says which."""


@dataclass
class ColumnMapping:
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    name: str = ""

    def to_json(self) -> dict:
        return {"columns": dict(self.columns), "constants": dict(self.constants), "name": self.name}

    @classmethod
    def from_json(cls, data: dict, kind: str | None = None) -> ColumnMapping:
        return cls(dict(data.get("columns") or {}), dict(data.get("constants") or {}), data.get("name") or "")


@dataclass
class ColumnProposal:
    index: int
    title: str
    samples: list[str]
    column: str
    how: str
    duplicate_of: str = ""


@dataclass
class Proposal:
    columns: list[ColumnProposal]
    constants: dict[str, str]
    saved: str = ""
    missing: list[str] = field(default_factory=list)

    def mapping(self) -> ColumnMapping:
        return ColumnMapping(
            {normalize_header(c.title): c.column for c in self.columns if c.title},
            dict(self.constants),
            self.saved,
        )


def _names(kind: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for bc in spreadsheets.get_sheet(kind).bound_columns():
        for alias in (bc.name, bc.column.field, *bc.column.aliases):
            if alias:
                names.setdefault(normalize_header(alias), bc.name)
    return names


def _samples(table, index: int) -> list[str]:
    found = []
    for _number, cells in table.rows:
        value = cells[index] if index < len(cells) else None
        if value is not None and str(value).strip():
            found.append(str(value).strip()[:60])
            if len(found) == 3:
                break
    return found


def _propose(kind: str, table, *, mapping: ColumnMapping | None = None) -> Proposal:
    names = _names(kind)
    columns, taken = [], set()
    for index, title in enumerate(table.header):
        key = normalize_header(title)
        if not key:
            continue
        if mapping is not None and key in mapping.columns:
            column, how = mapping.columns[key], "mapping"
        elif key in IGNORED_HEADERS:
            column, how = "", "none"
        elif key in names:
            column, how = names[key], "name"
        else:
            column, how = "", "none"
        if column in taken:
            column, how = "", "none"
        taken.add(column)
        columns.append(ColumnProposal(index, str(title).strip(), _samples(table, index), column, how))
    constants = dict(mapping.constants) if mapping else {}
    filled = taken | set(constants)
    sheet = spreadsheets.get_sheet(kind)
    missing = [bc.name for bc in sheet.bound_columns() if (bc.column.key or bc.required) and bc.name not in filled]
    return Proposal(columns, constants, mapping.name if mapping else "", missing)


def _remapped(kind: str, table, mapping: ColumnMapping):
    """The table as the template titles it: what today's engine reads (the stand-in's way)."""
    keep, header = [], []
    for index, title in enumerate(table.header):
        column = mapping.columns.get(normalize_header(title))
        if column == "":
            continue
        keep.append(index)
        header.append(column or title)
    constants = [(c, v) for c, v in mapping.constants.items() if c not in header]
    header += [c for c, _v in constants]
    rows = [
        (number, [cells[i] if i < len(cells) else None for i in keep] + [v for _c, v in constants])
        for number, cells in table.rows
    ]
    return spreadsheets.Table(header, rows)


if _real_mapping is not None:  # pragma: no cover
    ColumnMapping = _real_mapping.ColumnMapping
    MappingError = _real_mapping.MappingError
    how_labels = _real_mapping.how_labels
    propose = _real_mapping.propose
    load = _real_mapping.load
    save = _real_mapping.save
    read_file = spreadsheets.read_file
    import_table = spreadsheets.import_table
else:
    propose = _propose

    def how_labels() -> dict[str, str]:
        return {
            "mapping": _("mapping"),
            "name": _("template name"),
            "synonym": _("synonym"),
            "fuzzy": _("similar name"),
            "none": _("not recognised"),
        }

    def load(kind: str, name_or_path: str) -> ColumnMapping:
        from ..models import ImportMapping

        saved = ImportMapping.objects.filter(kind=kind, name=name_or_path).first()
        if saved is not None:
            return ColumnMapping(dict(saved.columns), dict(saved.constants), saved.name)
        return ColumnMapping.from_json(json.loads(Path(name_or_path).read_text()))

    def save(kind: str, name: str, mapping: ColumnMapping, *, user=None):
        from ..models import ImportMapping

        limit = ImportMapping._meta.get_field("name").max_length
        if len(name) > limit:
            raise MappingError(_("A mapping's name has at most %(count)s characters.") % {"count": limit})
        saved = ImportMapping.objects.filter(kind=kind, name=name).first() or ImportMapping(kind=kind, name=name)
        saved.columns, saved.constants = dict(mapping.columns), dict(mapping.constants)
        saved.save()
        return saved

    def read_file(kind: str, source, format=None, *, limits=None, progress=None):
        return spreadsheets.read_table(source, format, limits=limits, progress=progress)

    def import_table(
        kind: str,
        table,
        *,
        user=None,
        dry_run: bool = False,
        progress=None,
        mapping: ColumnMapping | None = None,
        create_missing: bool = False,
    ):
        mapping = mapping or _propose(kind, table).mapping()
        sheet = spreadsheets.get_sheet(kind)(user=user)
        sheet.create_missing = create_missing
        return sheet.import_table(_remapped(kind, table, mapping), dry_run=dry_run, progress=progress)


try:  # pragma: no cover
    from ..spreadsheets.tables import describe_skipped
except ImportError:  # pragma: no cover

    def describe_skipped(table) -> list[str]:
        return []


def header_row(table) -> int:
    return getattr(table, "header_row", 1)


__all__: Sequence[str] = [
    "ColumnMapping",
    "ColumnProposal",
    "MappingError",
    "Proposal",
    "describe_skipped",
    "header_row",
    "how_labels",
    "import_table",
    "load",
    "propose",
    "read_file",
    "save",
]
