"""Import cells read as Indonesian offices write them: numbers, money, dates, yes/no, everyday words.

The rule under every number test: a cell is read as the number its writer meant or refused with a
message that says what to write. "4.000" is never four without a word.
"""

import csv
import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from infra.inventory import spreadsheets
from infra.inventory.choices import (
    DeviceKind,
    DeviceStatus,
    FundingSource,
    MigrationState,
)
from infra.inventory.models import Device, FiberLink
from infra.inventory.spreadsheets.cells import (
    Boolean,
    CellError,
    Choice,
    Date,
    Integer,
    Money,
    Number,
)
from infra.inventory.spreadsheets.synonyms import INDONESIAN_LABELS

from ..factories import OrganizationFactory, SiteFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English, whatever translations the project gains."""
    with translation.override("en"):
        yield


def read(converter, raw, column=None):
    """What one cell reads as, in a column of ``column`` (its own cells by default)."""
    converter = converter.for_column([raw] if column is None else column)
    return converter.read(raw)


def refusal(converter, raw, column=None):
    with pytest.raises(CellError) as refused:
        read(converter, raw, column)
    return str(refused.value)


# --- numbers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("4.000", 4000),
        ("4,000", 4000),
        ("1.234.567", 1234567),
        ("1,234,567", 1234567),
        ("1 234 567", 1234567),
        ("-1.000", -1000),
        ("12,0", 12),
        ("1.234,00", 1234),
        (" 2019 ", 2019),
        (4000.0, 4000),
    ],
)
def test_whole_numbers_read_grouped_thousands(text, expected):
    assert read(Integer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2,5", Decimal("2.5")),
        ("2.5", Decimal("2.5")),
        ("1.234,5", Decimal("1234.5")),
        ("1,234.5", Decimal("1234.5")),
        ("1.234.567", Decimal("1234567")),
        ("1.234.567,50", Decimal("1234567.5")),
        ("1,234,567.5", Decimal("1234567.5")),
        ("0.500", Decimal("0.5")),  # a leading 0 cannot group thousands
        ("0,125", Decimal("0.125")),
        ("1234.567", Decimal("1234.567")),  # four digits before the separator: no grouping
        ("-5,41", Decimal("-5.41")),
        ("1 234,5", Decimal("1234.5")),
        (",5", Decimal("0.5")),
    ],
)
def test_decimal_numbers_in_both_conventions(text, expected):
    assert read(Number(3), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rp 314.000.000", Decimal("314000000")),
        ("Rp. 314.000.000,-", Decimal("314000000")),
        ("Rp314.000.000,00", Decimal("314000000")),
        ("IDR 1.500.000", Decimal("1500000")),
        ("314.000.000,50", Decimal("314000000.50")),
        ("314000000", Decimal("314000000")),
        ("4.000", Decimal("4000")),
        ("Rp 4.000", Decimal("4000")),
        ("314.000.000 rupiah", Decimal("314000000")),
        ("IDR 1,5 juta", Decimal("1500000")),
        ("Rp 2,25 miliar", Decimal("2250000000")),
        ("750 ribu", Decimal("750000")),
        ("-Rp 1.000", Decimal("-1000")),
        ("Rp -1.000", Decimal("-1000")),
        (314000000.0, Decimal("314000000")),
    ],
)
def test_money_in_rupiah(text, expected):
    value = read(Money(), text)
    assert value == expected and value.as_tuple().exponent == -2


def test_a_lone_separator_before_three_digits_is_decided_by_the_column():
    # A decimal column: "2.500" km is two and a half when the column writes decimals with a dot...
    assert read(Number(3), "2.500", ["0.8", "2.500", "1,234.5"]) == Decimal("2.5")
    # ...and two thousand five hundred when it writes them with a comma (or groups with dots).
    assert read(Number(3), "2.500", ["0,8", "2.500"]) == Decimal("2500")
    assert read(Number(3), "2.500", ["1.234.567", "2.500"]) == Decimal("2500")
    assert read(Number(3), "2,500", ["0,8", "2,500"]) == Decimal("2.5")
    # A whole-number column whose other cells write decimals with a dot: "4.000" is 4 there.
    assert read(Integer(), "4.000", ["4.000", "12.0"]) == 4
    with pytest.raises(CellError, match="may be 4000 or 4"):  # Rupiah has no third decimal
        read(Money(), "4.000", ["4.000", "Rp 1,234.50"])


def test_a_decimal_column_that_does_not_tell_refuses_the_lone_separator():
    assert refusal(Number(3), "2.500") == "“2.500” may be 2500 or 2.5; write 2500 or 2.5."
    assert refusal(Number(3), "4,000") == "“4,000” may be 4000 or 4; write 4000 or 4."
    # Both readings are written so that neither can be misread again.
    assert refusal(Number(3), "1.234") == "“1.234” may be 1234 or 1.2340; write 1234 or 1.2340."
    assert refusal(Number(3), "-2.500") == "“-2.500” may be -2500 or -2.5; write -2500 or -2.5."
    assert read(Number(3), "1.2340") == Decimal("1.234")


def test_a_column_that_contradicts_itself_refuses_the_lone_separator():
    column = ["0.8", "1,5", "2.500"]
    assert refusal(Number(3), "2.500", column) == (
        "“2.500” may be 2500 or 2.5, and this column writes decimals both with a comma and with a dot; "
        "write 2500 or 2.5."
    )
    assert refusal(Integer(), "4.000", ["4.000", "1.5", "2,5"]).startswith("“4.000” may be 4000 or 4")
    # The cells whose shape says what they are still read.
    assert read(Number(3), "0.8", column) == Decimal("0.8") and read(Number(3), "1,5", column) == Decimal("1.5")


def test_money_with_a_multiplier_never_guesses_the_lone_separator():
    assert refusal(Money(), "Rp 1.500 juta") == (
        "“Rp 1.500 juta” may be 1500 juta or 1.5 juta; write 1500 juta or 1.5 juta."
    )
    assert read(Money(), "1.500 juta", ["1.500 juta", "2,5 juta"]) == Decimal("1500000000")


@pytest.mark.parametrize(
    "text", ["1.23.456", "12.34.567", "1.234.56", "1,23,456", "1.234,567.5", "1,5.3", "0.123.456", "1 23"]
)
def test_bad_grouping_is_refused(text):
    for converter in (Integer(), Number(3), Money()):
        assert refusal(converter, text) == (
            f"“{text}” is not a number as written: group thousands by three digits (1.234.567) and write at "
            "most one decimal separator (1.234.567,5)."
        )


@pytest.mark.parametrize("text", ["abc", "12a", "1.", "--1", "Rp", "2,5 km", "1e5", "NaN"])
def test_what_is_not_a_number_is_refused(text):
    assert refusal(Number(3), text) == "Enter a number, for example 2,5 or 2.5."
    assert refusal(Integer(), text) == "Enter a whole number."
    message = refusal(Money(), text)
    assert message.startswith("Enter an amount in Rupiah") or "not a number as written" in message


def test_a_whole_number_column_refuses_decimals_and_other_values():
    assert refusal(Integer(), "2,5") == "Enter a whole number."
    assert refusal(Integer(), "1.234,5") == "Enter a whole number."
    assert refusal(Integer(), True) == "Enter a whole number."
    assert refusal(Number(3), float("nan")) == "Enter a number, for example 2,5 or 2.5."


def test_money_keeps_more_decimals_than_rupiah_have_for_the_model_to_report():
    # 1234.567 is not silently rounded: the field's own check names the extra decimal place.
    assert read(Money(), "1.234,567") == Decimal("1234.567")


def test_zeros_beyond_the_fields_decimals_drop_and_other_decimals_stay_for_the_model():
    assert read(Number(3), "1,2340") == Decimal("1.234") and read(Number(3), "1,2340").as_tuple().exponent == -3
    assert read(Number(3), "1,23456") == Decimal("1.23456")  # the field's check reports it, nothing is rounded
    assert read(Number(3), "1" * 40) == Decimal("1" * 40)  # no crash: the field's check reports it


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**12), 10**12))
def test_an_exported_decimal_reimports_alone(digits):
    """A CSV export writes numbers as text; each must read back as itself, whatever the column holds."""
    for converter, number in ((Number(3), Decimal(digits).scaleb(-3)), (Money(), Decimal(digits).scaleb(-2))):
        text = str(converter.export(number))
        assert converter.read(text) == number, text
        assert converter.for_column([text]).read(text) == number, text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2.750", "2.75"),
        ("1.234", "1.2340"),
        ("12.000", "12"),
        ("100.000", "100"),
        ("100.500", "100.5"),
        ("0.125", "0.125"),
        ("1234.567", "1234.567"),
        ("-2.500", "-2.5"),
        ("-5.429100", "-5.429100"),
        ("2.50", "2.50"),
    ],
)
def test_exports_write_decimals_that_cannot_be_misread(value, text):
    assert str(Number(3).export(Decimal(value))) == text
    assert str(Money().export(Decimal("314000000.00"))) == "314000000.00"


# --- the property: never a different magnitude ------------------------------------------------
STYLES = ("plain_dot", "plain_comma", "indonesian", "english", "rupiah", "rupiah_dash")


def write_number(number: Decimal, style: str, places: int) -> str:
    """``number`` as a person writes it in ``style``, with ``places`` decimals."""
    sign = "-" if number < 0 else ""
    whole, _dot, fraction = f"{abs(number).quantize(Decimal(1).scaleb(-places)):f}".partition(".")
    decimal, group = {
        "plain_dot": (".", ""),
        "plain_comma": (",", ""),
        "indonesian": (",", "."),
        "english": (".", ","),
        "rupiah": (",", "."),
        "rupiah_dash": (",", "."),
    }[style]
    if group:
        groups = []
        while len(whole) > 3:
            whole, groups = whole[:-3], [whole[-3:], *groups]
        whole = group.join([whole, *groups])
    text = sign + whole + (decimal + fraction if fraction else "")
    if style == "rupiah":
        return "Rp " + text
    if style == "rupiah_dash":
        return f"Rp. {text}" + ("" if fraction else ",-")
    return text


numbers = st.one_of(
    st.integers(-(10**15), 10**15).map(Decimal),
    st.builds(lambda n, places: Decimal(n).scaleb(-places), st.integers(-(10**15), 10**15), st.integers(1, 2)),
    st.sampled_from([Decimal(n) for n in (0, 1, 4, 1000, 4000, 2500, 999, 1000000)]),
)
CONVERTERS = [Integer(), Number(), Number(2), Number(3), Money()]


def written_places(number: Decimal, extra: int) -> int:
    own = max(0, -number.normalize().as_tuple().exponent) if number else 0
    return min(own + extra, 2) if own <= 2 else own


def read_or_refused(converter, text, column):
    try:
        return converter.for_column(column).read(text)
    except CellError:
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    column=st.lists(st.tuples(numbers, st.integers(0, 2)), min_size=1, max_size=6),
    style=st.sampled_from(STYLES),
)
def test_no_number_is_read_as_a_different_magnitude(column, style):
    texts = [write_number(n, style, written_places(n, extra)) for n, extra in column]
    for (number, _extra), text in zip(column, texts, strict=True):
        for converter in CONVERTERS:
            for cells in ([text], texts):
                value = read_or_refused(converter, text, cells)
                assert value is None or value == number, (converter, text, cells, value)
            try:
                value = converter.read(text)  # the declared converter, without its column
            except CellError:
                continue
            assert value == number, (converter, text, value)


@settings(max_examples=300, deadline=None)
@given(
    column=st.lists(
        st.builds(lambda n, places: Decimal(n).scaleb(-places), st.integers(-(10**12), 10**12), st.integers(0, 3)),
        min_size=1,
        max_size=6,
    ),
    style=st.sampled_from(("plain_dot", "plain_comma", "indonesian", "english")),
)
def test_decimal_columns_with_three_places_are_read_right_or_refused(column, style):
    """Lengths in km have three decimals: "2.500" written for 2,5 must never become 2500."""
    texts = [write_number(n, style, 3) for n in column]
    for number, text in zip(column, texts, strict=True):
        for cells in ([text], texts):
            value = read_or_refused(Number(3), text, cells)
            assert value is None or value == number, (text, cells, value)


@pytest.mark.parametrize(
    ("number", "style", "places", "text"),
    [
        (Decimal("1234567.5"), "indonesian", 1, "1.234.567,5"),
        (Decimal("1234567.5"), "english", 1, "1,234,567.5"),
        (Decimal("314000000"), "rupiah_dash", 0, "Rp. 314.000.000,-"),
        (Decimal("-4000"), "indonesian", 0, "-4.000"),
    ],
)
def test_the_property_writes_numbers_as_people_do(number, style, places, text):
    assert write_number(number, style, places) == text


# --- dates ------------------------------------------------------------------------------------
MARCH_4 = datetime.date(2019, 3, 4)


@pytest.mark.parametrize(
    "raw",
    [
        "04/03/2019",
        "4/3/2019",
        "04-03-2019",
        "04.03.2019",
        "2019-03-04",
        "2019/03/04",
        "2019-03-04 00:00:00",
        "2019-03-04T13:45:00",
        "04/03/2019 08:30",
        "4 Maret 2019",
        "4 maret 2019",
        "04 Mar 2019",
        "4 Mar. 2019",
        "4-Mar-2019",
        "Senin, 4 Maret 2019",
        "Senin 4 Maret 2019",
        "Monday, 4 March 2019",
        "March 4, 2019",
        "Mar 4 2019",
        datetime.date(2019, 3, 4),
        datetime.datetime(2019, 3, 4, 10, 30),
        43528,  # a date cell that lost its format: the spreadsheet's day count
        43528.75,
        "43528",
    ],
)
def test_dates_in_every_form_an_office_writes(raw):
    assert read(Date(), raw) == MARCH_4


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("26/10/2015", datetime.date(2015, 10, 26)),
        ("17 Agustus 2020", datetime.date(2020, 8, 17)),
        ("1 Agt 2020", datetime.date(2020, 8, 1)),
        ("30 Nopember 2021", datetime.date(2021, 11, 30)),
        ("6 Oktober 2025", datetime.date(2025, 10, 6)),
        ("Jumat, 3 Januari 2025", datetime.date(2025, 1, 3)),
        ("Jum'at, 3 Januari 2025", datetime.date(2025, 1, 3)),
        ("29/02/2024", datetime.date(2024, 2, 29)),
        (18264, datetime.date(1950, 1, 1)),
        (73415, datetime.date(2100, 12, 31)),
    ],
)
def test_more_dates(raw, expected):
    assert read(Date(), raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("04/03/19", "“04/03/19” has a two-digit year; write the year in full, as in 26/10/2015."),
        ("4 Maret 19", "“4 Maret 19” has a two-digit year; write the year in full, as in 26/10/2015."),
        ("31/02/2025", "31/02/2025 is not a valid date."),
        ("29/02/2023", "29/02/2023 is not a valid date."),
        ("10/26/2015", "“10/26/2015” has no month 26; write the day first, as dd/mm/yyyy (26/10/2015)."),
        ("2019", "“2019” is only a year; write the whole date, as in 26/10/2015."),
        ("besok", "Enter a date as dd/mm/yyyy (26/10/2015), yyyy-mm-dd or 4 Maret 2019."),
        ("4 Maretan 2019", "Enter a date as dd/mm/yyyy (26/10/2015), yyyy-mm-dd or 4 Maret 2019."),
        ("Kemarin, 4 Maret 2019", "Enter a date as dd/mm/yyyy (26/10/2015), yyyy-mm-dd or 4 Maret 2019."),
        ("04/03/219", "Enter a date as dd/mm/yyyy (26/10/2015), yyyy-mm-dd or 4 Maret 2019."),
        ("04/03/0019", "“04/03/0019”: the year 0019 cannot be right; write a year between 1900 and 2100."),
        ("2219-03-04", "“2219-03-04”: the year 2219 cannot be right; write a year between 1900 and 2100."),
        (
            100,
            "100 is not a date: a number in a date column is read as a spreadsheet date serial, and this one is "
            "not between 1950 and 2100. Write the date as dd/mm/yyyy.",
        ),
        (
            "99999",
            "99999 is not a date: a number in a date column is read as a spreadsheet date serial, and this one "
            "is not between 1950 and 2100. Write the date as dd/mm/yyyy.",
        ),
    ],
)
def test_dates_that_cannot_be_read_say_what_to_write(raw, message):
    assert refusal(Date(), raw) == message


def test_a_column_that_puts_the_month_first_refuses_the_dates_that_may_be_either():
    column = ["10/26/2015", "03/04/2019", "05/05/2019", "2019-03-04"]
    assert refusal(Date(), "03/04/2019", column) == (
        "Other dates in this column put the month first (10/26/2015), so “03/04/2019” may be either; write it "
        "as yyyy-mm-dd or as 4 Maret 2019."
    )
    assert refusal(Date(), "10/26/2015", column).startswith("“10/26/2015” has no month 26")
    # The same day and month, and ISO dates, read the same either way.
    assert read(Date(), "05/05/2019", column) == datetime.date(2019, 5, 5)
    assert read(Date(), "2019-03-04", column) == MARCH_4
    # Without such a cell the day comes first, as everywhere in Indonesia.
    assert read(Date(), "03/04/2019", ["03/04/2019", "26/10/2015"]) == datetime.date(2019, 4, 3)


# --- yes or no --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[(word, True) for word in ("ya", "Ya", "IYA", "y", "yes", "benar", "ada", "Sudah", "true", "1", 1, True)],
        *[(word, False) for word in ("tidak", "Tidak Ada", "tdk", "n", "no", "salah", "belum", "false", "0", 0)],
        ("", False),
        (None, False),
    ],
)
def test_yes_and_no_words(raw, expected):
    assert Boolean().read(raw) is expected


@pytest.mark.parametrize("raw", ["t", "mungkin", "2", 2, "x"])
def test_a_yes_or_no_that_may_be_either_is_refused(raw):
    assert refusal(Boolean(), raw) == "Enter ya or tidak."


# --- everyday words for choices ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("Belum Migrasi", MigrationState.INVENTORIED),
        ("Sudah Dinilai", MigrationState.ASSESSED),
        ("Dijadwalkan", MigrationState.SCHEDULED),
        ("Proses Migrasi", MigrationState.MIGRATING),
        ("Sedang Dimigrasi", MigrationState.MIGRATING),
        ("Sudah Migrasi", MigrationState.ACCEPTED),
        ("Tidak Dimigrasi", MigrationState.RETAINED),
        ("  belum   migrasi ", MigrationState.INVENTORIED),
        ("BELUM-MIGRASI.", MigrationState.INVENTORIED),
        ("belummigrasi", MigrationState.INVENTORIED),
        ("migrating", MigrationState.MIGRATING),
        ("Retained at the OPD", MigrationState.RETAINED),
    ],
)
def test_migration_states_in_everyday_words(word, state):
    assert Choice(MigrationState, INDONESIAN_LABELS[MigrationState]).read(word) == state


@pytest.mark.parametrize(
    ("word", "source"),
    [
        ("APBD", FundingSource.APBD),
        ("APBD-P", FundingSource.APBD),
        ("APBD Perubahan", FundingSource.APBD),
        ("apbn", FundingSource.APBN),
        ("DAK", FundingSource.DAK),
        ("Dana Alokasi Khusus", FundingSource.DAK),
        ("Hibah", FundingSource.GRANT),
        ("BLUD", FundingSource.BLUD),
        ("Lainnya", FundingSource.OTHER),
        ("Lain-lain", FundingSource.OTHER),
    ],
)
def test_funding_sources_as_the_asset_register_writes_them(word, source):
    assert Choice(FundingSource, INDONESIAN_LABELS[FundingSource]).read(word) == source


def test_every_everyday_word_stands_for_its_own_value():
    """No word is shadowed by a code or label of another value (matching ignores case and punctuation)."""
    for choices, words in INDONESIAN_LABELS.items():
        converter = Choice(choices, words)
        for value, labels in words.items():
            for label in labels:
                with translation.override("id"):
                    assert converter.read(label) == value, (choices.__name__, label)


def test_an_unknown_word_is_refused_with_the_allowed_values():
    message = refusal(Choice(FundingSource, INDONESIAN_LABELS[FundingSource]), "Swadaya")
    assert message == "Swadaya is not an allowed value. Allowed: apbd, apbn, dak, grant, blud, other."


# --- through an import ------------------------------------------------------------------------
HEADER = ["nama", "opd", "lokasi", "jenis", "status", "tahun_pengadaan", "garansi_sampai", "alamat_ip", "pantau"]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return path


@pytest.fixture
def office(db):
    organization = OrganizationFactory(name="Dinas Komunikasi dan Informatika", short_name="Diskominfo")
    return SiteFactory(name="Pusat Data", organization=organization)


def test_a_device_sheet_in_everyday_words_imports(office, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(
        ["srv-1", "Diskominfo", "Pusat Data", "PC Server", "Beroperasi", "2.019", "26/10/2025", "127.0.9.1/24", "ada"]
    )
    sheet.append(
        ["srv-2", "diskominfo", "pusat data", "Server Virtual", "Mati", 2020, "4 Maret 2026", None, "tidak ada"]
    )
    sheet.append(["sw-1", "Diskominfo", "Pusat Data", "Switch Hub", "Tidak Berfungsi", "2021", 46085, None, "Tidak"])
    sheet.append(
        ["ups-1", "Diskominfo", "Pusat Data", "UPS", "Usulan Penghapusan", "", "Senin, 2 Maret 2026", None, ""]
    )
    path = tmp_path / "perangkat.xlsx"
    workbook.save(path)
    names = ["srv-1", "srv-2", "sw-1", "ups-1"]

    spreadsheets.import_file("devices", path)

    devices = {d.name: d for d in Device.objects.all()}
    assert [(d.kind, d.status, d.purchase_year, d.warranty_end) for d in map(devices.get, names)] == [
        (DeviceKind.SERVER, DeviceStatus.ACTIVE, 2019, datetime.date(2025, 10, 26)),
        (DeviceKind.VIRTUAL_MACHINE, DeviceStatus.OFFLINE, 2020, datetime.date(2026, 3, 4)),
        (DeviceKind.SWITCH, DeviceStatus.OFFLINE, 2021, datetime.date(2026, 3, 4)),
        (DeviceKind.UPS, DeviceStatus.DECOMMISSIONED, None, datetime.date(2026, 3, 2)),
    ]


def test_each_unreadable_cell_is_named_and_nothing_is_saved(office, tmp_path):
    rows = [
        ["srv-1", "Diskominfo", "Pusat Data", "server", "aktif", "2019", "04/03/26", "127.0.9.1/24", "ya"],
        ["srv-2", "Diskominfo", "Pusat Data", "server", "aktif", "2.019,5", "10/26/2025", "127.0.9.2/24", "t"],
        ["srv-3", "Diskominfo", "Pusat Data", "server", "aktif", "20.19", "31/04/2026", "127.0.9.3/24", "ya"],
    ]
    path = write_csv(tmp_path / "perangkat.csv", HEADER, rows)

    with pytest.raises(spreadsheets.ImportFailed) as failure:
        spreadsheets.import_file("devices", path)

    assert [str(e) for e in failure.value.errors] == [
        "Row 2, column garansi_sampai: “04/03/26” has a two-digit year; write the year in full, as in 26/10/2015.",
        "Row 3, column tahun_pengadaan: Enter a whole number.",
        "Row 3, column garansi_sampai: “10/26/2025” has no month 26; write the day first, as dd/mm/yyyy (26/10/2015).",
        "Row 3, column pantau: Enter ya or tidak.",
        "Row 4, column tahun_pengadaan: Enter a whole number.",
        "Row 4, column garansi_sampai: 31/04/2026 is not a valid date.",
    ]
    assert not Device.objects.exists()


FIBER_HEADER = ["kode", "lokasi_a", "lokasi_b", "jenis_kabel", "jumlah_core", "pemasangan", "panjang_km"]


@pytest.fixture
def two_sites(office):
    SiteFactory(name="Kantor Camat", organization=office.organization)


def fiber_rows(*lengths):
    return [
        [f"FO-{i}", "Pusat Data", "Kantor Camat", "G.652D", "24", "duct", length] for i, length in enumerate(lengths)
    ]


def test_an_import_decides_a_lone_separator_from_the_whole_column(two_sites, tmp_path):
    spreadsheets.import_file("fiberlinks", write_csv(tmp_path / "a.csv", FIBER_HEADER, fiber_rows("0.8", "2.500")))

    assert dict(FiberLink.objects.values_list("code", "length_km")) == {
        "FO-0": Decimal("0.8"),
        "FO-1": Decimal("2.5"),
    }


def test_an_import_refuses_a_lone_separator_its_column_does_not_decide(two_sites, tmp_path):
    for lengths, message in [
        (("2.500", "12"), "“2.500” may be 2500 or 2.5; write 2500 or 2.5."),
        (
            ("2.500", "0.8", "1,5"),
            "“2.500” may be 2500 or 2.5, and this column writes decimals both with a comma and with a dot; "
            "write 2500 or 2.5.",
        ),
    ]:
        path = write_csv(tmp_path / "b.csv", FIBER_HEADER, fiber_rows(*lengths))
        with pytest.raises(spreadsheets.ImportFailed) as failure:
            spreadsheets.import_file("fiberlinks", path)
        assert [str(e) for e in failure.value.errors] == [f"Row 2, column panjang_km: {message}"]
        assert not FiberLink.objects.exists()


# --- the documentation ------------------------------------------------------------------------
DOCS = Path(__file__).resolve().parents[2] / "docs"
CHOICE_WORDS = re.compile(r"<!-- choice-words: (\w+) -->\n\| value \| everyday words \|\n\|---\|---\|\n((?:\|.*\n)*)")
DOC_ROW = re.compile(r"^\| `([^`]+)` \([^|]*\) \| (.*) \|$")


def test_the_documentation_lists_every_everyday_word():
    """The everyday-word tables of docs/import-formats.md equal INDONESIAN_LABELS."""
    text = (DOCS / "import-formats.md").read_text(encoding="utf-8")
    documented = {}
    for name, rows in CHOICE_WORDS.findall(text):
        documented[name] = {
            m.group(1): tuple(m.group(2).split(", ")) for m in map(DOC_ROW.match, rows.splitlines()) if m
        }
    expected = {
        choices.__name__: {str(value): labels for value, labels in words.items()}
        for choices, words in INDONESIAN_LABELS.items()
        if words
    }
    assert documented == expected


def test_a_lone_thousand_in_a_money_column_that_writes_dot_decimals_is_refused_never_four():
    from infra.inventory.spreadsheets.cells import Money

    column = Money().for_column(["1,500.00", "4.000", "Rp 2,000,000.50"])
    assert column.read("1,500.00") == Decimal("1500.00")
    with pytest.raises(CellError, match="may be 4000 or 4"):
        column.read("4.000")
    # Alone, or beside Indonesian amounts, it is four thousand.
    assert Money().read("4.000") == Decimal("4000.00")
    assert Money().for_column(["1.500,00", "4.000"]).read("4.000") == Decimal("4000.00")
