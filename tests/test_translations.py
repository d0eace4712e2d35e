"""The Indonesian catalogue is complete, correct and compiled: Indonesian is the default language.

Django ignores empty and fuzzy entries and reads only the compiled .mo, so a string missing from
either shows up in English on an Indonesian page. These tests need no gettext tools: the .po is
parsed here, the .mo is read with Python's own gettext, and the code's strings are collected the
way ``makemessages`` collects them (Python calls by keyword, templates through Django's
``templatize``).
"""

import ast
import gettext
import io
import os
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

from infra.inventory.choices import BlockerCategory
from infra.inventory.models import MigrationBlocker
from infra.inventory.services.migration import start_tracking

from .factories import DeviceFactory

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# What `make messages` passes to makemessages (--ignore), plus makemessages' own ignores.
IGNORED_DIRS = {".venv", "var", "bench", "tests", "locale", "node_modules", "__pycache__"}
# Keyword -> (position of msgctxt or None, position of msgid, position of msgid_plural or None),
# as xgettext's Python defaults plus the keywords makemessages adds.
KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@dataclass
class Entry:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    msgstrs: list[str]
    flags: set[str]

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header's fields and the entries (obsolete ``#~`` entries are skipped)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        lines = [line for line in block.splitlines() if line.strip() and not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        fields: dict[str, str] = {}
        flags: set[str] = set()
        current = None
        for line in lines:
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[current] += _unquote(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = _unquote(value)
        msgstrs = [fields[k] for k in sorted(k for k in fields if k.startswith("msgstr"))]
        entries.append(Entry(fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural"), msgstrs, flags))
    header_entry = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    header = dict(line.split(": ", 1) for line in header_entry.msgstrs[0].splitlines() if ": " in line)
    return header, [e for e in entries if e is not header_entry]


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text.replace("%%", "")))


def _keyword_of(func: ast.expr) -> str | None:
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name if name in KEYWORDS else None


def _strings_in_python(source: str) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and (keyword := _keyword_of(node.func)):
            ctx, msgid, _plural = KEYWORDS[keyword]
            args = node.args
            literal = [isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args]
            if len(args) > msgid and literal[msgid] and (ctx is None or literal[ctx]):
                found.add((args[ctx].value if ctx is not None else None, args[msgid].value))
    return found


def _strings_in_template(source: str, origin: str) -> set[tuple[str | None, str]]:
    """``templatize`` turns {% translate %} and {% blocktranslate %} into gettext calls among filler."""
    found = set()
    tokens = list(tokenize.generate_tokens(io.StringIO(templatize(source, origin)).readline))
    for i, token in enumerate(tokens):
        if token.type == tokenize.NAME and token.string in KEYWORDS and tokens[i + 1].string == "(":
            ctx, msgid, _plural = KEYWORDS[token.string]
            args = [_unquote(t.string) for t in tokens[i + 2 :] if t.type == tokenize.STRING][: msgid + 1]
            found.add((args[ctx] if ctx is not None else None, args[msgid]))
    return found


def strings_in_code() -> dict[tuple[str | None, str], str]:
    """Every translatable string in the project's code and templates, with one file it is in."""
    found: dict[tuple[str | None, str], str] = {}
    paths = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        paths += [Path(folder) / name for name in sorted(files)]
    for path in paths:
        relative = path.relative_to(ROOT)
        if path.suffix == ".py":
            keys = _strings_in_python(path.read_text(encoding="utf-8"))
        elif path.suffix in (".html", ".txt"):
            keys = _strings_in_template(path.read_text(encoding="utf-8"), str(relative))
        else:
            continue
        for key in keys:
            found.setdefault(key, str(relative))
    return found


@pytest.fixture(scope="module")
def catalogue():
    return parse_po(PO)


@pytest.fixture(scope="module")
def entries(catalogue):
    return catalogue[1]


def describe(entry: Entry) -> str:
    return repr(entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}|{entry.msgid}")


def test_the_catalogue_is_not_empty(entries):
    # A broken parser or an emptied file would make every other check pass vacuously.
    assert len(entries) > 500
    assert any(e.msgid == "Dashboard" for e in entries)


def test_the_header_declares_indonesian_and_one_plural_form(catalogue):
    header, _ = catalogue
    assert header["Language"] == "id"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    # Django's own Indonesian catalogue uses one form; a different rule would split the catalogues.
    assert header["Plural-Forms"] == "nplurals=1; plural=0;"


def test_every_entry_is_translated_and_not_fuzzy(entries):
    fuzzy = [describe(e) for e in entries if "fuzzy" in e.flags]
    empty = [describe(e) for e in entries if not all(s.strip() for s in e.msgstrs)]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (Django ignores them): {fuzzy[:20]}"
    assert not empty, f"{len(empty)} untranslated entries: {empty[:20]}"


def test_plural_entries_have_exactly_one_form(entries):
    wrong = [describe(e) for e in entries if e.msgid_plural is not None and len(e.msgstrs) != 1]
    assert not wrong, wrong


def test_placeholders_are_kept(entries):
    """A lost or renamed %(name)s raises KeyError, or drops the value, when the message is shown."""
    wrong = []
    for e in entries:
        for msgstr in e.msgstrs:
            if "python-format" in e.flags and placeholders(msgstr) != placeholders(e.msgid):
                wrong.append(f"{describe(e)} -> {msgstr!r}")
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalogue_holds_every_translation(entries):
    """The committed .mo is what Django reads: it must match the .po entry for entry."""
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    missing, different = [], []
    for e in entries:
        context = f"{e.msgctxt}\x04" if e.msgctxt is not None else ""
        if e.msgid_plural is None:
            key, expected = context + e.msgid, e.msgstrs[0]
        else:
            key, expected = (context + e.msgid, 0), e.msgstrs[0]
        if key not in compiled._catalog:
            missing.append(describe(e))
        elif compiled._catalog[key] != expected:
            different.append(describe(e))
    assert not missing, f"{len(missing)} entries of the .po are not in the .mo (run `make messages`): {missing[:20]}"
    assert not different, f"{len(different)} entries differ between .po and .mo (run `make messages`): {different[:20]}"
    # Nothing stale either: the .mo holds the .po's entries and its header, no more.
    assert len(compiled._catalog) == len(entries) + 1


def test_every_string_in_the_code_is_in_the_catalogue(entries):
    """A string added to the code but not to locale/id shows up in English on Indonesian pages."""
    known = {e.key for e in entries}
    missing = {key: where for key, where in strings_in_code().items() if key not in known}
    assert not missing, (
        f"{len(missing)} strings are not in locale/id (run `make messages` and translate them): "
        + "; ".join(f"{msgid!r} ({where})" for (_ctx, msgid), where in sorted(missing.items())[:20])
    )


def test_django_serves_the_translations():
    """Read through Django (LOCALE_PATHS, the plural rule), not only the file."""
    with translation.override("id"):
        assert translation.gettext("Dashboard") == "Dasbor"
        assert translation.gettext("Cut over") == "Cut-over"
        for n in (1, 2, 5):
            text = translation.ngettext("Deleted %(n)d object.", "Deleted %(n)d objects.", n) % {"n": n}
            assert text == f"{n} objek dihapus."
    with translation.override("en"):
        assert translation.gettext("Dashboard") == "Dashboard"


def test_pages_are_indonesian_by_default(client, engineer):
    client.force_login(engineer)
    html = client.get("/").content.decode()
    assert re.search(r"<h1[^>]*>Dasbor</h1>", html)
    assert "Keluar" in html and "Log out" not in html


def test_the_progress_page_names_the_top_blocker_in_indonesian(client, engineer):
    """Choice values such as ``sign_off`` are codes: the page shows their translated label."""
    migration = start_tracking(DeviceFactory())
    MigrationBlocker.objects.create(migration=migration, category=BlockerCategory.SIGN_OFF)
    client.force_login(engineer)
    html = client.get("/migrations/progress/").content.decode()
    table = re.search(r'(?s)data-testid="per-organization".*?</table>', html).group(0)
    assert "Persetujuan pemilik" in table
    assert "sign_off" not in table and "Owner sign-off" not in table


def test_the_column_chooser_names_columns_by_their_translated_field_names(client, engineer):
    client.force_login(engineer)
    html = client.get("/regions/").content.decode()
    chooser = re.search(r'(?s)data-testid="column-chooser".*?</form>', html).group(0)
    labels = re.findall(r'<label class="form-check-label[^"]*" for="col-[^"]+">([^<]*)</label>', chooser)
    assert {"Nama", "Jenis", "Kode Kemendagri", "Induk"} <= set(labels)
    assert not {"name", "kind", "code", "parent"} & set(labels)
