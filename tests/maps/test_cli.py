"""``manage.py diagram``: the page's diagrams into files, with the page's messages for refused input."""

import io

import pytest
from django.core.management import CommandError, call_command

from infra.inventory.models import Organization, Site

from .web_city import MAGIC, demo_city_fixture, pdf_pages  # noqa: F401  (the fixture demo_city)

pytestmark = pytest.mark.django_db


def _draw(*args: str) -> str:
    err = io.StringIO()
    call_command("diagram", *args, stderr=err, stdout=io.StringIO())
    return err.getvalue()


def test_a3_landscape_pdf_of_the_city(demo_city, tmp_path):
    out = tmp_path / "kota.pdf"
    said = _draw("city", "--format", "pdf", "--paper", "A3", "--orientation", "landscape", "-o", str(out))
    assert f"{out}: city, pdf" in said
    data = out.read_bytes()
    assert MAGIC["pdf"](data)
    assert {(round(w), round(h)) for w, h in pdf_pages(data)} == {(1191, 842)}


@pytest.mark.parametrize("fmt", ["svg", "png", "dot", "pdf"])
def test_the_format_follows_the_file_name(demo_city, tmp_path, fmt):
    out = tmp_path / f"serat.{fmt}"
    _draw("fiber", "-o", str(out))
    assert MAGIC[fmt](out.read_bytes())


def test_filters_by_opd_and_site(demo_city, tmp_path):
    organization = Organization.objects.filter(devices__isnull=False).order_by("pk").first()
    site = Site.objects.filter(devices__isnull=False).order_by("pk").first()
    _draw("organization", "--org", str(organization.pk), "-o", str(tmp_path / "opd.svg"))
    assert MAGIC["svg"]((tmp_path / "opd.svg").read_bytes())
    _draw("site", "--site", str(site.pk), "--colour-by", "reachability", "-o", str(tmp_path / "site.dot"))
    assert site.name.encode() in (tmp_path / "site.dot").read_bytes()


def test_a_past_date(demo_city, tmp_path):
    from django.utils import timezone

    yesterday = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    _draw("city", "--as-of", yesterday, "-o", str(tmp_path / "kemarin.svg"))
    assert MAGIC["svg"]((tmp_path / "kemarin.svg").read_bytes())


def test_standard_output(demo_city, capfdbinary):
    call_command("diagram", "fiber", "--format", "dot", "-o", "-", stderr=io.StringIO())
    assert MAGIC["dot"](capfdbinary.readouterr().out)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["nowhere"], "VIEW:"),
        (["city", "--org", "999999"], "--org:"),
        (["city", "--paper", "A0", "--format", "pdf"], "--paper:"),
        (["city", "--orientation", "sideways", "--format", "pdf"], "--orientation:"),
        (["city", "--as-of", "1990-01-01"], "--as-of:"),
        (["city", "--as-of", "2999-01-01"], "--as-of:"),
        (["city", "--as-of", "kemarin"], "--as-of:"),
        (["site"], "--site:"),
        (["city", "--format", "gif"], "--format:"),
    ],
)
def test_refused_input_is_a_command_error_in_either_language(demo_city, tmp_path, args, said):
    out = tmp_path / "x.svg"
    with pytest.raises(CommandError) as english:
        _draw(*args, "--language", "en", "-o", str(out))
    with pytest.raises(CommandError) as indonesian:
        _draw(*args, "--language", "id", "-o", str(out))
    assert said in str(english.value) and said in str(indonesian.value)
    assert str(english.value) != str(indonesian.value)
    assert not out.exists()


def test_a_folder_that_does_not_exist_is_a_command_error(demo_city, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        _draw("fiber", "-o", str(tmp_path / "tidak-ada" / "x.svg"))


def test_past_the_time_limit(demo_city, tmp_path):
    with pytest.raises(CommandError, match="longer than"):
        _draw("city", "--timeout", "0.000001", "--language", "en", "-o", str(tmp_path / "x.pdf"))
