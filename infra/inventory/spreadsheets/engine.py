"""What every sheet shares: columns, lookups, all-or-nothing validation, bulk writes, export.

A sheet (see ``sheets.py``) declares its columns once; the same declaration reads an import,
writes an export and describes the template, so an export always re-imports cleanly.

An import runs in two phases. First every row is read and checked against the models' own rules
(``full_clean`` on the built instances, the check constraints, uniqueness across the file and
the database) without writing anything; a fixed number of queries loads what the rows refer
to. Only when no row has a problem is anything written, in one transaction, with bulk inserts
and updates and one change-log record per object that really changed.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, models, router, transaction
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from infra.core import changelog, validation
from infra.core.bulk import create_many, update_many
from infra.core.choices import ChangeAction, ChangeSource
from infra.core.collector import fewer_collections
from infra.core.context import change_context

from .cells import (
    Boolean,
    CellError,
    Choice,
    Converter,
    Date,
    Integer,
    Number,
    Reference,
    Text,
    is_blank,
    normalize_header,
    normalize_key,
)
from .synonyms import HEADER_SYNONYMS
from .tables import Progress, Table

if TYPE_CHECKING:
    from .mapping import ColumnMapping

BATCH_SIZE = 1000
# The longest cell an import reads: what Excel itself allows in a cell.
MAX_CELL_CHARS = 32_767
# Spreadsheets often number their rows in a first column; such a column is ignored.
IGNORED_HEADERS = {"no", "nomor_urut", "no_urut"}
_ANY = object()
AMBIGUOUS = object()


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


class ImportFailed(Exception):
    """The file has problems; nothing was saved. ``errors`` lists every one of them."""

    def __init__(self, errors: Sequence[RowError], *, outcomes: Sequence["RowOutcome"] = ()):
        self.errors = list(errors)
        # What the rows without a problem would have done (for a preview of a refused file).
        self.outcomes = list(outcomes)
        super().__init__(str(self))

    def __str__(self) -> str:
        head = ngettext(
            "The file was not imported because of %(count)s problem; nothing was saved.",
            "The file was not imported because of %(count)s problems; nothing was saved.",
            len(self.errors),
        ) % {"count": len(self.errors)}
        return "\n".join([head, *(str(e) for e in self.errors)])


@dataclass(frozen=True)
class RowOutcome:
    """What an import does (or would do) with one row of the file."""

    row: int
    # "new", "changed" or "unchanged" (a refused row is told by its errors).
    status: str
    # For a changed row: the columns whose values change, as the file titles them.
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class CreatedRef:
    """An object the file names that does not exist and that the import creates (a site, a rack)."""

    noun: str
    name: str
    # Where it is created, when that narrows it (a rack's site); "" otherwise.
    within: str = ""
    rows: tuple[int, ...] = ()


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    # Per row of the file, in its order (every row, not only the preview's).
    outcomes: list[RowOutcome] = field(default_factory=list)
    # Sites and racks created because the file names them (the create-missing option).
    created_refs: list[CreatedRef] = field(default_factory=list)

    def __str__(self) -> str:
        text = _("%(kind)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % {
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.dry_run:
            text += " " + _("Dry run: nothing was saved.")
        return text


@dataclass(frozen=True)
class Column:
    """One spreadsheet column and the model field it fills.

    ``ref`` names a lookup (an OPD, a site...) for a foreign key; ``scope`` names the column whose
    object narrows that lookup (a rack within the row's site). A column without ``field`` is
    handled by its sheet; ``get`` then reads its value (or related object) for export.
    ``read_only`` gives the reason a column is exported but cannot be changed by an import.
    """

    name: str
    field: str | None = None
    converter: Converter | None = None
    ref: str | None = None
    scope: str | None = None
    aliases: tuple[str, ...] = ()
    required: bool | None = None
    key: bool = False
    read_only: str | Promise = ""
    help: str | Promise = ""
    get: Callable[[models.Model], object] | None = None


@dataclass(frozen=True)
class BoundColumn:
    name: str
    column: Column
    model_field: models.Field | None
    converter: Converter
    required: bool
    # The field cannot be empty: an empty cell means "not given" (the default, or the stored value).
    skip_blank: bool = False


def converter_for(model_field: models.Field) -> Converter:
    """The converter a model field's cells need, when a column does not name one."""
    if model_field.is_relation:
        return Reference("")
    if model_field.choices:
        return Choice(model_field.choices)
    if isinstance(model_field, models.BooleanField):
        return Boolean()
    if isinstance(model_field, models.DateField):
        return Date()
    if isinstance(model_field, models.DecimalField):
        return Number(model_field.decimal_places)
    if isinstance(model_field, models.IntegerField):
        return Integer()
    return Text(null=model_field.null)


@dataclass(frozen=True)
class RefKind:
    """How one kind of related object is found by its name in a cell, and written back."""

    noun: str | Promise
    queryset: Callable[[], models.QuerySet]
    keys: Callable[[models.Model], Iterable[str]]
    label: Callable[[models.Model], str]
    scope: Callable[[models.Model], object] | None = None
    # A new object of this kind named ``name`` (within the scope's object), for an import that
    # creates what its file names and is missing (sites, racks); None: never created.
    create: Callable[[str, models.Model | None], models.Model] | None = None


class MissingRef(CellError):
    """No object has the name a cell gives (as opposed to several having it)."""


def scope_key(obj: models.Model) -> object:
    """How a lookup's scope names an object: its primary key, or, not saved yet, the object itself."""
    return obj.pk if obj.pk is not None else ("new", id(obj))


@dataclass
class Missing:
    """A name the file uses that no object has: created (the option) or refused once, with its rows."""

    ref: str
    name: str
    obj: models.Model | None = None
    within: str = ""
    # (row, column) of each cell naming it: a site may be named in lokasi_a of one row, lokasi_b of another.
    uses: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> list[int]:
        return sorted({number for number, _column in self.uses})


class Lookup:
    """Objects of one kind indexed by every name they answer to, loaded in one query."""

    def __init__(self, kind: RefKind, objects: Iterable[models.Model] | None = None):
        self.kind = kind
        self.by_key: dict[str, list] = defaultdict(list)
        self.by_scope: dict[tuple, list] = defaultdict(list)
        self.by_pk: dict[object, models.Model] = {}
        self._found: dict[tuple, object] = {}
        for obj in kind.queryset() if objects is None else objects:
            self.add(obj)

    def add(self, obj: models.Model, scope: object = _ANY) -> None:
        """Index ``obj``; ``scope`` overrides the kind's own (an object new in the file has no key yet)."""
        self._found.clear()
        if obj.pk is not None:
            self.by_pk[obj.pk] = obj
        if scope is _ANY:
            scope = self.kind.scope(obj) if self.kind.scope else None
        for key in {normalize_key(k) for k in self.kind.keys(obj) if k}:
            if obj not in self.by_key[key]:
                self.by_key[key].append(obj)
                self.by_scope[(scope, key)].append(obj)

    def find(self, text: str, scope: object = _ANY) -> models.Model:
        """The one object named ``text`` (within ``scope``); CellError when none or several are."""
        memo = (text, scope)
        if memo not in self._found:
            try:
                self._found[memo] = self._find(text, scope)
            except CellError as exc:
                self._found[memo] = exc
        found = self._found[memo]
        if isinstance(found, CellError):
            raise type(found)(str(found))
        return found

    def _find(self, text: str, scope: object) -> models.Model:
        key = normalize_key(text)
        found = self.by_key.get(key, []) if scope is _ANY else self.by_scope.get((scope, key), [])
        if len(found) == 1:
            return found[0]
        if not found:
            raise MissingRef(_("No %(noun)s named “%(value)s” exists.") % {"noun": self.kind.noun, "value": text})
        raise CellError(
            _("“%(value)s” matches %(count)s %(noun)s records (%(matches)s); say which one.")
            % {
                "value": text,
                "count": len(found),
                "noun": self.kind.noun,
                "matches": ", ".join(self.kind.label(o) for o in found[:5]),
            }
        )


@dataclass(eq=False)
class Row:
    number: int
    cells: dict[str, object]
    values: dict[str, object] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)
    instance: models.Model | None = None
    is_new: bool = False
    changed: bool = False
    before: dict | None = None
    after: dict | None = None
    extra: dict = field(default_factory=dict)
    # The columns without a field that the sheet's own hooks change (a device's address), for the preview.
    own_changes: list[str] = field(default_factory=list)


class Sheet:
    """One kind of object as a spreadsheet. Subclasses declare columns and the few hooks they need."""

    kind: ClassVar[str]
    model: ClassVar[type[models.Model]]
    title: ClassVar[str | Promise]
    columns: ClassVar[tuple[Column, ...]]
    refs: ClassVar[dict[str, RefKind]] = {}
    key_help: ClassVar[str | Promise] = ""
    # The URL name of the list of what the sheet imports (after an import, the page links to it);
    # empty: the inventory's "inventory:<model>_list".
    list_url: ClassVar[str] = ""

    def __init__(self, *, user: object | None = None):
        self.user = user
        self.errors: list[RowError] = []
        self._error_keys: set[tuple] = set()
        self._row_messages: set[tuple] = set()
        self.lookups: dict[str, Lookup] = {}
        self.existing: dict[object, models.Model] = {}
        self.loaded: list[models.Model] = []
        self.seen: dict[object, int] = {}
        # Template column name -> how this file titles it (or how a constant is named).
        self.header_labels: dict[str, str] = {}
        # Template column name -> the raw value every row takes (the mapping's constants).
        self.constants: dict[str, object] = {}
        self.header_row = 1
        self.present: list[BoundColumn] = []
        self.present_by_name: dict[str, BoundColumn] = {}
        # Create the sites and racks the file names that do not exist (an option of the import).
        self.create_missing = False
        # Those names, by (ref, scope, key): created with the option, else refused once with their rows.
        self.missing: dict[tuple, Missing] = {}
        self._created_ids: dict[int, Missing] = {}
        # This file's converter of a column, where it differs from the declared one (for_column).
        self.converters: dict[str, Converter] = {}
        # Change-log entries for objects other than the sheet's own (interfaces, addresses...).
        self.extra_changes: list[tuple[models.Model, str, dict | None, dict | None]] = []
        # Field values that passed validation once in this file (a kind, a vendor, a year...).
        self.clean_cache = validation.CleanCache()

    # --- the declaration -----------------------------------------------------------------------
    @classmethod
    def bound_columns(cls) -> list[BoundColumn]:
        if "_bound" not in cls.__dict__:
            bound = []
            for column in cls.columns:
                model_field = cls.model._meta.get_field(column.field) if column.field else None
                converter = column.converter or (converter_for(model_field) if model_field else Text())
                required = column.required
                if required is None:
                    required = bool(
                        model_field is not None
                        and not model_field.blank
                        and not model_field.has_default()
                        and not column.read_only
                    )
                skip_blank = model_field is not None and not model_field.blank and not column.key
                bound.append(
                    BoundColumn(column.name, column, model_field, converter, required or column.key, skip_blank)
                )
            cls._bound = bound
        return cls._bound

    @classmethod
    def header(cls) -> list[str]:
        return [c.name for c in cls.columns]

    @classmethod
    def title_index(cls) -> dict[str, tuple[str, str]]:
        """Every known column title, normalized -> (template column, "name" or "synonym").

        The template's own names (column name, field name, aliases) come first, then the
        synonyms of ``HEADER_SYNONYMS`` (those for columns this sheet lacks are skipped).
        """
        if "_titles" not in cls.__dict__:
            index: dict[str, tuple[str, str]] = {}
            for column in cls.columns:
                for alias in (column.name, column.field, *column.aliases):
                    if alias:
                        index.setdefault(normalize_header(alias), (column.name, "name"))
            names = {c.name for c in cls.columns}
            for name, titles in HEADER_SYNONYMS.get(cls.kind, {}).items():
                if name in names:
                    for title in titles:
                        index.setdefault(normalize_header(title), (name, "synonym"))
            cls._titles = index
        return cls._titles

    @classmethod
    def column_names(cls) -> set[str]:
        return {c.name for c in cls.columns}

    @classmethod
    def header_score(cls, cells: Sequence[object]) -> float:
        """How much a row looks like this sheet's header: the known columns it titles.

        Used to find the header under a title block; a numbering title ("No") counts half.
        """
        index = cls.title_index()
        found: set[str] = set()
        numbering = 0.0
        for cell in cells:
            if cell.__class__ is not str:
                continue
            key = normalize_header(cell)
            if key in index:
                found.add(index[key][0])
            elif key in IGNORED_HEADERS:
                numbering = 0.5
        return len(found) + numbering if found else 0.0

    @classmethod
    def guide(cls) -> tuple[list[str], list[list[str]]]:
        """The rows of the template's guide sheet: each column, whether required, what it takes."""
        rows = []
        for bc in cls.bound_columns():
            column = bc.column
            if column.key:
                need = _("key")
            elif column.read_only:
                need = _("read-only")
            elif bc.required:
                need = _("required")
            else:
                need = _("optional")
            description = str(column.help or (bc.model_field.verbose_name if bc.model_field else ""))
            if column.read_only:
                description += " " + _("(Exported only: %(reason)s)") % {"reason": column.read_only}
            rows.append([column.name, str(need), description, str(bc.converter.allowed())])
        notes = [
            ["", "", "", ""],
            [_("Key"), "", str(cls.key_help), ""],
            [
                _("All or nothing"),
                "",
                _("If any row has a problem, nothing is saved and every problem is listed with its row and column."),
                "",
            ],
            [
                _("Formats"),
                "",
                _(
                    "Dates as dd/mm/yyyy or yyyy-mm-dd; numbers with a decimal comma or dot; choices as the code "
                    "or the label; headers in any case. An empty cell clears an optional value; in a column that "
                    "cannot be empty it keeps the default (new rows) or the stored value. A column left out of "
                    "the file leaves that field unchanged."
                ),
                "",
            ],
        ]
        return [_("Column"), _("Required"), _("Description"), _("Allowed values")], rows + notes

    # --- reading the file ----------------------------------------------------------------------
    def error(self, row: Row | int | None, column: str, message: object) -> None:
        """Record a problem of ``row`` with the template column ``column`` ("" for the whole row).

        The error names the column as the file titles it; a column the file does not have is never
        named as one: the message then starts with the field's name instead.
        """
        number = row.number if isinstance(row, Row) else row
        label = self.header_labels.get(column)
        if label is None:
            label = ""
            if column:
                self._row_messages.add((number, str(message)))
                message = _("%(field)s: %(message)s") % {"field": self.field_noun(column), "message": message}
        self._record(row, column, number, label, message)

    def header_error(self, title: str, message: object) -> None:
        """A problem of the header row with one of the file's own column titles."""
        self._record(None, "", self.header_row, title, message)

    def field_noun(self, column: str) -> str:
        """What a column the file lacks is called in a message: its field's verbose name."""
        field_name = self.field_label_to_field(column) or column
        try:
            return capfirst(str(self.model._meta.get_field(field_name).verbose_name))
        except Exception:  # not a model field (a column the sheet handles itself)
            return column

    def _record(self, row: Row | int | None, column: str, number: int | None, label: str, message: object) -> None:
        key = (number, label, str(message))
        if key in self._error_keys:
            return
        self._error_keys.add(key)
        self._row_messages.add((number, str(message)))
        self.errors.append(RowError(number, label, str(message)))
        if isinstance(row, Row):
            row.bad.add(column)

    def read_header(
        self, header: Sequence[object], mapping: "ColumnMapping | None" = None
    ) -> list[tuple[int, BoundColumn]]:
        """The file's columns as template columns: through ``mapping`` where it names a title, else
        by the template's own names. Sets the constants; raises ImportFailed on any header problem.

        A title the mapping maps to "" is ignored; any other title nothing places is an unknown column.
        """
        names: dict[str, BoundColumn] = {}
        by_name = {bc.name: bc for bc in self.bound_columns()}
        for bc in self.bound_columns():
            column = bc.column
            for alias in (column.name, column.field, *column.aliases):
                if alias:
                    names.setdefault(normalize_header(alias), bc)
        mapped = mapping.columns if mapping is not None else {}
        positions: list[tuple[int, BoundColumn]] = []
        taken: dict[str, str] = {}
        unknown = 0
        for index, text in enumerate(header):
            key = normalize_header(text)
            if not key:
                continue
            if key in mapped:
                if not mapped[key]:
                    continue  # ignored, as the mapping says
                bc = by_name.get(mapped[key])
            elif key in IGNORED_HEADERS:
                continue
            else:
                bc = names.get(key)
            if bc is None:
                self.header_error(
                    str(text).strip(),
                    _("Unknown column. The columns are: %(columns)s.") % {"columns": ", ".join(self.header())},
                )
                unknown += 1
                continue
            if bc.name in taken:
                self.header_error(str(text).strip(), _("Same column as %(other)s.") % {"other": taken[bc.name]})
                continue
            taken[bc.name] = str(text).strip()
            positions.append((index, bc))
        self.constants = {}
        for name, raw in (mapping.constants if mapping is not None else {}).items():
            bc = by_name.get(name)
            if bc is None:
                self.header_error("", _("Unknown column %(column)s for a value for every row.") % {"column": name})
            elif name in taken:
                self.header_error(
                    taken[name],
                    _("This column also has a value for every row (%(column)s): give one or the other.")
                    % {"column": name},
                )
            elif bc.column.read_only:
                self.header_error(
                    "",
                    _("%(columns)s cannot be given a value for every row: an import does not change it.")
                    % {"columns": name},
                )
            else:
                self.constants[name] = raw
                taken[name] = _("%(column)s (for every row)") % {"column": name}
        self.header_labels = taken
        self.present = [bc for _index, bc in positions] + [by_name[name] for name in self.constants]
        self.present_by_name = {bc.name: bc for bc in self.present}
        for column in self.missing_key_columns(set(self.present_by_name)):
            self.header_error(
                "",
                _(
                    "The key column %(column)s is missing: rows are matched by it. Map a column of the file "
                    "to it or give it a value for every row."
                )
                % {"column": column},
            )
        # An unknown column alone does not stop the check: its rows are still read, so the file's
        # every problem is listed at once (and nothing is saved while the column is unknown).
        if len(self.errors) > unknown:
            raise ImportFailed(self.errors)
        return positions

    def missing_key_columns(self, present: set[str]) -> list[str]:
        return [c.name for c in self.columns if c.key and c.name not in present]

    # Tens of thousands of model instances live until the end: the collector is kept from walking
    # them every few hundred allocations (a quarter of the time; see infra.core.collector).
    @fewer_collections()
    def import_table(
        self,
        table: Table,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        mapping: "ColumnMapping | None" = None,
        create_missing: bool = False,
    ) -> ImportResult:
        """Check every row, then save all of them or, if any row has a problem, none.

        The file's columns are read through ``mapping`` (None: the one ``mapping.propose`` finds);
        ``create_missing`` creates the sites and racks the file names that do not exist.
        ``progress`` hears of each row checked and of the saving; it may raise to stop the import
        (before the saving starts, nothing is written).
        """
        from .mapping import MappingError, propose

        self.create_missing = create_missing
        self.header_row = getattr(table, "header_row", 1)
        try:
            # A given mapping is taken as it is where it names a title; other titles are proposed.
            mapping = propose(type(self), table, mapping=mapping).mapping()
        except MappingError as exc:
            raise ImportFailed([RowError(None, "", str(exc))]) from None
        positions = self.read_header(table.header, mapping)
        self.adapt_converters(table, positions)
        self.preload()
        rows: list[Row] = []
        total = len(table.rows)
        constants = self.constants
        for done, (number, cells) in enumerate(table.rows, start=1):
            if progress is not None:
                progress("checking", done, total)
            if not any(c.strip() if c.__class__ is str else c is not None for c in cells):
                continue
            row = Row(number, {bc.name: cells[i] if i < len(cells) else None for i, bc in positions})
            if constants:
                row.cells.update(constants)
            self.check_cell_lengths(row)
            self.read_row(row)
            if row.instance is not None:
                rows.append(row)
        self.check_unique(rows)
        self.check_rows(rows)
        outcomes = self.outcomes(rows)
        if self.errors:
            # By row, then in the file's column order.
            position = {str(h).strip(): i for i, h in enumerate(table.header)}
            self.errors.sort(key=lambda e: (e.row or 0, position.get(e.column, len(position))))
            raise ImportFailed(self.errors, outcomes=outcomes)
        result = ImportResult(
            kind=str(self.title),
            created=sum(r.is_new for r in rows),
            updated=sum(r.changed and not r.is_new for r in rows),
            dry_run=dry_run,
            outcomes=outcomes,
        )
        result.unchanged = len(rows) - result.created - result.updated
        result.created_refs = self.created_refs()
        if not dry_run:
            if progress is not None:
                progress("saving", total, total)
            try:
                with change_context(user=self.user, source=ChangeSource.IMPORT), transaction.atomic():
                    self.write(rows)
            except (DatabaseError, ValidationError) as exc:
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                raise ImportFailed(
                    [RowError(None, "", _("The database refused the import: %(error)s") % {"error": message})]
                ) from exc
        return result

    def adapt_converters(self, table: Table, positions: list[tuple[int, BoundColumn]]) -> None:
        """Each column's converter for this file (``Converter.for_column``), from all its cells."""
        self.converters = {}
        for index, bc in positions:
            if type(bc.converter).for_column is not Converter.for_column:
                cells = (cells[index] if index < len(cells) else None for _number, cells in table.rows)
                self.converters[bc.name] = bc.converter.for_column(cells)
        for name, raw in self.constants.items():
            bc = self.present_by_name[name]
            if type(bc.converter).for_column is not Converter.for_column:
                self.converters[name] = bc.converter.for_column([raw])

    def outcomes(self, rows: list[Row]) -> list[RowOutcome]:
        """What each row without a problem does: new, changed (the columns, as the file titles them)
        or unchanged. Rows with a problem are told by their errors."""
        refused = {number for number, _message in self._row_messages}
        titles = {
            bc.model_field.attname: self.header_labels[bc.name]
            for bc in self.present
            if bc.model_field is not None and not bc.column.read_only
        }
        # Columns the sheet writes itself (a device's address): named when nothing else explains a change.
        own = tuple(self.header_labels[bc.name] for bc in self.present if bc.column.field is None)
        found = []
        for row in rows:
            if row.number in refused:
                continue
            if row.is_new:
                found.append(RowOutcome(row.number, "new"))
            elif not row.changed:
                found.append(RowOutcome(row.number, "unchanged"))
            else:
                before, after = row.before or {}, row.after or {}
                changed = dict.fromkeys(titles[k] for k in after if k in titles and before.get(k) != after[k])
                changed.update(dict.fromkeys(self.header_labels[n] for n in row.own_changes if n in self.header_labels))
                found.append(RowOutcome(row.number, "changed", tuple(changed) or own))
        return found

    def check_cell_lengths(self, row: Row) -> None:
        """Name a cell longer than a spreadsheet cell can be, and read it as empty from then on.

        Such a cell is never what a sheet of an inventory means (Excel itself stops at 32,767
        characters); reading it would only echo it back in messages and previews.
        """
        for name, raw in row.cells.items():
            if raw.__class__ is str and len(raw) > MAX_CELL_CHARS:
                self.error(
                    row,
                    name,
                    _("This cell holds %(count)s characters; a cell may hold at most %(limit)s.")
                    % {
                        "count": number_format(len(raw), force_grouping=True),
                        "limit": number_format(MAX_CELL_CHARS, force_grouping=True),
                    },
                )
                row.cells[name] = None

    def read_row(self, row: Row) -> None:
        for bc in self.present:
            if bc.column.ref is None:
                raw = row.cells[bc.name]
                if bc.skip_blank and is_blank(raw):
                    continue
                try:
                    row.values[bc.name] = self.converters.get(bc.name, bc.converter).read(raw)
                except CellError as exc:
                    self.error(row, bc.name, exc)
        key = self.row_key(row)
        if key is None:
            # No object to match, but the row's other cells are still checked on a throwaway one.
            row.instance = self.new_instance(row)
            self.resolve_refs(row, row.instance)
            self.assign(row)
            self.validate_instance(row)
            row.instance = None
            return
        if key in self.seen:
            key_columns = ", ".join(self.header_labels.get(c.name, c.name) for c in self.columns if c.key)
            self.error(
                row,
                self.key_error_column(),
                _("Row %(row)s has the same %(columns)s: each object may appear only once in a file.")
                % {"row": self.seen[key], "columns": key_columns},
            )
            return
        self.seen[key] = row.number
        instance = self.find_existing(row, key)
        if instance is AMBIGUOUS:
            self.error(
                row,
                self.key_error_column(),
                _("Several stored records have this key, differing only in upper and lower case; rename one."),
            )
            return
        row.is_new = instance is None
        if row.is_new:
            instance = self.new_instance(row)
        row.instance = instance
        self.resolve_refs(row, instance)
        self.check_read_only(row)
        if row.is_new:
            self.assign(row)
            row.changed = True  # its "after" is taken once it is saved
        elif self.differs(row):
            row.before = changelog.serialize(instance)
            self.assign(row)
            row.after = changelog.serialize(instance)
            row.changed = row.after != row.before or bool(unsaved_relations(instance))
        if row.changed:
            self.validate_instance(row)
        self.after_row(row)
        if row.changed and not row.is_new and row.before is None:
            # Changed only through the sheet's own hook (a device's address): the log still needs "before".
            row.before = row.after = changelog.serialize(instance)

    def resolve(self, row: Row, name: str, instance: models.Model | None) -> None:
        """Find the object a reference cell names, narrowed by its scope column if it has one."""
        bc = self.present_by_name[name]
        if name in row.values or name in row.bad:
            return
        raw = row.cells.get(name)
        if is_blank(raw):
            if not bc.skip_blank:
                row.values[name] = None
            return
        scope: object = _ANY
        scope_name = bc.column.scope
        if scope_name:
            if scope_name in self.present_by_name:
                self.resolve(row, scope_name, instance)
            if scope_name in row.bad:
                return  # the scope cell is wrong: that error is enough
            scope_obj = row.values.get(scope_name)
            if scope_name not in row.values and instance is not None:
                scope_obj = self.column_object(instance, scope_name)  # not given: the stored one
            if scope_obj is not None:
                scope = scope_key(scope_obj)
        else:
            scope_obj = None
        text = str(raw).strip()
        try:
            found = self.lookups[bc.column.ref].find(text, scope)
        except MissingRef as exc:
            if not self.missing_ref(row, name, text, scope, scope_obj):
                self.error(row, name, exc)
            return
        except CellError as exc:
            self.error(row, name, exc)
            return
        row.values[name] = found
        if found.pk is None and id(found) in self._created_ids:
            self._created_ids[id(found)].uses.append((row.number, name))

    def missing_ref(self, row: Row, name: str, text: str, scope: object, scope_obj: models.Model | None) -> bool:
        """A name no object has, of a kind an import may create (a site, a rack at a known site).

        With ``create_missing`` the object is made (saved first in the write) and the row uses it;
        without, the row is marked and ``report_missing`` names the name once, with every row using
        it. False: not such a name (the caller reports the cell as it is).
        """
        ref = self.present_by_name[name].column.ref
        kind = self.lookups[ref].kind
        if kind.create is None or (kind.scope is not None and scope is _ANY):
            return False
        key = (ref, scope, normalize_key(text))
        entry = self.missing.get(key)
        if entry is None:
            entry = self.missing[key] = Missing(ref, text, within=str(scope_obj) if scope_obj else "")
            if self.create_missing:
                obj = kind.create(text, scope_obj)
                problems = validation.validate_preloaded(obj)
                if problems:
                    del self.missing[key]
                    self.error(row, name, "; ".join(message for _field, message in problems))
                    return True
                entry.obj = obj
                self._created_ids[id(obj)] = entry
                self.lookups[ref].add(obj, scope=None if scope is _ANY else scope)
        entry.uses.append((row.number, name))
        if entry.obj is not None:
            row.values[name] = entry.obj
        else:
            row.bad.add(name)
        return True

    def report_missing(self) -> None:
        """One error per missing name not created: on its first row, listing every row using it; the
        other rows are refused with a short pointer to it."""
        for entry in self.missing.values():
            if entry.obj is not None:
                continue
            noun = self.lookups[entry.ref].kind.noun
            (first, column), *others = sorted(entry.uses)
            message = _("No %(noun)s named “%(value)s” exists.") % {"noun": noun, "value": entry.name}
            if len(entry.rows) > 1:
                message = _("No %(noun)s named “%(value)s” exists; rows %(rows)s use it.") % {
                    "noun": noun,
                    "value": entry.name,
                    "rows": _join_numbers(entry.rows),
                }
            message += " " + _("Tick “Create missing sites and racks” or import the sites first.")
            self.error(first, column, message)
            for number, other_column in others:
                self.error(
                    number,
                    other_column,
                    _("No %(noun)s named “%(value)s” exists (see row %(row)s).")
                    % {"noun": noun, "value": entry.name, "row": first},
                )

    def created_refs(self) -> list[CreatedRef]:
        """The sites and racks this import creates, sites first, each with the rows that use it."""
        entries = [e for e in self.missing.values() if e.obj is not None]
        entries.sort(key=lambda e: e.ref != "site")
        return [CreatedRef(str(self.lookups[e.ref].kind.noun), e.name, e.within, tuple(e.rows)) for e in entries]

    def write_created_refs(self, rows: list[Row]) -> None:
        """Save the sites and racks the file names (sites first: racks stand in them), log them with the
        import, and point the rows' instances at their new keys."""
        created = [e.obj for e in self.missing.values() if e.obj is not None]
        if not created:
            return
        by_model: dict[type, list[models.Model]] = defaultdict(list)
        for obj in created:
            by_model[type(obj)].append(obj)
        order = sorted(by_model, key=lambda model: any(unsaved_relations(o) for o in by_model[model]))
        for model in order:
            objs = by_model[model]
            for obj in objs:
                for f, related in _cached_relations(obj):
                    setattr(obj, f.name, related)  # the site saved just before: take its key
            create_many(model, objs, validate=False, log=False, batch_size=BATCH_SIZE)
            self.extra_changes += [(o, ChangeAction.CREATE, None, changelog.serialize(o)) for o in objs]
        for row in rows:
            for f, related in _cached_relations(row.instance):
                if getattr(row.instance, f.attname) is None and id(related) in self._created_ids:
                    setattr(row.instance, f.name, related)

    def resolve_refs(self, row: Row, instance: models.Model | None) -> None:
        for bc in self.present:
            if bc.column.ref:
                self.resolve(row, bc.name, instance)

    def column_object(self, instance: models.Model, name: str) -> object:
        """The value (or related object) the instance holds for a column; None when unset."""
        column = next(c for c in self.columns if c.name == name)
        try:
            if column.get:
                return column.get(instance)
            return getattr(instance, column.field) if column.field else None
        except ObjectDoesNotExist:
            return None

    def check_read_only(self, row: Row) -> None:
        for bc in self.present:
            column = bc.column
            if not column.read_only or column.name not in row.values:
                continue
            value = row.values[column.name]
            if value is None or value == "":
                continue
            current = self.column_object(row.instance, column.name)
            if value != current:
                self.error(
                    row,
                    column.name,
                    _("This column cannot be changed by an import: %(reason)s") % {"reason": column.read_only},
                )

    def differs(self, row: Row) -> bool:
        """Whether any cell holds another value than the stored object (a cheap first look)."""
        instance = row.instance
        for bc in self.present:
            column = bc.column
            if not column.field or column.read_only or column.name not in row.values:
                continue
            value = row.values[column.name]
            if bc.model_field.is_relation:
                value = None if value is None else (value.pk if value.pk is not None else instance)
            if getattr(instance, bc.model_field.attname) != value:
                return True
        return False

    def assign(self, row: Row) -> None:
        instance = row.instance
        for bc in self.present:
            column = bc.column
            if column.field and not column.read_only and column.name in row.values:
                setattr(instance, column.field, row.values[column.name])

    def field_label(self, field_name: str) -> str:
        """The template column a model field's message belongs to (``error`` then names it as the
        file titles it, or, when the file lacks it, names the field without a column)."""
        for column in self.columns:
            if column.field == field_name:
                return column.name
        return "" if field_name == NON_FIELD_ERRORS else field_name

    def validate_instance(self, row: Row, instance: models.Model | None = None, column: str | None = None) -> None:
        """The model's own rules on the built instance: fields, clean(), check constraints.

        Foreign keys were found in preloaded lookups, so Django's per-row existence query is skipped.
        ``column`` sends every message to one column (for objects a single column fills).
        """
        instance = instance if instance is not None else row.instance
        bad_fields = {self.field_label_to_field(name) for name in row.bad} if row.bad else set()
        for field_name, message in validation.validate_preloaded(instance, exclude=bad_fields, cache=self.clean_cache):
            label = column or self.field_label(field_name)
            if label not in row.bad or column:
                self.error(row, label, message)
        for field_name, message in validation.unset_foreign_keys(instance, exclude=bad_fields):
            label = column or self.field_label(field_name)
            if label not in row.bad:
                self.error(row, label, message)
        for constraint in validation.broken_checks(instance):
            message = constraint.get_violation_error_message()
            label = column or self.field_label(validation.condition_fields(constraint.condition)[0])
            if (row.number, message) in self._row_messages or (label in row.bad and not column):
                continue  # clean() or a field validator already named this problem
            self.error(row, label, message)

    def field_label_to_field(self, column_name: str) -> str | None:
        for column in self.columns:
            if column.name == column_name:
                return column.field
        return None

    def check_unique(self, rows: list[Row]) -> None:
        """Uniqueness over the final state: the file's rows and the stored rows they leave alone."""
        model = self.model
        instances = [r.instance for r in rows]
        replaced = {i.pk for i in instances if i.pk is not None}
        using = router.db_for_write(model)
        for check in validation.unique_checks(model):
            label = self.field_label(check.fields[-1])
            message = _unique_message(check)
            for index, other in check.conflicts(instances, replaced, using):
                if other is None:
                    self.error(rows[index], label, message)
                else:
                    also = _("Also in row %(row)s.") % {"row": rows[other].number}
                    self.error(rows[index], label, f"{message} {also}")

    # --- hooks ---------------------------------------------------------------------------------
    def preload(self) -> None:
        """Load everything the rows may refer to, in a fixed number of queries."""
        for name in {c.ref for c in self.columns if c.ref}:
            self.lookups[name] = Lookup(self.refs[name])
        self.loaded = loaded = list(self.existing_queryset())
        for obj in loaded:
            key = self.instance_key(obj)
            # Two stored objects whose keys differ only in case: a row cannot say which one it means.
            self.existing[key] = AMBIGUOUS if key in self.existing else obj
        self.attach_related(loaded)

    def attach_related(self, instances: Iterable[models.Model]) -> None:
        """Give loaded instances their related objects from the lookups, so clean() runs no query."""
        pairs = []
        for column in self.columns:
            if column.ref and column.field and column.ref in self.lookups:
                pairs.append((self.model._meta.get_field(column.field), self.lookups[column.ref].by_pk))
        for instance in instances:
            for model_field, by_pk in pairs:
                related = by_pk.get(getattr(instance, model_field.attname))
                if related is not None:
                    model_field.set_cached_value(instance, related)

    def existing_queryset(self) -> models.QuerySet:
        # What the change log ignores is neither compared nor needed: not loaded (see unneeded_fields).
        return self.model._base_manager.defer(*unneeded_fields(self.model))

    def instance_key(self, obj: models.Model) -> object:
        raise NotImplementedError

    def row_key(self, row: Row) -> object | None:
        raise NotImplementedError

    def key_error_column(self) -> str:
        return next(c.name for c in self.columns if c.key)

    def find_existing(self, row: Row, key: object) -> models.Model | None:
        return self.existing.get(key)

    def new_instance(self, row: Row) -> models.Model:
        return self.model()

    def after_row(self, row: Row) -> None:
        """Per-row work beyond the sheet's own model (a device's address...)."""

    def check_rows(self, rows: list[Row]) -> None:
        """Checks across rows beyond uniqueness (a sheet that overrides it calls this one too)."""
        self.report_missing()

    # --- writing -------------------------------------------------------------------------------
    def write(self, rows: list[Row]) -> None:
        self.write_created_refs(rows)
        created = [r.instance for r in rows if r.is_new]
        updated = [r for r in rows if r.changed and not r.is_new]
        # References to objects that are new in this file are set once those have primary keys.
        deferred = [(r, f, obj) for r in rows for f, obj in unsaved_relations(r.instance)]
        for r, f, _obj in deferred:
            setattr(r.instance, f.name, None)
        self.create(created)
        late: dict[str, list[models.Model]] = defaultdict(list)
        for r, f, obj in deferred:
            setattr(r.instance, f.name, obj)
            if r.is_new:
                late[f.name].append(r.instance)
        for name, instances in late.items():
            # The base manager: these rows' records are written below, once, with their final state.
            self.model._base_manager.bulk_update(instances, [name], batch_size=BATCH_SIZE)
        for r in updated:
            r.after = changelog.serialize(r.instance)
        self.update(updated)
        self.after_write(rows)
        changes = [(r.instance, ChangeAction.CREATE, None, changelog.serialize(r.instance)) for r in rows if r.is_new]
        changes += [(r.instance, ChangeAction.UPDATE, r.before, changelog.serialize(r.instance)) for r in updated]
        changelog.record_bulk(changes + self.extra_changes)

    # The rows were checked while reading and the change log is written once, with the final state
    # (a new device's address is set after its insert): the write path neither checks nor logs here.
    def create(self, instances: list[models.Model]) -> None:
        create_many(self.model, instances, validate=False, log=False, batch_size=BATCH_SIZE)

    def update(self, rows: list[Row]) -> None:
        update_many(self.model, [(r.instance, r.before, r.after) for r in rows], log=False, batch_size=BATCH_SIZE)

    def after_write(self, rows: list[Row]) -> None:
        """Writes that need the new rows' primary keys."""

    # --- export --------------------------------------------------------------------------------
    def export_queryset(self) -> models.QuerySet:
        return self.model.objects.all()

    def export_rows(self) -> Iterator[list[object]]:
        bound = self.bound_columns()
        for obj in self.export_queryset().iterator(chunk_size=2000):
            yield [self.export_cell(obj, bc) for bc in bound]

    def export_cell(self, obj: models.Model, bc: BoundColumn) -> object:
        column = bc.column
        if column.get is not None:
            value = column.get(obj)
        elif column.field:
            value = getattr(obj, column.field)
        else:
            value = None
        if column.ref:
            return self.refs[column.ref].label(value) if value is not None else ""
        return bc.converter.export(value)


def _unique_message(check) -> str:
    """A unique rule's message as the import words it: the constraint's own, or the field's."""
    if check.constraint is not None:
        return check.constraint.get_violation_error_message()
    field = check.model_fields[0]
    return field.error_messages["unique"] % {
        "model_name": capfirst(check.model._meta.verbose_name),
        "field_label": field.verbose_name,
    }


def unneeded_fields(model: type[models.Model]) -> list[str]:
    """The fields an import need not load: those the change log ignores, but the version stamp
    (``last_updated``), which a bulk update moves on from its stored value (core.bulk.update_many);
    deferred, it would be read back with one query per changed row."""
    return [name for name in model.changelog_exclude if name != "last_updated"]


def _join_numbers(numbers: list[int]) -> str:
    """ "3, 5 and 9": row numbers as a sentence lists them (the first few, then how many more)."""
    numbers = sorted(set(numbers))
    shown = [str(n) for n in numbers[:10]]
    if len(numbers) > 10:
        return _("%(first)s and %(count)s more") % {"first": ", ".join(shown), "count": len(numbers) - 10}
    if len(shown) == 1:
        return shown[0]
    return _("%(first)s and %(last)s") % {"first": ", ".join(shown[:-1]), "last": shown[-1]}


def _cached_relations(instance: models.Model) -> list[tuple[models.Field, models.Model]]:
    """The foreign keys of ``instance`` whose related object is cached on it."""
    found = []
    for f in instance._meta.concrete_fields:
        if f.is_relation and f.is_cached(instance):
            obj = f.get_cached_value(instance)
            if obj is not None:
                found.append((f, obj))
    return found


def unsaved_relations(instance: models.Model) -> list[tuple[models.Field, models.Model]]:
    """Foreign keys of ``instance`` that point to objects not saved yet."""
    found = []
    for f in instance._meta.concrete_fields:
        if f.is_relation and f.is_cached(instance):
            obj = f.get_cached_value(instance)
            if obj is not None and obj.pk is None:
                found.append((f, obj))
    return found


__all__ = [
    "Column",
    "CreatedRef",
    "ImportFailed",
    "ImportResult",
    "Lookup",
    "MissingRef",
    "RefKind",
    "Row",
    "RowError",
    "RowOutcome",
    "Sheet",
]
