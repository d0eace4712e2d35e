"""The diagram form refuses what cannot be drawn, with a clear message in English and Indonesian."""

import datetime

import pytest
from django.utils import timezone, translation

from diagrams import Paper
from infra.maps.forms import DiagramForm

from .city import make_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


def errors(data: dict, language: str) -> dict[str, list[str]]:
    with translation.override(language):
        form = DiagramForm(data)
        assert not form.is_valid()
        return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


@pytest.mark.parametrize(
    ("data", "field", "english", "indonesian"),
    [
        (
            {"view": "organization", "organization": "Dinas Rahasia"},
            "organization",
            "Unknown OPD “Dinas Rahasia”.",
            "OPD “Dinas Rahasia” tidak dikenal.",
        ),
        (
            {"view": "city", "paper": "A5"},
            "paper",
            "Unknown paper size “A5”: use A4 or A3.",
            "Ukuran kertas “A5” tidak dikenal: gunakan A4 atau A3.",
        ),
        (
            {"view": "city", "orientation": "diagonal"},
            "orientation",
            "Unknown orientation “diagonal”: use landscape or portrait.",
            "Orientasi “diagonal” tidak dikenal: gunakan landscape atau portrait.",
        ),
        (
            {"view": "site"},
            "site",
            "This view draws one site: choose the site.",
            "Tampilan ini menggambar satu lokasi: pilih lokasinya.",
        ),
        (
            {"view": "organization"},
            "organization",
            "This view draws one OPD: choose the OPD.",
            "Tampilan ini menggambar satu OPD: pilih OPD-nya.",
        ),
        (
            {"view": "city", "as_of": "31-31-2025"},
            "as_of",
            "“31-31-2025” is not a date: write it as 2025-12-31 or 31/12/2025 (a time may follow).",
            "“31-31-2025” bukan tanggal: tulis sebagai 2025-12-31 atau 31/12/2025 (boleh diikuti jam).",
        ),
        (
            {"view": "fiber", "status": "scheduled"},
            "status",
            "This view draws no servers.",
            "Tampilan ini tidak menggambar server.",
        ),
        (
            {"view": "organization", "organization": "Dinkes", "status": "faulty"},
            "status",
            "This view draws no fiber links.",
            "Tampilan ini tidak menggambar link fiber.",
        ),
        (
            {"view": "datacenter", "site": "Kantor Dinkes"},
            "site",
            "Kantor Dinkes is not a data center.",
            "Kantor Dinkes bukan pusat data.",
        ),
        ({"view": "peta"}, "view", "Unknown view “peta”.", "Tampilan “peta” tidak dikenal."),
        (
            {"view": "city", "as_of": "2026-01-11", "colour_by": "reachability"},
            "colour_by",
            "Reachability is known for now only: draw a past date coloured by migration state.",
            "Keterjangkauan hanya diketahui untuk saat ini: gambar tanggal lampau dengan warna status migrasi.",
        ),
    ],
)
def test_refusals_in_both_languages(city, data, field, english, indonesian):
    assert errors(data, "en") == {field: [english]}
    assert errors(data, "id") == {field: [indonesian]}


def test_a_date_before_the_history_begins(city):
    english = errors({"view": "city", "as_of": "2025-12-31"}, "en")
    assert english == {
        "as_of": ["The change history begins on 10 January 2026, 09:00: no diagram can be drawn for an earlier date."]
    }
    indonesian = errors({"view": "city", "as_of": "2025-12-31"}, "id")
    assert indonesian == {
        "as_of": [
            "Riwayat perubahan dimulai pada 10 Januari 2026, 09:00: diagram tidak dapat digambar untuk tanggal "
            "sebelumnya."
        ]
    }
    # the day the history begins is drawable (its end is after the first record)
    assert DiagramForm({"view": "city", "as_of": "2026-01-10"}).is_valid()


def test_a_date_in_the_future(city):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert errors({"view": "city", "as_of": tomorrow}, "en") == {
        "as_of": ["The date is in the future: a diagram shows what was, not what will be."]
    }
    assert errors({"view": "city", "as_of": tomorrow}, "id") == {
        "as_of": ["Tanggal itu di masa depan: diagram menunjukkan keadaan yang sudah terjadi, bukan yang akan terjadi."]
    }
    later = (timezone.now() + datetime.timedelta(hours=2)).isoformat()
    assert "as_of" in errors({"view": "city", "as_of": later}, "en")
    assert DiagramForm({"view": "city", "as_of": timezone.localdate().isoformat()}).is_valid()


def test_an_empty_history(db):
    assert errors({"view": "city", "as_of": "2026-01-01"}, "en") == {
        "as_of": ["The change history is empty: there is no past to draw yet."]
    }


def test_objects_by_name_code_or_id_and_the_defaults(city):
    c = city
    form = DiagramForm(
        {
            "view": "organization",
            "organization": "dinkes",  # the short name, any case
            "region": "99.01.01",  # a Kemendagri code
            "wave": str(c.wave.pk),
            "status": "scheduled",
            "format": "pdf",
            "paper": "A3",
            "orientation": "portrait",
        }
    )
    assert form.is_valid(), form.errors
    params = form.params()
    assert (params.organization, params.region, params.wave) == (c.orgs["dinkes"], c.regions["a"], c.wave)
    assert (params.status, params.format, params.paper, params.orientation) == ("scheduled", "pdf", "A3", "portrait")
    assert params.as_of is None and params.colour_by == "migration"
    assert params.paper_spec() == Paper("A3", "portrait")
    defaults = DiagramForm({"view": "site", "site": "kantor dinkes"})
    assert defaults.is_valid(), defaults.errors
    p = defaults.params()
    expected = (c.sites["a"], "A4", "landscape", "svg", "migration")
    assert (p.site, p.paper, p.orientation, p.format, p.colour_by) == expected
    other = DiagramForm({"view": "site", "site": "Kantor Disdik"})
    assert other.is_valid()
    assert p.cache_key() != other.params().cache_key()


def test_an_ambiguous_name_asks_for_the_id(city):
    from ..factories import RegionFactory

    RegionFactory(name="Kec A", kind="district", parent=city.regions["b"], code="99.01.09")
    assert errors({"view": "city", "region": "Kec A"}, "en") == {
        "region": ["More than one matches “Kec A”: give its id instead."]
    }
