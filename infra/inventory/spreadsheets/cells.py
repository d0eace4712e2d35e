"""Reading and writing single cells the way Indonesian office spreadsheets hold them.

Dates come as dd/mm/yyyy, ISO, "6 Oktober 2025" or real XLSX date cells; numbers with a decimal
comma ("2,5") or a dot; choices as the code or a label in English or Indonesian.
"""

import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

_HEADER_JUNK = re.compile(r"[\W_]+")
_CHOICE_JUNK = re.compile(r"[\s_\-]+")
_INTEGER = re.compile(r"^[+-]?\d+$")
_MISSING = object()


class CellError(Exception):
    """A cell's text cannot be read as its column's type; the message says why."""


def normalize_header(text: object) -> str:
    """``"Nomor Seri "`` and ``"nomor-seri"`` both become ``"nomor_seri"``."""
    return _HEADER_JUNK.sub("_", str(text or "").casefold()).strip("_")


def normalize_key(text: object) -> str:
    """How names are compared when looking something up: case and extra spaces do not count."""
    return " ".join(str(text).split()).casefold()


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _number_text(raw: object) -> str:
    """A numeric cell or text as plain text with a dot for decimals (Indonesian "1.234,5" too)."""
    if isinstance(raw, bool):
        raise CellError(_("Enter a number."))
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return repr(raw)
    if isinstance(raw, Decimal):
        return str(raw)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        # The later separator is the decimal one; the other groups thousands.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    return text


class Converter:
    """Turns a cell into a Python value for a model field and back; describes what it accepts."""

    #: Value of an empty cell.
    blank_value: object = None
    #: Remember what each text stood for: dates, years, choices repeat down a column.
    memo: bool = False

    def parse(self, raw: object) -> object:
        raise NotImplementedError

    def read(self, raw: object) -> object:
        if raw.__class__ is not str:
            return self.blank_value if is_blank(raw) else self.parse(raw)
        if not raw or raw.isspace():  # every CSV cell takes this path
            return self.blank_value
        if not self.memo:
            return self.parse(raw)
        cache = self.__dict__.setdefault("_memo", {})
        value = cache.get(raw, _MISSING)
        if value is _MISSING:
            if len(cache) > 1000:  # converters live as long as the process: keep it small
                cache.clear()
            value = cache[raw] = self.parse(raw)
        return value

    def for_column(self, raws: "Iterable[object]") -> "Converter":
        """The converter for one column of one file, given all its cells: a number column decides
        there whether "4.000" is four thousand or four (its other cells tell). By default itself."""
        return self

    def export(self, value: object) -> object:
        """The cell value for an export: text, a number, a date or None."""
        return value

    def allowed(self) -> str:
        return ""


class Text(Converter):
    def __init__(self, *, null: bool = False):
        self.blank_value = None if null else ""

    def parse(self, raw: object) -> object:
        if raw.__class__ is str:
            return raw.strip()
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))  # a serial number that a spreadsheet stored as a number
        if isinstance(raw, datetime.datetime):
            return raw.date().isoformat() if raw.time() == datetime.time() else raw.isoformat()
        if isinstance(raw, datetime.date):
            return raw.isoformat()
        return str(raw).strip()

    def export(self, value: object) -> object:
        return "" if value is None else value


class Integer(Converter):
    memo = True

    def parse(self, raw: object) -> int:
        text = _number_text(raw)
        if _INTEGER.match(text):
            return int(text)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(_("Enter a whole number.")) from None
        if number != number.to_integral_value():
            raise CellError(_("Enter a whole number."))
        return int(number)

    def allowed(self) -> str:
        return _("a whole number")


class Number(Converter):
    """A decimal number; read at the field's precision so that "2,5" equals a stored 2.500."""

    memo = True

    def __init__(self, decimal_places: int | None = None):
        self.quantum = Decimal(1).scaleb(-decimal_places) if decimal_places is not None else None

    def parse(self, raw: object) -> Decimal:
        try:
            number = Decimal(_number_text(raw))
        except InvalidOperation:
            raise CellError(_("Enter a number, for example 2,5 or 2.5.")) from None
        if not number.is_finite():
            raise CellError(_("Enter a number, for example 2,5 or 2.5."))
        if self.quantum is not None and number.as_tuple().exponent >= self.quantum.as_tuple().exponent:
            # More decimals than the field holds are left for the model's own check to report.
            number = number.quantize(self.quantum)
        return number

    def export(self, value: object) -> object:
        return value

    def allowed(self) -> str:
        return _("a number; decimal comma or dot (2,5 or 2.5)")


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "january", "jan"),
            ("februari", "february", "feb", "pebruari"),
            ("maret", "march", "mar"),
            ("april", "apr"),
            ("mei", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("agustus", "august", "agu", "ags", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov", "nopember"),
            ("desember", "december", "des", "dec"),
        ],
        start=1,
    )
    for name in names
}
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_D_MONTH_Y = re.compile(r"^(\d{1,2})[\s\-]+([^\W\d_]+)\.?[\s\-]+(\d{4})$")


class Date(Converter):
    memo = True

    def parse(self, raw: object) -> datetime.date:
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        text = str(raw).strip()
        day = month = year = None
        if m := _ISO.match(text):
            year, month, day = (int(g) for g in m.groups())
        elif m := _DMY.match(text):
            day, month, year = (int(g) for g in m.groups())
        elif (m := _D_MONTH_Y.match(text)) and m.group(2).casefold() in _MONTHS:
            day, month, year = int(m.group(1)), _MONTHS[m.group(2).casefold()], int(m.group(3))
        if day is None:
            raise CellError(_("Enter a date as dd/mm/yyyy or yyyy-mm-dd."))
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise CellError(_("%(value)s is not a valid date.") % {"value": text}) from None

    def allowed(self) -> str:
        return _("a date: dd/mm/yyyy, yyyy-mm-dd or a date cell")


_TRUE = {"ya", "y", "yes", "true", "1", "benar", "on"}
_FALSE = {"tidak", "tdk", "no", "n", "false", "0", "salah", "off"}


class Boolean(Converter):
    blank_value = False

    def parse(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        text = normalize_key(raw)
        if isinstance(raw, (int, float)) and raw in (0, 1):
            return bool(raw)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellError(_("Enter ya or tidak."))

    def export(self, value: object) -> object:
        return "ya" if value else "tidak"

    def allowed(self) -> str:
        return _("ya or tidak (yes/no); empty means tidak")


def _choice_key(text: object) -> str:
    return _CHOICE_JUNK.sub(" ", str(text).casefold()).strip()


class Choice(Converter):
    """One value of a choice list, given as its code or a label in English or Indonesian.

    Indonesian labels come from the translation catalogue when there is one and from
    ``indonesian`` (code -> labels), which spreadsheets in the field already use.
    """

    memo = True

    def __init__(
        self,
        choices: type[models.Choices] | Iterable[tuple[object, object]],
        indonesian: Mapping[object, Iterable[str]] | None = None,
    ):
        self.choices = list(choices.choices if isinstance(choices, type) else choices)
        self.indonesian = dict(indonesian or {})
        self.integer = all(isinstance(value, int) for value, _label in self.choices)
        self._accepted: dict[str, object] | None = None

    def accepted(self) -> dict[str, object]:
        """Every accepted spelling, normalized, with the value it stands for; codes win ties."""
        if self._accepted is None:
            accepted: dict[str, object] = {}
            spellings: list[tuple[str, object]] = [(str(v), v) for v, _label in self.choices]
            for language in ("en", "id"):
                with translation.override(language):
                    spellings += [(str(label), v) for v, label in self.choices]
            spellings += [(label, v) for v, labels in self.indonesian.items() for label in labels]
            for text, value in spellings:
                accepted.setdefault(_choice_key(text), value)
            self._accepted = accepted
        return self._accepted

    def parse(self, raw: object) -> object:
        if self.integer and not isinstance(raw, str):
            raw = Integer().parse(raw)
        key = _choice_key(raw)
        if self.integer and key.endswith(" nm"):
            key = key[:-3]
        try:
            return self.accepted()[key]
        except KeyError:
            raise CellError(
                _("%(value)s is not an allowed value. Allowed: %(allowed)s.")
                % {"value": str(raw).strip(), "allowed": ", ".join(str(v) for v, _label in self.choices)}
            ) from None

    def allowed(self) -> str:
        parts = []
        for value, label in self.choices:
            extra = [str(label)] if str(label) != str(value) else []
            extra += [t for t in self.indonesian.get(value, ()) if t not in extra]
            parts.append(f"{value} ({' / '.join(extra)})" if extra else str(value))
        return "; ".join(parts)


class Reference(Text):
    """The name of a related object (a site, an OPD...): the sheet looks it up."""

    def __init__(self, description: str):
        super().__init__(null=True)
        self.description = description

    def allowed(self) -> str:
        return self.description
