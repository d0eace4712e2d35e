"""``manage.py diagram_compare``: two dates of a view in one file, refusals naming the option."""

import io

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from .history_city import HistoryCity

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(db):
    return HistoryCity()


def run(*args: str) -> str:
    err = io.StringIO()
    call_command("diagram_compare", *args, stderr=err)
    return err.getvalue()


def test_two_dates_in_one_pdf_on_the_paper_asked_for(city, tmp_path):
    out = tmp_path / "changes.pdf"
    said = run(
        "city",
        "--compare-from",
        "2025-12-31",
        "--as-of",
        "2026-01-31",
        "--paper",
        "A3",
        "-o",
        str(out),
        "--language",
        "en",
    )
    pages = PdfReader(out).pages
    assert pages and all(abs(float(p.mediabox.width) - 1190.55) < 1.5 for p in pages)
    assert "Added since Dec. 31, 2025: 2" in said and "Removed since Dec. 31, 2025: 2" in said


def test_the_format_follows_the_file_name(city, tmp_path):
    out = tmp_path / "changes.svg"
    run("fiber", "--compare-from", "2025-12-31", "-o", str(out), "--language", "id")
    assert b"Ditambahkan sejak 31 Des. 2025" in out.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--compare-from", "2026-01-31", "--as-of", "2025-12-31"], "--compare-from: The first date must be before"),
        (["--compare-from", "31/02/2025"], "--compare-from: “31/02/2025” is not a date"),
        (["--compare-from", "2025-12-31", "--as-of", "2999-01-01"], "--as-of: The date is in the future"),
        (["--compare-from", "2025-12-31", "--paper", "B5"], "--paper: Unknown paper size “B5”"),
        (["--compare-from", "2025-12-31", "--org", "Nope"], "--org: Unknown OPD “Nope”."),
    ],
)
def test_refusals_name_the_option(city, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        run("city", *args, "-o", str(out), "--language", "en")
    assert not out.exists()


def test_refusals_in_indonesian(city, tmp_path):
    with pytest.raises(CommandError, match="Tanggal pertama harus sebelum tanggal kedua"):
        run("city", "--compare-from", "2026-01-31", "--as-of", "2025-12-31", "-o", str(tmp_path / "x.svg"))


@pytest.mark.django_db
def test_the_comparisons_own_refusals_are_in_the_readers_language(city, tmp_path):
    with pytest.raises(CommandError, match="Bahasa “xx” tidak dikenal"):
        call_command("diagram_compare", "city", "--compare-from", "2025-06-30", "--language", "xx", "-o", "-")
    with pytest.raises(CommandError, match="Bahasa “xx” tidak dikenal"):
        call_command("diagram", "city", "--compare-from", "2025-06-30", "--language", "xx", "-o", "-")
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(
            "diagram_compare",
            "city",
            "--compare-from",
            "2025-12-31",
            "--as-of",
            "2026-01-31",
            "--language",
            "en",
            "-o",
            str(tmp_path / "missing" / "x.svg"),
        )
