"""``GET /api/diagrams/``: the page's diagrams as files over the API, for read-only tokens too."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from infra.core.choices import Role
from infra.inventory.models import Site

from ..api.conftest import token_client
from ..factories import UserFactory
from .web_city import MAGIC, demo_city_fixture, pdf_pages, view_queries  # noqa: F401  (the fixture demo_city)

pytestmark = pytest.mark.django_db

TYPES = {"svg": "image/svg+xml", "pdf": "application/pdf", "png": "image/png", "dot": "text/vnd.graphviz"}


@pytest.fixture
def reader(demo_city):
    """An auditor's read-only token: the least a caller can hold."""
    return token_client(UserFactory(role=Role.AUDITOR), read_only=True)


@pytest.mark.parametrize("fmt", list(TYPES))
def test_each_format_comes_with_its_content_type(reader, fmt):
    response = reader.get(f"/api/diagrams/?view=fiber&format={fmt}", HTTP_ACCEPT="*/*")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == TYPES[fmt]
    assert MAGIC[fmt](response.content)
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    assert response["API-Version"]


@pytest.mark.parametrize("view", ["site", "organization", "datacenter", "fiber", "applications", "geographic"])
def test_each_view_as_svg(reader, view):
    response = reader.get(f"/api/diagrams/?{view_queries()[view]}")
    assert response.status_code == 200, response.content[:500]
    assert MAGIC["svg"](response.content)


def test_a_read_only_token_of_an_engineer_and_an_operator_read_them_too(demo_city):
    from infra.inventory.models import Organization

    engineer = token_client(UserFactory(role=Role.ENGINEER), read_only=True)
    operator = token_client(
        UserFactory(role=Role.OPD_OPERATOR, organization=Organization.objects.order_by("pk").first()), read_only=True
    )
    for client in (engineer, operator):
        assert client.get("/api/diagrams/?view=fiber&format=dot").status_code == 200


def test_the_pdf_has_the_paper_asked_for(reader):
    response = reader.get(
        "/api/diagrams/?view=fiber&format=pdf&paper=A3&orientation=portrait", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 200
    assert {(round(w), round(h)) for w, h in pdf_pages(response.content)} == {(842, 1191)}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("view=nowhere", "view"),
        ("view=city&format=gif", "format"),
        ("view=city&format=pdf&paper=A0", "paper"),
        ("view=city&format=pdf&orientation=sideways", "orientation"),
        ("view=city&organization=999999", "organization"),
        ("view=city&as_of=1990-01-01", "as_of"),
        ("view=city&as_of=not-a-date", "as_of"),
        ("view=site", "site"),
    ],
)
def test_bad_input_is_a_400_with_messages_by_field_in_the_callers_language(reader, query, field):
    english = reader.get(f"/api/diagrams/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    indonesian = reader.get(f"/api/diagrams/?{query}", HTTP_ACCEPT_LANGUAGE="id")
    assert english.status_code == indonesian.status_code == 400
    assert english["Content-Type"].startswith("application/json")
    said_en, said_id = english.json()[field], indonesian.json()[field]
    assert said_en and said_id and said_en != said_id, (said_en, said_id)


def test_no_token_no_diagram(demo_city):
    response = APIClient().get("/api/diagrams/?view=city")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_past_the_time_limit_is_a_503_that_says_so(reader, settings):
    settings.SIMPUL_DIAGRAM_TIMEOUT = 0.000001
    response = reader.get("/api/diagrams/?view=city&format=pdf", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert "longer than" in response.json()["detail"]


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_fixed_queries_cold_and_from_the_cache(reader, query_counts):
    cold = _count(reader, "/api/diagrams/?view=city&format=svg")
    warm = _count(reader, "/api/diagrams/?view=city&format=svg")
    assert warm < cold
    query_counts.check("api/diagrams/city", cold)
    query_counts.check("api/diagrams/city-cached", warm)


def test_the_api_and_the_page_share_the_cache_and_its_invalidation(reader):
    first = reader.get("/api/diagrams/?view=city&format=dot").content
    site = Site.objects.order_by("pk").first()
    site.name = "Kantor Sesudah Perubahan"
    site.save()
    second = reader.get("/api/diagrams/?view=city&format=dot").content
    assert b"Kantor Sesudah Perubahan" not in first and b"Kantor Sesudah Perubahan" in second


def test_the_endpoint_is_in_the_schema_and_the_index(reader):
    assert "diagrams" in reader.get("/api/").json()
    schema = reader.get("/api/schema/?format=json", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert b"/api/diagrams/" in schema.content
