"""Reading and writing single cells the way Indonesian office spreadsheets hold them.

Dates come as dd/mm/yyyy, ISO, "Senin, 6 Oktober 2025", date cells or date serials; numbers
grouped the Indonesian way ("1.234.567,5") or the English way, money as "Rp 314.000.000,-"; choices
as the code, a label, or the everyday words of ``synonyms.INDONESIAN_LABELS``. A cell is read as
one value or refused with a message that says what to write: never a guess that changes a number's
magnitude ("4.000" is four thousand or refused, never four without a word).
"""

import copy
import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

_HEADER_JUNK = re.compile(r"[\W_]+")
_CHOICE_JUNK = re.compile(r"[\W_]+")
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


# --- numbers ----------------------------------------------------------------------------------
# Indonesian sheets group thousands with dots and write decimals after a comma (1.234.567,5);
# English ones the other way round (1,234,567.5). A lone separator followed by exactly three
# digits ("4.000", "2,500") may be either: the column's other cells decide (``for_column``), and
# when they cannot, a whole-number or money column reads thousands and a decimal column refuses.
_SPACE_CHARS = re.compile(r"[\s\u00a0\u2007\u202f]+")
_SPACE_GROUPED = re.compile(r"^[1-9]\d{0,2}(?: \d{3})+(?:[.,]\d+)?$")
_GROUPED = {sep: re.compile(r"^[1-9]\d{0,2}(?:" + re.escape(sep) + r"\d{3})+$") for sep in ".,"}
_LEADING_GROUP = re.compile(r"^[1-9]\d{0,2}$")
_NUMBER_CHARS = re.compile(r"^[\d., ]+$")
_MINUS = "-\u2212"
_OTHER_SEPARATOR = {".": ",", ",": "."}
#: A column whose cells write decimals both with a comma and with a dot.
CONFLICT = "?"


class _NotANumber(ValueError):
    pass


class _BadGrouping(ValueError):
    pass


@dataclass(frozen=True)
class _Shape:
    """What a number's text says: its digits, the decimal separator it shows, or a lone
    separator before three digits that may group thousands or start decimals."""

    negative: bool
    whole: str
    fraction: str = ""
    decimal: str = ""
    ambiguous: str = ""


def _shape(text: str) -> _Shape:
    """The shape of a number written as text; _NotANumber or _BadGrouping when it is neither."""
    text = _SPACE_CHARS.sub(" ", text).strip()
    negative = text[:1] in _MINUS
    if text[:1] in _MINUS or text[:1] == "+":
        text = text[1:].lstrip()
    if not text or not _NUMBER_CHARS.match(text) or not any(c.isdigit() for c in text):
        raise _NotANumber
    if " " in text:
        if not _SPACE_GROUPED.match(text):
            raise _BadGrouping if text.replace(" ", "").isdigit() else _NotANumber
        text = text.replace(" ", "")
        sep = "," if "," in text else "." if "." in text else ""
        whole, _sep, fraction = text.partition(sep) if sep else (text, "", "")
        return _Shape(negative, whole, fraction, sep)
    dots, commas = text.count("."), text.count(",")
    if not dots and not commas:
        return _Shape(negative, text)
    if dots and commas:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        group = _OTHER_SEPARATOR[decimal]
        whole, _sep, fraction = text.rpartition(decimal)
        if decimal in whole or not fraction or not _GROUPED[group].match(whole):
            raise _BadGrouping
        return _Shape(negative, whole.replace(group, ""), fraction, decimal)
    sep = "." if dots else ","
    if dots + commas > 1:
        if not _GROUPED[sep].match(text):
            raise _BadGrouping
        return _Shape(negative, text.replace(sep, ""), "", _OTHER_SEPARATOR[sep])
    whole, _sep, fraction = text.partition(sep)
    if not fraction:
        raise _NotANumber
    if len(fraction) == 3 and _LEADING_GROUP.match(whole):
        return _Shape(negative, whole, fraction, ambiguous=sep)
    return _Shape(negative, whole or "0", fraction, sep)


def _shown_decimal(texts: "Iterable[str]") -> str:
    """The decimal separator a column's texts show: "," or ".", "" when none shows one,
    CONFLICT when some show each."""
    shown = ""
    for text in texts:
        if "." not in text and "," not in text:
            continue  # plain numbers and empty cells show nothing
        try:
            decimal = _shape(text).decimal
        except ValueError:
            continue
        if decimal and shown and decimal != shown:
            return CONFLICT
        shown = decimal or shown
    return shown


def _ambiguity(text: str, shape: _Shape, column: str, unit: str = "") -> str:
    """Why a lone "2.500" is refused, with both readings written so that neither can be misread."""
    sign = "-" if shape.negative else ""
    thousands = f"{sign}{shape.whole}{shape.fraction}{unit}"
    decimals = shape.fraction.rstrip("0")
    if len(decimals) == 3:
        decimals += "0"
    decimal = f"{sign}{shape.whole}{shape.ambiguous}{decimals}" if decimals else f"{sign}{shape.whole}"
    decimal += unit
    values = {"value": text, "thousands": thousands, "decimal": decimal}
    if column == CONFLICT:
        return (
            _(
                "“%(value)s” may be %(thousands)s or %(decimal)s, and this column writes decimals both with a "
                "comma and with a dot; write %(thousands)s or %(decimal)s."
            )
            % values
        )
    return _("“%(value)s” may be %(thousands)s or %(decimal)s; write %(thousands)s or %(decimal)s.") % values


def _bad_grouping(text: str) -> str:
    return _(
        "“%(value)s” is not a number as written: group thousands by three digits (1.234.567) and write "
        "at most one decimal separator (1.234.567,5)."
    ) % {"value": text}


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


class _Numeric(Converter):
    """What whole numbers, decimals and money share: the reading of a number's text."""

    memo = True
    #: How a lone "4.000" reads when the column does not tell: thousands, or refused.
    thousands_when_unsure = False
    #: The decimal separator this file's column shows ("," or "."), "" or CONFLICT (for_column).
    column_decimal = ""
    #: An amount never has three decimals (money): a lone "4.000" is then never read as 4.
    at_most_two_decimals = False

    def invalid(self) -> str:
        return _("Enter a number, for example 2,5 or 2.5.")

    def prepare(self, text: str) -> tuple[str, int]:
        """The number's own text and what it is multiplied by (money: "1,5 juta")."""
        return text, 1

    def unit(self, text: str) -> str:
        """The word after the number that multiplies it, as written (" juta"), for messages."""
        return ""

    def decimal_value(self, raw: object) -> Decimal:
        """The number a cell holds; CellError when its text is not a number or may be two."""
        if isinstance(raw, bool):
            raise CellError(self.invalid())
        if isinstance(raw, int):
            return Decimal(raw)
        if isinstance(raw, float | Decimal):
            number = Decimal(repr(raw)) if isinstance(raw, float) else raw
            if not number.is_finite():
                raise CellError(self.invalid())
            return number
        text = str(raw).strip()
        body, factor = self.prepare(text)
        try:
            shape = _shape(body)
        except _BadGrouping:
            raise CellError(_bad_grouping(text)) from None
        except _NotANumber:
            raise CellError(self.invalid()) from None
        whole, fraction = shape.whole, shape.fraction
        if shape.ambiguous:
            column = self.column_decimal
            if column == shape.ambiguous:
                if self.at_most_two_decimals and factor == 1:
                    # Rupiah has no third decimal: "4.000" beside "1,500.00" is 4000 or a slip.
                    raise CellError(_ambiguity(text, shape, "", self.unit(text)))
                # Otherwise the column writes decimals this way: "2.500" is two and a half.
            elif column == _OTHER_SEPARATOR[shape.ambiguous] or (
                not column and self.thousands_when_unsure and factor == 1
            ):
                whole, fraction = whole + fraction, ""
            else:
                raise CellError(_ambiguity(text, shape, column, self.unit(text)))
        number = Decimal(("-" if shape.negative else "") + whole + ("." + fraction if fraction else ""))
        if factor != 1:
            number = (number * factor).normalize()
        return number

    def for_column(self, raws: "Iterable[object]") -> "Converter":
        shown = _shown_decimal(self.prepare(raw)[0] for raw in set(raws) if raw.__class__ is str)
        if not shown:
            return self
        column = copy.copy(self)
        column.__dict__.pop("_memo", None)
        column.column_decimal = shown
        return column


class Integer(_Numeric):
    """A whole number; "4.000" is four thousand unless the column writes decimals with a dot."""

    thousands_when_unsure = True

    def invalid(self) -> str:
        return _("Enter a whole number.")

    def parse(self, raw: object) -> int:
        try:
            if raw.__class__ is str and _INTEGER.match(raw.strip()):
                return int(raw)
            number = self.decimal_value(raw)
            if number != number.to_integral_value():
                raise CellError(_("Enter a whole number."))
            return int(number)
        except ValueError:  # thousands of digits: past what Python turns into an int
            raise CellError(self.invalid()) from None

    def allowed(self) -> str:
        return _("a whole number; thousands may be grouped (1.234.567)")


class Number(_Numeric):
    """A decimal number; read at the field's precision so that "2,5" equals a stored 2.500."""

    def __init__(self, decimal_places: int | None = None):
        self.quantum = Decimal(1).scaleb(-decimal_places) if decimal_places is not None else None

    def parse(self, raw: object) -> Decimal:
        number = self.decimal_value(raw)
        if self.quantum is not None:
            if number.as_tuple().exponent < self.quantum.as_tuple().exponent:
                # Zeros beyond the field's decimals ("1,2340") drop; other decimals are left for
                # the model's own check to report, never rounded away.
                number = number.normalize()
            if number.as_tuple().exponent >= self.quantum.as_tuple().exponent:
                try:
                    number = number.quantize(self.quantum)
                except InvalidOperation:
                    pass  # more digits than any field holds: the model's check says so
        return number

    def export(self, value: object) -> object:
        """The stored decimal, unless a re-import could not tell it from thousands: "2.500" is
        written "2.5", and "1.234" (three decimals of their own) "1.2340"."""
        if (
            isinstance(value, Decimal)
            and value.is_finite()
            and value.as_tuple().exponent == -3
            and 1 <= abs(value) < 1000
        ):
            exponent = value.normalize().as_tuple().exponent
            value = value.quantize(Decimal(1).scaleb(-4 if exponent == -3 else min(exponent, 0)))
        return value

    def allowed(self) -> str:
        return _("a number; decimal comma or dot (2,5 or 2.5), thousands may be grouped (1.234,5)")


_RUPIAH_PREFIX = re.compile(r"^(?:rp|idr)\.?\s*", re.IGNORECASE)
_RUPIAH_SUFFIX = re.compile(r"\s*(?:[.,]\s*-+|rupiah|idr)$", re.IGNORECASE)
# "1,5 juta" in a money column: the words a budget line uses for its amounts.
_MULTIPLIERS = {
    **{"ribu": 10**3, "rb": 10**3, "juta": 10**6, "jt": 10**6},
    **{"miliar": 10**9, "milyar": 10**9, "triliun": 10**12},
}
_MULTIPLIER = re.compile(r"\s*(" + "|".join(_MULTIPLIERS) + r")\.?$", re.IGNORECASE)


class Money(Number):
    """An amount in Rupiah as asset registers write it: "Rp 314.000.000,-", "314.000.000,00",
    "IDR 1,5 juta". "4.000" is four thousand Rupiah, and refused when the column writes decimals
    with a dot (it is then four thousand or a slip, never four)."""

    at_most_two_decimals = True

    thousands_when_unsure = True

    def __init__(self) -> None:
        super().__init__(2)

    def invalid(self) -> str:
        return _("Enter an amount in Rupiah, for example 314.000.000 or Rp 314.000.000,-.")

    def prepare(self, text: str) -> tuple[str, int]:
        text = _SPACE_CHARS.sub(" ", text).strip()
        sign = ""
        if text[:1] in _MINUS:
            sign, text = "-", text[1:].lstrip()
        text = _RUPIAH_PREFIX.sub("", text)
        if not sign and text[:1] in _MINUS:
            sign, text = "-", text[1:].lstrip()
        text = _RUPIAH_SUFFIX.sub("", text)
        factor = 1
        if m := _MULTIPLIER.search(text):
            factor, text = _MULTIPLIERS[m.group(1).casefold()], text[: m.start()]
        return sign + text, factor

    def unit(self, text: str) -> str:
        m = _MULTIPLIER.search(_RUPIAH_SUFFIX.sub("", text.strip()))
        return " " + m.group(1) if m else ""

    def allowed(self) -> str:
        return _("an amount in Rupiah: 314000000, 314.000.000, Rp 314.000.000,- or 1,5 juta")


# --- dates ------------------------------------------------------------------------------------
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "january", "jan"),
            ("februari", "february", "feb", "pebruari", "peb"),
            ("maret", "march", "mar"),
            ("april", "apr"),
            ("mei", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("agustus", "august", "agu", "ags", "agt", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov", "nopember", "nop"),
            ("desember", "december", "des", "dec"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    *("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu", "ahad"),
    *("sen", "sel", "rab", "kam", "jum", "sab", "min"),
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
}
_TIME = r"(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?"
# A year is read from at most nine digits (a longer one is no date, and no int to convert).
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})" + _TIME + "$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{1,9})" + _TIME + "$")
_D_MONTH_Y = re.compile(r"^(\d{1,2})[\s\-./]*([^\W\d_]+)\.?[\s\-./,]+(\d{1,9})$")
_MONTH_D_Y = re.compile(r"^([^\W\d_]+)\.?[\s\-]+(\d{1,2}),?[\s\-]+(\d{1,9})$")
_WEEKDAY = re.compile(r"^([^\W\d_]+)'?([^\W\d_]*)\.?\s*,?\s+")
_SERIAL = re.compile(r"^\d{5}(?:[.,]\d+)?$")
_YEAR = re.compile(r"^\d{4}$")
# Spreadsheet programs count days from 30 December 1899; a number in a date column is such a
# serial when it falls between these dates (anything else is more likely a mistake).
_SERIAL_EPOCH = datetime.date(1899, 12, 30)
_SERIAL_RANGE = (datetime.date(1950, 1, 1), datetime.date(2100, 12, 31))
# The years an inventory's dates fall in (purchases, warranties, plans).
_YEARS = (1900, 2100)


class Date(Converter):
    """A date as Indonesian offices write it: 26/10/2015, 04-03-2019, 2019-03-04, "4 Maret 2019",
    "Senin, 4 Maret 2019", a date cell or a spreadsheet date serial. Day before month, always."""

    memo = True
    #: A cell of this file's column that only reads month first ("10/26/2015"), from for_column:
    #: then "03/04/2019" there may be either, and is refused.
    month_first = ""

    def parse(self, raw: object) -> datetime.date:
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        if isinstance(raw, bool):
            raise CellError(self.invalid())
        if isinstance(raw, int | float | Decimal):
            return self.serial(Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw), str(raw))
        text = " ".join(str(raw).split())
        if _SERIAL.match(text):
            return self.serial(Decimal(text.replace(",", ".")), text)
        if _YEAR.match(text):
            raise CellError(_("“%(value)s” is only a year; write the whole date, as in 26/10/2015.") % {"value": text})
        if (m := _WEEKDAY.match(text)) and (m.group(1) + m.group(2)).casefold() in _WEEKDAYS:
            text = text[m.end() :]
        if m := _YMD.match(text):
            return self.make(text, int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(1))
        if m := _DMY.match(text):
            day, month = int(m.group(1)), int(m.group(2))
            if self.month_first and len(m.group(3)) == 4 and day <= 12 and month <= 12 and day != month:
                raise CellError(
                    _(
                        "Other dates in this column put the month first (%(example)s), so “%(value)s” may be "
                        "either; write it as yyyy-mm-dd or as 4 Maret 2019."
                    )
                    % {"example": self.month_first, "value": text}
                )
            return self.make(text, int(m.group(3)), month, day, m.group(3))
        for pattern, day_group, month_group in ((_D_MONTH_Y, 1, 2), (_MONTH_D_Y, 2, 1)):
            m = pattern.match(text)
            if m and m.group(month_group).casefold() in _MONTHS:
                month = _MONTHS[m.group(month_group).casefold()]
                return self.make(text, int(m.group(3)), month, int(m.group(day_group)), m.group(3))
        raise CellError(self.invalid())

    def invalid(self) -> str:
        return _("Enter a date as dd/mm/yyyy (26/10/2015), yyyy-mm-dd or 4 Maret 2019.")

    def make(self, text: str, year: int, month: int, day: int, year_text: str) -> datetime.date:
        if len(year_text) != 4:
            if len(year_text) == 2:
                raise CellError(
                    _("“%(value)s” has a two-digit year; write the year in full, as in 26/10/2015.") % {"value": text}
                )
            raise CellError(self.invalid())
        if not _YEARS[0] <= year <= _YEARS[1]:
            # "04/03/0019" is a two-digit year in disguise, not the year 19.
            raise CellError(
                _("“%(value)s”: the year %(year)s cannot be right; write a year between 1900 and 2100.")
                % {"value": text, "year": year_text}
            )
        if not 1 <= month <= 12:
            raise CellError(
                _("“%(value)s” has no month %(month)s; write the day first, as dd/mm/yyyy (26/10/2015).")
                % {"value": text, "month": month}
            )
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise CellError(_("%(value)s is not a valid date.") % {"value": text}) from None

    def serial(self, number: Decimal, text: str) -> datetime.date:
        """The date a spreadsheet's day count stands for (a date cell that lost its format)."""
        low, high = ((limit - _SERIAL_EPOCH).days for limit in _SERIAL_RANGE)
        # Compared as a number first: a far larger one (20190304 typed for a date) is no date at all.
        if number.is_finite() and low <= number < high + 1:
            return _SERIAL_EPOCH + datetime.timedelta(days=int(number))
        raise CellError(
            _(
                "%(value)s is not a date: a number in a date column is read as a spreadsheet date serial, and "
                "this one is not between 1950 and 2100. Write the date as dd/mm/yyyy."
            )
            % {"value": text}
        )

    def for_column(self, raws: "Iterable[object]") -> "Converter":
        for raw in raws:
            if raw.__class__ is str and (m := _DMY.match(raw.strip())) and int(m.group(1)) <= 12 < int(m.group(2)):
                column = copy.copy(self)
                column.__dict__.pop("_memo", None)
                column.month_first = raw.strip()
                return column
        return self

    def allowed(self) -> str:
        return _("a date: dd/mm/yyyy, yyyy-mm-dd, 4 Maret 2019 or a date cell")


# --- yes or no --------------------------------------------------------------------------------
# "t" is not here: it is "tidak" to some and "true" to others.
_TRUE = {"ya", "iya", "y", "yes", "true", "1", "benar", "on", "ada", "sudah", "aktif"}
_FALSE = {"tidak", "tdk", "no", "n", "false", "0", "salah", "off", "tidak ada", "tdk ada", "belum", "tidak aktif"}


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
    """How a choice's words are compared: "Belum Migrasi", "belum-migrasi" and "BELUM MIGRASI."
    are the same words."""
    return _CHOICE_JUNK.sub("", str(text).casefold())


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
        if self.integer and key.endswith("nm"):
            key = key[:-2]
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
