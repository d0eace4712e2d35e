"""Diagram snapshots and comparisons through the API: read by every role and read-only tokens, written by
nobody, bad input a 400 in the request's language, fixed numbers of queries."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pypdf import PdfReader

from infra.maps.models import DiagramSnapshot

from ..api.conftest import token_client as _token_client
from .history_city import END_OF_DECEMBER, END_OF_JANUARY, HistoryCity

pytestmark = pytest.mark.django_db

SNAPSHOTS = "/api/diagram-snapshots/"
COMPARE = "/api/diagrams/compare/"
DATES = {"view": "city", "compare_from": "2025-12-31", "as_of": "2026-01-31"}


def token_client(user, *, read_only: bool = False):
    """A token client that reads English unless a request asks otherwise (the API's default is Indonesian)."""
    client = _token_client(user, read_only=read_only)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def city(db):
    return HistoryCity()


@pytest.mark.parametrize("role", ["admin_user", "engineer", "operator", "auditor"])
@pytest.mark.parametrize("read_only", [True, False])
def test_every_role_and_read_only_tokens_read_snapshots_with_their_figures(city, role, read_only, request):
    december = city.take("city", END_OF_DECEMBER)
    api = token_client(request.getfixturevalue(role), read_only=read_only)
    listed = api.get(SNAPSHOTS)
    assert listed.status_code == 200 and listed.json()["count"] == 1
    row = listed.json()["results"][0]
    assert row["id"] == december.pk and row["view"] == "city" and row["view_label"] == "City network"
    assert row["figures"]["sites"]["total"] == 4 and row["figures"]["servers"] == december.figures["servers"]
    assert "topology" not in row and row["drawing"]["pdf"].endswith(f"/{december.pk}/drawing/?format=pdf")
    detail = api.get(row["url"])
    assert detail.status_code == 200 and detail.json()["as_of"].startswith("2025-12-31T23:59:59")
    drawing = api.get(row["drawing"]["svg"])
    assert drawing.status_code == 200 and drawing["Content-Type"] == "image/svg+xml"
    assert b"Kantor Lama" in drawing.content
    compared = api.get(COMPARE, DATES)
    assert compared.status_code == 200 and b"Added since Dec. 31, 2025" in compared.content


@pytest.mark.parametrize("role", ["admin_user", "engineer", "operator", "auditor"])
def test_nobody_writes_snapshots_through_the_api(city, role, request):
    snapshot = city.take()
    api = token_client(request.getfixturevalue(role))
    assert api.post(SNAPSHOTS, {"view": "city"}, format="json").status_code in (403, 405)
    url = f"{SNAPSHOTS}{snapshot.pk}/"
    assert api.patch(url, {"title": "x"}, format="json").status_code in (403, 405)
    assert api.delete(url).status_code in (403, 405)
    assert DiagramSnapshot.objects.get().title == snapshot.title


def test_signed_out_clients_read_nothing(city):
    from rest_framework.test import APIClient

    snapshot = city.take()
    anonymous = APIClient()
    for url in (SNAPSHOTS, f"{SNAPSHOTS}{snapshot.pk}/", f"{SNAPSHOTS}{snapshot.pk}/drawing/", COMPARE):
        assert anonymous.get(url).status_code in (401, 403), url


def test_snapshots_filter_and_order(city, auditor):
    december = city.take("city", END_OF_DECEMBER)
    city.monthly()
    api = token_client(auditor, read_only=True)
    assert api.get(SNAPSHOTS, {"view": "fiber"}).json()["count"] == 1
    assert api.get(SNAPSHOTS, {"trigger": "scheduled"}).json()["count"] == 2
    assert api.get(SNAPSHOTS, {"as_of_before": "2025-12-31"}).json()["count"] == 1
    oldest = api.get(SNAPSHOTS, {"ordering": "as_of"}).json()["results"][0]
    assert oldest["id"] == december.pk


def test_a_snapshot_drawing_on_paper(city, auditor):
    snapshot = city.take("fiber", END_OF_JANUARY)
    api = token_client(auditor, read_only=True)
    pdf = api.get(f"{SNAPSHOTS}{snapshot.pk}/drawing/", {"format": "pdf", "paper": "A3", "orientation": "landscape"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert all(abs(float(p.mediabox.width) - 1190.55) < 1.5 for p in pages)
    png = api.get(f"{SNAPSHOTS}{snapshot.pk}/drawing/", {"format": "png"}, HTTP_ACCEPT="application/json")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("language", "url_query", "field", "message"),
    [
        ("en", ("drawing", {"format": "pdf", "paper": "B5"}), "paper", "Unknown paper size “B5”: use A4 or A3."),
        ("id", ("drawing", {"format": "pdf", "paper": "B5"}), "paper", "Ukuran kertas “B5” tidak dikenal"),
        ("en", ("drawing", {"format": "gif"}), "format", "Unknown format “gif”"),
        ("en", ("compare", {"compare_from": "2026-01-31", "as_of": "2025-12-31"}), "compare_from", "must be before"),
        ("id", ("compare", {"compare_from": "2026-01-31", "as_of": "2025-12-31"}), "compare_from", "harus sebelum"),
        ("en", ("compare", {"compare_from": "yesterday"}), "compare_from", "is not a date"),
        ("id", ("compare", {"compare_from": "yesterday"}), "compare_from", "bukan tanggal"),
        ("en", ("compare", {"compare_from": ""}), "compare_from", "Choose the earlier date to compare from."),
        ("en", ("compare", {"as_of": "2999-01-01"}), "as_of", "The date is in the future"),
        ("id", ("compare", {"as_of": "2999-01-01"}), "as_of", "Tanggal itu di masa depan"),
        ("en", ("compare", {"compare_from": "2001-01-01"}), "compare_from", "The change history begins on"),
        ("en", ("compare", {"format": "pdf", "paper": "Letter"}), "paper", "Unknown paper size"),
        ("en", ("compare", {"view": "planet"}), "view", "Unknown view “planet”."),
    ],
)
def test_bad_input_is_a_400_in_the_requests_language(city, auditor, language, url_query, field, message):
    snapshot = city.take()
    where, query = url_query
    url = f"{SNAPSHOTS}{snapshot.pk}/drawing/" if where == "drawing" else COMPARE
    data = query if where == "drawing" else {**DATES, **query}
    response = token_client(auditor, read_only=True).get(url, data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert any(message in text for text in response.json()[field]), response.json()


@pytest.mark.parametrize("pk", ["999", "abc", str(2**70)])
def test_an_unknown_snapshot_is_not_found(city, auditor, pk):
    api = token_client(auditor, read_only=True)
    assert api.get(f"{SNAPSHOTS}{pk}/").status_code == 404
    assert api.get(f"{SNAPSHOTS}{pk}/drawing/").status_code == 404


def test_compare_gives_every_format(city, auditor):
    api = token_client(auditor, read_only=True)
    dot = api.get(COMPARE, {**DATES, "format": "dot"})
    assert dot.status_code == 200 and b"Removed since" in dot.content
    assert "simpul-city-changes-2025-12-31-2026-01-31.dot" in dot["Content-Disposition"]
    pdf = api.get(COMPARE, {**DATES, "format": "pdf", "paper": "A4", "orientation": "portrait"})
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert pages and all(abs(float(p.mediabox.height) - 841.89) < 1.5 for p in pages)


def queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(ctx.captured_queries)


@pytest.mark.query_counts
def test_the_history_endpoints_run_a_fixed_number_of_queries(city, engineer, query_counts):
    # in the snapshots' language (Indonesian, as monthly ones are drawn), so that they are read, not rebuilt
    with translation.override("id"):
        december = city.take("city", END_OF_DECEMBER, user=engineer)
        city.monthly()
    api = token_client(engineer, read_only=True)
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "id"
    api.get(SNAPSHOTS)  # the token's first use of the day writes its "last used" once
    endpoints = {
        "api/list/diagram-snapshots": f"{SNAPSHOTS}?limit=1000",
        "api/detail/diagram-snapshots": f"{SNAPSHOTS}{december.pk}/",
        "api/maps-history/snapshot-drawing": f"{SNAPSHOTS}{december.pk}/drawing/?format=dot",
        "api/maps-history/compare-stored": f"{COMPARE}?view=city&compare_from=2025-12-31&as_of=2026-01-31&format=dot",
    }
    small = {name: queries(api, url) for name, url in endpoints.items()}
    city.grow(30, user=engineer)
    assert {name: queries(api, url) for name, url in endpoints.items()} == small
    for name, count in small.items():
        query_counts.check(name, count)


def test_a_format_suffix_on_the_drawing_is_not_a_server_error(city, engineer):
    snapshot = city.take("city", END_OF_DECEMBER, user=engineer)
    api = token_client(engineer, read_only=True)
    for suffix in (".json", ".api", ".svg"):
        response = api.get(f"{SNAPSHOTS}{snapshot.pk}/drawing{suffix}")
        assert response.status_code in (200, 404, 406), (suffix, response.status_code)
