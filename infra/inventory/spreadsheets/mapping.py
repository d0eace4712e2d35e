"""Which column of a file fills which column of the template: proposed, confirmed, saved, reused.

A city office's sheet titles its columns its own way ("Nama Server", "Tgl. Pengadaan"). The
proposal places each of the file's columns: a mapping given by the user first, else a saved
mapping that fits the header, else the template's own names, then the synonyms of
``synonyms.HEADER_SYNONYMS``, then a cautious fuzzy match. The user confirms or changes it (the
import page, ``import_data --map``), and may give a value for every row to a column the file
lacks (``--set jenis=server``). A column nothing places is not guessed: the import names it as an
unknown column until it is mapped or ignored.
"""

import datetime
import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from infra.core.choices import ChangeSource
from infra.core.context import change_context, current_context

from .cells import CellError, Choice, is_blank, normalize_header
from .engine import IGNORED_HEADERS, Sheet
from .tables import Table

if TYPE_CHECKING:
    from ..models import ImportMapping

# How sure a proposal is, strongest first: the user's own mapping, the template's names, a synonym, a guess.
HOW = ("mapping", "name", "synonym", "fuzzy", "none")
# difflib's similarity a title needs to be proposed as a near-miss of a known one ("Nama Servr").
FUZZY_CUTOFF = 0.86
SAMPLES = 3
SAMPLE_CHARS = 60


class MappingError(ValueError):
    """A mapping names columns the template does not have, or cannot be read; the message says which."""


def _sheet(kind: str | type[Sheet]) -> type[Sheet]:
    if isinstance(kind, str):
        from . import get_sheet

        return get_sheet(kind)
    return kind


def resolve_column(sheet: type[Sheet], text: str) -> str | None:
    """The template column ``text`` names (its name, field or an alias, any case); None if none."""
    found = sheet.title_index().get(normalize_header(text))
    return found[0] if found is not None and found[1] == "name" else None


@dataclass
class ColumnMapping:
    """How a file of one shape is read.

    ``columns``: the file's title, normalized (``normalize_header``) -> template column, "" to
    ignore it; a title not listed is placed by the template's own names. ``constants``: template
    column -> the raw text every row takes.
    """

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    name: str = ""

    def to_json(self) -> dict:
        return {"name": self.name, "columns": dict(self.columns), "constants": dict(self.constants)}

    @classmethod
    def from_json(cls, data: object, kind: str | type[Sheet] | None = None) -> "ColumnMapping":
        """A mapping from its JSON form; with ``kind``, every column it names must be the template's.

        Titles may be written as the file writes them ("Nama Server"); columns by name, field or
        alias. Raises MappingError naming what is wrong.
        """
        if not isinstance(data, Mapping):
            raise MappingError(_("A column mapping is an object with “columns” and “constants”."))
        columns, constants = data.get("columns") or {}, data.get("constants") or {}
        if not isinstance(columns, Mapping) or not isinstance(constants, Mapping):
            raise MappingError(_("A column mapping is an object with “columns” and “constants”."))
        for key, value in (*columns.items(), *constants.items()):
            if not isinstance(key, str) or not isinstance(value, str | int | float) or isinstance(value, bool):
                raise MappingError(_("A column mapping holds only texts: “%(key)s” does not.") % {"key": key})
        mapping = cls(
            columns={normalize_header(k): str(v).strip() for k, v in columns.items() if normalize_header(k)},
            constants={str(k).strip(): str(v).strip() for k, v in constants.items()},
            name=str(data.get("name") or ""),
        )
        return mapping.validated(kind) if kind is not None else mapping

    def validated(self, kind: str | type[Sheet]) -> "ColumnMapping":
        """This mapping with every column as the template names it; MappingError for an unknown one."""
        sheet = _sheet(kind)
        unknown = []
        columns = {}
        for title, target in self.columns.items():
            title = normalize_header(title)
            if not title:
                continue
            if target in ("", "-"):
                columns[title] = ""
                continue
            name = resolve_column(sheet, target)
            if name is None:
                unknown.append(target)
            columns[title] = name or ""
        constants = {}
        read_only = []
        for target, value in self.constants.items():
            name = resolve_column(sheet, target)
            if name is None:
                unknown.append(target)
            elif next(c for c in sheet.columns if c.name == name).read_only:
                read_only.append(name)
            elif value != "":
                constants[name] = value
        if unknown:
            raise MappingError(
                _("The %(kind)s template has no column %(unknown)s. The columns are: %(columns)s.")
                % {
                    "kind": sheet.kind,
                    "unknown": ", ".join(f"“{u}”" for u in unknown),
                    "columns": ", ".join(sheet.header()),
                }
            )
        if read_only:
            raise MappingError(
                _("%(columns)s cannot be given a value for every row: an import does not change it.")
                % {"columns": ", ".join(read_only)}
            )
        return ColumnMapping(columns=columns, constants=constants, name=self.name)


@dataclass
class ColumnProposal:
    """One column of the file and the template column proposed for it."""

    index: int
    title: str
    # The first non-empty cells, as text.
    samples: list[str]
    # The template column; "" ignores the file's column (or, with how "none", nothing places it).
    column: str
    # "mapping" (the given or saved mapping), "name" (the template's own name), "synonym", "fuzzy", "none".
    how: str
    # When two columns of the file were proposed for one template column: the title that kept it.
    duplicate_of: str = ""


@dataclass
class Proposal:
    columns: list[ColumnProposal]
    constants: dict[str, str]
    # The saved mapping used, if any (its name).
    saved: str = ""
    # Key or required template columns that no file column and no constant fills.
    missing: list[str] = field(default_factory=list)

    def mapping(self) -> ColumnMapping:
        """The mapping an import uses: every placed or ignored column; unplaced ones stay unknown."""
        return ColumnMapping(
            columns={normalize_header(p.title): p.column for p in self.columns if p.how != "none"},
            constants=dict(self.constants),
            name=self.saved,
        )

    def to_json(self) -> dict:
        return {
            "columns": [
                {
                    "index": p.index,
                    "title": p.title,
                    "samples": p.samples,
                    "column": p.column,
                    "how": p.how,
                    "duplicate_of": p.duplicate_of,
                }
                for p in self.columns
            ],
            "constants": dict(self.constants),
            "saved": self.saved,
            "missing": list(self.missing),
        }

    def describe(self) -> list[str]:
        """One line per column of the file, for the command line: ``"Nama Server" -> nama (synonym)``."""
        hows = how_labels()
        lines = []
        for p in self.columns:
            if p.column:
                target = p.column
            elif p.how == "none":
                target = _("(unknown: map it or ignore it)")
            else:
                target = _("(ignored)")
            line = f"“{p.title}” -> {target}"
            if p.how != "none":
                line += f" ({hows[p.how]})"
            if p.duplicate_of:
                line += " " + _("same column as “%(title)s”") % {"title": p.duplicate_of}
            lines.append(line)
        for name, value in self.constants.items():
            lines.append(_("%(column)s = “%(value)s” for every row") % {"column": name, "value": value})
        return lines


def how_labels() -> dict[str, str]:
    """How a proposal was found, in the user's language (the page's badges, the command's lines)."""
    return {
        "mapping": _("mapping"),
        "name": _("template name"),
        "synonym": _("synonym"),
        "fuzzy": _("a guess: check it"),
        "none": _("not recognised"),
    }


def sample_text(cell: object) -> str:
    """A cell as the page and the command show it."""
    if isinstance(cell, datetime.datetime) and cell.time() == datetime.time():
        cell = cell.date()
    if isinstance(cell, datetime.date):
        text = cell.strftime("%d/%m/%Y")
    elif isinstance(cell, float) and cell.is_integer():
        text = str(int(cell))
    else:
        text = " ".join(str(cell).split())
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


def _samples(table: Table, width: int) -> list[list[str]]:
    found: list[list[str]] = [[] for _ in range(width)]
    open_ = set(range(width))
    for _number, cells in table.rows:
        for index in list(open_):
            if index < len(cells) and not is_blank(cells[index]):
                found[index].append(sample_text(cells[index]))
                if len(found[index]) >= SAMPLES:
                    open_.discard(index)
        if not open_:
            break
    return found


def _match(sheet: type[Sheet], key: str) -> tuple[str, str, float]:
    """(template column, how, score) for a normalized title, from the template's own knowledge."""
    if key in IGNORED_HEADERS:
        return "", "name", 1.0
    index = sheet.title_index()
    if key in index:
        column, how = index[key]
        return column, how, 1.0
    close = difflib.get_close_matches(key, list(index), n=1, cutoff=FUZZY_CUTOFF)
    if close:
        return index[close[0]][0], "fuzzy", difflib.SequenceMatcher(None, key, close[0]).ratio()
    return "", "none", 0.0


def _from_saved(saved: "ImportMapping", sheet: type[Sheet]) -> ColumnMapping:
    return ColumnMapping.from_json({"columns": saved.columns, "constants": saved.constants, "name": saved.name}, sheet)


def find_saved(kind: str | type[Sheet], header: Sequence[object]) -> ColumnMapping | None:
    """The saved mapping of ``kind`` whose titles all appear in ``header`` (the most titles wins)."""
    from ..models import ImportMapping

    sheet = _sheet(kind)
    keys = {normalize_header(h) for h in header} - {""}
    best, best_count = None, 0
    for saved in ImportMapping.objects.filter(kind=sheet.kind).order_by("-last_updated", "name"):
        try:
            candidate = _from_saved(saved, sheet)
        except MappingError:
            continue  # the template changed since it was saved: not proposed
        titles = set(candidate.columns)
        if titles and titles <= keys and len(titles) > best_count:
            best, best_count = candidate, len(titles)
    return best


def propose(kind: str | type[Sheet], table: Table, *, mapping: ColumnMapping | None = None) -> Proposal:
    """How the file's columns fill the template's: a given mapping first (titles it does not
    name are placed as below), else a saved mapping that fits the header, else per column the
    template's names, the synonyms, a fuzzy match. A numbering column ("No") is ignored."""
    sheet = _sheet(kind)
    header = [str(h).strip() if h is not None else "" for h in table.header]
    keys = [normalize_header(h) for h in header]
    matches = {key: _match(sheet, key) for key in keys if key}
    if mapping is None and any(matches[key][1] != "name" for key in matches):
        # Only a file not in the template's own shape looks for a saved mapping (no query otherwise).
        mapping = find_saved(sheet, header)
    elif mapping is not None:
        mapping = mapping.validated(sheet)
    given = mapping.columns if mapping is not None else {}
    samples = _samples(table, len(header))
    columns: list[ColumnProposal] = []
    scores: list[float] = []
    for index, (title, key) in enumerate(zip(header, keys, strict=True)):
        if not key:
            continue
        if key in given:
            column, how, score = given[key], "mapping", 1.0
        else:
            column, how, score = matches[key]
        columns.append(ColumnProposal(index, title, samples[index], column, how))
        scores.append(score)
    constants = dict(mapping.constants) if mapping is not None else {}
    _by_values(sheet, columns, set(constants))
    _settle_duplicates(columns, scores)
    filled = {p.column for p in columns if p.column} | set(constants)
    instance = sheet()
    missing = list(instance.missing_key_columns(filled))
    missing += [bc.name for bc in sheet.bound_columns() if bc.required and not bc.column.key and bc.name not in filled]
    return Proposal(columns, constants, saved=mapping.name if mapping is not None else "", missing=missing)


def _by_values(sheet: type[Sheet], columns: list[ColumnProposal], constants: set[str]) -> None:
    """A column that only its title's synonym sends to a text column, whose first values are all words
    of a choice column the file has no column for ("Tipe": "Server", "Switch"), is proposed for that
    choice column instead, as a guess to confirm ("fuzzy"). Key columns are never re-proposed."""
    bound = {bc.name: bc for bc in sheet.bound_columns()}
    filled = {p.column for p in columns if p.column} | constants
    choices = [
        bc for bc in bound.values() if isinstance(bc.converter, Choice) and not (bc.column.read_only or bc.column.key)
    ]
    for p in columns:
        target = bound.get(p.column)
        if p.how not in ("synonym", "fuzzy") or not p.samples or target is None or target.column.key:
            continue
        if isinstance(target.converter, Choice):
            continue
        for bc in choices:
            if bc.name not in filled and _all_read(bc.converter, p.samples):
                filled.add(bc.name)
                p.column, p.how = bc.name, "fuzzy"
                break


def _all_read(converter: Choice, samples: list[str]) -> bool:
    try:
        for sample in samples:
            converter.read(sample)
    except CellError:
        return False
    return True


def _settle_duplicates(columns: list[ColumnProposal], scores: list[float]) -> None:
    """Two file columns proposed for one template column: the better match keeps it, the other is
    ignored. Two as sure as each other by the user's mapping or the template's names stay: the
    import then says they are the same column (nothing is dropped without the user's word)."""
    by_column: dict[str, list[int]] = {}
    for i, p in enumerate(columns):
        if p.column:
            by_column.setdefault(p.column, []).append(i)
    for indexes in by_column.values():
        if len(indexes) < 2:
            continue
        ranked = sorted(indexes, key=lambda i: (HOW.index(columns[i].how), -scores[i], i))
        best = columns[ranked[0]]
        for i in ranked[1:]:
            other = columns[i]
            if other.how == best.how and best.how in ("mapping", "name"):
                continue
            other.column, other.duplicate_of = "", best.title


def load(kind: str | type[Sheet], name_or_path: str | Path) -> ColumnMapping:
    """A saved mapping of ``kind`` by its name, else a JSON file (``to_json``'s form)."""
    from ..models import ImportMapping

    sheet = _sheet(kind)
    saved = ImportMapping.objects.filter(kind=sheet.kind, name=str(name_or_path)).first()
    if saved is not None:
        return _from_saved(saved, sheet)
    path = Path(name_or_path)
    if not path.is_file():
        raise MappingError(
            _("No saved mapping named “%(name)s” for %(kind)s, and no such file.")
            % {"name": name_or_path, "kind": sheet.kind}
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MappingError(
            _("The mapping file %(file)s cannot be read: %(error)s") % {"file": path, "error": exc}
        ) from None
    return ColumnMapping.from_json(data, sheet)


def clean_name(name: str) -> str:
    """A mapping's name as it is saved; MappingError when it is empty or too long (checked before an
    import that will save its mapping, so that the import is not saved while its mapping is refused)."""
    from ..models import ImportMapping

    name = " ".join(str(name).split())
    if not name:
        raise MappingError(_("Give the mapping a name."))
    max_length = ImportMapping._meta.get_field("name").max_length
    if len(name) > max_length:
        raise MappingError(_("A mapping's name has at most %(count)s characters.") % {"count": max_length})
    return name


def save(kind: str | type[Sheet], name: str, mapping: ColumnMapping, *, user: object | None) -> "ImportMapping":
    """Save ``mapping`` under ``name`` for ``kind`` (replacing one of that name), logged as ``user``'s change."""
    from ..models import ImportMapping

    sheet = _sheet(kind)
    name = clean_name(name)
    mapping = mapping.validated(sheet)
    outer = current_context()
    with change_context(user=user, source=outer.source or ChangeSource.OTHER, request_id=outer.request_id):
        saved = ImportMapping.objects.filter(kind=sheet.kind, name=name).first() or ImportMapping(
            kind=sheet.kind, name=name
        )
        saved.columns, saved.constants = dict(mapping.columns), dict(mapping.constants)
        saved.save()
    return saved


def synonyms_markdown() -> str:
    """The synonyms of ``HEADER_SYNONYMS`` as the tables of docs/import-formats.md (a test keeps them equal)."""
    from .synonyms import HEADER_SYNONYMS

    lines = []
    for kind, by_column in HEADER_SYNONYMS.items():
        lines += [f"**{kind}**", "", "| column | also read from a column titled |", "|---|---|"]
        for column, titles in by_column.items():
            lines.append(f"| `{column}` | " + ", ".join(f"{title}" for title in titles) + " |")
        lines.append("")
    return "\n".join(lines)


__all__ = [
    "ColumnMapping",
    "ColumnProposal",
    "MappingError",
    "Proposal",
    "clean_name",
    "find_saved",
    "how_labels",
    "load",
    "propose",
    "resolve_column",
    "save",
    "synonyms_markdown",
]
